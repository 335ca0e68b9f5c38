//! The real `aws-sdk-bedrockruntime` client against an in-process bedrock-local endpoint.
//!
//! Run: `cargo test -p workshop-tests --test sdk_rust`. Each test starts its own endpoint on
//! port 0 with the scenario rules below, so call counters ("throttle the first N calls") start
//! at zero in every test. The SDK is the judge: every answer must parse in the official client.

use std::collections::HashMap;
use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_sdk_bedrockruntime::Client;
use aws_sdk_bedrockruntime::config::{Credentials, Token};
use aws_sdk_bedrockruntime::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_bedrockruntime::primitives::Blob;
use aws_sdk_bedrockruntime::types::error::ConverseStreamOutputError;
use aws_sdk_bedrockruntime::types::{
    ContentBlock, ContentBlockDelta, ContentBlockStart, ConversationRole, ConverseStreamOutput,
    ConverseTokensRequest, CountTokensInput, InferenceConfiguration, Message,
    ReasoningContentBlockDelta, ResponseStream, StopReason, SystemContentBlock, Tool,
    ToolConfiguration, ToolInputSchema, ToolResultBlock, ToolResultContentBlock, ToolResultStatus,
    ToolSpecification, ToolUseBlock,
};
use aws_smithy_async::time::StaticTimeSource;
use aws_smithy_runtime_api::client::auth::AuthSchemeId;
use aws_smithy_types::Document;
use bedrock_local::{Config, LocalEndpoint, ScenarioSet};
use serde_json::{Value, json};

type TestResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// A model that may be invoked on demand by its bare id.
const NOVA: &str = "amazon.nova-micro-v1:0";
/// A profile id (Claude 3.5 Haiku cannot be invoked on demand by its bare id).
const HAIKU: &str = "us.anthropic.claude-3-5-haiku-20241022-v1:0";
/// A model with reasoning support, by profile.
const SONNET_37: &str = "us.anthropic.claude-3-7-sonnet-20250219-v1:0";

/// The rules every test endpoint answers from.
const RULES: &str = r#"
[[rule]]
name = "hello"
match = { contains = "hello there" }
reply = { text = "Hello from a scenario rule, streamed to you in several small pieces.", chunk_tokens = 2 }

[[rule]]
name = "weather-call"
match = { tool = "get_weather", tool_result = false }
reply = { text = "Let me check.", tool_use = [{ name = "get_weather", input = { location = "Paris", unit = "celsius" } }] }

[[rule]]
name = "weather-answer"
match = { tool = "get_weather", tool_result = true }
reply = { text = "It is sunny in Paris." }

[[rule]]
name = "reasoning"
match = { contains = "think first" }
reply = { reasoning = "Six times seven is forty-two.", text = "The answer is 42." }

[[rule]]
name = "long"
match = { contains = "long answer" }
reply = { text = "one two three four five six seven eight nine ten eleven twelve" }

[[rule]]
name = "native"
match = { contains = "native hello" }
reply = { text = "Native answer." }

[[rule]]
name = "throttle-twice"
match = { contains = "throttle twice" }
fault = { kind = "throttle", times = 2 }
reply = { text = "Made it on attempt three." }

[[rule]]
name = "throttle-five"
match = { contains = "throttle five" }
fault = { kind = "throttle", times = 5 }
reply = { text = "Made it after five throttles." }

[[rule]]
name = "denied"
match = { contains = "access denied" }
fault = { kind = "exception", code = "AccessDeniedException" }

[[rule]]
name = "server-error-once"
match = { contains = "server error once" }
fault = { kind = "server_error", times = 1 }
reply = { text = "Recovered after a 500." }

[[rule]]
name = "unavailable"
match = { contains = "always unavailable" }
fault = { kind = "server_error", status = 503 }

[[rule]]
name = "timeout"
match = { contains = "time out" }
fault = { kind = "timeout", after_ms = 50 }

[[rule]]
name = "stream-break"
match = { contains = "break the stream" }
fault = { kind = "stream_exception", after_events = 3 }
reply = { text = "This stream will break before this sentence is complete.", chunk_tokens = 1 }

[[rule]]
name = "stall"
match = { contains = "stall now" }
fault = { kind = "stall", after_events = 2, after_ms = 100 }
reply = { text = "This stream goes quiet after two events.", chunk_tokens = 1 }
"#;

/// An endpoint with [`RULES`] and its own fresh credentials.
fn endpoint() -> Result<LocalEndpoint, Box<dyn std::error::Error + Send + Sync>> {
    endpoint_with(Config::default())
}

/// An endpoint with [`RULES`] and the given settings.
fn endpoint_with(
    config: Config,
) -> Result<LocalEndpoint, Box<dyn std::error::Error + Send + Sync>> {
    let rules = ScenarioSet::from_toml_str("sdk_rust.rs", RULES)?;
    Ok(bedrock_local::start(config.scenarios(rules))?)
}

