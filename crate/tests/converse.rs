//! Converse through the real SDK against the in-process local endpoint.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests state expectations

mod common;

use std::time::Duration;

use bedrock_kit::{Backend, Conversation, Demo, Error, Request};
use common::{local, quick, with_rules};

#[test]
fn ask_returns_text_usage_and_ids() {
    let bedrock = local();
    assert_eq!(bedrock.backend(), Backend::Local);
    let reply = bedrock.ask("Amazon Nova Micro", "hello").expect("ask");
    assert!(reply.text.contains("[bedrock-local]"), "{}", reply.text);
    assert_eq!(reply.stop_reason, "end_turn");
    assert_eq!(reply.model_id, "amazon.nova-micro-v1:0");
    assert!(reply.usage.output > 0 && reply.usage.total == reply.usage.input + reply.usage.output);
    assert!(reply.request_id.is_some());
    assert!(reply.adjustments.is_empty());
    assert!(reply.local, "a local answer must say it is not a model's");
}

#[test]
fn every_request_member_reaches_bedrock() {
    let bedrock = with_rules(
        r#"
[[rule]]
name = "members"
match = { contains = "members check" }
reply = { text = "All members arrived." }
"#,
    );
    let request = Request::new("members check")
        .system("Be brief.")
        .temperature(0.4)
        .top_p(0.9)
        .max_tokens(500)
        .stop_sequences(&["END"])
        .additional_fields(serde_json::json!({"top_k": 50}));
    let reply = bedrock.send("Claude Haiku 4.5", &request).expect("send");
    assert_eq!(reply.text, "All members arrived.");
    assert_eq!(
        reply.model_id,
        "us.anthropic.claude-haiku-4-5-20251001-v1:0"
    );
}

#[test]
fn names_resolve_to_the_regions_inference_profile() {
    let bedrock = local();
    let reply = bedrock.ask("Claude Sonnet 4.5", "hello").expect("ask");
    assert_eq!(
        reply.model_id,
        "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
    );
}

#[test]
fn bare_id_refused_on_demand_is_retried_once_with_the_profile() {
    let bedrock = local();
    let reply = bedrock
        .ask("anthropic.claude-sonnet-4-5-20250929-v1:0", "hello")
        .expect("retried with profile");
    assert_eq!(
        reply.model_id,
        "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
    );
}

#[test]
fn top_p_is_dropped_for_claude_4_5_and_recorded() {
    let bedrock = local();
    let request = Request::new("hello").temperature(0.4).top_p(0.9);
    let reply = bedrock.send("Claude Sonnet 4.5", &request).expect("send");
    assert_eq!(reply.adjustments.len(), 1, "{:?}", reply.adjustments);
    assert!(reply.adjustments[0].contains("topP"));
}

#[test]
fn send_raw_shows_the_converse_response_json() {
    let bedrock = local();
    let raw = bedrock
        .send_raw("Amazon Nova Micro", &Request::new("hello"))
        .expect("raw");
    assert_eq!(raw["output"]["message"]["role"], "assistant");
    assert!(raw["output"]["message"]["content"][0]["text"].is_string());
    assert_eq!(raw["stopReason"], "end_turn");
    assert!(raw["usage"]["totalTokens"].as_u64().unwrap_or(0) > 0);
}

#[test]
fn chat_sends_history_and_appends_the_answer() {
    let bedrock = local();
    let text = "Rivers begin in mountains. They flow downhill and join other rivers. \
                Eventually they reach the sea. Many cities grew beside rivers.";
    let mut conversation = Conversation::new()
        .model("Amazon Nova Micro")
        .temperature(0.2)
        .user(&format!("Summarize this text: {text}"));
    let first = bedrock.chat(&mut conversation).expect("first turn");
    conversation.push_user("Make it even shorter, one sentence.");
    let second = bedrock.chat(&mut conversation).expect("second turn");
    assert_eq!(conversation.len(), 4);
    assert_eq!(
        conversation.last_answer().as_deref(),
        Some(second.text.as_str())
    );
    assert!(!first.text.is_empty());
    assert!(conversation.to_html().contains("🤖 assistant"));
}

#[test]
fn chat_without_a_model_says_how_to_set_one() {
    let bedrock = local();
    let error = bedrock
        .chat(&mut Conversation::new().user("hi"))
        .expect_err("no model");
    assert!(error.to_string().contains(".model("), "{error}");
}

#[test]
fn throttled_model_succeeds_after_retries() {
    let bedrock = local();
    let reply = bedrock
        .ask("Amazon Nova Micro", &Demo::Throttle.prompt("please"))
        .expect("third attempt");
    assert!(
        reply.text.contains("after two throttled attempts"),
        "{}",
        reply.text
    );
}

