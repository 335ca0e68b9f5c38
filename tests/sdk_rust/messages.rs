//! Building requests and reading answers: messages, the workshop's tool, SDK Documents,
//! refusals, and the endpoint's token counts.

use aws_sdk_bedrockruntime::Client;
use aws_sdk_bedrockruntime::error::SdkError;
use aws_sdk_bedrockruntime::operation::converse::ConverseOutput;
use aws_sdk_bedrockruntime::operation::converse::builders::ConverseFluentBuilder;
use aws_sdk_bedrockruntime::types::{
    ContentBlock, ConversationRole, Message, Tool, ToolConfiguration, ToolInputSchema,
    ToolSpecification,
};
use aws_smithy_runtime_api::client::result::CreateUnhandledError;
use aws_smithy_types::Document;
use serde_json::{Value, json};

use crate::{NOVA, TestError};

pub(crate) fn user(text: &str) -> Result<Message, TestError> {
    Ok(Message::builder()
        .role(ConversationRole::User)
        .content(ContentBlock::Text(text.into()))
        .build()?)
}

/// A Converse request to Nova with one user message; add to it, then `send()`.
pub(crate) fn ask_nova(client: &Client, text: &str) -> Result<ConverseFluentBuilder, TestError> {
    Ok(client.converse().model_id(NOVA).messages(user(text)?))
}

pub(crate) fn assistant(blocks: Vec<ContentBlock>) -> Result<Message, TestError> {
    Ok(Message::builder()
        .role(ConversationRole::Assistant)
        .set_content(Some(blocks))
        .build()?)
}

/// The `get_weather` tool of the workshop.
pub(crate) fn weather_tools() -> Result<ToolConfiguration, TestError> {
    let schema = to_document(&json!({
        "type": "object",
        "properties": {"location": {"type": "string", "description": "The city name to get weather for"}},
        "required": ["location"]
    }));
    let spec = ToolSpecification::builder()
        .name("get_weather")
        .description("Get current weather for a specific location")
        .input_schema(ToolInputSchema::Json(schema))
        .build()?;
    Ok(ToolConfiguration::builder()
        .tools(Tool::ToolSpec(spec))
        .build()?)
}

/// serde_json → SDK Document (the SDK's Document has no serde support).
pub(crate) fn to_document(value: &Value) -> Document {
    match value {
        Value::Null => Document::Null,
        Value::Bool(b) => Document::Bool(*b),
        Value::Number(n) => n
            .as_u64()
            .map(|u| Document::Number(aws_smithy_types::Number::PosInt(u)))
            .or_else(|| {
                n.as_i64()
                    .map(|i| Document::Number(aws_smithy_types::Number::NegInt(i)))
            })
            .unwrap_or_else(|| {
                Document::Number(aws_smithy_types::Number::Float(n.as_f64().unwrap_or(0.0)))
            }),
        Value::String(s) => Document::String(s.clone()),
        Value::Array(items) => Document::Array(items.iter().map(to_document).collect()),
        Value::Object(map) => Document::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), to_document(v)))
                .collect(),
        ),
    }
}

/// SDK Document → serde_json.
pub(crate) fn from_document(doc: &Document) -> Value {
    match doc {
        Document::Null => Value::Null,
        Document::Bool(b) => Value::Bool(*b),
        Document::Number(aws_smithy_types::Number::PosInt(u)) => json!(u),
        Document::Number(aws_smithy_types::Number::NegInt(i)) => json!(i),
        Document::Number(aws_smithy_types::Number::Float(f)) => json!(f),
        Document::String(s) => Value::String(s.clone()),
        Document::Array(items) => Value::Array(items.iter().map(from_document).collect()),
        Document::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), from_document(v)))
                .collect(),
        ),
    }
}

/// The endpoint's token count of `text`, as the SDK reports counts.
pub(crate) fn tokens(text: &str) -> i32 {
    i32::try_from(bedrock_local::tokens::count(text)).unwrap_or(i32::MAX)
}

/// Text blocks of a Converse answer, joined.
pub(crate) fn answer_text(output: &ConverseOutput) -> String {
    output
        .output()
        .and_then(|o| o.as_message().ok())
        .map(|m| {
            m.content()
                .iter()
                .filter_map(|b| b.as_text().ok().cloned())
                .collect::<Vec<_>>()
                .join("")
        })
        .unwrap_or_default()
}

/// The service error a call was refused with; an error when the call was accepted.
pub(crate) fn refusal<O, E, R>(result: Result<O, SdkError<E, R>>) -> Result<E, TestError>
where
    E: std::error::Error + Send + Sync + CreateUnhandledError + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    Ok(result.err().ok_or("accepted")?.into_service_error())
}
