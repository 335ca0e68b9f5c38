//! Routes, model-id resolution and the Converse / InvokeModel / CountTokens shapes, in-process.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use base64::Engine;
use common::*;
use serde_json::json;

#[tokio::test]
async fn converse_answers_with_message_usage_metrics_and_request_id() {
    let reply = call(HAIKU, "converse", &converse_body("hello there")).await;
    assert_eq!(reply.status, 200);
    let body = reply.json();
    assert_eq!(body["output"]["message"]["role"], "assistant");
    assert!(
        body["output"]["message"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .starts_with("General Kenobi")
    );
    assert_eq!(body["stopReason"], "end_turn");
    assert_eq!(body["usage"]["inputTokens"], 11);
    let usage = &body["usage"];
    assert_eq!(
        usage["totalTokens"].as_u64().unwrap(),
        usage["inputTokens"].as_u64().unwrap() + usage["outputTokens"].as_u64().unwrap()
    );
    assert!(body["metrics"]["latencyMs"].is_u64());
    assert!(reply.headers.contains_key("x-amzn-RequestId"));
}

#[tokio::test]
async fn percent_encoded_profile_arn_decodes_as_one_segment() {
    let arn = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0";
    let p = path(arn, "converse");
    assert!(p.contains("%3A") && p.contains("%2F"));
    let reply = send(router(), signed_json(&p, &converse_body("hello there"))).await;
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.bytes)
    );
}

#[tokio::test]
async fn every_geography_prefix_of_every_model_answering_today_resolves() {
    let day = bedrock_catalog::parse_date(TEST_DATE).unwrap();
    for model in bedrock_catalog::models()
        .iter()
        .filter(|m| m.state_on(day) == bedrock_catalog::State::Active)
    {
        for geography in &model.geographies {
            let id = format!("{geography}.{}", model.id);
            let reply = call(&id, "converse", &converse_body("hello there")).await;
            assert_eq!(
                reply.status,
                200,
                "{id}: {}",
                String::from_utf8_lossy(&reply.bytes)
            );
        }
    }
}

#[tokio::test]
async fn bare_id_of_a_profile_only_model_gets_the_on_demand_message() {
    let id = "anthropic.claude-sonnet-4-5-20250929-v1:0";
    let reply = call(id, "converse", &converse_body("hello there")).await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.error_code(), "ValidationException");
    assert_eq!(
        reply.message(),
        "Invocation of model ID anthropic.claude-sonnet-4-5-20250929-v1:0 with on-demand throughput isn\u{2019}t supported. Retry your request with the ID or ARN of an inference profile that contains this model."
    );
}

#[tokio::test]
async fn unknown_model_and_unknown_geography_are_invalid_identifiers() {
    for id in [
        "acme.nothing-v1:0",
        "eu.deepseek.r1-v1:0",
        "arn:aws:s3:::bucket/x",
    ] {
        let reply = call(id, "converse", &converse_body("hello there")).await;
        assert_eq!(reply.status, 400, "{id}");
        assert_eq!(reply.message(), "The provided model identifier is invalid.");
    }
}