#[test]
fn throttling_that_never_ends_reports_attempts_and_what_to_do() {
    let bedrock = local();
    let error = bedrock
        .ask("Amazon Nova Micro", &Demo::ThrottleAlways.marker())
        .expect_err("throttled");
    match &error {
        Error::Throttled { attempts, code, .. } => {
            assert_eq!(*attempts, 3);
            assert_eq!(code, "ThrottlingException");
        }
        other => panic!("expected Throttled, got {other:?}"),
    }
    assert!(error.to_string().contains("quota"), "{error}");
}

#[test]
fn attempt_count_is_configurable() {
    let bedrock = local().with_settings(quick().max_attempts(1));
    let error = bedrock
        .ask("Amazon Nova Micro", &Demo::Throttle.prompt("once"))
        .expect_err("no retries");
    assert!(
        matches!(error, Error::Throttled { attempts: 1, .. }),
        "{error:?}"
    );
}

#[test]
fn adaptive_retries_recover_from_a_server_error() {
    // Adaptive mode also rate-limits the client after throttling (tens of seconds with two
    // throttles), so a 500 proves the retries without that wait.
    let bedrock = local().with_settings(quick().retry_mode(bedrock_kit::RetryMode::Adaptive));
    let reply = bedrock
        .ask("Amazon Nova Micro", &Demo::Error500.prompt("adaptive"))
        .expect("recovered");
    assert!(
        reply.text.contains("after one InternalServerException"),
        "{}",
        reply.text
    );
}

#[test]
fn access_denied_explains_model_access() {
    let error = local()
        .ask("Amazon Nova Micro", &Demo::AccessDenied.marker())
        .expect_err("denied");
    assert!(matches!(error, Error::AccessDenied { .. }), "{error:?}");
    assert_eq!(error.code(), Some("AccessDeniedException"));
    assert!(error.to_string().contains("Model access"), "{error}");
}

#[test]
fn a_refused_call_keeps_bedrock_s_request_id_and_the_sdk_error_as_source() {
    let (_endpoint, bedrock) = common::endpoint_and_handle(common::config());
    let error = bedrock
        .ask("Amazon Nova Micro", &Demo::AccessDenied.marker())
        .expect_err("denied");
    let request_id = error.request_id().expect("a request id");
    assert_eq!(request_id.len(), 36, "{request_id}");
    let source = std::error::Error::source(&error).expect("the SDK error as source");
    let sdk = source
        .downcast_ref::<aws_sdk_bedrockruntime::error::SdkError<
            aws_sdk_bedrockruntime::operation::converse::ConverseError,
            aws_smithy_runtime_api::http::Response,
        >>()
        .expect("an SdkError of Converse");
    assert_eq!(
        aws_sdk_bedrockruntime::error::ProvideErrorMetadata::code(sdk),
        Some("AccessDeniedException")
    );
}

#[test]
fn an_expired_key_is_explained_as_expired_credentials() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("keys.json");
    std::fs::write(
        &file,
        r#"{"credentials": [{"AccessKeyId": "ASIAEXPIRED000000001", "SecretAccessKey": "old-secret",
            "Expiration": "2020-01-01T00:00:00Z"}]}"#,
    )
    .expect("keys file");
    let config = common::config()
        .credentials_file(&file)
        .expect("credentials file");
    let endpoint = bedrock_local::start(config).expect("endpoint");
    let bedrock = bedrock_kit::Bedrock::at_endpoint(
        &endpoint.endpoint_url(),
        endpoint.region(),
        "ASIAEXPIRED000000001",
        "old-secret",
    )
    .expect("handle")
    .with_settings(quick());
    let error = bedrock.ask("Amazon Nova Micro", "hi").expect_err("expired");
    assert!(
        matches!(error, Error::ExpiredCredentials { .. }),
        "{error:?}"
    );
    assert_eq!(error.code(), Some("ExpiredTokenException"));
    assert_eq!(
        error.message(),
        Some("The security token included in the request is expired")
    );
    let text = error.to_string();
    assert!(text.contains("cannot refresh"), "{text}");
    assert!(text.contains("aws sso login"), "{text}");
}

/// Answers one Converse request with a model's JSON and no local marker, as a proxy in front of
/// Bedrock would, and returns its URL.
fn unmarked_endpoint() -> String {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        let (stream, _) = listener.accept().expect("accept");
        let mut reader = BufReader::new(stream);
        let mut length = 0;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).expect("request line");
            if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = value.trim().parse().expect("length");
            }
            if line == "\r\n" {
                break;
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).expect("body");
        let answer = r#"{"output":{"message":{"role":"assistant","content":[{"text":"A model's words."}]}},"stopReason":"end_turn","usage":{"inputTokens":3,"outputTokens":4,"totalTokens":7},"metrics":{"latencyMs":9}}"#;
        let response = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-amzn-requestid: \
             11111111-2222-4333-a444-555555555555\r\ncontent-length: {}\r\n\r\n{answer}",
            answer.len()
        );
        reader
            .get_mut()
            .write_all(response.as_bytes())
            .expect("answer");
    });
    url
}

