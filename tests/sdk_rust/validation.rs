//! Requests Bedrock refuses, and the ValidationException messages they get: conversation
//! shape, tool blocks, sampling parameters, model capabilities, body size, native bodies.

use aws_sdk_bedrockruntime::error::ProvideErrorMetadata;
use aws_sdk_bedrockruntime::operation::converse::builders::ConverseFluentBuilder;
use aws_sdk_bedrockruntime::primitives::Blob;
use aws_sdk_bedrockruntime::types::{
    ContentBlock, ConversationRole, InferenceConfiguration, Message, SystemContentBlock,
    ToolResultBlock, ToolResultContentBlock, ToolResultStatus, ToolUseBlock,
};
use serde_json::json;

use crate::messages::{ask_nova, assistant, refusal, to_document, user, weather_tools};
use crate::{HAIKU, NOVA, TestError, TestResult, client, endpoint};

/// The ValidationException message a Converse request gets.
async fn converse_rejection(request: ConverseFluentBuilder) -> String {
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
     -> Result<ContentBlock, TestError> {
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
                .model_id("anthropic.claude-sonnet-4-5-20250929-v1:0")
                .messages(user("hi")?),
            "ValidationException: Invocation of model ID anthropic.claude-sonnet-4-5-20250929-v1:0 with on-demand throughput isn’t supported. Retry your request with the ID or ARN of an inference profile that contains this model.",
        ),
        (
            c.converse()
                .model_id(NOVA)
                .messages(assistant(vec![ContentBlock::Text("hi".into())])?),
            "ValidationException: A conversation must start with a user message. Try again with a conversation that starts with a user message.",
        ),
        (
            ask_nova(&c, "a")?.messages(user("b")?),
            "ValidationException: A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.",
        ),
        (
            ask_nova(&c, "a")?
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
            ask_nova(&c, "")?,
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
        ask_nova(&c, "hi")?
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
        ask_nova(&c, "hi")?.inference_config(InferenceConfiguration::builder().top_p(-0.5).build()),
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
    let llama_stream_tools = refusal(
        c.converse_stream()
            .model_id("us.meta.llama3-1-70b-instruct-v1:0")
            .messages(user("Weather in Paris?")?)
            .tool_config(weather_tools()?)
            .send()
            .await,
    )?;
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
    let err = refusal(
        client(&ep)
            .await
            .invoke_model()
            .model_id("amazon.titan-text-express-v1")
            .content_type("application/json")
            .body(Blob::new(serde_json::to_vec(&huge)?))
            .send()
            .await,
    )?;
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
        let err = refusal(
            c.invoke_model()
                .model_id(HAIKU)
                .content_type("application/json")
                .body(Blob::new(body))
                .send()
                .await,
        )?;
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
