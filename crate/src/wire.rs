//! Conversions between this crate's plain data and the SDK's types.
//!
//! The SDK's `Document` has no serde support (and its objects are HashMaps), so JSON is
//! converted by hand in both directions.

use std::collections::HashMap;

use aws_sdk_bedrockruntime::operation::RequestId;
use aws_sdk_bedrockruntime::operation::converse::ConverseOutput;
use aws_sdk_bedrockruntime::types::{
    self as sdk, CachePointBlock, CachePointType, ContentBlock, ContentBlockDelta,
    ContentBlockStart, ConversationRole, ConverseOutput as OutputUnion, ConverseStreamOutput,
    GuardrailConverseContentBlock, GuardrailConverseTextBlock, InferenceConfiguration,
    JsonSchemaDefinition, OutputConfig, OutputFormat, OutputFormatStructure, OutputFormatType,
    ReasoningContentBlock, ReasoningContentBlockDelta, ReasoningTextBlock, SystemContentBlock,
    TokenUsage, ToolConfiguration, ToolInputSchema, ToolResultBlock, ToolResultContentBlock,
    ToolResultStatus, ToolSpecification, ToolUseBlock,
};
use aws_smithy_types::{Document, Number};
use bedrock_catalog::CacheTtl;
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::guardrail::report_from_trace;
use crate::message::{Block, Message, Role, ToolStatus, ToolUse};
use crate::reply::{Reply, Usage};
use crate::request::{OutputSchema, Request, ToolChoice};
use crate::stream::StreamEvent;

/// JSON → SDK `Document`.
pub(crate) fn to_document(value: &Value) -> Document {
    match value {
        Value::Null => Document::Null,
        Value::Bool(b) => Document::Bool(*b),
        Value::Number(n) => Document::Number(if let Some(u) = n.as_u64() {
            Number::PosInt(u)
        } else if let Some(i) = n.as_i64() {
            Number::NegInt(i)
        } else {
            Number::Float(n.as_f64().unwrap_or_default())
        }),
        Value::String(s) => Document::String(s.clone()),
        Value::Array(items) => Document::Array(items.iter().map(to_document).collect()),
        Value::Object(map) => Document::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), to_document(v)))
                .collect::<HashMap<_, _>>(),
        ),
    }
}

/// SDK `Document` → JSON (object keys sorted, since the SDK kept no order).
pub(crate) fn from_document(document: &Document) -> Value {
    match document {
        Document::Null => Value::Null,
        Document::Bool(b) => Value::Bool(*b),
        Document::Number(Number::PosInt(u)) => Value::from(*u),
        Document::Number(Number::NegInt(i)) => Value::from(*i),
        Document::Number(Number::Float(f)) => {
            serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number)
        }
        Document::String(s) => Value::String(s.clone()),
        Document::Array(items) => Value::Array(items.iter().map(from_document).collect()),
        Document::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let mut out = Map::new();
            for key in keys {
                if let Some(v) = map.get(key) {
                    out.insert(key.clone(), from_document(v));
                }
            }
            Value::Object(out)
        }
    }
}

fn build_error(error: impl std::fmt::Display) -> Error {
    Error::invalid(error.to_string())
}

/// The request members shared by Converse and ConverseStream, in SDK types.
pub(crate) struct Parts {
    pub messages: Vec<sdk::Message>,
    pub system: Option<Vec<SystemContentBlock>>,
    pub inference: Option<InferenceConfiguration>,
    pub tools: Option<ToolConfiguration>,
    pub additional: Option<Document>,
    pub output: Option<OutputConfig>,
}

/// A Converse or ConverseStream builder with the model id and a request's [`Parts`] set. The
/// SDK's two fluent builders share no trait, so this is a macro rather than a function.
macro_rules! with_parts {
    ($builder:expr, $id:expr, $parts:expr) => {{
        let parts: $crate::wire::Parts = $parts;
        $builder
            .model_id($id)
            .set_messages(Some(parts.messages))
            .set_system(parts.system)
            .set_inference_config(parts.inference)
            .set_tool_config(parts.tools)
            .set_additional_model_request_fields(parts.additional)
            .set_output_config(parts.output)
    }};
}
pub(crate) use with_parts;

