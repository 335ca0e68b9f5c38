//! What the prompt-completion families (Llama, Mistral, DeepSeek, Titan) share: a prompt
//! string in, the conversation recovered from its template, and text answers streamed as one
//! chunk per piece of text.

use serde_json::{Map, Value, json};

use super::schema::{check_keys, malformed, number_member, string_member};
use crate::answer::Reply;
use crate::error::ApiError;
use crate::turn::{Block, Message, Role, Sampling, StopReason, ToolChoice};

/// The `prompt` of a prompt-template body (Llama, Mistral, DeepSeek) and its `temperature` and
/// `top_p`, after the key check and the ranges (0 to 1) all three families have.
pub(super) fn checked_prompt<'a>(
    map: &'a Map<String, Value>,
    allowed: &[&str],
) -> Result<(&'a str, Sampling), ApiError> {
    check_keys(map, allowed, &["prompt"])?;
    let prompt = string_member(map, "prompt")?;
    let sampling = Sampling {
        temperature: number_member(map, "temperature", 0.0, 1.0)?,
        top_p: number_member(map, "top_p", 0.0, 1.0)?,
        tool_choice: ToolChoice::Auto,
    };
    Ok((prompt, sampling))
}

/// Messages from a prompt-template body: whatever the template held, or the whole prompt as
/// one user message when it held no recognisable turns.
pub(super) fn prompt_messages(
    prompt: &str,
    turns: Vec<(Role, String)>,
) -> Result<Vec<Message>, ApiError> {
    let mut messages: Vec<Message> = turns
        .into_iter()
        .filter(|(_, text)| !text.trim().is_empty())
        .map(|(role, text)| Message {
            role,
            blocks: vec![Block::Text(text.trim().to_string())],
        })
        .collect();
    if !messages.iter().any(|m| m.role == Role::User) {
        if prompt.trim().is_empty() {
            return Err(malformed("#/prompt: expected minLength: 1, actual: 0"));
        }
        messages = vec![Message {
            role: Role::User,
            blocks: vec![Block::Text(prompt.trim().to_string())],
        }];
    }
    Ok(messages)
}

/// `stop` / `length` for the prompt-completion families.
pub(super) fn completion_stop(reason: StopReason) -> &'static str {
    match reason {
        StopReason::MaxTokens => "length",
        _ => "stop",
    }
}

/// `{"<list>": [{"text", "stop_reason"}]}`: the answer of Mistral (`outputs`) and DeepSeek
/// (`choices`).
pub(super) fn text_list_body(list: &str, text: String, reply: &Reply) -> Value {
    json!({ list: [{ "text": text, "stop_reason": completion_stop(reply.stop_reason) }] })
}

/// The stream chunks of [`text_list_body`]: `stop_reason` only on the last.
pub(super) fn text_list_chunks(list: &str, text: &str, reply: &Reply) -> Vec<(Value, u32)> {
    completion_chunks(text, reply, |piece| {
        let stop = piece.last.then(|| completion_stop(reply.stop_reason));
        json!({ list: [{ "text": piece.text, "stop_reason": stop }] })
    })
}

/// One stream chunk of a text answer, before it is rendered.
pub(super) struct Piece<'a> {
    /// The chunk's text (empty only in the one chunk of an empty answer).
    pub text: &'a str,
    /// The first chunk.
    pub first: bool,
    /// The last chunk.
    pub last: bool,
    /// Output tokens sent so far, this chunk's included.
    pub sent: u32,
}

/// One chunk per piece of `text` (at the reply's chunk size), each with its output tokens, as
/// `render` makes it; a single empty first-and-last chunk when there is no text.
pub(super) fn completion_chunks(
    text: &str,
    reply: &Reply,
    render: impl Fn(Piece<'_>) -> Value,
) -> Vec<(Value, u32)> {
    let pieces = reply.text_pieces(text);
    let count = pieces.len();
    if count == 0 {
        let empty = Piece {
            text: "",
            first: true,
            last: true,
            sent: 0,
        };
        return vec![(render(empty), 0)];
    }
    let mut sent = 0u32;
    pieces
        .into_iter()
        .enumerate()
        .map(|(i, (text, n))| {
            sent = sent.saturating_add(n);
            let piece = Piece {
                text: &text,
                first: i == 0,
                last: i + 1 == count,
                sent,
            };
            (render(piece), n)
        })
        .collect()
}
