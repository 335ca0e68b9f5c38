//! Putting the reasoning block where a reasoning model puts it: first, within its budget.

use super::Mode;
use crate::tokens;
use crate::turn::{Answer, AnswerBlock, Source, Turn};

/// The longest part of the question quoted in a scripted reasoning.
const QUOTED_CHARS: usize = 160;

/// `answer` as a request in `mode` gets it: with reasoning on, its reasoning blocks first (a
/// scenario's `reasoning`, else one scripted reasoning that says it is scripted), cut to the
/// thinking budget; with reasoning off, unchanged.
pub fn shape(mode: Mode, mut answer: Answer, turn: &Turn) -> Answer {
    let budget = match mode {
        Mode::Off => return answer,
        Mode::Budget(budget) => Some(budget),
        Mode::Always => None,
    };
    let (mut reasoning, rest): (Vec<AnswerBlock>, Vec<AnswerBlock>) = answer
        .blocks
        .into_iter()
        .partition(|b| matches!(b, AnswerBlock::Reasoning(_)));
    if reasoning.is_empty() {
        reasoning.push(AnswerBlock::Reasoning(scripted(turn, &answer.source)));
    }
    if let Some(budget) = budget {
        reasoning = within(reasoning, budget);
    }
    reasoning.extend(rest);
    answer.blocks = reasoning;
    answer
}

/// A deterministic reasoning for an answer that has none, marked as the endpoint's own.
fn scripted(turn: &Turn, source: &Source) -> String {
    let question = turn.last_user_text();
    let question = question.trim();
    let quoted: String = question.chars().take(QUOTED_CHARS).collect();
    let ellipsis = if question.chars().count() > QUOTED_CHARS {
        "..."
    } else {
        ""
    };
    let from = match source {
        Source::Scenario(name) => format!("scenario rule `{name}`"),
        Source::Fallback => "the built-in fallback".to_string(),
    };
    if quoted.is_empty() {
        format!(
            "[bedrock-local] Scripted reasoning, not a model's: the last turn carried tool results; the answer comes from {from}."
        )
    } else {
        format!(
            "[bedrock-local] Scripted reasoning, not a model's: the question was \"{quoted}{ellipsis}\"; the answer comes from {from}."
        )
    }
}

/// Reasoning blocks cut so that together they use at most `budget` tokens.
fn within(blocks: Vec<AnswerBlock>, budget: u32) -> Vec<AnswerBlock> {
    let mut left = budget;
    let mut kept = Vec::new();
    for block in blocks {
        let AnswerBlock::Reasoning(text) = block else {
            continue;
        };
        let (cut, _) = tokens::truncate(&text, left);
        left = left.saturating_sub(tokens::count(&cut));
        if !cut.is_empty() {
            kept.push(AnswerBlock::Reasoning(cut));
        }
    }
    kept
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests state expectations
mod tests {
    use super::*;
    use crate::turn::{Block, Message, Operation, Role, StopReason, StreamShape, UsageOverride};
    use std::time::Duration;

    fn turn(text: &str) -> Turn {
        Turn {
            model_id: "m".into(),
            base_model_id: "m".into(),
            operation: Operation::Converse,
            system: None,
            messages: vec![Message {
                role: Role::User,
                blocks: vec![Block::Text(text.into())],
            }],
            tools: Vec::new(),
            max_tokens: None,
            stop_sequences: Vec::new(),
            sampling: crate::turn::Sampling::default(),
        }
    }

    fn answer(blocks: Vec<AnswerBlock>, source: Source) -> Answer {
        Answer {
            blocks,
            stop_reason: StopReason::EndTurn,
            usage: UsageOverride::default(),
            latency: Duration::ZERO,
            stream: StreamShape {
                tokens_per_chunk: 3,
                tokens_per_second: None,
            },
            source,
        }
    }

    #[test]
    fn an_answer_without_reasoning_gets_a_scripted_one_first_that_says_so() {
        let shaped = shape(
            Mode::Always,
            answer(
                vec![AnswerBlock::Text("42".into())],
                Source::Scenario("math".into()),
            ),
            &turn("What is 6 x 7?"),
        );
        assert_eq!(
            shaped.blocks,
            vec![
                AnswerBlock::Reasoning("[bedrock-local] Scripted reasoning, not a model's: the question was \"What is 6 x 7?\"; the answer comes from scenario rule `math`.".into()),
                AnswerBlock::Text("42".into())
            ]
        );
    }

    #[test]
    fn a_scenarios_reasoning_comes_first_and_is_cut_to_the_budget() {
        let long = "one two three four five six seven eight";
        let shaped = shape(
            Mode::Budget(3),
            answer(
                vec![
                    AnswerBlock::Text("done".into()),
                    AnswerBlock::Reasoning(long.into()),
                ],
                Source::Fallback,
            ),
            &turn("q"),
        );
        assert_eq!(
            shaped.blocks,
            vec![
                AnswerBlock::Reasoning("one two three".into()),
                AnswerBlock::Text("done".into())
            ]
        );
    }

    #[test]
    fn reasoning_off_leaves_the_answer_as_written() {
        let original = answer(vec![AnswerBlock::Text("hi".into())], Source::Fallback);
        assert_eq!(shape(Mode::Off, original.clone(), &turn("q")), original);
    }
}