#[test]
fn an_answer_without_the_local_marker_is_not_shown_as_scripted() {
    // `Local` only because the handle was given a URL: the answer itself decides.
    let bedrock =
        bedrock_kit::Bedrock::at_endpoint(&unmarked_endpoint(), "us-east-1", "AKIDEXAMPLE", "s")
            .expect("handle")
            .with_settings(quick().max_attempts(1));
    let reply = bedrock.ask("Amazon Nova Micro", "hi").expect("answer");
    assert_eq!(reply.text, "A model's words.");
    assert!(
        !reply.local,
        "an unmarked answer was shown as the local endpoint's"
    );
    assert!(!reply.to_string().contains("scripted"), "{reply}");
}

#[test]
fn legacy_or_missing_model_is_model_not_found() {
    let error = local()
        .ask("Amazon Nova Micro", &Demo::NotFound.marker())
        .expect_err("not found");
    assert!(matches!(error, Error::ModelNotFound { .. }), "{error:?}");
}

#[test]
fn unknown_model_names_close_matches() {
    let error = local().ask("Nova Micro", "hi").expect_err("unknown");
    assert!(error.to_string().contains("Amazon Nova Micro"), "{error}");
}

#[test]
fn validation_keeps_bedrocks_own_message() {
    let request = Request::default().assistant("I speak first");
    let error = local()
        .send("Amazon Nova Micro", &request)
        .expect_err("invalid");
    match &error {
        Error::Validation { message, .. } => {
            assert!(
                message.contains("must start with a user message"),
                "{message}"
            )
        }
        other => panic!("expected Validation, got {other:?}"),
    }
}

#[test]
fn a_slow_model_times_out_with_the_limit_named() {
    let bedrock = local().with_settings(quick().operation_timeout(Duration::from_millis(300)));
    let error = bedrock
        .ask("Amazon Nova Micro", &Demo::Timeout.marker())
        .expect_err("timeout");
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
}

#[test]
fn model_timeout_exception_is_a_timeout() {
    let bedrock = local().with_settings(quick().max_attempts(1));
    let error = bedrock
        .ask("Amazon Nova Micro", &Demo::Timeout.marker())
        .expect_err("timeout");
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
}

#[test]
fn a_stopped_endpoint_is_reported_unreachable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    let bedrock = bedrock_kit::Bedrock::at_endpoint(
        &format!("http://127.0.0.1:{port}"),
        "us-east-1",
        "AKIDEXAMPLE",
        "secret",
    )
    .expect("handle")
    .with_settings(quick().max_attempts(1));
    let error = bedrock
        .ask("Amazon Nova Micro", "hi")
        .expect_err("unreachable");
    assert!(
        matches!(error, Error::EndpointUnreachable { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("Bedrock::local()"), "{error}");
}

#[test]
fn a_handle_keeps_working_across_many_calls_and_clones() {
    let bedrock = local();
    for _ in 0..5 {
        let copy = bedrock.clone();
        assert!(copy.ask("Amazon Nova Micro", "hello").is_ok());
    }
}

#[tokio::test]
async fn async_twins_work_and_blocking_calls_survive_inside_a_runtime() {
    let bedrock = local();
    let reply = bedrock
        .ask_async("Amazon Nova Micro", "hello")
        .await
        .expect("async");
    assert_eq!(reply.stop_reason, "end_turn");
    // A blocking call from inside a runtime must not panic (notebooks in async mode do this).
    let blocking = bedrock
        .ask("Amazon Nova Micro", "hello")
        .expect("blocking in runtime");
    assert_eq!(blocking.text, reply.text);
}

#[test]
fn the_session_region_picks_the_profile_geography() {
    let frankfurt = bedrock_kit::Bedrock::local_with(common::config().region("eu-central-1"))
        .expect("endpoint")
        .with_settings(quick());
    assert_eq!(frankfurt.region(), "eu-central-1");
    let id = frankfurt.resolve("Claude Sonnet 4.5").expect("resolve");
    assert_eq!(id, "eu.anthropic.claude-sonnet-4-5-20250929-v1:0");
    let reply = frankfurt.ask("Claude Sonnet 4.5", "hello").expect("ask");
    assert_eq!(reply.model_id, id);
}

#[test]
fn a_model_without_a_profile_in_the_region_explains_what_to_do() {
    let frankfurt = bedrock_kit::Bedrock::local_with(common::config().region("eu-central-1"))
        .expect("endpoint")
        .with_settings(quick());
    let error = frankfurt
        .ask("deepseek.r1-v1:0", "hello")
        .expect_err("no eu profile");
    assert!(
        matches!(error, Error::OnDemandNotSupported { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("bedrock.models()"), "{error}");
}