/// Converts a request to SDK types.
pub(crate) fn parts(request: &Request) -> Result<Parts> {
    if request.messages.is_empty() {
        return Err(Error::invalid(
            "the request has no messages: add a user prompt",
        ));
    }
    let messages = request
        .messages
        .iter()
        .map(sdk_message)
        .collect::<Result<Vec<_>>>()?;
    let system = match &request.system {
        Some(text) => {
            let mut blocks = vec![SystemContentBlock::Text(text.clone())];
            if let Some(ttl) = request.system_cache {
                blocks.push(SystemContentBlock::CachePoint(cache_point(ttl)?));
            }
            Some(blocks)
        }
        None => None,
    };
    let has_inference = request.max_tokens.is_some()
        || request.temperature.is_some()
        || request.top_p.is_some()
        || !request.stop_sequences.is_empty();
    let inference = has_inference.then(|| {
        InferenceConfiguration::builder()
            .set_max_tokens(
                request
                    .max_tokens
                    .map(|m| i32::try_from(m).unwrap_or(i32::MAX)),
            )
            .set_temperature(request.temperature)
            .set_top_p(request.top_p)
            .set_stop_sequences(
                (!request.stop_sequences.is_empty()).then(|| request.stop_sequences.clone()),
            )
            .build()
    });
    let tools = if request.tools.is_empty() {
        None
    } else {
        let mut builder = ToolConfiguration::builder();
        for spec in &request.tools {
            builder = builder.tools(sdk::Tool::ToolSpec(
                ToolSpecification::builder()
                    .name(spec.name.clone())
                    .description(spec.description.clone())
                    .input_schema(ToolInputSchema::Json(to_document(&spec.input_schema)))
                    .build()
                    .map_err(build_error)?,
            ));
        }
        if let Some(ttl) = request.tools_cache {
            builder = builder.tools(sdk::Tool::CachePoint(cache_point(ttl)?));
        }
        let choice = match request.tool_choice.as_ref().unwrap_or(&ToolChoice::Auto) {
            ToolChoice::Auto => sdk::ToolChoice::Auto(sdk::AutoToolChoice::builder().build()),
            ToolChoice::Any => sdk::ToolChoice::Any(sdk::AnyToolChoice::builder().build()),
            ToolChoice::Tool(name) => sdk::ToolChoice::Tool(
                sdk::SpecificToolChoice::builder()
                    .name(name.clone())
                    .build()
                    .map_err(build_error)?,
            ),
        };
        Some(builder.tool_choice(choice).build().map_err(build_error)?)
    };
    let output = match &request.output_schema {
        Some(wanted) => Some(output_config(wanted)?),
        None => None,
    };
    Ok(Parts {
        messages,
        system,
        inference,
        tools,
        additional: additional_fields(request).as_ref().map(to_document),
        output,
    })
}

/// `additionalModelRequestFields`: the request's own, with Claude's `thinking` when it is on.
fn additional_fields(request: &Request) -> Option<Value> {
    let Some(budget) = request.thinking else {
        return request.additional_fields.clone();
    };
    let mut fields = match &request.additional_fields {
        Some(Value::Object(fields)) => fields.clone(),
        _ => Map::new(),
    };
    fields.insert(
        "thinking".into(),
        serde_json::json!({ "type": "enabled", "budget_tokens": budget }),
    );
    Some(Value::Object(fields))
}

/// `outputConfig.textFormat`: the schema travels as a JSON string.
fn output_config(wanted: &OutputSchema) -> Result<OutputConfig> {
    let definition = JsonSchemaDefinition::builder()
        .schema(wanted.schema.to_string())
        .name(wanted.name.clone())
        .set_description(wanted.description.clone())
        .build()
        .map_err(build_error)?;
    Ok(OutputConfig::builder()
        .text_format(
            OutputFormat::builder()
                .r#type(OutputFormatType::JsonSchema)
                .structure(OutputFormatStructure::JsonSchema(definition))
                .build()
                .map_err(build_error)?,
        )
        .build())
}

