//! Anthropic Messages bodies (`anthropic_version: bedrock-2023-05-31`).

use serde_json::{Map, Value, json};

use super::Native;
use super::schema::{check_keys, integer_member, malformed, number_member, strings_member};
use crate::answer::{Reply, json_fragments};
use crate::error::ApiError;
use crate::turn::{AnswerBlock, Block, Message, Role, Sampling, StopReason, ToolChoice, ToolSpec};
use crate::validate;
use bedrock_catalog::Model;

const ALLOWED: &[&str] = &[
    "anthropic_version",
    "anthropic_beta",
    "max_tokens",
    "messages",
    "system",
    "temperature",
    "top_p",
    "top_k",
    "stop_sequences",
    "tools",
    "tool_choice",
    "thinking",
    "metadata",
];

pub(super) fn parse(map: &Map<String, Value>, model: &Model) -> Result<Native, ApiError> {
    check_keys(
        map,
        ALLOWED,
        &["anthropic_version", "max_tokens", "messages"],
    )?;
    let max_tokens = integer_member(map, "max_tokens")?;
    if max_tokens == Some(0) {
        return Err(malformed("#/max_tokens: 0 is not greater or equal to 1"));
    }
    let temperature = number_member(map, "temperature", 0.0, 1.0)?;
    let top_p = number_member(map, "top_p", 0.0, 1.0)?;
    if model.temperature_top_p_exclusive && temperature.is_some() && top_p.is_some() {
        return Err(ApiError::validation(validate::TEMPERATURE_TOP_P_EXCLUSIVE));
    }
    let system = match map.get("system") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Array(parts)) => Some(
            parts
                .iter()
                .filter_map(|p| p.get("text").and_then(Value::as_str))
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        Some(_) => return Err(malformed("#/system: expected type: String or JSONArray")),
    };
    let Some(Value::Array(raw_messages)) = map.get("messages") else {
        return Err(malformed("#/messages: expected type: JSONArray"));
    };
    let mut messages = Vec::with_capacity(raw_messages.len());
    for (i, raw) in raw_messages.iter().enumerate() {
        messages.push(parse_message(raw, i)?);
    }
    validate::check_roles(&messages)?;
    let tools = parse_tools(map)?;
    if !tools.is_empty() && !model.tool_use {
        return Err(ApiError::validation(validate::NO_TOOL_USE));
    }
    Ok(Native {
        system,
        messages,
        tools,
        max_tokens,
        stop_sequences: strings_member(map, "stop_sequences")?,
        sampling: Sampling {
            temperature,
            top_p,
            tool_choice: tool_choice(map),
        },
    })
}

fn parse_message(raw: &Value, i: usize) -> Result<Message, ApiError> {
    let role = match raw.get("role").and_then(Value::as_str) {
        Some("user") => Role::User,
        Some("assistant") => Role::Assistant,
        _ => {
            return Err(malformed(format!(
                "#/messages/{i}/role: expected one of [user, assistant]"
            )));
        }
    };
    let blocks = match raw.get("content") {
        Some(Value::String(text)) => vec![Block::Text(text.clone())],
        Some(Value::Array(parts)) => parts
            .iter()
            .enumerate()
            .map(|(j, p)| parse_part(p, i, j))
            .collect::<Result<_, _>>()?,
        _ => {
            return Err(malformed(format!(
                "#/messages/{i}/content: expected type: String or JSONArray"
            )));
        }
    };
    Ok(Message { role, blocks })
}

fn parse_part(part: &Value, i: usize, j: usize) -> Result<Block, ApiError> {
    let at = |field: &str| format!("#/messages/{i}/content/{j}{field}");
    let text_of = |key: &str| -> Result<String, ApiError> {
        part.get(key)
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| malformed(format!("{}: expected type: String", at(&format!("/{key}")))))
    };
    match part.get("type").and_then(Value::as_str) {
        Some("text") => {
            let text = text_of("text")?;
            if text.trim().is_empty() {
                return Err(ApiError::validation(
                    "messages: text content blocks must be non-empty",
                ));
            }
            Ok(Block::Text(text))
        }
        Some("tool_use") => Ok(Block::ToolUse {
            id: text_of("id")?,
            name: text_of("name")?,
            input: part.get("input").cloned().unwrap_or_else(|| json!({})),
        }),
        Some("tool_result") => {
            let content = match part.get("content") {
                Some(Value::String(s)) => vec![json!({ "text": s })],
                Some(Value::Array(items)) => items.clone(),
                _ => Vec::new(),
            };
            Ok(Block::ToolResult {
                id: text_of("tool_use_id")?,
                content,
                is_error: part
                    .get("is_error")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
            })
        }
        Some("thinking") => Ok(Block::Reasoning(text_of("thinking")?)),
        Some(_) => Ok(Block::Other),
        None => Err(malformed(format!(
            "{}: required key [type] not found",
            at("")
        ))),
    }
}

