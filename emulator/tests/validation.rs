//! Every Converse validation case answers Bedrock's own message.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use serde_json::{Value, json};

async fn expect_validation(model: &str, body: &Value, message: &str) {
    let reply = call(model, "converse", body).await;
    assert_eq!(
        reply.status,
        400,
        "{}",
        String::from_utf8_lossy(&reply.bytes)
    );
    assert_eq!(reply.error_code(), "ValidationException");
    assert_eq!(reply.message(), message);
}

fn user(text: &str) -> Value {
    json!({"role": "user", "content": [{"text": text}]})
}
fn assistant(text: &str) -> Value {
    json!({"role": "assistant", "content": [{"text": text}]})
}
fn tool_use(id: &str) -> Value {
    json!({"toolUse": {"toolUseId": id, "name": "get_weather", "input": {"location": "Paris"}}})
}
fn tool_result(id: &str) -> Value {
    json!({"toolResult": {"toolUseId": id, "content": [{"text": "sunny"}]}})
}

#[tokio::test]
async fn first_message_from_the_assistant_is_refused() {
    expect_validation(
        HAIKU,
        &json!({"messages": [assistant("hi"), user("hello")]}),
        bedrock_local::FIRST_MESSAGE_USER,
    )
    .await;
}

#[tokio::test]
async fn empty_messages_must_start_with_a_user_message() {
    expect_validation(
        HAIKU,
        &json!({"messages": []}),
        bedrock_local::FIRST_MESSAGE_USER,
    )
    .await;
}

#[tokio::test]
async fn message_without_content_blocks_is_refused() {
    expect_validation(HAIKU, &json!({"messages": [{"role": "user", "content": []}]}), "The content field in the Message object at messages.0 is empty. Add a ContentBlock object to the content field and try again.").await;
}

#[tokio::test]
async fn roles_that_do_not_alternate_are_refused() {
    expect_validation(
        HAIKU,
        &json!({"messages": [user("a"), user("b")]}),
        bedrock_local::ROLES_ALTERNATE,
    )
    .await;
}

#[tokio::test]
async fn tool_blocks_without_tool_config_are_refused() {
    let body = json!({"messages": [user("weather?"), {"role": "assistant", "content": [tool_use("tooluse_abc")]},
        {"role": "user", "content": [tool_result("tooluse_abc")]}]});
    expect_validation(HAIKU, &body, bedrock_local::TOOL_CONFIG_REQUIRED).await;
}

#[tokio::test]
async fn more_tool_results_than_tool_uses_are_refused() {
    let body = json!({"messages": [user("weather?"), {"role": "assistant", "content": [tool_use("tooluse_abc")]},
        {"role": "user", "content": [tool_result("tooluse_abc"), tool_result("tooluse_def")]}], "toolConfig": weather_tools()});
    expect_validation(HAIKU, &body, "The number of toolResult blocks at messages.2.content exceeds the number of toolUse blocks of previous turn.").await;
}

#[tokio::test]
async fn missing_tool_results_name_the_expected_ids() {
    let body = json!({"messages": [user("weather?"), {"role": "assistant", "content": [tool_use("tooluse_abc")]},
        user("never mind")], "toolConfig": weather_tools()});
    expect_validation(
        HAIKU,
        &body,
        "Expected toolResult blocks at messages.2.content for the following Ids: tooluse_abc",
    )
    .await;
}

#[tokio::test]
async fn empty_error_tool_result_is_refused() {
    let body = json!({"messages": [user("weather?"), {"role": "assistant", "content": [tool_use("tooluse_abc")]},
        {"role": "user", "content": [{"toolResult": {"toolUseId": "tooluse_abc", "content": [], "status": "error"}}]},
        assistant("ok"), user("again")], "toolConfig": weather_tools()});
    // The error is reported where it is: messages.2.content.0.toolResult.
    expect_validation(HAIKU, &body, "The content field at messages.2.content.0.toolResult cannot be empty when status value is error.").await;
}

#[tokio::test]
async fn max_tokens_over_the_model_limit_is_refused() {
    let mut body = converse_body("hi");
    body["inferenceConfig"] = json!({"maxTokens": 2049});
    expect_validation(
        "us.meta.llama3-1-70b-instruct-v1:0",
        &body,
        &bedrock_local::max_tokens_message(2048),
    )
    .await;
}

#[tokio::test]
async fn max_tokens_below_one_is_refused() {
    let mut body = converse_body("hi");
    body["inferenceConfig"] = json!({"maxTokens": 0});
    expect_validation(HAIKU, &body, "1 validation error detected: Value '0' at 'inferenceConfig.maxTokens' failed to satisfy constraint: Member must have value greater than or equal to 1").await;
}

#[tokio::test]
async fn temperature_and_top_p_out_of_range_are_refused() {
    let mut body = converse_body("hi");
    body["inferenceConfig"] = json!({"temperature": 1.5});
    expect_validation(HAIKU, &body, "1 validation error detected: Value '1.5' at 'inferenceConfig.temperature' failed to satisfy constraint: Member must have value less than or equal to 1").await;
    body["inferenceConfig"] = json!({"topP": -0.1});
    expect_validation(HAIKU, &body, "1 validation error detected: Value '-0.1' at 'inferenceConfig.topP' failed to satisfy constraint: Member must have value greater than or equal to 0").await;
}

