//! The deterministic answer when no rule matches: honest, marked `[bedrock-local]`, and useful.
//!
//! In order: an answer built from tool results (after a tool round); an extractive summary (when
//! asked to summarise or shorten); a tool call (when an offered tool fits the question);
//! otherwise a note that no scenario matched, how to reach a real model, and an example rule.

use std::time::Duration;

use serde_json::Value;

use super::rule::{DEFAULT_CHUNK_TOKENS, tool_use_id};
use super::summary::{is_summary_request, requested_sentences, source_text, summarise};
use super::tool_guess::{guess_arguments, pick_tool};
use crate::turn::{
    Answer, AnswerBlock, Block, Role, Source, StopReason, StreamShape, Turn, UsageOverride,
};

/// The mark every fallback text starts with.
pub(crate) const MARK: &str = "[bedrock-local]";

/// How to reach a model instead, said wherever the fallback cannot answer.
const REAL_ANSWERS: &str = "call Amazon Bedrock itself with AWS credentials (`aws configure`, \
    `aws sso login` or `AWS_BEARER_TOKEN_BEDROCK`) and `BEDROCK_BACKEND=aws`.";

/// How much of the question the no-match note quotes.
const QUOTE_CHARS: usize = 80;

/// The fallback answer for `turn`; `notes` (such as built-in files that failed to load) are
/// appended to the no-match text.
pub(crate) fn answer(turn: &Turn, notes: &[String]) -> Answer {
    let question = turn.last_user_text();
    if turn.has_tool_result() {
        return text_answer(from_tool_results(turn));
    }
    if is_summary_request(&question) {
        return text_answer(summary(turn, &question));
    }
    if let Some(tool) = pick_tool(&turn.tools, &question) {
        let input = guess_arguments(tool, &question);
        let text = format!(
            "{MARK} No scenario matched; the question fits the tool `{}`, so it is called with \
             arguments taken from your text.",
            tool.name
        );
        let mut answer = text_answer(text);
        answer.blocks.push(AnswerBlock::ToolUse {
            id: tool_use_id(turn, 0, &tool.name),
            name: tool.name.clone(),
            input,
        });
        answer.stop_reason = StopReason::ToolUse;
        return answer;
    }
    text_answer(no_match(turn, &question, notes))
}

/// A plain text answer from the fallback.
pub(crate) fn text_answer(text: String) -> Answer {
    Answer {
        blocks: vec![AnswerBlock::Text(text)],
        stop_reason: StopReason::EndTurn,
        usage: UsageOverride::default(),
        latency: Duration::ZERO,
        stream: StreamShape {
            tokens_per_chunk: DEFAULT_CHUNK_TOKENS,
            tokens_per_second: None,
        },
        source: Source::Fallback,
    }
}

/// An extractive summary of the text in the request, else of the previous answer (for
/// "make it shorter"), else of the earlier conversation.
fn summary(turn: &Turn, question: &str) -> String {
    let wanted = requested_sentences(question);
    let mut source = source_text(question);
    if source.is_empty() {
        source = earlier_text(turn, Some(Role::Assistant));
    }
    if source.is_empty() {
        source = earlier_text(turn, None);
    }
    let picked = summarise(&source, wanted);
    if picked.is_empty() {
        // "Summarise the water cycle." names a topic, not a text: only a model knows about it.
        return format!(
            "{MARK} This local endpoint is not a model: it summarises only text that is in the \
             request, and \"{}\" carries none. Put the text in the same message (after a colon), \
             or ask a real model: {REAL_ANSWERS}",
            quote(question)
        );
    }
    format!("{MARK} {}", picked.join(" "))
}

/// Text of the messages before the last one (only those of `role` when given), latest first
/// for the assistant (the answer being shortened), without the fallback mark.
fn earlier_text(turn: &Turn, role: Option<Role>) -> String {
    let earlier = &turn.messages[..turn.messages.len().saturating_sub(1)];
    let mut texts = earlier
        .iter()
        .filter(|m| role.is_none_or(|r| m.role == r))
        .map(|m| {
            m.blocks
                .iter()
                .filter_map(|b| match b {
                    Block::Text(t) => Some(t.trim_start_matches(MARK).trim()),
                    _ => None,
                })
                .collect::<Vec<_>>()
                .join("\n")
        });
    let texts: Vec<String> = if role == Some(Role::Assistant) {
        texts.next_back().into_iter().collect()
    } else {
        texts.collect()
    };
    texts.join("\n\n").trim().to_string()
}

