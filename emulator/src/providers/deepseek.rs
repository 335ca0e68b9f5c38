//! DeepSeek-R1 prompt bodies (`<｜User｜>...<｜Assistant｜><think>`), answers as `choices`.

use serde_json::{Map, Value, json};

use super::{Native, check_keys, completion_stop, integer_member, number_member, strings_member};
use crate::answer::Reply;
use crate::error::ApiError;
use crate::turn::Role;

const ALLOWED: &[&str] = &["prompt", "max_tokens", "temperature", "top_p", "stop"];
const BEGIN: &str = "<\u{ff5c}begin\u{2581}of\u{2581}sentence\u{ff5c}>";
const END: &str = "<\u{ff5c}end\u{2581}of\u{2581}sentence\u{ff5c}>";
const USER: &str = "<\u{ff5c}User\u{ff5c}>";
const ASSISTANT: &str = "<\u{ff5c}Assistant\u{ff5c}>";

pub(super) fn parse(map: &Map<String, Value>) -> Result<Native, ApiError> {
    check_keys(map, ALLOWED, &["prompt"])?;
    let prompt = super::string_member(map, "prompt")?;
    number_member(map, "temperature", 0.0, 1.0)?;
    number_member(map, "top_p", 0.0, 1.0)?;
    let body = prompt.replace(BEGIN, "").replace(END, "");
    let mut turns = Vec::new();
    let mut system = None;
    // Text before the first role marker is the system prompt; then User/Assistant alternate.
    let mut rest = body.as_str();
    if let Some(first) = rest.find(USER) {
        let head = rest[..first].trim();
        if !head.is_empty() {
            system = Some(head.to_string());
        }
        rest = &rest[first..];
        for part in rest.split(USER).skip(1) {
            let (user, assistant) = part.split_once(ASSISTANT).unwrap_or((part, ""));
            turns.push((Role::User, user.to_string()));
            let assistant = assistant.replace("<think>", "").replace("</think>", "");
            turns.push((Role::Assistant, assistant));
        }
    }
    Ok(Native {
        system,
        messages: super::prompt_messages(&body, turns)?,
        tools: Vec::new(),
        max_tokens: integer_member(map, "max_tokens")?,
        stop_sequences: strings_member(map, "stop")?,
    })
}

/// R1's completion: the reasoning (the prompt opened `<think>`), `</think>`, then the answer.
fn completion(reply: &Reply) -> String {
    match reply.reasoning() {
        Some(reasoning) => format!("{reasoning}\n</think>\n\n{}", reply.text()),
        None => reply.text(),
    }
}

pub(super) fn render(reply: &Reply) -> Value {
    json!({ "choices": [{ "text": completion(reply), "stop_reason": completion_stop(reply.stop_reason) }] })
}

pub(super) fn stream_chunks(reply: &Reply) -> Vec<(Value, u32)> {
    let pieces = super::text_pieces(&completion(reply), reply);
    let count = pieces.len();
    let mut chunks: Vec<(Value, u32)> = pieces
        .into_iter()
        .enumerate()
        .map(|(i, (text, n))| {
            let stop = (i + 1 == count).then(|| completion_stop(reply.stop_reason));
            (
                json!({ "choices": [{ "text": text, "stop_reason": stop }] }),
                n,
            )
        })
        .collect();
    if chunks.is_empty() {
        chunks.push((
            json!({ "choices": [{ "text": "", "stop_reason": completion_stop(reply.stop_reason) }] }),
            0,
        ));
    }
    chunks
}
