//! What a request carries that rules can read: the last tool result, the tool input it answers,
//! the model and the user's text. Shared by reply templates and the `result` match condition.

use std::borrow::Cow;

use serde_json::Value;

use crate::turn::{Block, Message, Role, Turn};

/// The last toolResult block of the last user message, when the tool reported success.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ToolResult<'a> {
    /// The `toolUseId` it answers.
    id: &'a str,
    /// Its content blocks as sent (`{"text": ..}`, `{"json": ..}`, Anthropic `{"type": "text", ..}`).
    content: &'a [Value],
}

impl<'a> ToolResult<'a> {
    /// The last toolResult of the last user message; `None` when there is none or it is an
    /// error result (`status: error`): an error carries no result to answer from.
    pub fn last(turn: &'a Turn) -> Option<Self> {
        let last = turn.messages.last().filter(|m| m.role == Role::User)?;
        last.blocks.iter().rev().find_map(|block| match block {
            Block::ToolResult {
                id,
                content,
                is_error: false,
            } => Some(ToolResult { id, content }),
            _ => None,
        })
    }

    /// The JSON content: the first `json` block, else the first text block that parses as a
    /// JSON object or array (tools often return JSON as text).
    pub fn json(&self) -> Option<Cow<'a, Value>> {
        if let Some(json) = self.content.iter().find_map(|c| c.get("json")) {
            return Some(Cow::Borrowed(json));
        }
        self.texts().find_map(|text| {
            serde_json::from_str::<Value>(text.trim())
                .ok()
                .filter(|v| v.is_object() || v.is_array())
                .map(Cow::Owned)
        })
    }

    /// The content as text: the text blocks joined by newlines, else the JSON content (a JSON
    /// string as it is, anything else as compact JSON); `None` when that is empty.
    pub fn text(&self) -> Option<String> {
        let joined = self.texts().collect::<Vec<_>>().join("\n");
        let text = if joined.trim().is_empty() {
            self.json().and_then(|json| display(&json))?
        } else {
            joined
        };
        Some(text).filter(|t| !t.trim().is_empty())
    }

    /// The input of the tool call this result answers: the toolUse block with the same
    /// `toolUseId` in the assistant message before the last user message.
    pub fn input(&self, turn: &'a Turn) -> Option<&'a Value> {
        let before_last = turn.messages.len().checked_sub(1)?;
        let assistant = turn.messages[..before_last]
            .iter()
            .rev()
            .find(|m| m.role == Role::Assistant)?;
        assistant.blocks.iter().find_map(|block| match block {
            Block::ToolUse { id, input, .. } if id == self.id => Some(input),
            _ => None,
        })
    }

    /// The text blocks' texts.
    fn texts(&self) -> impl Iterator<Item = &'a str> {
        self.content
            .iter()
            .filter_map(|c| c.get("text").and_then(Value::as_str))
    }
}

/// The value at a dotted path (`["current", "temp"]`); a segment of digits also indexes an
/// array. `null` counts as absent.
pub(crate) fn at_path<'v>(value: &'v Value, path: &[String]) -> Option<&'v Value> {
    let mut here = value;
    for segment in path {
        here = match here {
            Value::Object(fields) => fields.get(segment)?,
            Value::Array(items) => items.get(segment.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(here).filter(|v| !v.is_null())
}

/// A JSON value as reply text: strings as they are, numbers and booleans as written, objects
/// and arrays as compact JSON; `None` for `null`.
pub(crate) fn display(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// The text of the latest user message that has any (after a tool round: the question that led
/// to it), text blocks joined by newlines; `None` when no user message has text.
pub(crate) fn user_text(turn: &Turn) -> Option<String> {
    turn.messages
        .iter()
        .rev()
        .filter(|m| m.role == Role::User)
        .map(Message::text)
        .find(|t| !t.trim().is_empty())
}

/// The catalog's display name of the model the call resolved to, else its base id.
pub(crate) fn model_name(turn: &Turn) -> String {
    bedrock_catalog::find_by_id(&turn.base_model_id)
        .map_or_else(|| turn.base_model_id.clone(), |m| m.name.clone())
}
