//! Meta Llama 3.x prompt bodies (`prompt` in the Llama 3 chat template, `max_gen_len`).

use serde_json::{Map, Value, json};

use super::{Native, check_keys, completion_stop, integer_member, number_member};
use crate::answer::Reply;
use crate::error::ApiError;
use crate::turn::Role;

const ALLOWED: &[&str] = &["prompt", "max_gen_len", "temperature", "top_p", "images"];
const HEADER_START: &str = "<|start_header_id|>";
const HEADER_END: &str = "<|end_header_id|>";
const END_OF_TURN: &str = "<|eot_id|>";

pub(super) fn parse(map: &Map<String, Value>) -> Result<Native, ApiError> {
    check_keys(map, ALLOWED, &["prompt"])?;
    let prompt = super::string_member(map, "prompt")?;
    number_member(map, "temperature", 0.0, 1.0)?;
    number_member(map, "top_p", 0.0, 1.0)?;
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
        messages: super::prompt_messages(&plain, turns)?,
        tools: Vec::new(),
        max_tokens: integer_member(map, "max_gen_len")?,
        stop_sequences: Vec::new(),
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
    let pieces = super::text_pieces(&reply.text(), reply);
    let count = pieces.len();
    let mut sent = 0u32;
    let mut chunks: Vec<(Value, u32)> = pieces
        .into_iter()
        .enumerate()
        .map(|(i, (text, n))| {
            sent = sent.saturating_add(n);
            let prompt_tokens = (i == 0).then_some(reply.input_tokens);
            let stop = (i + 1 == count).then(|| completion_stop(reply.stop_reason));
            (
                json!({
                    "generation": text, "prompt_token_count": prompt_tokens,
                    "generation_token_count": sent, "stop_reason": stop,
                }),
                n,
            )
        })
        .collect();
    if chunks.is_empty() {
        chunks.push((
            json!({
                "generation": "", "prompt_token_count": reply.input_tokens,
                "generation_token_count": 0, "stop_reason": completion_stop(reply.stop_reason),
            }),
            0,
        ));
    }
    chunks
}
