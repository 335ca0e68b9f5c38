//! InvokeModel with each provider's native request and response body; other formats refused.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use serde_json::{Value, json};

async fn invoke(model: &str, body: &Value) -> common::Reply {
    call(model, "invoke", body).await
}

#[tokio::test]
async fn anthropic_messages_body_gets_a_messages_response() {
    let body = json!({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 1000, "temperature": 0.5,
        "system": "Be brief.", "messages": [{"role": "user", "content": [{"type": "text", "text": "hello there"}]}]});
    let reply = invoke(HAIKU, &body).await;
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.bytes)
    );
    assert!(
        reply
            .headers
            .contains_key("x-amzn-bedrock-input-token-count")
    );
    let json = reply.json();
    assert_eq!(json["type"], "message");
    assert_eq!(json["role"], "assistant");
    assert_eq!(json["stop_reason"], "end_turn");
    assert!(
        json["content"][0]["text"]
            .as_str()
            .unwrap()
            .starts_with("General Kenobi")
    );
    assert!(json["usage"]["input_tokens"].is_u64() && json["usage"]["output_tokens"].is_u64());
}

#[tokio::test]
async fn anthropic_tools_answer_with_tool_use_blocks() {
    let body = json!({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 500,
        "tools": [{"name": "get_weather", "description": "weather", "input_schema": {"type": "object"}}],
        "messages": [{"role": "user", "content": "What's the weather in SF?"}]});
    let json = invoke(HAIKU, &body).await.json();
    assert_eq!(json["stop_reason"], "tool_use");
    assert_eq!(json["content"][1]["type"], "tool_use");
    assert_eq!(json["content"][1]["input"]["location"], "San Francisco");
}

#[tokio::test]
async fn nova_messages_v1_body_gets_a_converse_shaped_response() {
    let body = json!({"schemaVersion": "messages-v1", "system": [{"text": "Be brief."}],
        "messages": [{"role": "user", "content": [{"text": "hello there"}]}],
        "inferenceConfig": {"max_new_tokens": 300, "temperature": 0.5, "topP": 0.9}});
    let json = invoke(NOVA, &body).await.json();
    assert_eq!(json["output"]["message"]["role"], "assistant");
    assert_eq!(json["stopReason"], "end_turn");
    assert!(json["usage"]["totalTokens"].is_u64());
}

#[tokio::test]
async fn llama_prompt_body_gets_a_generation() {
    let prompt = "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nhello there<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n";
    let json = invoke(
        "us.meta.llama3-1-70b-instruct-v1:0",
        &json!({"prompt": prompt, "max_gen_len": 512, "temperature": 0.5}),
    )
    .await
    .json();
    assert!(
        json["generation"]
            .as_str()
            .unwrap()
            .starts_with("General Kenobi")
    );
    assert_eq!(json["stop_reason"], "stop");
    assert!(json["prompt_token_count"].is_u64() && json["generation_token_count"].is_u64());
}

#[tokio::test]
async fn llama_generation_cut_by_max_gen_len_stops_for_length() {
    let json = invoke(
        "us.meta.llama3-1-70b-instruct-v1:0",
        &json!({"prompt": "hello there", "max_gen_len": 2}),
    )
    .await
    .json();
    assert_eq!(json["stop_reason"], "length");
    assert!(json["generation_token_count"].as_u64().unwrap() <= 2);
}

#[tokio::test]
async fn deepseek_prompt_body_gets_choices_with_reasoning_before_think_end() {
    let prompt = "<\u{ff5c}begin\u{2581}of\u{2581}sentence\u{ff5c}><\u{ff5c}User\u{ff5c}>think hard: 2+2?<\u{ff5c}Assistant\u{ff5c}><think>\n";
    let json = invoke(
        "us.deepseek.r1-v1:0",
        &json!({"prompt": prompt, "max_tokens": 512}),
    )
    .await
    .json();
    assert_eq!(
        json["choices"][0]["text"],
        "Two plus two is four.\n</think>\n\n4"
    );
    assert_eq!(json["choices"][0]["stop_reason"], "stop");
}

#[tokio::test]
async fn titan_input_text_body_gets_results() {
    let body = json!({"inputText": "User: hello there\nBot:", "textGenerationConfig": {"maxTokenCount": 512, "temperature": 0.5, "topP": 0.9}});
    let json = invoke("amazon.titan-text-express-v1", &body).await.json();
    assert!(json["inputTextTokenCount"].is_u64());
    assert!(
        json["results"][0]["outputText"]
            .as_str()
            .unwrap()
            .starts_with("General Kenobi")
    );
    assert_eq!(json["results"][0]["completionReason"], "FINISH");
}

#[tokio::test]
async fn mistral_instruction_body_gets_outputs() {
    let json = invoke(
        "mistral.mistral-large-2402-v1:0",
        &json!({"prompt": "<s>[INST] hello there [/INST]", "max_tokens": 200}),
    )
    .await
    .json();
    assert!(
        json["outputs"][0]["text"]
            .as_str()
            .unwrap()
            .starts_with("General Kenobi")
    );
    assert_eq!(json["outputs"][0]["stop_reason"], "stop");
}

#[tokio::test]
async fn a_body_in_another_providers_format_is_refused() {
    let anthropic = json!({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]});
    let cases = [
        (
            NOVA,
            anthropic.clone(),
            "Malformed input request: #: extraneous key [anthropic_version] is not permitted, please reformat your input and try again.",
        ),
        (
            HAIKU,
            json!({"inputText": "hi"}),
            "Malformed input request: #: extraneous key [inputText] is not permitted, please reformat your input and try again.",
        ),
        (
            "amazon.titan-text-express-v1",
            json!({"prompt": "hi"}),
            "Malformed input request: #: extraneous key [prompt] is not permitted, please reformat your input and try again.",
        ),
        (
            "us.meta.llama3-1-70b-instruct-v1:0",
            anthropic.clone(),
            "Malformed input request: #: extraneous key [anthropic_version] is not permitted, please reformat your input and try again.",
        ),
        (
            "us.deepseek.r1-v1:0",
            json!({"prompt": "hi", "max_gen_len": 5}),
            "Malformed input request: #: extraneous key [max_gen_len] is not permitted, please reformat your input and try again.",
        ),
        (
            "mistral.mistral-large-2402-v1:0",
            json!({"messages": []}),
            "Malformed input request: #: extraneous key [messages] is not permitted, please reformat your input and try again.",
        ),
        (
            HAIKU,
            json!({"messages": [{"role": "user", "content": "hi"}]}),
            "Malformed input request: #: required key [anthropic_version] not found, please reformat your input and try again.",
        ),
    ];
    for (model, body, message) in cases {
        let reply = invoke(model, &body).await;
        assert_eq!(reply.status, 400, "{model}");
        assert_eq!(reply.error_code(), "ValidationException");
        assert_eq!(reply.message(), message, "{model}");
    }
}

#[tokio::test]
async fn native_max_tokens_over_the_limit_is_refused() {
    let body = json!({"prompt": "hi", "max_gen_len": 4096});
    let reply = invoke("us.meta.llama3-1-70b-instruct-v1:0", &body).await;
    assert_eq!(reply.message(), bedrock_local::max_tokens_message(2048));
}