fn sdk_message(message: &Message) -> Result<sdk::Message> {
    let role = match message.role {
        Role::User => ConversationRole::User,
        Role::Assistant => ConversationRole::Assistant,
    };
    let content = message
        .content
        .iter()
        .map(sdk_block)
        .collect::<Result<Vec<_>>>()?;
    sdk::Message::builder()
        .role(role)
        .set_content(Some(content))
        .build()
        .map_err(build_error)
}

fn sdk_block(block: &Block) -> Result<ContentBlock> {
    Ok(match block {
        Block::Text(text) => ContentBlock::Text(text.clone()),
        Block::Reasoning { text, signature } => {
            ContentBlock::ReasoningContent(ReasoningContentBlock::ReasoningText(
                ReasoningTextBlock::builder()
                    .text(text.clone())
                    .set_signature(signature.clone())
                    .build()
                    .map_err(build_error)?,
            ))
        }
        Block::ToolUse(tool) => ContentBlock::ToolUse(
            ToolUseBlock::builder()
                .tool_use_id(tool.id.clone())
                .name(tool.name.clone())
                .input(to_document(&tool.input))
                .build()
                .map_err(build_error)?,
        ),
        Block::ToolResult(result) => {
            let content = match &result.content {
                Value::String(text) => ToolResultContentBlock::Text(text.clone()),
                other => ToolResultContentBlock::Json(to_document(other)),
            };
            ContentBlock::ToolResult(
                ToolResultBlock::builder()
                    .tool_use_id(result.tool_use_id.clone())
                    .content(content)
                    .set_status(result.status.map(|s| match s {
                        ToolStatus::Success => ToolResultStatus::Success,
                        ToolStatus::Error => ToolResultStatus::Error,
                    }))
                    .build()
                    .map_err(build_error)?,
            )
        }
        Block::CachePoint(ttl) => ContentBlock::CachePoint(cache_point(*ttl)?),
        Block::GuardContent(text) => {
            ContentBlock::GuardContent(GuardrailConverseContentBlock::Text(
                GuardrailConverseTextBlock::builder()
                    .text(text.clone())
                    .build()
                    .map_err(build_error)?,
            ))
        }
    })
}

/// A `cachePoint` in SDK types (the same block in messages, system and tools).
fn cache_point(ttl: CacheTtl) -> Result<CachePointBlock> {
    CachePointBlock::builder()
        .r#type(CachePointType::Default)
        .ttl(match ttl {
            CacheTtl::FiveMinutes => sdk::CacheTtl::FiveMinutes,
            CacheTtl::OneHour => sdk::CacheTtl::OneHour,
        })
        .build()
        .map_err(build_error)
}

/// SDK content blocks → this crate's blocks (kinds this crate does not model are skipped).
pub(crate) fn blocks_from_sdk(content: &[ContentBlock]) -> Vec<Block> {
    content
        .iter()
        .filter_map(|block| match block {
            ContentBlock::Text(text) => Some(Block::Text(text.clone())),
            ContentBlock::ReasoningContent(ReasoningContentBlock::ReasoningText(r)) => {
                Some(Block::Reasoning {
                    text: r.text.clone(),
                    signature: r.signature.clone(),
                })
            }
            ContentBlock::ToolUse(tool) => Some(Block::ToolUse(ToolUse {
                id: tool.tool_use_id.clone(),
                name: tool.name.clone(),
                input: from_document(&tool.input),
            })),
            _ => None,
        })
        .collect()
}

/// Joined text and reasoning of some blocks.
pub(crate) fn text_and_reasoning(blocks: &[Block]) -> (String, Option<String>) {
    let mut text = String::new();
    let mut reasoning = String::new();
    for block in blocks {
        match block {
            Block::Text(t) => text.push_str(t),
            Block::Reasoning { text: r, .. } => reasoning.push_str(r),
            Block::ToolUse(_) | Block::ToolResult(_) | Block::CachePoint(_) => {}
            Block::GuardContent(t) => text.push_str(t),
        }
    }
    (text, (!reasoning.is_empty()).then_some(reasoning))
}

/// An SDK i32 token count as u32 (negative counts never come from Bedrock; they become 0).
fn tokens(count: i32) -> u32 {
    u32::try_from(count).unwrap_or(0)
}

