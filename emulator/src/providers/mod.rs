//! Native InvokeModel bodies, one module per body family: each parses its request into the
//! parts of a [`Turn`] and renders a [`Reply`] as its response and as its stream chunks.
//!
//! A body in another family's format fails the family's key check with a
//! `ValidationException` ("Malformed input request: #: extraneous key [...]").

mod anthropic;
mod deepseek;
mod llama;
mod mistral;
mod nova;
mod titan;

use serde_json::{Map, Value};

use crate::answer::Reply;
use crate::catalog::{Model, Provider};
use crate::error::ApiError;
use crate::turn::{Message, Operation, Role, StopReason, ToolSpec, Turn};
use crate::validate;

/// What a native request says, before it becomes a [`Turn`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Native {
    /// System prompt.
    pub system: Option<String>,
    /// Conversation.
    pub messages: Vec<Message>,
    /// Tools offered.
    pub tools: Vec<ToolSpec>,
    /// Output limit.
    pub max_tokens: Option<u32>,
    /// Stop sequences.
    pub stop_sequences: Vec<String>,
}

/// Parse a native body for `model` into a [`Turn`].
pub fn parse(
    body: &Value,
    model_id: &str,
    model: &Model,
    operation: Operation,
) -> Result<Turn, ApiError> {
    let map = body.as_object().ok_or_else(|| {
        malformed("#: expected type: JSONObject, found: ".to_string() + json_type(body))
    })?;
    let native = match model.provider {
        Provider::Anthropic => anthropic::parse(map, model)?,
        Provider::Nova => nova::parse(map, model)?,
        Provider::Titan => titan::parse(map)?,
        Provider::Llama => llama::parse(map)?,
        Provider::Deepseek => deepseek::parse(map)?,
        Provider::Mistral => mistral::parse(map)?,
    };
    if native
        .max_tokens
        .is_some_and(|n| n > model.max_output_tokens)
    {
        return Err(ApiError::validation(validate::max_tokens_message(
            model.max_output_tokens,
        )));
    }
    Ok(Turn {
        model_id: model_id.to_string(),
        base_model_id: model.id.clone(),
        operation,
        system: native.system,
        messages: native.messages,
        tools: native.tools,
        max_tokens: native.max_tokens,
        stop_sequences: native.stop_sequences,
    })
}

/// The native InvokeModel response body.
pub fn render(reply: &Reply, model: &Model, message_id: &str) -> Value {
    match model.provider {
        Provider::Anthropic => anthropic::render(reply, model, message_id),
        Provider::Nova => nova::render(reply),
        Provider::Titan => titan::render(reply),
        Provider::Llama => llama::render(reply),
        Provider::Deepseek => deepseek::render(reply),
        Provider::Mistral => mistral::render(reply),
    }
}

/// The native stream chunks, each with the output tokens it carries (for pacing). The caller
/// adds `amazon-bedrock-invocationMetrics` to the last one.
pub fn stream_chunks(reply: &Reply, model: &Model, message_id: &str) -> Vec<(Value, u32)> {
    match model.provider {
        Provider::Anthropic => anthropic::stream_chunks(reply, model, message_id),
        Provider::Nova => nova::stream_chunks(reply),
        Provider::Titan => titan::stream_chunks(reply),
        Provider::Llama => llama::stream_chunks(reply),
        Provider::Deepseek => deepseek::stream_chunks(reply),
        Provider::Mistral => mistral::stream_chunks(reply),
    }
}

/// `Malformed input request: <detail>, please reformat your input and try again.`
pub(crate) fn malformed(detail: impl std::fmt::Display) -> ApiError {
    ApiError::validation(format!(
        "Malformed input request: {detail}, please reformat your input and try again."
    ))
}

/// Reject unknown keys and missing required keys, as Bedrock's JSON-schema check does.
pub(crate) fn check_keys(
    map: &Map<String, Value>,
    allowed: &[&str],
    required: &[&str],
) -> Result<(), ApiError> {
    for key in map.keys() {
        if !allowed.contains(&key.as_str()) {
            return Err(malformed(format!(
                "#: extraneous key [{key}] is not permitted"
            )));
        }
    }
    for key in required {
        if map.get(*key).is_none_or(Value::is_null) {
            return Err(malformed(format!("#: required key [{key}] not found")));
        }
    }
    Ok(())
}

