//! Event-stream framing, decoded with aws-smithy-eventstream's own decoder: ConverseStream event
//! order for text, tool use and reasoning, native chunks, mid-stream faults and pacing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use base64::Engine;
use common::*;
use serde_json::{Value, json};

async fn events(model: &str, operation: &str, body: &Value) -> Vec<(String, String, Value)> {
    let reply = call(model, operation, body).await;
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.bytes)
    );
    assert_eq!(
        reply.headers["content-type"],
        "application/vnd.amazon.eventstream"
    );
    decode_frames(&reply.bytes)
        .iter()
        .map(|m| {
            let kind = header(m, ":message-type");
            let name = if kind == "event" {
                header(m, ":event-type")
            } else {
                header(m, ":exception-type")
            };
            assert_eq!(header(m, ":content-type"), "application/json");
            (kind, name, payload(m))
        })
        .collect()
}

fn names(events: &[(String, String, Value)]) -> Vec<&str> {
    events.iter().map(|(_, n, _)| n.as_str()).collect()
}

#[tokio::test]
async fn text_stream_is_message_start_deltas_stop_message_stop_metadata() {
    let events = events(HAIKU, "converse-stream", &converse_body("hello there")).await;
    let names = names(&events);
    assert_eq!(names.first(), Some(&"messageStart"));
    assert_eq!(
        &names[names.len() - 3..],
        ["contentBlockStop", "messageStop", "metadata"]
    );
    let deltas: Vec<&Value> = events
        .iter()
        .filter(|(_, n, _)| n == "contentBlockDelta")
        .map(|(_, _, p)| p)
        .collect();
    assert!(deltas.len() > 1, "several text deltas");
    let text: String = deltas
        .iter()
        .map(|d| d["delta"]["text"].as_str().unwrap())
        .collect();
    assert!(text.starts_with("General Kenobi"));
    assert!(
        deltas
            .iter()
            .all(|d| d["delta"].as_object().unwrap().len() == 1),
        "no extra keys in the union"
    );
    let metadata = &events.last().unwrap().2;
    assert!(metadata["usage"]["totalTokens"].is_u64());
    assert!(metadata["metrics"]["latencyMs"].is_u64());
    assert_eq!(
        events[events.len() - 2].2,
        json!({"stopReason": "end_turn"})
    );
}

#[tokio::test]
async fn tool_use_streams_a_start_and_json_fragments_over_several_deltas() {
    let mut body = converse_body("What's the weather in San Francisco?");
    body["toolConfig"] = weather_tools();
    let events = events(HAIKU, "converse-stream", &body).await;
    let start = events
        .iter()
        .find(|(_, n, _)| n == "contentBlockStart")
        .unwrap();
    assert_eq!(
        start.2,
        json!({"contentBlockIndex": 1, "start": {"toolUse": {"toolUseId": "tooluse_test1", "name": "get_weather"}}})
    );
    let fragments: Vec<&str> = events
        .iter()
        .filter(|(_, n, p)| n == "contentBlockDelta" && p["contentBlockIndex"] == 1)
        .map(|(_, _, p)| p["delta"]["toolUse"]["input"].as_str().unwrap())
        .collect();
    assert!(fragments.len() >= 2);
    let input: Value = serde_json::from_str(&fragments.concat()).unwrap();
    assert_eq!(input["location"], "San Francisco");
    assert_eq!(events[events.len() - 2].2["stopReason"], "tool_use");
}

#[tokio::test]
async fn reasoning_streams_reasoning_deltas_before_text() {
    let events = events(
        "us.deepseek.r1-v1:0",
        "converse-stream",
        &converse_body("think hard: 2+2?"),
    )
    .await;
    let first_delta = events
        .iter()
        .find(|(_, n, _)| n == "contentBlockDelta")
        .unwrap();
    assert!(first_delta.2["delta"]["reasoningContent"]["text"].is_string());
    assert!(events.iter().any(|(_, _, p)| p["delta"]["text"] == "4"));
}

