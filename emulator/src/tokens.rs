//! The one token approximation used everywhere: `usage`, CountTokens and the `maxTokens` cut-off.
//!
//! Real tokenizers differ per model and are not available offline, so the local endpoint uses a
//! single deterministic rule that is close enough for English prose and cheap to compute:
//!
//! - a run of ASCII letters and digits (a word) costs one token per started group of 6 characters
//!   (`"hello"` = 1, `"summarisation"` = 3);
//! - every other non-whitespace character (punctuation, symbols, each non-ASCII letter such as
//!   a CJK character or `é`) costs one token;
//! - whitespace is free.
//!
//! [`truncate`] cuts at the same boundaries [`count`] measures, so `count(&truncate(t, n).0) <= n`
//! always holds and a reply cut to `maxTokens` reports exactly what it kept.

use crate::turn::{Block, ToolSpec, Turn};

/// Characters of an ASCII word that make up one token.
const CHARS_PER_TOKEN: usize = 6;

/// Approximate number of tokens in `text` (see the module docs for the rule).
pub fn count(text: &str) -> u32 {
    let tokens: usize = pieces(text).map(|p| p.tokens).sum();
    u32::try_from(tokens).unwrap_or(u32::MAX)
}

/// Input tokens of a request: system prompt, every message block and every tool specification.
///
/// Text blocks count their text; tool calls count name and JSON input; tool results count their
/// content as JSON; a tool specification counts name, description and JSON schema. Blocks the
/// endpoint does not read (images, documents, cache points) count nothing.
pub fn count_turn(turn: &Turn) -> u32 {
    let system = turn.system.as_deref().map_or(0, count);
    let blocks = turn
        .messages
        .iter()
        .flat_map(|m| &m.blocks)
        .map(count_block);
    let tools = turn.tools.iter().map(count_tool);
    blocks.chain(tools).fold(system, u32::saturating_add)
}

/// Input tokens of one message block, as [`count_turn`] counts it.
pub fn count_block(block: &Block) -> u32 {
    match block {
        Block::Text(text) | Block::Reasoning(text) => count(text),
        Block::ToolUse { name, input, .. } => count(name).saturating_add(count(&input.to_string())),
        Block::ToolResult { content, .. } => content
            .iter()
            .map(|c| count(&c.to_string()))
            .fold(0, u32::saturating_add),
        Block::Other => 0,
    }
}

/// Input tokens of one tool specification, as [`count_turn`] counts it.
pub fn count_tool(tool: &ToolSpec) -> u32 {
    count(&tool.name)
        .saturating_add(count(&tool.description))
        .saturating_add(count(&tool.input_schema.to_string()))
}

/// The longest prefix of `text` whose [`count`] is at most `max_tokens`; `true` when text was cut.
///
/// Trailing whitespace of a cut prefix is dropped. A word longer than the remaining budget is
/// split at a 6-character boundary, so the budget is used completely.
pub fn truncate(text: &str, max_tokens: u32) -> (String, bool) {
    let budget = usize::try_from(max_tokens).unwrap_or(usize::MAX);
    let mut used = 0usize;
    for piece in pieces(text) {
        if used + piece.tokens <= budget {
            used += piece.tokens;
            continue;
        }
        let room = budget - used;
        // A partial word keeps `room` whole 6-character groups; anything else is dropped whole.
        let end = if piece.is_word && room > 0 {
            piece.start + room * CHARS_PER_TOKEN
        } else {
            piece.start
        };
        return (text[..end].trim_end().to_string(), true);
    }
    (text.to_string(), false)
}

/// One counted unit of text.
struct Piece {
    /// Byte offset where it starts.
    start: usize,
    /// Its cost.
    tokens: usize,
    /// Whether it is an ASCII word (may be split by [`truncate`]).
    is_word: bool,
}