/// Standard retries (3 attempts) with millisecond backoff, so retry tests stay fast.
fn fast_retries() -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(3)
        .with_initial_backoff(Duration::from_millis(1))
        .with_max_backoff(Duration::from_millis(5))
}

/// A client signing with SigV4 for the given key pair.
async fn client_with_keys(endpoint: &LocalEndpoint, key: &str, secret: &str) -> Client {
    let conf = aws_config::defaults(BehaviorVersion::latest())
        .region("us-east-1")
        .endpoint_url(endpoint.endpoint_url())
        .credentials_provider(Credentials::new(key, secret, None, None, "sdk_rust"))
        .retry_config(fast_retries())
        .load()
        .await;
    Client::new(&conf)
}

/// A client with the endpoint's own credentials.
async fn client(endpoint: &LocalEndpoint) -> Client {
    let creds = endpoint.credentials();
    client_with_keys(endpoint, &creds.access_key_id, &creds.secret_access_key).await
}

fn user(text: &str) -> Result<Message, Box<dyn std::error::Error + Send + Sync>> {
    Ok(Message::builder()
        .role(ConversationRole::User)
        .content(ContentBlock::Text(text.into()))
        .build()?)
}

fn assistant(
    blocks: Vec<ContentBlock>,
) -> Result<Message, Box<dyn std::error::Error + Send + Sync>> {
    Ok(Message::builder()
        .role(ConversationRole::Assistant)
        .set_content(Some(blocks))
        .build()?)
}

