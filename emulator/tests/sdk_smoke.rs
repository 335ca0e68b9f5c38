//! A smoke check through the real `aws-sdk-bedrockruntime` against a port-0 `start()`ed server
//! (the full SDK suites live in the workspace's `tests/sdk_rust.rs` and `tests/sdk_boto3.rs`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use aws_sdk_bedrockruntime::Client;
use aws_sdk_bedrockruntime::primitives::Blob;
use aws_sdk_bedrockruntime::types::{
    ContentBlock, ConversationRole, ConverseStreamOutput, InferenceConfiguration, Message,
    ResponseStream,
};
use bedrock_local::LocalEndpoint;
use common::*;

async fn client(endpoint: &LocalEndpoint) -> Client {
    let creds = aws_credential_types::Credentials::new(
        &endpoint.credentials().access_key_id,
        &endpoint.credentials().secret_access_key,
        None,
        None,
        "local",
    );
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(endpoint.region().to_string()))
        .endpoint_url(endpoint.endpoint_url())
        .credentials_provider(creds)
        .load()
        .await;
    Client::new(&config)
}

fn user(text: &str) -> Message {
    Message::builder()
        .role(ConversationRole::User)
        .content(ContentBlock::Text(text.into()))
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn sdk_converse_stream_invoke_and_errors_work_against_a_started_endpoint() {
    let endpoint = bedrock_local::start(config()).unwrap();
    let client = client(&endpoint).await;
    let arn = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-haiku-4-5-20251001-v1:0";

    let out = client
        .converse()
        .model_id(arn)
        .messages(user("hello there"))
        .inference_config(InferenceConfiguration::builder().temperature(0.9).build())
        .send()
        .await
        .unwrap();
    let text = out.output().unwrap().as_message().unwrap().content()[0]
        .as_text()
        .unwrap()
        .clone();
    assert!(text.starts_with("General Kenobi"));

    let mut stream = client
        .converse_stream()
        .model_id(HAIKU)
        .messages(user("hello there"))
        .send()
        .await
        .unwrap()
        .stream;
    let mut streamed = String::new();
    let mut saw_metadata = false;
    while let Some(event) = stream.recv().await.unwrap() {
        match event {
            ConverseStreamOutput::ContentBlockDelta(d) => {
                streamed.push_str(d.delta().unwrap().as_text().unwrap());
            }
            ConverseStreamOutput::Metadata(m) => saw_metadata = m.usage().is_some(),
            _ => {}
        }
    }
    assert_eq!(streamed, text);
    assert!(saw_metadata);

    let body = serde_json::json!({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 100,
        "messages": [{"role": "user", "content": [{"type": "text", "text": "hello there"}]}]});
    let invoked = client
        .invoke_model()
        .model_id(HAIKU)
        .content_type("application/json")
        .body(Blob::new(body.to_string()))
        .send()
        .await
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(invoked.body().as_ref()).unwrap();
    assert!(
        json["content"][0]["text"]
            .as_str()
            .unwrap()
            .starts_with("General Kenobi")
    );

    let mut chunks = client
        .invoke_model_with_response_stream()
        .model_id(HAIKU)
        .body(Blob::new(body.to_string()))
        .send()
        .await
        .unwrap()
        .body;
    let mut types = Vec::new();
    while let Some(ResponseStream::Chunk(chunk)) = chunks.recv().await.unwrap() {
        let json: serde_json::Value =
            serde_json::from_slice(chunk.bytes().unwrap().as_ref()).unwrap();
        types.push(json["type"].as_str().unwrap().to_string());
    }
    assert_eq!(types.first().map(String::as_str), Some("message_start"));
    assert_eq!(types.last().map(String::as_str), Some("message_stop"));

    let err = client
        .converse()
        .model_id("anthropic.claude-sonnet-4-5-20250929-v1:0")
        .messages(user("hi"))
        .send()
        .await
        .unwrap_err();
    let service = err.into_service_error();
    assert!(service.is_validation_exception(), "{service:?}");

    let mut broken = client
        .converse_stream()
        .model_id(HAIKU)
        .messages(user("break the stream"))
        .send()
        .await
        .unwrap()
        .stream;
    let mut events = 0;
    let failure = loop {
        match broken.recv().await {
            Ok(Some(_)) => events += 1,
            Ok(None) => panic!("stream ended without the injected exception"),
            Err(e) => break e,
        }
    };
    assert_eq!(events, 2);
    assert!(
        format!("{failure:?}").contains("ModelStreamErrorException"),
        "{failure:?}"
    );
    endpoint.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn sdk_with_wrong_secret_gets_invalid_signature() {
    let endpoint = bedrock_local::start(config()).unwrap();
    let creds =
        aws_credential_types::Credentials::new(ACCESS_KEY, "wrong-secret", None, None, "local");
    let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(endpoint.endpoint_url())
        .credentials_provider(creds)
        .load()
        .await;
    let err = Client::new(&sdk)
        .converse()
        .model_id(NOVA)
        .messages(user("hello there"))
        .send()
        .await
        .unwrap_err();
    use aws_sdk_bedrockruntime::error::ProvideErrorMetadata;
    assert_eq!(err.code(), Some("InvalidSignatureException"));
}

#[tokio::test(flavor = "multi_thread")]
async fn sdk_parses_streamed_tool_use_and_reasoning() {
    use aws_sdk_bedrockruntime::types::{
        ContentBlockDelta, ContentBlockStart, Tool, ToolConfiguration, ToolInputSchema,
        ToolSpecification,
    };
    let endpoint = bedrock_local::start(config()).unwrap();
    let client = client(&endpoint).await;
    let schema = aws_smithy_types::Document::Object(
        [(
            "type".to_string(),
            aws_smithy_types::Document::String("object".into()),
        )]
        .into(),
    );
    let tools = ToolConfiguration::builder()
        .tools(Tool::ToolSpec(
            ToolSpecification::builder()
                .name("get_weather")
                .description("Get current weather for a specific location")
                .input_schema(ToolInputSchema::Json(schema))
                .build()
                .unwrap(),
        ))
        .build()
        .unwrap();
    let mut stream = client
        .converse_stream()
        .model_id(HAIKU)
        .messages(user("What's the weather in San Francisco?"))
        .tool_config(tools)
        .send()
        .await
        .unwrap()
        .stream;
    let (mut name, mut input, mut stop) = (String::new(), String::new(), String::new());
    while let Some(event) = stream.recv().await.unwrap() {
        match event {
            ConverseStreamOutput::ContentBlockStart(s) => {
                if let Some(ContentBlockStart::ToolUse(t)) = s.start() {
                    name = t.name().to_string();
                }
            }
            ConverseStreamOutput::ContentBlockDelta(d) => {
                if let Some(ContentBlockDelta::ToolUse(t)) = d.delta() {
                    input.push_str(t.input());
                }
            }
            ConverseStreamOutput::MessageStop(m) => stop = m.stop_reason().as_str().to_string(),
            _ => {}
        }
    }
    assert_eq!(name, "get_weather");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&input).unwrap()["location"],
        "San Francisco"
    );
    assert_eq!(stop, "tool_use");

    let mut stream = client
        .converse_stream()
        .model_id("us.deepseek.r1-v1:0")
        .messages(user("think hard: 2+2?"))
        .send()
        .await
        .unwrap()
        .stream;
    let (mut reasoning, mut text) = (String::new(), String::new());
    while let Some(event) = stream.recv().await.unwrap() {
        if let ConverseStreamOutput::ContentBlockDelta(d) = event {
            match d.delta() {
                Some(ContentBlockDelta::ReasoningContent(r)) => {
                    if let Ok(t) = r.as_text() {
                        reasoning.push_str(t);
                    }
                }
                Some(ContentBlockDelta::Text(t)) => text.push_str(t),
                _ => {}
            }
        }
    }
    assert_eq!(reasoning, "Two plus two is four.");
    assert_eq!(text, "4");

    let out = client
        .converse()
        .model_id("us.deepseek.r1-v1:0")
        .messages(user("think hard: 2+2?"))
        .send()
        .await
        .unwrap();
    let content = out.output().unwrap().as_message().unwrap().content();
    assert!(content[0].as_reasoning_content().is_ok());
    let counted = client
        .count_tokens()
        .model_id(HAIKU.trim_start_matches("us."))
        .input(aws_sdk_bedrockruntime::types::CountTokensInput::Converse(
            aws_sdk_bedrockruntime::types::ConverseTokensRequest::builder()
                .messages(user("count these words please"))
                .build(),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(
        counted.input_tokens(),
        bedrock_local::tokens::count("count these words please") as i32
    );
}
