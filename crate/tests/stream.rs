//! ConverseStream through the real SDK: whole replies, broken streams, stalled streams.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests state expectations

mod common;

use std::time::Duration;

use bedrock_kit::{Demo, Error, Request};
use common::{local, quick, with_rules};

#[test]
fn stream_returns_the_whole_text_with_timing() {
    let bedrock = local();
    let streamed = bedrock
        .stream("Amazon Nova Micro", &Request::new(Demo::Slow.marker()))
        .expect("stream");
    let whole = bedrock
        .send("Amazon Nova Micro", &Request::new(Demo::Slow.marker()))
        .expect("send");
    assert_eq!(streamed.text, whole.text);
    assert_eq!(streamed.stop_reason, "end_turn");
    assert!(streamed.usage.output > 0);
    let first = streamed.time_to_first_token.expect("first token time");
    assert!(
        first >= Duration::from_millis(250),
        "latency_ms 300 precedes the first token: {first:?}"
    );
    assert!(streamed.latency > first);
    let speed = streamed.tokens_per_second.expect("speed");
    assert!(
        speed > 1.0 && speed < 100.0,
        "paced at ~10 tokens/s: {speed}"
    );
}

#[test]
fn streamed_reasoning_is_kept_apart_from_the_answer() {
    let reply = local()
        .stream("Claude Sonnet 4.5", &Request::new(Demo::Reasoning.marker()))
        .expect("stream");
    assert!(
        reply
            .reasoning
            .as_deref()
            .unwrap_or("")
            .contains("chain of thought")
    );
    assert!(
        reply.text.contains("after a reasoning block"),
        "{}",
        reply.text
    );
}

#[test]
fn a_stream_failing_midway_returns_what_arrived() {
    let error = local()
        .stream(
            "Amazon Nova Micro",
            &Request::new(Demo::StreamError.marker()),
        )
        .expect_err("interrupted");
    match &error {
        Error::StreamInterrupted { code, partial, .. } => {
            assert_eq!(code, "ModelStreamErrorException");
            assert!(
                partial.text.starts_with("[bedrock-local]"),
                "{:?}",
                partial.text
            );
            assert!(!partial.text.contains("never finishes this sentence"));
        }
        other => panic!("expected StreamInterrupted, got {other:?}"),
    }
    assert!(error.partial_reply().is_some());
    assert!(error.to_string().contains("Received so far"), "{error}");
}

#[test]
fn a_stalled_stream_times_out_instead_of_hanging() {
    let bedrock = local().with_settings(quick().stream_idle_timeout(Duration::from_millis(400)));
    let started = std::time::Instant::now();
    let error = bedrock
        .stream("Amazon Nova Micro", &Request::new(Demo::Stall.marker()))
        .expect_err("stalled");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    match error {
        Error::StreamInterrupted { code, partial, .. } => {
            assert_eq!(code, "Timeout");
            assert!(!partial.text.is_empty());
        }
        other => panic!("expected StreamInterrupted, got {other:?}"),
    }
}

#[test]
fn a_streamed_tool_call_is_assembled_from_its_json_fragments() {
    let bedrock = with_rules(
        r#"
[[rule]]
name = "stream-tool"
match = { contains = "stream a tool", tool = "get_weather" }
reply = { text = "Checking.", tool_use = [{ name = "get_weather", input = { location = "Miami" } }] }
"#,
    );
    let tools = bedrock_kit::tools::ToolBox::new().with(bedrock_kit::tools::Weather);
    let mut request = Request::new("stream a tool please");
    request.tools = tools.specs();
    let reply = bedrock
        .stream("Claude Haiku 4.5", &request)
        .expect("stream");
    assert_eq!(reply.stop_reason, "tool_use");
    let calls = reply.tool_uses();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].input, serde_json::json!({"location": "Miami"}));
    assert_eq!(reply.text, "Checking.");
}

#[test]
fn stream_errors_before_the_first_event_are_plain_errors() {
    let error = local()
        .stream(
            "Amazon Nova Micro",
            &Request::new(Demo::AccessDenied.marker()),
        )
        .expect_err("denied");
    assert!(matches!(error, Error::AccessDenied { .. }), "{error:?}");
}

#[test]
fn a_throttled_stream_succeeds_after_retries() {
    let reply = local()
        .stream("Amazon Nova Micro", &Request::new(Demo::Throttle.marker()))
        .expect("retried");
    assert!(reply.text.contains("throttled"), "{}", reply.text);
}