/// The `get_weather` tool of the workshop.
fn weather_tools() -> Result<ToolConfiguration, Box<dyn std::error::Error + Send + Sync>> {
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
fn to_document(value: &Value) -> Document {
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
fn from_document(doc: &Document) -> Value {
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
fn tokens(text: &str) -> i32 {
    i32::try_from(bedrock_local::tokens::count(text)).unwrap_or(i32::MAX)
}

/// Text blocks of a Converse answer, joined.
fn answer_text(output: &aws_sdk_bedrockruntime::operation::converse::ConverseOutput) -> String {
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

/// Everything a ConverseStream delivered, until the end or the first error.
#[derive(Debug, Default)]
struct Streamed {
    text: String,
    reasoning: String,
    text_deltas: usize,
    tool_starts: Vec<(String, String)>,
    tool_input: String,
    stop: Option<StopReason>,
    usage: Option<(i32, i32)>,
    events: usize,
    error: Option<String>,
}

async fn collect_stream(
    client: &Client,
    model: &str,
    message: Message,
    tools: Option<ToolConfiguration>,
) -> Result<Streamed, Box<dyn std::error::Error + Send + Sync>> {
    let mut output = client
        .converse_stream()
        .model_id(model)
        .messages(message)
        .set_tool_config(tools)
        .send()
        .await?;
    let mut s = Streamed::default();
    loop {
        match output.stream.recv().await {
            Ok(Some(event)) => {
                s.events += 1;
                match event {
                    ConverseStreamOutput::ContentBlockDelta(d) => match d.delta() {
                        Some(ContentBlockDelta::Text(t)) => {
                            s.text.push_str(t);
                            s.text_deltas += 1;
                        }
                        Some(ContentBlockDelta::ToolUse(t)) => s.tool_input.push_str(t.input()),
                        Some(ContentBlockDelta::ReasoningContent(
                            ReasoningContentBlockDelta::Text(t),
                        )) => s.reasoning.push_str(t),
                        _ => {}
                    },
                    ConverseStreamOutput::ContentBlockStart(start) => {
                        if let Some(ContentBlockStart::ToolUse(t)) = start.start() {
                            s.tool_starts
                                .push((t.tool_use_id().to_string(), t.name().to_string()));
                        }
                    }
                    ConverseStreamOutput::MessageStop(stop) => {
                        s.stop = Some(stop.stop_reason().clone())
                    }
                    ConverseStreamOutput::Metadata(m) => {
                        s.usage = m.usage().map(|u| (u.input_tokens(), u.output_tokens()))
                    }
                    _ => {}
                }
            }
            Ok(None) => return Ok(s),
            Err(SdkError::ServiceError(e)) => {
                s.error = Some(match e.err() {
                    ConverseStreamOutputError::ModelStreamErrorException(x) => format!(
                        "ModelStreamErrorException: {}",
                        x.message().unwrap_or_default()
                    ),
                    other => format!("other: {other:?}"),
                });
                return Ok(s);
            }
            Err(other) => return Err(other.into()),
        }
    }
}

// ---------------------------------------------------------------- operations

#[tokio::test]
async fn converse_returns_the_scenario_text_with_usage_and_metrics() -> TestResult {
    let ep = endpoint()?;
    let out = client(&ep)
        .await
        .converse()
        .model_id(NOVA)
        .messages(user("hello there")?)
        .send()
        .await?;
    assert_eq!(
        answer_text(&out),
        "Hello from a scenario rule, streamed to you in several small pieces."
    );
    assert_eq!(out.stop_reason(), &StopReason::EndTurn);
    let usage = out.usage().ok_or("no usage")?;
    let (input, output) = (tokens("hello there"), tokens(&answer_text(&out)));
    assert_eq!(
        (usage.input_tokens(), usage.output_tokens()),
        (input, output)
    );
    assert_eq!(usage.total_tokens(), input + output);
    assert!(out.metrics().is_some());
    Ok(())
}

#[tokio::test]
async fn converse_stream_delivers_text_in_several_deltas_then_stop_and_usage() -> TestResult {
    let ep = endpoint()?;
    let s = collect_stream(&client(&ep).await, NOVA, user("hello there")?, None).await?;
    assert_eq!(
        s.text,
        "Hello from a scenario rule, streamed to you in several small pieces."
    );
    assert!(s.text_deltas >= 5, "{s:?}");
    assert_eq!(s.stop, Some(StopReason::EndTurn));
    assert_eq!(s.usage, Some((tokens("hello there"), tokens(&s.text))));
    assert_eq!(s.error, None);
    Ok(())
}

#[tokio::test]
async fn converse_stream_streams_tool_input_as_json_fragments() -> TestResult {
    let ep = endpoint()?;
    let s = collect_stream(
        &client(&ep).await,
        HAIKU,
        user("Weather in Paris?")?,
        Some(weather_tools()?),
    )
    .await?;
    assert_eq!(s.text, "Let me check.");
    assert_eq!(s.tool_starts.len(), 1);
    assert_eq!(s.tool_starts[0].1, "get_weather");
    let input: Value = serde_json::from_str(&s.tool_input)?;
    assert_eq!(input, json!({"location": "Paris", "unit": "celsius"}));
    assert_eq!(s.stop, Some(StopReason::ToolUse));
    Ok(())
}

#[tokio::test]
async fn converse_stream_sends_reasoning_before_the_text() -> TestResult {
    let ep = endpoint()?;
    let s = collect_stream(
        &client(&ep).await,
        SONNET_37,
        user("think first: 6 x 7?")?,
        None,
    )
    .await?;
    assert_eq!(s.reasoning, "Six times seven is forty-two.");
    assert_eq!(s.text, "The answer is 42.");
    Ok(())
}

#[tokio::test]
async fn converse_tool_round_trip_calls_the_tool_then_answers_from_its_result() -> TestResult {
    let ep = endpoint()?;
    let client = client(&ep).await;
    let question = user("What's the weather in Paris?")?;
    let first = client
        .converse()
        .model_id(HAIKU)
        .messages(question.clone())
        .tool_config(weather_tools()?)
        .send()
        .await?;
    assert_eq!(first.stop_reason(), &StopReason::ToolUse);
    let message = first
        .output()
        .and_then(|o| o.as_message().ok())
        .ok_or("no message")?
        .clone();
    let tool_use: ToolUseBlock = message
        .content()
        .iter()
        .find_map(|b| b.as_tool_use().ok().cloned())
        .ok_or("no toolUse")?;
    assert_eq!(tool_use.name(), "get_weather");
    assert_eq!(
        from_document(tool_use.input()),
        json!({"location": "Paris", "unit": "celsius"})
    );
    let result = ToolResultBlock::builder()
        .tool_use_id(tool_use.tool_use_id())
        .content(ToolResultContentBlock::Json(to_document(
            &json!({"conditions": "Sunny", "temperature": 21}),
        )))
        .status(ToolResultStatus::Success)
        .build()?;
    let reply = Message::builder()
        .role(ConversationRole::User)
        .content(ContentBlock::ToolResult(result))
        .build()?;
    let second = client
        .converse()
        .model_id(HAIKU)
        .messages(question)
        .messages(message)
        .messages(reply)
        .tool_config(weather_tools()?)
        .send()
        .await?;
    assert_eq!(answer_text(&second), "It is sunny in Paris.");
    assert_eq!(second.stop_reason(), &StopReason::EndTurn);
    Ok(())
}

#[tokio::test]
async fn converse_cuts_at_max_tokens_and_says_so() -> TestResult {
    let ep = endpoint()?;
    let out = client(&ep)
        .await
        .converse()
        .model_id(NOVA)
        .messages(user("long answer please")?)
        .inference_config(InferenceConfiguration::builder().max_tokens(5).build())
        .send()
        .await?;
    assert_eq!(answer_text(&out), "one two three four five");
    assert_eq!(out.stop_reason(), &StopReason::MaxTokens);
    assert_eq!(out.usage().map(|u| u.output_tokens()), Some(5));
    Ok(())
}

#[tokio::test]
async fn unscripted_request_gets_the_marked_fallback() -> TestResult {
    let ep = bedrock_local::start(Config::default().scenarios(ScenarioSet::empty()))?;
    let out = client(&ep)
        .await
        .converse()
        .model_id(NOVA)
        .messages(user(
            "Summarize in one sentence: Rust is fast. Rust is safe. Cats sleep a lot.",
        )?)
        .send()
        .await?;
    assert_eq!(answer_text(&out), "[bedrock-local] Rust is fast.");
    Ok(())
}

#[tokio::test]
async fn model_given_as_profile_arn_is_resolved() -> TestResult {
    let ep = endpoint()?;
    let arn = format!("arn:aws:bedrock:us-east-1:123456789012:inference-profile/{HAIKU}");
    let out = client(&ep)
        .await
        .converse()
        .model_id(arn)
        .messages(user("hello there")?)
        .send()
        .await?;
    assert_eq!(
        answer_text(&out),
        "Hello from a scenario rule, streamed to you in several small pieces."
    );
    Ok(())
}

#[tokio::test]
async fn count_tokens_agrees_with_converse_usage() -> TestResult {
    let ep = endpoint()?;
    let client = client(&ep).await;
    let request = ConverseTokensRequest::builder()
        .messages(user("hello there, how many tokens is this?")?)
        .system(SystemContentBlock::Text("Be brief.".into()))
        .build();
    let counted = client
        .count_tokens()
        .model_id(NOVA)
        .input(CountTokensInput::Converse(request))
        .send()
        .await?;
    let out = client
        .converse()
        .model_id(NOVA)
        .messages(user("hello there, how many tokens is this?")?)
        .system(SystemContentBlock::Text("Be brief.".into()))
        .send()
        .await?;
    let expected = tokens("hello there, how many tokens is this?") + tokens("Be brief.");
    assert_eq!(counted.input_tokens(), expected);
    assert_eq!(out.usage().map(|u| u.input_tokens()), Some(expected));
    Ok(())
}

/// One native body per provider, and where its answer text is.
fn native_cases() -> Vec<(&'static str, Value, &'static str)> {
    let prompt = "native hello";
    vec![
        (
            HAIKU,
            json!({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 100, "messages": [{"role": "user", "content": [{"type": "text", "text": prompt}]}]}),
            "/content/0/text",
        ),
        (
            NOVA,
            json!({"schemaVersion": "messages-v1", "messages": [{"role": "user", "content": [{"text": prompt}]}], "inferenceConfig": {"maxTokens": 100}}),
            "/output/message/content/0/text",
        ),
        (
            "us.meta.llama3-1-70b-instruct-v1:0",
            json!({"prompt": format!("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n{prompt}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"), "max_gen_len": 100}),
            "/generation",
        ),
        (
            "us.deepseek.r1-v1:0",
            json!({"prompt": format!("<｜begin▁of▁sentence｜><｜User｜>{prompt}<｜Assistant｜><think>\n"), "max_tokens": 100}),
            "/choices/0/text",
        ),
        (
            "amazon.titan-text-express-v1",
            json!({"inputText": prompt, "textGenerationConfig": {"maxTokenCount": 100}}),
            "/results/0/outputText",
        ),
        (
            "mistral.mistral-large-2402-v1:0",
            json!({"prompt": format!("<s>[INST] {prompt} [/INST]"), "max_tokens": 100}),
            "/outputs/0/text",
        ),
    ]
}

#[tokio::test]
async fn invoke_model_answers_each_provider_in_its_native_body() -> TestResult {
    let ep = endpoint()?;
    let client = client(&ep).await;
    for (model, body, pointer) in native_cases() {
        let out = client
            .invoke_model()
            .model_id(model)
            .content_type("application/json")
            .accept("application/json")
            .body(Blob::new(serde_json::to_vec(&body)?))
            .send()
            .await?;
        let answer: Value = serde_json::from_slice(out.body().as_ref())?;
        let text = answer
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_default();
        assert!(text.contains("Native answer."), "{model}: {answer}");
        assert_eq!(out.content_type(), "application/json");
    }
    Ok(())
}

#[tokio::test]
async fn invoke_model_with_response_stream_sends_anthropic_chunks() -> TestResult {
    let ep = endpoint()?;
    let (model, body, _) = native_cases().remove(0);
    let mut out = client(&ep)
        .await
        .invoke_model_with_response_stream()
        .model_id(model)
        .content_type("application/json")
        .body(Blob::new(serde_json::to_vec(&body)?))
        .send()
        .await?;
    let mut types = Vec::new();
    let mut text = String::new();
    while let Some(event) = out.body.recv().await? {
        if let ResponseStream::Chunk(part) = event {
            let chunk: Value =
                serde_json::from_slice(part.bytes().map(|b| b.as_ref()).unwrap_or_default())?;
            if let Some(t) = chunk.pointer("/delta/text").and_then(Value::as_str) {
                text.push_str(t);
            }
            if chunk["type"] == "message_stop" {
                assert!(
                    chunk.get("amazon-bedrock-invocationMetrics").is_some(),
                    "{chunk}"
                );
            }
            types.push(chunk["type"].as_str().unwrap_or_default().to_string());
        }
    }
    assert_eq!(text, "Native answer.");
    assert_eq!(types.first().map(String::as_str), Some("message_start"));
    assert_eq!(types.last().map(String::as_str), Some("message_stop"));
    assert!(
        types.iter().any(|t| t == "content_block_delta")
            && types.iter().any(|t| t == "message_delta")
    );
    Ok(())
}

// ---------------------------------------------------------------- validation

/// The ValidationException message a Converse request gets.
async fn converse_rejection(
    request: aws_sdk_bedrockruntime::operation::converse::builders::ConverseFluentBuilder,
) -> String {
    match request.send().await {
        Ok(_) => "accepted".into(),
        Err(e) => {
            let e = e.into_service_error();
            format!(
                "{}: {}",
                e.code().unwrap_or("?"),
                e.message().unwrap_or_default()
            )
        }
    }
}

#[tokio::test]
async fn validation_errors_carry_bedrock_messages() -> TestResult {
    let ep = endpoint()?;
    let c = client(&ep).await;
    let tool_use = ContentBlock::ToolUse(
        ToolUseBlock::builder()
            .tool_use_id("tooluse_abc")
            .name("get_weather")
            .input(to_document(&json!({})))
            .build()?,
    );
    let result = |id: &str,
                  status: ToolResultStatus,
                  content: Vec<ToolResultContentBlock>|
     -> Result<ContentBlock, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ContentBlock::ToolResult(
            ToolResultBlock::builder()
                .tool_use_id(id)
                .set_content(Some(content))
                .status(status)
                .build()?,
        ))
    };
    let text = |t: &str| ToolResultContentBlock::Text(t.into());
    let user_blocks = |blocks: Vec<ContentBlock>| {
        Message::builder()
            .role(ConversationRole::User)
            .set_content(Some(blocks))
            .build()
    };
    let cases: Vec<(_, &str)> = vec![
        (
            c.converse()
                .model_id("anthropic.claude-9-imaginary-v1:0")
                .messages(user("hi")?),
            "ValidationException: The provided model identifier is invalid.",
        ),
        (
            c.converse()
                .model_id("anthropic.claude-3-7-sonnet-20250219-v1:0")
                .messages(user("hi")?),
            "ValidationException: Invocation of model ID anthropic.claude-3-7-sonnet-20250219-v1:0 with on-demand throughput isn’t supported. Retry your request with the ID or ARN of an inference profile that contains this model.",
        ),
        (
            c.converse()
                .model_id(NOVA)
                .messages(assistant(vec![ContentBlock::Text("hi".into())])?),
            "ValidationException: A conversation must start with a user message. Try again with a conversation that starts with a user message.",
        ),
        (
            c.converse()
                .model_id(NOVA)
                .messages(user("a")?)
                .messages(user("b")?),
            "ValidationException: A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.",
        ),
        (
            c.converse()
                .model_id(NOVA)
                .messages(user("a")?)
                .messages(assistant(vec![tool_use.clone()])?)
                .messages(user_blocks(vec![result(
                    "tooluse_abc",
                    ToolResultStatus::Success,
                    vec![text("x")],
                )?])?),
            "ValidationException: The toolConfig field must be defined when using toolUse and toolResult content blocks.",
        ),
        (
            c.converse()
                .model_id(NOVA)
                .tool_config(weather_tools()?)
                .messages(user("a")?)
                .messages(assistant(vec![tool_use.clone()])?)
                .messages(user("no result")?),
            "ValidationException: Expected toolResult blocks at messages.2.content for the following Ids: tooluse_abc",
        ),
        (
            c.converse()
                .model_id(NOVA)
                .tool_config(weather_tools()?)
                .messages(user("a")?)
                .messages(assistant(vec![tool_use.clone()])?)
                .messages(user_blocks(vec![
                    result("tooluse_abc", ToolResultStatus::Success, vec![text("x")])?,
                    result("tooluse_xyz", ToolResultStatus::Success, vec![text("y")])?,
                ])?),
            "ValidationException: The number of toolResult blocks at messages.2.content exceeds the number of toolUse blocks of previous turn.",
        ),
        (
            c.converse()
                .model_id(NOVA)
                .tool_config(weather_tools()?)
                .messages(user("a")?)
                .messages(assistant(vec![tool_use.clone()])?)
                .messages(user_blocks(vec![result(
                    "tooluse_abc",
                    ToolResultStatus::Error,
                    vec![],
                )?])?),
            "ValidationException: The content field at messages.2.content.0.toolResult cannot be empty when status value is error.",
        ),
        (
            c.converse()
                .model_id("us.meta.llama3-1-70b-instruct-v1:0")
                .messages(user("hi")?)
                .inference_config(InferenceConfiguration::builder().max_tokens(4096).build()),
            "ValidationException: The maximum tokens you requested exceeds the model limit of 2048. Try again with a maximum tokens value that is lower than 2048.",
        ),
        (
            c.converse()
                .model_id("us.deepseek.r1-v1:0")
                .messages(user("hi")?)
                .tool_config(weather_tools()?),
            "ValidationException: This model doesn't support tool use.",
        ),
        (
            c.converse().model_id(NOVA).messages(user("")?),
            "ValidationException: The text field in the ContentBlock object at messages.0.content.0 is blank. Add text to the text field, and try again.",
        ),
    ];
    for (request, expected) in cases {
        assert_eq!(converse_rejection(request).await, expected);
    }
    Ok(())
}

#[tokio::test]
async fn out_of_range_and_forbidden_sampling_parameters_are_rejected() -> TestResult {
    let ep = endpoint()?;
    let c = client(&ep).await;
    let too_hot = converse_rejection(
        c.converse()
            .model_id(NOVA)
            .messages(user("hi")?)
            .inference_config(InferenceConfiguration::builder().temperature(1.5).build()),
    )
    .await;
    assert_eq!(
        too_hot,
        "ValidationException: 1 validation error detected: Value '1.5' at 'inferenceConfig.temperature' \
         failed to satisfy constraint: Member must have value less than or equal to 1"
    );
    let both = converse_rejection(
        c.converse()
            .model_id("us.anthropic.claude-haiku-4-5-20251001-v1:0")
            .messages(user("hi")?)
            .inference_config(
                InferenceConfiguration::builder()
                    .temperature(0.5)
                    .top_p(0.9)
                    .build(),
            ),
    )
    .await;
    assert_eq!(
        both,
        "ValidationException: `temperature` and `top_p` cannot both be specified for this model. Please use only one."
    );
    Ok(())
}

#[tokio::test]
async fn capability_limits_of_a_model_are_enforced() -> TestResult {
    let ep = endpoint()?;
    let c = client(&ep).await;
    let low_top_p = converse_rejection(
        c.converse()
            .model_id(NOVA)
            .messages(user("hi")?)
            .inference_config(InferenceConfiguration::builder().top_p(-0.5).build()),
    )
    .await;
    assert_eq!(
        low_top_p,
        "ValidationException: 1 validation error detected: Value '-0.5' at 'inferenceConfig.topP' \
         failed to satisfy constraint: Member must have value greater than or equal to 0"
    );
    let titan_system = converse_rejection(
        c.converse()
            .model_id("amazon.titan-text-express-v1")
            .messages(user("hi")?)
            .system(SystemContentBlock::Text("Be brief.".into())),
    )
    .await;
    assert_eq!(
        titan_system,
        "ValidationException: This model doesn't support system messages."
    );
    let llama_stream_tools = c
        .converse_stream()
        .model_id("us.meta.llama3-1-70b-instruct-v1:0")
        .messages(user("Weather in Paris?")?)
        .tool_config(weather_tools()?)
        .send()
        .await
        .err()
        .ok_or("accepted")?
        .into_service_error();
    assert_eq!(
        llama_stream_tools.message(),
        Some("This model doesn't support tool use in streaming mode.")
    );
    Ok(())
}

#[tokio::test]
async fn oversized_body_gets_a_clear_error_not_a_dropped_connection() -> TestResult {
    let ep = endpoint()?;
    let huge = json!({"inputText": "x".repeat(bedrock_local::MAX_BODY_BYTES + 1024)});
    let err = client(&ep)
        .await
        .invoke_model()
        .model_id("amazon.titan-text-express-v1")
        .content_type("application/json")
        .body(Blob::new(serde_json::to_vec(&huge)?))
        .send()
        .await
        .err()
        .ok_or("accepted")?
        .into_service_error();
    // The SDK must see the answer: a server that answers before reading the body and closes
    // the connection makes the client fail with a broken pipe instead.
    assert!(err.is_validation_exception(), "{err:?}");
    assert_eq!(
        err.message().unwrap_or_default(),
        format!(
            "The request body exceeds the limit of {} bytes (20 MiB) of this endpoint. \
             Send a smaller request.",
            bedrock_local::MAX_BODY_BYTES
        )
    );
    Ok(())
}

#[tokio::test]
async fn invoke_model_rejects_malformed_json_and_another_providers_body() -> TestResult {
    let ep = endpoint()?;
    let c = client(&ep).await;
    let mut messages = Vec::new();
    for body in [
        b"{not json".to_vec(),
        serde_json::to_vec(&json!({"inputText": "titan body sent to Claude"}))?,
    ] {
        let err = c
            .invoke_model()
            .model_id(HAIKU)
            .content_type("application/json")
            .body(Blob::new(body))
            .send()
            .await
            .err()
            .ok_or("accepted")?
            .into_service_error();
        assert!(err.is_validation_exception(), "{err:?}");
        messages.push(err.message().unwrap_or_default().to_string());
    }
    assert_eq!(
        messages,
        [
            "Malformed input request: key must be a string at line 1 column 2, please reformat your input and try again.",
            "Malformed input request: #: extraneous key [inputText] is not permitted, please reformat your input and try again."
        ]
    );
    Ok(())
}

// ---------------------------------------------------------------- auth

#[tokio::test]
async fn wrong_secret_is_refused_with_invalid_signature() -> TestResult {
    let ep = endpoint()?;
    let key = ep.credentials().access_key_id.clone();
    let err = client_with_keys(&ep, &key, "not-the-secret")
        .await
        .converse()
        .model_id(NOVA)
        .messages(user("hello there")?)
        .send()
        .await
        .err()
        .ok_or("accepted")?
        .into_service_error();
    assert_eq!(err.code(), Some("InvalidSignatureException"));
    Ok(())
}

#[tokio::test]
async fn unknown_access_key_is_refused_as_unrecognized_client() -> TestResult {
    let ep = endpoint()?;
    let err = client_with_keys(&ep, "AKIAUNKNOWNKEY000000", "whatever")
        .await
        .converse()
        .model_id(NOVA)
        .messages(user("hello there")?)
        .send()
        .await
        .err()
        .ok_or("accepted")?
        .into_service_error();
    assert_eq!(err.code(), Some("UnrecognizedClientException"));
    Ok(())
}

#[tokio::test]
async fn signature_from_a_clock_ten_minutes_behind_is_refused_as_expired() -> TestResult {
    let ep = endpoint()?;
    let creds = ep.credentials();
    let behind = std::time::SystemTime::now() - Duration::from_secs(600);
    let conf = aws_config::defaults(BehaviorVersion::latest())
        .region("us-east-1")
        .endpoint_url(ep.endpoint_url())
        .credentials_provider(Credentials::new(
            &creds.access_key_id,
            &creds.secret_access_key,
            None,
            None,
            "sdk_rust",
        ))
        .time_source(StaticTimeSource::new(behind))
        // Without retries: the SDK would otherwise correct its clock from the answer and retry.
        .retry_config(RetryConfig::disabled())
        .load()
        .await;
    let err = Client::new(&conf)
        .converse()
        .model_id(NOVA)
        .messages(user("hello there")?)
        .send()
        .await
        .err()
        .ok_or("accepted")?
        .into_service_error();
    assert_eq!(err.code(), Some("InvalidSignatureException"));
    assert!(
        err.message()
            .is_some_and(|m| m.starts_with("Signature expired: ")),
        "{err:?}"
    );
    Ok(())
}

/// A client authenticating with a bearer token, as `AWS_BEARER_TOKEN_BEDROCK` makes the SDK do.
async fn bearer_client(endpoint: &LocalEndpoint, token: &str) -> Client {
    let conf = aws_config::defaults(BehaviorVersion::latest())
        .region("us-east-1")
        .endpoint_url(endpoint.endpoint_url())
        .token_provider(Token::new(token, None))
        .auth_scheme_preference([AuthSchemeId::from("httpBearerAuth")])
        .credentials_provider(Credentials::new(
            "AKIAUNUSED0000000000",
            "unused",
            None,
            None,
            "sdk_rust",
        ))
        .retry_config(fast_retries())
        .load()
        .await;
    Client::new(&conf)
}

#[tokio::test]
async fn bearer_token_is_accepted_and_a_wrong_one_refused() -> TestResult {
    let ep = endpoint_with(Config::default().bearer_token("local-bearer-token"))?;
    let out = bearer_client(&ep, "local-bearer-token")
        .await
        .converse()
        .model_id(NOVA)
        .messages(user("hello there")?)
        .send()
        .await?;
    assert!(answer_text(&out).starts_with("Hello from a scenario rule"));
    let err = bearer_client(&ep, "wrong-token")
        .await
        .converse()
        .model_id(NOVA)
        .messages(user("hello there")?)
        .send()
        .await
        .err()
        .ok_or("accepted")?
        .into_service_error();
    assert_eq!(err.code(), Some("UnrecognizedClientException"), "{err:?}");
    Ok(())
}

// ---------------------------------------------------------------- faults and retries

#[tokio::test]
async fn throttled_twice_succeeds_on_the_third_attempt() -> TestResult {
    let ep = endpoint()?;
    let out = client(&ep)
        .await
        .converse()
        .model_id(NOVA)
        .messages(user("throttle twice")?)
        .send()
        .await?;
    assert_eq!(answer_text(&out), "Made it on attempt three.");
    Ok(())
}

#[tokio::test]
async fn throttled_five_times_fails_after_three_attempts_then_next_call_succeeds_on_its_third()
-> TestResult {
    let ep = endpoint()?;
    let c = client(&ep).await;
    let err = c
        .converse()
        .model_id(NOVA)
        .messages(user("throttle five")?)
        .send()
        .await
        .err()
        .ok_or("accepted")?
        .into_service_error();
    assert!(err.is_throttling_exception(), "{err:?}");
    assert_eq!(
        err.message(),
        Some("Too many requests, please wait before trying again.")
    );
    // The first call made exactly 3 attempts: attempts 4 and 5 are throttled, the 6th answers.
    let out = c
        .converse()
        .model_id(NOVA)
        .messages(user("throttle five")?)
        .send()
        .await?;
    assert_eq!(answer_text(&out), "Made it after five throttles.");
    Ok(())
}

#[tokio::test]
async fn injected_exceptions_reach_the_sdk_as_modelled_errors() -> TestResult {
    let ep = endpoint()?;
    let c = client(&ep).await;
    let denied = c
        .converse()
        .model_id(NOVA)
        .messages(user("access denied")?)
        .send()
        .await
        .err()
        .ok_or("accepted")?
        .into_service_error();
    assert!(denied.is_access_denied_exception(), "{denied:?}");
    assert_eq!(
        denied.message(),
        Some("You don't have access to the model with the specified model ID.")
    );
    let recovered = c
        .converse()
        .model_id(NOVA)
        .messages(user("server error once")?)
        .send()
        .await?;
    assert_eq!(answer_text(&recovered), "Recovered after a 500.");
    let unavailable = c
        .converse()
        .model_id(NOVA)
        .messages(user("always unavailable")?)
        .send()
        .await
        .err()
        .ok_or("accepted")?
        .into_service_error();
    assert!(
        unavailable.is_service_unavailable_exception(),
        "{unavailable:?}"
    );
    let timeout = c
        .converse()
        .model_id(NOVA)
        .messages(user("time out")?)
        .send()
        .await
        .err()
        .ok_or("accepted")?
        .into_service_error();
    assert!(timeout.is_model_timeout_exception(), "{timeout:?}");
    Ok(())
}

#[tokio::test]
async fn mid_stream_exception_reaches_recv_as_an_error_after_some_events() -> TestResult {
    let ep = endpoint()?;
    let s = collect_stream(&client(&ep).await, NOVA, user("break the stream")?, None).await?;
    assert_eq!(s.events, 3, "{s:?}");
    assert!(
        s.error
            .as_deref()
            .is_some_and(|e| e.starts_with("ModelStreamErrorException")),
        "{s:?}"
    );
    assert_eq!(s.stop, None);
    Ok(())
}

#[tokio::test]
async fn stalled_stream_delivers_some_events_then_goes_silent() -> TestResult {
    let ep = endpoint()?;
    let mut out = client(&ep)
        .await
        .converse_stream()
        .model_id(NOVA)
        .messages(user("stall now")?)
        .send()
        .await?;
    let mut received = 0;
    loop {
        match tokio::time::timeout(Duration::from_millis(700), out.stream.recv()).await {
            Ok(Ok(Some(_))) => received += 1,
            Ok(other) => return Err(format!("stream ended instead of stalling: {other:?}").into()),
            Err(_elapsed) => break,
        }
    }
    assert_eq!(received, 2);
    Ok(())
}

#[tokio::test]
async fn rule_counters_are_per_endpoint_and_shared_by_all_clients() -> TestResult {
    let ep = endpoint()?;
    let no_retry = aws_config::defaults(BehaviorVersion::latest())
        .region("us-east-1")
        .endpoint_url(ep.endpoint_url())
        .credentials_provider(Credentials::new(
            &ep.credentials().access_key_id,
            &ep.credentials().secret_access_key,
            None,
            None,
            "t",
        ))
        .retry_config(RetryConfig::disabled())
        .load()
        .await;
    let first = Client::new(&no_retry);
    let second = Client::new(&no_retry);
    let mut outcomes = HashMap::new();
    for c in [&first, &second, &first] {
        let ok = c
            .converse()
            .model_id(NOVA)
            .messages(user("throttle twice")?)
            .send()
            .await
            .is_ok();
        *outcomes.entry(ok).or_insert(0) += 1;
    }
    assert_eq!(outcomes.get(&false), Some(&2));
    assert_eq!(outcomes.get(&true), Some(&1));
    Ok(())
}