#[tokio::test]
async fn bare_on_demand_model_and_foundation_model_arn_are_accepted() {
    assert_eq!(
        call(NOVA, "converse", &converse_body("hello there"))
            .await
            .status,
        200
    );
    let arn = "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0";
    assert_eq!(
        call(arn, "converse", &converse_body("hello there"))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn unknown_path_is_an_unknown_operation() {
    let reply = send(router(), signed(&path(NOVA, "chat"), b"{}")).await;
    assert_eq!(reply.status, 404);
    assert_eq!(reply.error_code(), "UnknownOperationException");
}

#[tokio::test]
async fn wrong_method_on_an_operation_route_is_an_unknown_operation() {
    let request = axum::http::Request::get(path(NOVA, "converse"))
        .body(axum::body::Body::empty())
        .unwrap();
    let reply = send(router(), request).await;
    assert_eq!(reply.status, 404);
    assert_eq!(reply.error_code(), "UnknownOperationException");
}

#[tokio::test]
async fn count_tokens_accepts_converse_and_invoke_model_inputs() {
    // CountTokens takes the foundation-model id, even of a model invoked only through profiles.
    let bare = HAIKU.trim_start_matches("us.");
    let converse = call(
        bare,
        "count-tokens",
        &json!({"input": {"converse": converse_body("count these words please")}}),
    )
    .await;
    assert_eq!(converse.status, 200);
    let n = converse.json()["inputTokens"].as_u64().unwrap();
    assert_eq!(
        n,
        u64::from(bedrock_local::tokens::count("count these words please"))
    );
    let native = json!({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 10,
        "messages": [{"role": "user", "content": "count these words please"}]});
    let encoded = base64::engine::general_purpose::STANDARD.encode(native.to_string());
    let invoke = call(
        bare,
        "count-tokens",
        &json!({"input": {"invokeModel": {"body": encoded}}}),
    )
    .await;
    assert_eq!(invoke.status, 200);
    assert_eq!(invoke.json()["inputTokens"].as_u64().unwrap(), n);
}

#[tokio::test]
async fn count_tokens_without_input_is_a_validation_error() {
    let bare = HAIKU.trim_start_matches("us.");
    let reply = call(bare, "count-tokens", &json!({"input": {}})).await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.error_code(), "ValidationException");
    assert_eq!(
        reply.message(),
        "The input field must set exactly one of converse or invokeModel."
    );
}

#[tokio::test]
async fn max_tokens_cuts_the_answer_and_reports_max_tokens() {
    let mut body = converse_body("hello there");
    body["inferenceConfig"] = json!({"maxTokens": 3});
    let reply = call(HAIKU, "converse", &body).await.json();
    assert_eq!(reply["stopReason"], "max_tokens");
    let text = reply["output"]["message"]["content"][0]["text"]
        .as_str()
        .unwrap();
    assert!(bedrock_local::tokens::count(text) <= 3, "{text}");
    assert_eq!(
        reply["usage"]["outputTokens"],
        bedrock_local::tokens::count(text)
    );
}

#[tokio::test]
async fn stop_sequence_cuts_the_answer() {
    let mut body = converse_body("hello there");
    body["inferenceConfig"] = json!({"stopSequences": ["bold"]});
    let reply = call(HAIKU, "converse", &body).await.json();
    assert_eq!(reply["stopReason"], "stop_sequence");
    assert_eq!(
        reply["output"]["message"]["content"][0]["text"],
        "General Kenobi. You are a "
    );
}

#[tokio::test]
async fn tool_round_trip_answers_tool_use_then_text() {
    let mut first = converse_body("What's the weather in San Francisco?");
    first["toolConfig"] = weather_tools();
    let reply = call(HAIKU, "converse", &first).await.json();
    assert_eq!(reply["stopReason"], "tool_use");
    let tool_use = &reply["output"]["message"]["content"][1]["toolUse"];
    assert_eq!(tool_use["name"], "get_weather");
    assert_eq!(tool_use["input"]["location"], "San Francisco");
    let second = json!({
        "messages": [
            first["messages"][0],
            reply["output"]["message"],
            {"role": "user", "content": [{"toolResult": {"toolUseId": tool_use["toolUseId"], "content": [{"json": {"weather": "Foggy"}}]}}]}
        ],
        "toolConfig": weather_tools()
    });
    let answer = call(HAIKU, "converse", &second).await.json();
    assert_eq!(answer["stopReason"], "end_turn");
    assert_eq!(
        answer["output"]["message"]["content"][0]["text"],
        "Foggy, 58 F: bring a jacket."
    );
}

#[tokio::test]
async fn reasoning_comes_back_as_reasoning_content() {
    let reply = call(
        "us.deepseek.r1-v1:0",
        "converse",
        &converse_body("think hard: 2+2?"),
    )
    .await
    .json();
    let content = &reply["output"]["message"]["content"];
    assert_eq!(
        content[0]["reasoningContent"]["reasoningText"]["text"],
        "Two plus two is four."
    );
    assert_eq!(content[1]["text"], "4");
}

#[tokio::test]
async fn scenario_faults_become_bedrock_errors() {
    let throttled = call(HAIKU, "converse", &converse_body("throttle me")).await;
    assert_eq!(
        (throttled.status.as_u16(), throttled.error_code().as_str()),
        (429, "ThrottlingException")
    );
    let denied = call(HAIKU, "converse", &converse_body("deny me")).await;
    assert_eq!(
        (denied.status.as_u16(), denied.error_code().as_str()),
        (403, "AccessDeniedException")
    );
    assert_eq!(
        denied.message(),
        "You don't have access to the model with the specified model ID."
    );
    let timeout = call(HAIKU, "converse", &converse_body("time out")).await;
    assert_eq!(
        (timeout.status.as_u16(), timeout.error_code().as_str()),
        (408, "ModelTimeoutException")
    );
}

#[tokio::test]
async fn error_bodies_carry_only_a_message_and_the_coral_error_type() {
    let reply = call("acme.nothing-v1:0", "converse", &converse_body("x")).await;
    let header = reply
        .headers
        .get("x-amzn-ErrorType")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(
        header,
        "ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/"
    );
    assert_eq!(reply.json().as_object().unwrap().len(), 1);
}