/// `tool_choice`: `{"type": "auto" | "any" | "tool", "name": ...}`; anything else is `auto`.
fn tool_choice(map: &Map<String, Value>) -> ToolChoice {
    let choice = map.get("tool_choice");
    match choice.and_then(|c| c.get("type")).and_then(Value::as_str) {
        Some("any") => ToolChoice::Any,
        Some("tool") => choice
            .and_then(|c| c.get("name"))
            .and_then(Value::as_str)
            .map_or(ToolChoice::Any, |name| ToolChoice::Tool(name.to_string())),
        _ => ToolChoice::Auto,
    }
}

fn parse_tools(map: &Map<String, Value>) -> Result<Vec<ToolSpec>, ApiError> {
    let Some(raw) = map.get("tools").filter(|v| !v.is_null()) else {
        return Ok(Vec::new());
    };
    let Some(list) = raw.as_array() else {
        return Err(malformed("#/tools: expected type: JSONArray"));
    };
    list.iter()
        .enumerate()
        .map(|(i, t)| {
            let name = t
                .get("name")
                .and_then(Value::as_str)
                .ok_or_else(|| malformed(format!("#/tools/{i}: required key [name] not found")))?;
            Ok(ToolSpec {
                name: name.to_string(),
                description: t
                    .get("description")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                input_schema: t.get("input_schema").cloned().unwrap_or_else(|| json!({})),
            })
        })
        .collect()
}

fn stop_reason(reason: StopReason) -> &'static str {
    match reason {
        StopReason::ToolUse => "tool_use",
        StopReason::MaxTokens => "max_tokens",
        StopReason::StopSequence => "stop_sequence",
        _ => "end_turn",
    }
}

fn content_block(block: &AnswerBlock) -> Value {
    match block {
        AnswerBlock::Text(text) => json!({ "type": "text", "text": text }),
        AnswerBlock::Reasoning(text) => {
            json!({ "type": "thinking", "thinking": text, "signature": "bedrock-local" })
        }
        AnswerBlock::ToolUse { id, name, input } => {
            json!({ "type": "tool_use", "id": id, "name": name, "input": input })
        }
    }
}

pub(super) fn render(reply: &Reply, model: &Model, message_id: &str) -> Value {
    json!({
        "id": message_id,
        "type": "message",
        "role": "assistant",
        "model": model.id,
        "content": reply.blocks.iter().map(content_block).collect::<Vec<_>>(),
        "stop_reason": stop_reason(reply.stop_reason),
        "stop_sequence": null,
        "usage": { "input_tokens": reply.input_tokens, "output_tokens": reply.output_tokens },
    })
}

pub(super) fn stream_chunks(reply: &Reply, model: &Model, message_id: &str) -> Vec<(Value, u32)> {
    let mut chunks = vec![(
        json!({
            "type": "message_start",
            "message": {
                "id": message_id, "type": "message", "role": "assistant", "model": model.id,
                "content": [], "stop_reason": null, "stop_sequence": null,
                "usage": { "input_tokens": reply.input_tokens, "output_tokens": 1 },
            }
        }),
        0,
    )];
    for (index, block) in reply.blocks.iter().enumerate() {
        let (start, deltas): (Value, Vec<(Value, u32)>) = match block {
            AnswerBlock::Text(text) => (
                json!({ "type": "text", "text": "" }),
                reply
                    .text_pieces(text)
                    .into_iter()
                    .map(|(c, n)| (json!({ "type": "text_delta", "text": c }), n))
                    .collect(),
            ),
            AnswerBlock::Reasoning(text) => (
                json!({ "type": "thinking", "thinking": "" }),
                reply
                    .text_pieces(text)
                    .into_iter()
                    .map(|(c, n)| (json!({ "type": "thinking_delta", "thinking": c }), n))
                    .chain(std::iter::once((
                        json!({ "type": "signature_delta", "signature": "bedrock-local" }),
                        0,
                    )))
                    .collect(),
            ),
            AnswerBlock::ToolUse { id, name, input } => (
                json!({ "type": "tool_use", "id": id, "name": name, "input": {} }),
                json_fragments(&input.to_string())
                    .into_iter()
                    .map(|f| {
                        let n = crate::tokens::count(&f);
                        (json!({ "type": "input_json_delta", "partial_json": f }), n)
                    })
                    .collect(),
            ),
        };
        chunks.push((
            json!({ "type": "content_block_start", "index": index, "content_block": start }),
            0,
        ));
        for (delta, n) in deltas {
            chunks.push((
                json!({ "type": "content_block_delta", "index": index, "delta": delta }),
                n,
            ));
        }
        chunks.push((json!({ "type": "content_block_stop", "index": index }), 0));
    }
    chunks.push((
        json!({
            "type": "message_delta",
            "delta": { "stop_reason": stop_reason(reply.stop_reason), "stop_sequence": null },
            "usage": { "output_tokens": reply.output_tokens },
        }),
        0,
    ));
    chunks.push((json!({ "type": "message_stop" }), 0));
    chunks
}
