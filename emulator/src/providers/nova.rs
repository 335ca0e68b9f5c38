//! Amazon Nova `messages-v1` bodies (Converse-shaped messages, snake_case or camelCase limits).

use serde_json::{Map, Value, json};

use super::Native;
use super::schema::{check_keys, integer_member, malformed, number_member, strings_member};
use crate::answer::{Reply, json_fragments};
use crate::converse;
use crate::error::ApiError;
use crate::reasoning::Signatures;
use crate::turn::{AnswerBlock, Operation, Sampling};
use crate::validate;
use bedrock_catalog::Model;

const ALLOWED: &[&str] = &[
    "schemaVersion",
    "messages",
    "system",
    "inferenceConfig",
    "toolConfig",
];
const CONFIG_ALLOWED: &[&str] = &[
    "max_new_tokens",
    "maxTokens",
    "temperature",
    "top_p",
    "topP",
    "top_k",
    "topK",
    "stopSequences",
    "reasoningConfig",
];

pub(super) fn parse(map: &Map<String, Value>, model: &Model) -> Result<Native, ApiError> {
    check_keys(map, ALLOWED, &["messages"])?;
    if let Some(version) = map.get("schemaVersion").filter(|v| !v.is_null())
        && version.as_str() != Some("messages-v1")
    {
        return Err(malformed(
            "#/schemaVersion: messages-v1 is the only supported value",
        ));
    }
    let messages = validate::parse_messages(map)?;
    let system = validate::parse_system(map)?;
    let (tools, tool_choice) = validate::parse_tool_config(map, model, Operation::InvokeModel)?;
    validate::check_tool_results(&messages)?;
    let mut sampling = Sampling {
        tool_choice,
        ..Sampling::default()
    };
    let (max_tokens, stop_sequences) = match map.get("inferenceConfig").filter(|v| !v.is_null()) {
        None => (None, Vec::new()),
        Some(Value::Object(config)) => {
            check_keys(config, CONFIG_ALLOWED, &[])?;
            let max = match integer_member(config, "max_new_tokens")? {
                Some(n) => Some(n),
                None => integer_member(config, "maxTokens")?,
            };
            sampling.temperature = number_member(config, "temperature", 0.0, 1.0)?;
            for key in ["top_p", "topP"] {
                if let Some(p) = number_member(config, key, 0.0, 1.0)? {
                    sampling.top_p = Some(p);
                }
            }
            (max, strings_member(config, "stopSequences")?)
        }
        Some(_) => return Err(malformed("#/inferenceConfig: expected type: JSONObject")),
    };
    Ok(Native {
        system,
        messages,
        tools,
        max_tokens,
        stop_sequences,
        sampling,
    })
}

pub(super) fn render(reply: &Reply) -> Value {
    let mut body = converse::response_body(reply, reply.latency, Signatures::none());
    if let Some(map) = body.as_object_mut() {
        map.remove("metrics");
    }
    body
}

pub(super) fn stream_chunks(reply: &Reply) -> Vec<(Value, u32)> {
    let mut chunks = vec![(json!({ "messageStart": { "role": "assistant" } }), 0)];
    for (index, block) in reply.blocks.iter().enumerate() {
        match block {
            AnswerBlock::Text(text) => {
                for (c, n) in reply.text_pieces(text) {
                    chunks.push((
                        json!({ "contentBlockDelta": { "delta": { "text": c }, "contentBlockIndex": index } }),
                        n,
                    ));
                }
            }
            AnswerBlock::Reasoning(text) => {
                for (c, n) in reply.text_pieces(text) {
                    chunks.push((
                        json!({ "contentBlockDelta": {
                            "delta": { "reasoningContent": { "text": c } }, "contentBlockIndex": index
                        } }),
                        n,
                    ));
                }
            }
            AnswerBlock::ToolUse { id, name, input } => {
                chunks.push((
                    json!({ "contentBlockStart": {
                        "start": { "toolUse": { "toolUseId": id, "name": name } }, "contentBlockIndex": index
                    } }),
                    0,
                ));
                for fragment in json_fragments(&input.to_string()) {
                    let n = crate::tokens::count(&fragment);
                    chunks.push((
                        json!({ "contentBlockDelta": {
                            "delta": { "toolUse": { "input": fragment } }, "contentBlockIndex": index
                        } }),
                        n,
                    ));
                }
            }
        }
        chunks.push((
            json!({ "contentBlockStop": { "contentBlockIndex": index } }),
            0,
        ));
    }
    chunks.push((
        json!({ "messageStop": { "stopReason": reply.stop_reason.as_str() } }),
        0,
    ));
    chunks.push((
        json!({ "metadata": { "usage": converse::usage(reply), "metrics": {}, "trace": {} } }),
        0,
    ));
    chunks
}