#[tokio::test]
async fn stream_exception_arrives_after_the_configured_events() {
    let events = events(HAIKU, "converse-stream", &converse_body("break the stream")).await;
    assert_eq!(events.len(), 3);
    assert_eq!(events[2].0, "exception");
    assert_eq!(events[2].1, "modelStreamErrorException");
    assert_eq!(events[2].2, json!({"message": "stream broke"}));
}

#[tokio::test]
async fn errors_before_the_stream_are_plain_json_errors() {
    let reply = call(HAIKU, "converse-stream", &converse_body("throttle me")).await;
    assert_eq!(reply.status, 429);
    assert_eq!(reply.error_code(), "ThrottlingException");
}

#[tokio::test]
async fn anthropic_native_stream_chunks_follow_the_messages_sequence_with_metrics() {
    let body = json!({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 100,
        "messages": [{"role": "user", "content": "hello there"}]});
    let events = events(HAIKU, "invoke-with-response-stream", &body).await;
    let chunks: Vec<Value> = events
        .iter()
        .map(|(kind, name, p)| {
            assert_eq!((kind.as_str(), name.as_str()), ("event", "chunk"));
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(p["bytes"].as_str().unwrap())
                .unwrap();
            serde_json::from_slice(&bytes).unwrap()
        })
        .collect();
    let types: Vec<&str> = chunks.iter().map(|c| c["type"].as_str().unwrap()).collect();
    assert_eq!(&types[..2], ["message_start", "content_block_start"]);
    assert_eq!(
        &types[types.len() - 3..],
        ["content_block_stop", "message_delta", "message_stop"]
    );
    assert!(
        types
            .iter()
            .filter(|t| **t == "content_block_delta")
            .count()
            > 1
    );
    let metrics = &chunks.last().unwrap()["amazon-bedrock-invocationMetrics"];
    for key in [
        "inputTokenCount",
        "outputTokenCount",
        "invocationLatency",
        "firstByteLatency",
    ] {
        assert!(metrics[key].is_u64(), "{key}");
    }
}

#[tokio::test]
async fn every_provider_streams_native_chunks_ending_with_metrics() {
    let cases = [
        (
            NOVA,
            json!({"messages": [{"role": "user", "content": [{"text": "hello there"}]}]}),
        ),
        (
            "us.meta.llama3-1-70b-instruct-v1:0",
            json!({"prompt": "hello there"}),
        ),
        ("us.deepseek.r1-v1:0", json!({"prompt": "hello there"})),
        (
            "amazon.titan-text-express-v1",
            json!({"inputText": "hello there"}),
        ),
        (
            "mistral.mistral-large-2402-v1:0",
            json!({"prompt": "<s>[INST] hello there [/INST]"}),
        ),
    ];
    for (model, body) in cases {
        let events = events(model, "invoke-with-response-stream", &body).await;
        assert!(events.len() >= 2, "{model}");
        let last = &events.last().unwrap().2;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(last["bytes"].as_str().unwrap())
            .unwrap();
        let chunk: Value = serde_json::from_slice(&bytes).unwrap();
        assert!(
            chunk["amazon-bedrock-invocationMetrics"]["outputTokenCount"].is_u64(),
            "{model}: {chunk}"
        );
    }
}

#[tokio::test]
async fn configured_pace_spreads_deltas_over_time() {
    let scenarios = bedrock_local::ScenarioSet::from_toml_str(
        "pace.toml",
        "[[rule]]\nname = \"paced\"\nreply = { text = \"one two three four five six seven eight nine ten\", chunk_tokens = 2 }\n",
    )
    .unwrap();
    let endpoint_state =
        bedrock_local::AppState::new(&config().scenarios(scenarios).tokens_per_second(Some(100.0)));
    let request = signed_json(&path(HAIKU, "converse-stream"), &converse_body("anything"));
    let started = Instant::now();
    let reply = send(bedrock_local::app(endpoint_state), request).await;
    // 10 tokens at 100 tokens/s: about 100 ms in total.
    assert!(
        started.elapsed() >= Duration::from_millis(80),
        "{:?}",
        started.elapsed()
    );
    assert!(decode_frames(&reply.bytes).len() > 5);
}