/// The counted units of `text` in order (whitespace yields none).
fn pieces(text: &str) -> impl Iterator<Item = Piece> + '_ {
    let bytes = text.as_bytes();
    let mut chars = text.char_indices().peekable();
    std::iter::from_fn(move || {
        loop {
            let (start, c) = chars.next()?;
            if c.is_whitespace() {
                continue;
            }
            if !c.is_ascii_alphanumeric() {
                return Some(Piece {
                    start,
                    tokens: 1,
                    is_word: false,
                });
            }
            let mut end = start + 1;
            while end < bytes.len() && bytes[end].is_ascii_alphanumeric() {
                end += 1;
                chars.next();
            }
            return Some(Piece {
                start,
                tokens: (end - start).div_ceil(CHARS_PER_TOKEN),
                is_word: true,
            });
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::turn::{Message, Operation, Role};
    use serde_json::json;

    #[test]
    fn short_words_cost_one_token_each() {
        assert_eq!(count("the cat sat"), 3);
        assert_eq!(count("hello"), 1);
    }

    #[test]
    fn long_words_cost_one_token_per_six_characters() {
        assert_eq!(count("abcdef"), 1);
        assert_eq!(count("abcdefg"), 2);
        assert_eq!(count("summarisation"), 3);
    }

    #[test]
    fn punctuation_and_non_ascii_letters_cost_one_token_each() {
        assert_eq!(count("Hi, you!"), 4);
        assert_eq!(count("café"), 2);
        assert_eq!(count("你好"), 2);
    }

    #[test]
    fn whitespace_and_empty_text_are_free() {
        assert_eq!(count(""), 0);
        assert_eq!(count(" \n\t "), 0);
    }

    #[test]
    fn counting_is_deterministic() {
        let text = "The quick brown fox jumps over the lazy dog. Again!";
        assert_eq!(count(text), count(text));
        assert_eq!(count(text), 12);
    }

    #[test]
    fn truncate_keeps_text_that_fits() {
        assert_eq!(
            truncate("one two three", 3),
            ("one two three".to_string(), false)
        );
        assert_eq!(truncate("", 0), (String::new(), false));
    }

    #[test]
    fn truncate_cuts_at_word_boundaries_within_budget() {
        let (kept, cut) = truncate("one two three four", 2);
        assert!(cut);
        assert_eq!(kept, "one two");
    }

    #[test]
    fn truncate_splits_a_long_word_to_use_the_whole_budget() {
        let (kept, cut) = truncate("internationalisation", 2);
        assert!(cut);
        assert_eq!(kept, "internationa");
        assert_eq!(count(&kept), 2);
    }

    #[test]
    fn truncate_to_zero_tokens_is_empty() {
        assert_eq!(truncate("hello", 0), (String::new(), true));
    }

    #[test]
    fn truncated_text_never_counts_more_than_the_budget() {
        let text = "Bedrock-local answers, deterministically: tokens (approx.) — 42 of them; naïve café 你好!";
        let total = count(text);
        for budget in 0..=total + 1 {
            let (kept, cut) = truncate(text, budget);
            assert!(count(&kept) <= budget, "budget {budget}: {kept:?}");
            assert_eq!(cut, budget < total, "budget {budget}");
            assert!(text.starts_with(&kept));
        }
    }

    #[test]
    fn a_turn_counts_system_messages_and_tool_specs() {
        let turn = Turn {
            model_id: "m".into(),
            base_model_id: "m".into(),
            operation: Operation::Converse,
            system: Some("Be brief.".into()),
            messages: vec![Message {
                role: Role::User,
                blocks: vec![Block::Text("Hello there".into()), Block::Other],
            }],
            tools: vec![ToolSpec {
                name: "get_weather".into(),
                description: "Weather".into(),
                input_schema: json!({}),
            }],
            max_tokens: None,
            stop_sequences: vec![],
            sampling: crate::turn::Sampling::default(),
        };
        // "Be brief." = 3, "Hello there" = 2, "get_weather" = 4, "Weather" = 2, "{}" = 2.
        assert_eq!(count_turn(&turn), 13);
    }
}
