//! Mistral prompt bodies (`<s>[INST] ... [/INST]`), answers as `outputs`.

use serde_json::{Map, Value, json};

use super::{Native, check_keys, completion_stop, integer_member, number_member, strings_member};
use crate::answer::Reply;
use crate::error::ApiError;
use crate::turn::Role;

const ALLOWED: &[&str] = &[
    "prompt",
    "max_tokens",
    "temperature",
    "top_p",
    "top_k",
    "stop",
];

pub(super) fn parse(map: &Map<String, Value>) -> Result<Native, ApiError> {
    check_keys(map, ALLOWED, &["prompt"])?;
    let prompt = super::string_member(map, "prompt")?;
    number_member(map, "temperature", 0.0, 1.0)?;
    number_member(map, "top_p", 0.0, 1.0)?;
    let body = prompt.replace("<s>", "").replace("</s>", "");
    let mut turns = Vec::new();
    // `[INST] user [/INST] assistant [INST] user [/INST]`
    for part in body.split("[INST]").skip(1) {
        let (user, assistant) = part.split_once("[/INST]").unwrap_or((part, ""));
        turns.push((Role::User, user.to_string()));
        turns.push((Role::Assistant, assistant.to_string()));
    }
    Ok(Native {
        system: None,
        messages: super::prompt_messages(&body, turns)?,
        tools: Vec::new(),
        max_tokens: integer_member(map, "max_tokens")?,
        stop_sequences: strings_member(map, "stop")?,
    })
}

pub(super) fn render(reply: &Reply) -> Value {
    json!({ "outputs": [{ "text": reply.text(), "stop_reason": completion_stop(reply.stop_reason) }] })
}

pub(super) fn stream_chunks(reply: &Reply) -> Vec<(Value, u32)> {
    let pieces = super::text_pieces(&reply.text(), reply);
    let count = pieces.len();
    let mut chunks: Vec<(Value, u32)> = pieces
        .into_iter()
        .enumerate()
        .map(|(i, (text, n))| {
            let stop = (i + 1 == count).then(|| completion_stop(reply.stop_reason));
            (
                json!({ "outputs": [{ "text": text, "stop_reason": stop }] }),
                n,
            )
        })
        .collect();
    if chunks.is_empty() {
        chunks.push((
            json!({ "outputs": [{ "text": "", "stop_reason": completion_stop(reply.stop_reason) }] }),
            0,
        ));
    }
    chunks
}
