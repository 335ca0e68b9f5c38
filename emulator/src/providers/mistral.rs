//! Mistral prompt bodies (`<s>[INST] ... [/INST]`), answers as `outputs`.

use serde_json::{Map, Value};

use super::Native;
use super::completion::{checked_prompt, prompt_messages, text_list_body, text_list_chunks};
use super::schema::{integer_member, strings_member};
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
    let (prompt, sampling) = checked_prompt(map, ALLOWED)?;
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
        messages: prompt_messages(&body, turns)?,
        tools: Vec::new(),
        max_tokens: integer_member(map, "max_tokens")?,
        stop_sequences: strings_member(map, "stop")?,
        sampling,
    })
}

pub(super) fn render(reply: &Reply) -> Value {
    text_list_body("outputs", reply.text(), reply)
}

pub(super) fn stream_chunks(reply: &Reply) -> Vec<(Value, u32)> {
    text_list_chunks("outputs", &reply.text(), reply)
}
