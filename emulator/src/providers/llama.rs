//! Meta Llama 3.x prompt bodies (`prompt` in the Llama 3 chat template, `max_gen_len`).

use serde_json::{Map, Value, json};

use super::Native;
use super::completion::{checked_prompt, completion_chunks, completion_stop, prompt_messages};
use super::schema::integer_member;
use crate::answer::Reply;
use crate::error::ApiError;
use crate::turn::Role;

const ALLOWED: &[&str] = &["prompt", "max_gen_len", "temperature", "top_p", "images"];
const HEADER_START: &str = "<|start_header_id|>";
const HEADER_END: &str = "<|end_header_id|>";
const END_OF_TURN: &str = "<|eot_id|>";

pub(super) fn parse(map: &Map<String, Value>) -> Result<Native, ApiError> {
    let (prompt, sampling) = checked_prompt(map, ALLOWED)?;
    let mut system = None;
    let mut turns = Vec::new();
    // Each turn is `<|start_header_id|>role<|end_header_id|>\n\ntext<|eot_id|>`.
    for segment in prompt.split(HEADER_START).skip(1) {
        let Some((role, rest)) = segment.split_once(HEADER_END) else {
            continue;
        };
        let text = rest
            .split(END_OF_TURN)
            .next()
            .unwrap_or_default()
            .trim()
            .to_string();
        match role.trim() {
            "system" => system = Some(text),
            "user" | "ipython" => turns.push((Role::User, text)),
            "assistant" => turns.push((Role::Assistant, text)),
            _ => {}
        }
    }
    let plain = prompt.replace("<|begin_of_text|>", "");
    Ok(Native {
        system: system.filter(|s| !s.is_empty()),
        messages: prompt_messages(&plain, turns)?,
        tools: Vec::new(),
        max_tokens: integer_member(map, "max_gen_len")?,
        stop_sequences: Vec::new(),
        sampling,
    })
}

pub(super) fn render(reply: &Reply) -> Value {
    json!({
        "generation": reply.text(),
        "prompt_token_count": reply.input_tokens,
        "generation_token_count": reply.output_tokens,
        "stop_reason": completion_stop(reply.stop_reason),
    })
}

pub(super) fn stream_chunks(reply: &Reply) -> Vec<(Value, u32)> {
    completion_chunks(&reply.text(), reply, |piece| {
        json!({
            "generation": piece.text,
            "prompt_token_count": piece.first.then_some(reply.input_tokens),
            "generation_token_count": piece.sent,
            "stop_reason": piece.last.then(|| completion_stop(reply.stop_reason)),
        })
    })
}