fn usage(usage: &TokenUsage) -> Usage {
    let written_for_an_hour = usage
        .cache_details
        .iter()
        .flatten()
        .filter(|detail| detail.ttl == sdk::CacheTtl::OneHour)
        .map(|detail| tokens(detail.input_tokens))
        .sum();
    Usage {
        input: tokens(usage.input_tokens),
        output: tokens(usage.output_tokens),
        total: tokens(usage.total_tokens),
        cache_read: usage.cache_read_input_tokens.map_or(0, tokens),
        cache_write: usage.cache_write_input_tokens.map_or(0, tokens),
        cache_write_1h: written_for_an_hour,
    }
}

/// A reply from a Converse output (latency, adjustments and `local` are the caller's).
pub(crate) fn reply_from_output(id: &str, output: &ConverseOutput) -> Reply {
    let content: Vec<Block> = match &output.output {
        Some(OutputUnion::Message(message)) => blocks_from_sdk(&message.content),
        _ => Vec::new(),
    };
    let (text, reasoning) = text_and_reasoning(&content);
    Reply {
        text,
        reasoning,
        guardrail: output
            .trace
            .as_ref()
            .and_then(|trace| trace.guardrail.as_ref())
            .map(report_from_trace),
        stop_reason: output.stop_reason.as_str().to_string(),
        usage: output.usage.as_ref().map(usage).unwrap_or_default(),
        model_id: id.to_string(),
        request_id: output.request_id().map(str::to_string),
        content,
        ..Reply::default()
    }
}

/// A ConverseStream event as plain data; `None` for events that carry nothing a reply keeps
/// (message start, block stop, kinds this crate does not model).
pub(crate) fn stream_event(event: ConverseStreamOutput) -> Option<StreamEvent> {
    Some(match event {
        ConverseStreamOutput::ContentBlockStart(start) => match start.start {
            Some(ContentBlockStart::ToolUse(tool)) => StreamEvent::ToolStart {
                index: start.content_block_index,
                id: tool.tool_use_id,
                name: tool.name,
            },
            _ => return None,
        },
        ConverseStreamOutput::ContentBlockDelta(delta) => {
            let index = delta.content_block_index;
            match delta.delta? {
                ContentBlockDelta::Text(text) => StreamEvent::Text { index, text },
                ContentBlockDelta::ReasoningContent(ReasoningContentBlockDelta::Text(text)) => {
                    StreamEvent::Reasoning { index, text }
                }
                ContentBlockDelta::ReasoningContent(ReasoningContentBlockDelta::Signature(
                    signature,
                )) => StreamEvent::Signature { index, signature },
                ContentBlockDelta::ToolUse(tool) => StreamEvent::ToolInput {
                    index,
                    input: tool.input,
                },
                _ => return None,
            }
        }
        ConverseStreamOutput::MessageStop(stop) => StreamEvent::Stop {
            reason: stop.stop_reason.as_str().to_string(),
        },
        ConverseStreamOutput::Metadata(metadata) => StreamEvent::Metadata {
            usage: metadata.usage.as_ref().map(usage),
            guardrail: metadata
                .trace
                .as_ref()
                .and_then(|trace| trace.guardrail.as_ref())
                .map(report_from_trace),
        },
        _ => return None,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests state expectations
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_survives_a_round_trip_through_document() {
        let value = json!({"b": [1, -2, 2.5, true, null, "x"], "a": {"nested": {}}});
        assert_eq!(from_document(&to_document(&value)), value);
    }

    #[test]
    fn a_request_without_messages_is_refused() {
        assert!(parts(&Request::default()).is_err());
    }

    #[test]
    fn tools_default_to_auto_choice() {
        let request = Request::new("x").tool(crate::request::ToolSpec {
            name: "t".into(),
            description: "d".into(),
            input_schema: json!({"type": "object"}),
        });
        let parts = parts(&request).ok();
        let choice = parts.and_then(|p| p.tools).and_then(|t| t.tool_choice);
        assert!(matches!(choice, Some(sdk::ToolChoice::Auto(_))));
    }
}