/// An answer that reports what the tools returned, for the question that led to them.
fn from_tool_results(turn: &Turn) -> String {
    let Some(last) = turn.messages.last() else {
        return format!("{MARK} No tool results found.");
    };
    let question = turn
        .messages
        .iter()
        .rev()
        .filter(|m| m.role == Role::User)
        .map(|m| turn_text(&m.blocks))
        .find(|t| !t.is_empty());
    let mut parts = Vec::new();
    for block in &last.blocks {
        let Block::ToolResult {
            id,
            content,
            is_error,
        } = block
        else {
            continue;
        };
        let tool = tool_name(turn, id).unwrap_or_else(|| "the tool".into());
        let rendered = content
            .iter()
            .map(render_content)
            .collect::<Vec<_>>()
            .join("; ");
        parts.push(if *is_error {
            format!(
                "`{tool}` reported an error ({rendered}), so there is no result to answer from."
            )
        } else {
            format!("`{tool}` returned {rendered}.")
        });
    }
    match question {
        Some(q) => format!("{MARK} For \"{}\": {}", quote(&q), parts.join(" ")),
        None => format!("{MARK} {}", parts.join(" ")),
    }
}

/// Text blocks of a message, joined.
fn turn_text(blocks: &[Block]) -> String {
    blocks
        .iter()
        .filter_map(|b| match b {
            Block::Text(t) => Some(t.as_str()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The name of the tool a `toolUseId` called, from the assistant's earlier toolUse blocks.
fn tool_name(turn: &Turn, id: &str) -> Option<String> {
    turn.messages.iter().rev().find_map(|m| {
        m.blocks.iter().find_map(|b| match b {
            Block::ToolUse {
                id: use_id, name, ..
            } if use_id == id => Some(name.clone()),
            _ => None,
        })
    })
}

/// One tool result content block as prose: text as is, JSON objects as `key: value` pairs.
fn render_content(content: &Value) -> String {
    if let Some(text) = content.get("text").and_then(Value::as_str) {
        return text.trim().to_string();
    }
    match content.get("json") {
        Some(Value::Object(fields)) => fields
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => format!("{k}: {s}"),
                other => format!("{k}: {other}"),
            })
            .collect::<Vec<_>>()
            .join(", "),
        Some(other) => other.to_string(),
        None => content.to_string(),
    }
}

/// The no-match note: what came in and how to script an answer for it.
fn no_match(turn: &Turn, question: &str, notes: &[String]) -> String {
    let quoted = quote(question);
    let snippet = quoted
        .split_whitespace()
        .take(4)
        .collect::<Vec<_>>()
        .join(" ")
        .replace(['"', '\\'], "");
    let mut text = format!(
        "{MARK} This is the local Bedrock endpoint, not a model, and no scenario scripts an answer \
         to this request ({} on `{}`, turn {}: \"{quoted}\"). For a model's answer: \
         {REAL_ANSWERS} To script this one, add a rule to a scenario file (see \
         emulator/scenarios/README.md), for example:\n\n\
         [[rule]]\nname = \"my-answer\"\nmatch = {{ contains = \"{snippet}\" }}\n\
         reply = {{ text = \"The answer you want to see.\" }}",
        turn.operation.name(),
        turn.model_id,
        turn.turn_number(),
    );
    for note in notes {
        text.push_str("\n\nNote: ");
        text.push_str(note);
    }
    text
}

/// The text shortened to [`QUOTE_CHARS`] characters on one line.
pub(crate) fn quote(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= QUOTE_CHARS {
        return one_line;
    }
    let cut: String = one_line.chars().take(QUOTE_CHARS).collect();
    format!("{}…", cut.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::turn::{Message, Operation, ToolSpec};
    use serde_json::json;

    fn turn(messages: Vec<Message>, tools: Vec<ToolSpec>) -> Turn {
        Turn {
            model_id: "us.amazon.nova-micro-v1:0".into(),
            base_model_id: "amazon.nova-micro-v1:0".into(),
            operation: Operation::Converse,
            system: None,
            messages,
            tools,
            max_tokens: None,
            stop_sequences: vec![],
            sampling: crate::turn::Sampling::default(),
        }
    }

    fn user(text: &str) -> Message {
        Message {
            role: Role::User,
            blocks: vec![Block::Text(text.into())],
        }
    }

    fn assistant(text: &str) -> Message {
        Message {
            role: Role::Assistant,
            blocks: vec![Block::Text(text.into())],
        }
    }

    fn weather_tool() -> ToolSpec {
        ToolSpec {
            name: "get_weather".into(),
            description: "Get current weather for a specific location".into(),
            input_schema: json!({"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]}),
        }
    }

    fn only_text(answer: &Answer) -> String {
        match answer.blocks.as_slice() {
            [AnswerBlock::Text(t)] => t.clone(),
            other => format!("expected one text block, got {other:?}"),
        }
    }

    const ARTICLE: &str = "Solar panels turn sunlight into electricity. Panels on roofs cut \
        electricity bills for households. My neighbour owns a red bicycle. Solar electricity \
        output falls on cloudy days, so panels are paired with batteries.";

    #[test]
    fn every_fallback_text_is_marked_and_from_the_fallback() {
        let a = answer(&turn(vec![user("Write a poem")], vec![]), &[]);
        assert!(only_text(&a).starts_with(MARK));
        assert_eq!(a.source, Source::Fallback);
        assert_eq!(a.stop_reason, StopReason::EndTurn);
    }

    #[test]
    fn summary_request_gets_an_extractive_summary_of_the_requested_length() {
        let q = format!("Summarize the following text in one sentence:\n\n{ARTICLE}");
        let a = answer(&turn(vec![user(&q)], vec![]), &[]);
        assert_eq!(
            only_text(&a),
            "[bedrock-local] Solar panels turn sunlight into electricity."
        );
        let q = format!("Please summarise this in 2-3 sentences: {ARTICLE}");
        let text = only_text(&answer(&turn(vec![user(&q)], vec![]), &[]));
        assert_eq!(text.matches(". ").count() + 1, 2, "{text}");
        assert!(!text.contains("bicycle"));
    }

    #[test]
    fn summary_of_a_topic_without_text_says_only_a_model_can_and_how_to_reach_one() {
        let a = answer(&turn(vec![user("Summarise the water cycle.")], vec![]), &[]);
        let text = only_text(&a);
        assert!(
            text.starts_with("[bedrock-local] This local endpoint is not a model"),
            "{text}"
        );
        assert!(
            text.contains("\"Summarise the water cycle.\" carries none"),
            "{text}"
        );
        assert!(text.ends_with(REAL_ANSWERS), "{text}");
    }

    #[test]
    fn shorter_request_summarises_the_previous_answer() {
        let t = turn(
            vec![
                user(&format!("Summarize: {ARTICLE}")),
                assistant(&format!("{MARK} {ARTICLE}")),
                user("Make it even shorter, one sentence."),
            ],
            vec![],
        );
        assert_eq!(
            only_text(&answer(&t, &[])),
            "[bedrock-local] Solar panels turn sunlight into electricity."
        );
    }

    #[test]
    fn fitting_tool_is_called_with_arguments_from_the_question() {
        let t = turn(
            vec![user(
                "What's the weather in San Francisco? What should I wear?",
            )],
            vec![weather_tool()],
        );
        let a = answer(&t, &[]);
        assert_eq!(a.stop_reason, StopReason::ToolUse);
        let id = tool_use_id(&t, 0, "get_weather");
        assert!(id.starts_with("tooluse_") && id.len() == 28, "{id}");
        assert_eq!(
            a.blocks,
            vec![
                AnswerBlock::Text(
                    "[bedrock-local] No scenario matched; the question fits the tool \
                     `get_weather`, so it is called with arguments taken from your text."
                        .into()
                ),
                AnswerBlock::ToolUse {
                    id,
                    name: "get_weather".into(),
                    input: json!({"location": "San Francisco"}),
                },
            ]
        );
        assert_eq!(
            answer(&t, &[]),
            a,
            "the same turn gets the same answer, id included"
        );
    }

    #[test]
    fn tool_round_is_answered_from_the_tool_result() {
        let t = turn(
            vec![
                user("What's the weather in Seattle?"),
                Message {
                    role: Role::Assistant,
                    blocks: vec![Block::ToolUse {
                        id: "tooluse_1".into(),
                        name: "get_weather".into(),
                        input: json!({"location": "Seattle"}),
                    }],
                },
                Message {
                    role: Role::User,
                    blocks: vec![Block::ToolResult {
                        id: "tooluse_1".into(),
                        content: vec![json!({"json": {"conditions": "Rainy", "temperature": 52}})],
                        is_error: false,
                    }],
                },
            ],
            vec![weather_tool()],
        );
        assert_eq!(
            only_text(&answer(&t, &[])),
            "[bedrock-local] For \"What's the weather in Seattle?\": `get_weather` returned \
             conditions: Rainy, temperature: 52."
        );
    }

    #[test]
    fn error_tool_result_is_reported_as_such() {
        let t = turn(
            vec![
                user("Weather in Atlantis?"),
                Message {
                    role: Role::Assistant,
                    blocks: vec![Block::ToolUse {
                        id: "t9".into(),
                        name: "get_weather".into(),
                        input: json!({}),
                    }],
                },
                Message {
                    role: Role::User,
                    blocks: vec![Block::ToolResult {
                        id: "t9".into(),
                        content: vec![json!({"text": "unknown city"})],
                        is_error: true,
                    }],
                },
            ],
            vec![weather_tool()],
        );
        let text = only_text(&answer(&t, &[]));
        assert!(
            text.contains("`get_weather` reported an error (unknown city)"),
            "{text}"
        );
    }

    #[test]
    fn unmatched_request_explains_how_to_add_a_rule() {
        let t = turn(vec![user("Write a haiku about rain")], vec![weather_tool()]);
        let text = only_text(&answer(&t, &["built-in file broken".into()]));
        assert!(text.starts_with("[bedrock-local] This is the local Bedrock endpoint, not a model, and no scenario scripts an answer to this request (Converse on `us.amazon.nova-micro-v1:0`, turn 1: \"Write a haiku about rain\")"), "{text}");
        assert!(text.contains(REAL_ANSWERS), "{text}");
        assert!(text.contains("emulator/scenarios/README.md"));
        assert!(text.contains("match = { contains = \"Write a haiku about\" }"));
        assert!(text.ends_with("Note: built-in file broken"));
    }
}