#[tokio::test]
async fn f32_rounded_values_at_the_bounds_are_accepted() {
    let mut body = converse_body("hello there");
    body["inferenceConfig"] =
        json!({"temperature": 1.0000000149011612, "topP": 0.8999999761581421});
    assert_eq!(call(NOVA, "converse", &body).await.status, 200);
}

#[tokio::test]
async fn temperature_with_top_p_is_refused_where_the_model_forbids_it() {
    let mut body = converse_body("hi");
    body["inferenceConfig"] = json!({"temperature": 0.5, "topP": 0.9});
    expect_validation(
        "us.anthropic.claude-haiku-4-5-20251001-v1:0",
        &body,
        bedrock_local::TEMPERATURE_TOP_P_EXCLUSIVE,
    )
    .await;
    assert_eq!(call(NOVA, "converse", &body).await.status, 200);
}

#[tokio::test]
async fn tools_sent_to_a_model_without_tool_use_are_refused() {
    let mut body = converse_body("hi");
    body["toolConfig"] = weather_tools();
    expect_validation("us.deepseek.r1-v1:0", &body, bedrock_local::NO_TOOL_USE).await;
}

#[tokio::test]
async fn streaming_tools_to_a_model_without_streaming_tool_use_are_refused() {
    let mut body = converse_body("hi");
    body["toolConfig"] = weather_tools();
    let reply = call(
        "us.meta.llama3-1-70b-instruct-v1:0",
        "converse-stream",
        &body,
    )
    .await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.message(), bedrock_local::NO_STREAMING_TOOL_USE);
}

#[tokio::test]
async fn system_prompt_to_a_model_without_system_prompts_is_refused() {
    let mut body = converse_body("hi");
    body["system"] = json!([{"text": "Be brief."}]);
    expect_validation(
        "amazon.titan-text-express-v1",
        &body,
        bedrock_local::NO_SYSTEM_PROMPT,
    )
    .await;
}

#[tokio::test]
async fn empty_text_names_the_block() {
    expect_validation(HAIKU, &converse_body("   "), "The text field in the ContentBlock object at messages.0.content.0 is blank. Add text to the text field, and try again.").await;
}

#[tokio::test]
async fn wrong_types_name_the_field() {
    let cases = [
        (
            json!({"messages": "hi"}),
            "1 validation error detected: Value of the wrong type at 'messages' failed to satisfy constraint: Member must be a list",
        ),
        (
            json!({"messages": [{"role": "user", "content": [{"text": 5}]}]}),
            "1 validation error detected: Value of the wrong type at 'messages.0.content.0.text' failed to satisfy constraint: Member must be a string",
        ),
        (
            json!({"messages": [user("hi")], "inferenceConfig": {"maxTokens": "ten"}}),
            "1 validation error detected: Value of the wrong type at 'inferenceConfig.maxTokens' failed to satisfy constraint: Member must be an integer",
        ),
        (
            json!({"messages": [{"role": "robot", "content": []}]}),
            "1 validation error detected: Value 'robot' at 'messages.0.role' failed to satisfy constraint: Member must satisfy enum value set: [user, assistant]",
        ),
        (
            json!({"messages": [{"role": "user"}]}),
            "1 validation error detected: Value null at 'messages.0.content' failed to satisfy constraint: Member must not be null",
        ),
        (
            json!({}),
            "1 validation error detected: Value null at 'messages' failed to satisfy constraint: Member must not be null",
        ),
    ];
    for (body, message) in cases {
        expect_validation(HAIKU, &body, message).await;
    }
}

#[tokio::test]
async fn invalid_tool_name_is_refused_with_the_pattern() {
    let mut body = converse_body("hi");
    body["toolConfig"] =
        json!({"tools": [{"toolSpec": {"name": "get weather", "inputSchema": {"json": {}}}}]});
    expect_validation(HAIKU, &body, "1 validation error detected: Value 'get weather' at 'toolConfig.tools.0.toolSpec.name' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9_-]+$").await;
}

#[tokio::test]
async fn malformed_json_is_a_validation_error() {
    let reply = send(
        router(),
        signed(&path(HAIKU, "converse"), b"{\"messages\": ["),
    )
    .await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.error_code(), "ValidationException");
    assert!(
        reply.message().starts_with("Malformed input request: "),
        "{}",
        reply.message()
    );
}

#[tokio::test]
async fn body_over_the_limit_gets_a_clear_error() {
    let big = vec![b' '; bedrock_local::MAX_BODY_BYTES + 1];
    let reply = send(router(), signed(&path(HAIKU, "converse"), &big)).await;
    assert_eq!(reply.status, 413);
    assert_eq!(reply.error_code(), "ValidationException");
    assert!(reply.message().contains("20 MiB"), "{}", reply.message());
}