/// A required string member.
pub(crate) fn string_member<'a>(
    map: &'a Map<String, Value>,
    key: &str,
) -> Result<&'a str, ApiError> {
    match map.get(key) {
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(malformed(format!(
            "#/{key}: expected type: String, found: {}",
            json_type(other)
        ))),
        None => Err(malformed(format!("#: required key [{key}] not found"))),
    }
}

/// An optional non-negative integer member.
pub(crate) fn integer_member(map: &Map<String, Value>, key: &str) -> Result<Option<u32>, ApiError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match v.as_u64() {
            Some(n) => Ok(Some(u32::try_from(n).unwrap_or(u32::MAX))),
            None => Err(malformed(format!(
                "#/{key}: expected type: Integer, found: {}",
                json_type(v)
            ))),
        },
    }
}

/// An optional number member within `[min, max]`.
pub(crate) fn number_member(
    map: &Map<String, Value>,
    key: &str,
    min: f64,
    max: f64,
) -> Result<Option<f64>, ApiError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => {
            let n = v.as_f64().ok_or_else(|| {
                malformed(format!(
                    "#/{key}: expected type: Number, found: {}",
                    json_type(v)
                ))
            })?;
            if n < min - 1e-6 {
                return Err(malformed(format!(
                    "#/{key}: {n} is not greater or equal to {min}"
                )));
            }
            if n > max + 1e-6 {
                return Err(malformed(format!(
                    "#/{key}: {n} is not less or equal to {max}"
                )));
            }
            Ok(Some(n))
        }
    }
}

/// An optional list of strings.
pub(crate) fn strings_member(map: &Map<String, Value>, key: &str) -> Result<Vec<String>, ApiError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str().map(str::to_string).ok_or_else(|| {
                    malformed(format!(
                        "#/{key}: expected type: String, found: {}",
                        json_type(v)
                    ))
                })
            })
            .collect(),
        Some(other) => Err(malformed(format!(
            "#/{key}: expected type: JSONArray, found: {}",
            json_type(other)
        ))),
    }
}

/// The JSON-schema type name of a value, for messages.
pub(crate) fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "Null",
        Value::Bool(_) => "Boolean",
        Value::Number(_) => "Number",
        Value::String(_) => "String",
        Value::Array(_) => "JSONArray",
        Value::Object(_) => "JSONObject",
    }
}

/// Messages from a prompt-template body: whatever the template held, or the whole prompt as
/// one user message when it held no recognisable turns.
pub(crate) fn prompt_messages(
    prompt: &str,
    turns: Vec<(Role, String)>,
) -> Result<Vec<Message>, ApiError> {
    let mut messages: Vec<Message> = turns
        .into_iter()
        .filter(|(_, text)| !text.trim().is_empty())
        .map(|(role, text)| Message {
            role,
            blocks: vec![crate::turn::Block::Text(text.trim().to_string())],
        })
        .collect();
    if !messages.iter().any(|m| m.role == Role::User) {
        if prompt.trim().is_empty() {
            return Err(malformed("#/prompt: expected minLength: 1, actual: 0"));
        }
        messages = vec![Message {
            role: Role::User,
            blocks: vec![crate::turn::Block::Text(prompt.trim().to_string())],
        }];
    }
    Ok(messages)
}

/// `stop` / `length` for the prompt-completion families.
pub(crate) fn completion_stop(reason: StopReason) -> &'static str {
    match reason {
        StopReason::MaxTokens => "length",
        _ => "stop",
    }
}

/// Text chunks of a reply's text with their token counts.
pub(crate) fn text_pieces(text: &str, reply: &Reply) -> Vec<(String, u32)> {
    crate::answer::text_chunks(text, reply.stream.tokens_per_chunk)
        .into_iter()
        .map(|c| {
            let n = crate::tokens::count(&c);
            (c, n)
        })
        .collect()
}
