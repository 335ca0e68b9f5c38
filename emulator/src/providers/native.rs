//! The family-neutral side of native bodies: what a request says ([`Native`]) and the dispatch
//! to the family of the model for parsing, rendering and streaming.

use serde_json::Value;

use super::schema::{json_type, malformed};
use super::{anthropic, deepseek, llama, mistral, nova, titan};
use crate::answer::Reply;
use crate::error::ApiError;
use crate::turn::{Message, Operation, Sampling, ToolSpec, Turn};
use crate::validate;
use bedrock_catalog::{Model, Provider};

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
    /// Temperature, top-p and tool choice.
    pub sampling: Sampling,
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
        Provider::DeepSeek => deepseek::parse(map)?,
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
        sampling: native.sampling,
    })
}

/// The native InvokeModel response body.
pub fn render(reply: &Reply, model: &Model, message_id: &str) -> Value {
    match model.provider {
        Provider::Anthropic => anthropic::render(reply, model, message_id),
        Provider::Nova => nova::render(reply),
        Provider::Titan => titan::render(reply),
        Provider::Llama => llama::render(reply),
        Provider::DeepSeek => deepseek::render(reply),
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
        Provider::DeepSeek => deepseek::stream_chunks(reply),
        Provider::Mistral => mistral::stream_chunks(reply),
    }
}
