//! DeepSeek-R1 prompt bodies (`<｜User｜>...<｜Assistant｜><think>`), answers as `choices`.

use serde_json::{Map, Value};

use super::Native;
use super::completion::{checked_prompt, prompt_messages, text_list_body, text_list_chunks};
use super::schema::{integer_member, strings_member};
use crate::answer::Reply;
use crate::error::ApiError;
use crate::turn::Role;

const ALLOWED: &[&str] = &["prompt", "max_tokens", "temperature", "top_p", "stop"];
const BEGIN: &str = "<\u{ff5c}begin\u{2581}of\u{2581}sentence\u{ff5c}>";
const END: &str = "<\u{ff5c}end\u{2581}of\u{2581}sentence\u{ff5c}>";
const USER: &str = "<\u{ff5c}User\u{ff5c}>";
const ASSISTANT: &str = "<\u{ff5c}Assistant\u{ff5c}>";

pub(super) fn parse(map: &Map<String, Value>) -> Result<Native, ApiError> {
    let (prompt, sampling) = checked_prompt(map, ALLOWED)?;
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
        messages: prompt_messages(&body, turns)?,
        tools: Vec::new(),
        max_tokens: integer_member(map, "max_tokens")?,
        stop_sequences: strings_member(map, "stop")?,
        sampling,
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
    text_list_body("choices", completion(reply), reply)
}

pub(super) fn stream_chunks(reply: &Reply) -> Vec<(Value, u32)> {
    text_list_chunks("choices", &completion(reply), reply)
}
