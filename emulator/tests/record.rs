//! `bedrock-local record` and the replay of what it wrote, through the real Rust SDK.
//!
//! The upstream is a second bedrock-local with rules of its own (so nothing can come from the
//! built-in ones); the SDK talks to the recorder with the recorder's keys, the recorder signs for
//! the upstream with the upstream's. Then `serve` with the recording must give the SDK the same
//! content and the same event sequences without any upstream.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_bedrockruntime::Client;
use aws_sdk_bedrockruntime::primitives::Blob;
use aws_sdk_bedrockruntime::types::{
    ContentBlock, ConversationRole, ConverseStreamOutput, Message, ResponseStream, Tool,
    ToolConfiguration, ToolInputSchema, ToolResultBlock, ToolResultContentBlock, ToolSpecification,
};
use aws_smithy_types::Document;
use bedrock_local::record::{RecordConfig, Recorder, Upstream};
use bedrock_local::{Config, Credentials, LocalEndpoint, ScenarioSet};
use common::sdk_client;

const HAIKU: &str = "us.anthropic.claude-haiku-4-5-20251001-v1:0";
const UPSTREAM_KEY: &str = "AKIAUPSTREAMRECORD01";
const UPSTREAM_SECRET: &str = "upstreamsecretupstreamsecretupstream0001";
const LOCAL_KEY: &str = "AKIALOCALRECORDER001";
const LOCAL_SECRET: &str = "localsecretlocalsecretlocalsecret0000001";

/// The upstream's own rules: none of these answers exists in the built-in files.
const UPSTREAM_RULES: &str = r#"
[[rule]]
name = "capital"
match = { contains = "capital of Freedonia" }
reply = { text = "Fredville is the capital of Freedonia, on the river Fred.", usage = { input_tokens = 17, output_tokens = 13 } }

[[rule]]
name = "think"
match = { contains = "ponder seven" }
reply = { reasoning = "Seven is prime: no divisor between 2 and 6.", text = "Seven is a prime number, and so is its neighbour eleven's cousin five.", chunk_tokens = 1, tokens_per_second = 400 }

[[rule]]
name = "orbit-call"
match = { tool = "get_orbit", tool_result = false }
reply = { text = "Looking it up.", tool_use = [{ name = "get_orbit", input = { body = "Mars" }, id = "tooluse_orbit1" }] }

[[rule]]
name = "orbit-answer"
match = { tool = "get_orbit", tool_result = true }
reply = { text = "Mars takes {{tool_result.days}} days to go round the Sun." }

[[rule]]
name = "native"
match = { contains = "native greeting" }
reply = { text = "A native answer, recorded from the upstream with care.", chunk_tokens = 2, tokens_per_second = 500 }

[[rule]]
name = "denied"
match = { contains = "forbidden fruit" }
fault = { kind = "exception", code = "AccessDeniedException", status = 403, message = "You don't have access to the model with the specified model ID." }

[[rule]]
name = "stall"
match = { contains = "hang on" }
fault = { kind = "stall", after_events = 2 }
reply = { text = "one two three four five six" }
"#;

fn upstream() -> LocalEndpoint {
    let rules = ScenarioSet::from_toml_str("upstream.toml", UPSTREAM_RULES).unwrap();
    bedrock_local::start(
        Config::default()
            .credentials(Credentials::new(UPSTREAM_KEY, UPSTREAM_SECRET))
            .scenarios(rules),
    )
    .unwrap()
}

fn recorder(upstream: &LocalEndpoint, out: &Path) -> Recorder {
    Recorder::start(
        RecordConfig::new(Upstream::Url(upstream.endpoint_url()), out)
            .credentials(Credentials::new(LOCAL_KEY, LOCAL_SECRET))
            .upstream_credentials(aws_credential_types::Credentials::new(
                UPSTREAM_KEY,
                UPSTREAM_SECRET,
                None,
                None,
                "test upstream",
            )),
    )
    .unwrap()
}

fn user(text: &str) -> Message {
    Message::builder()
        .role(ConversationRole::User)
        .content(ContentBlock::Text(text.into()))
        .build()
        .unwrap()
}

fn orbit_tools() -> ToolConfiguration {
    let schema = Document::Object(
        [
            ("type".to_string(), Document::String("object".into())),
            (
                "properties".to_string(),
                Document::Object(
                    [(
                        "body".to_string(),
                        Document::Object(
                            [("type".to_string(), Document::String("string".into()))].into(),
                        ),
                    )]
                    .into(),
                ),
            ),
        ]
        .into(),
    );
    ToolConfiguration::builder()
        .tools(Tool::ToolSpec(
            ToolSpecification::builder()
                .name("get_orbit")
                .description("How long a planet takes to orbit the Sun")
                .input_schema(ToolInputSchema::Json(schema))
                .build()
                .unwrap(),
        ))
        .build()
        .unwrap()
}

const NATIVE_BODY: &str = r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":200,"messages":[{"role":"user","content":[{"type":"text","text":"native greeting please"}]}]}"#;

/// Everything the SDK saw of the six kinds of exchange, as text to compare.
#[derive(Debug, PartialEq)]
struct Transcript {
    converse: String,
    stream_events: Vec<String>,
    tool_call: String,
    tool_answer: String,
    native_body: String,
    native_chunks: Vec<String>,
    error: String,
    stream_took: Duration,
}

async fn converse_text(client: &Client, text: &str) -> String {
    let out = client
        .converse()
        .model_id(HAIKU)
        .messages(user(text))
        .send()
        .await
        .unwrap();
    format!(
        "{:?} {:?} {:?} {:?}",
        out.output(),
        out.stop_reason(),
        out.usage(),
        out.metrics()
    )
}

/// The six exchanges (the first one twice: recording it again must keep one rule).
async fn transcript(client: &Client) -> Transcript {
    let converse = converse_text(client, "What is the capital of Freedonia?").await;
    assert_eq!(
        converse_text(client, "What is the capital of Freedonia?").await,
        converse
    );

    let started = Instant::now();
    let mut stream = client
        .converse_stream()
        .model_id(HAIKU)
        .messages(user("Please ponder seven."))
        .send()
        .await
        .unwrap()
        .stream;
    let mut stream_events = Vec::new();
    while let Some(event) = stream.recv().await.unwrap() {
        stream_events.push(format!("{event:?}"));
    }
    let stream_took = started.elapsed();

    let question = user("How long is a year on Mars?");
    let call = client
        .converse()
        .model_id(HAIKU)
        .messages(question.clone())
        .tool_config(orbit_tools())
        .send()
        .await
        .unwrap();
    let assistant = call.output().unwrap().as_message().unwrap().clone();
    let tool_use = assistant
        .content()
        .iter()
        .find_map(|b| b.as_tool_use().ok())
        .unwrap()
        .clone();
    let tool_call = format!("{assistant:?} {:?}", call.stop_reason());
    let result = Message::builder()
        .role(ConversationRole::User)
        .content(ContentBlock::ToolResult(
            ToolResultBlock::builder()
                .tool_use_id(tool_use.tool_use_id())
                .content(ToolResultContentBlock::Json(Document::Object(
                    [("days".to_string(), Document::from(687u64))].into(),
                )))
                .build()
                .unwrap(),
        ))
        .build()
        .unwrap();
    let answer = client
        .converse()
        .model_id(HAIKU)
        .messages(question)
        .messages(assistant)
        .messages(result)
        .tool_config(orbit_tools())
        .send()
        .await
        .unwrap();
    let tool_answer = format!("{:?} {:?}", answer.output(), answer.stop_reason());

    let native = client
        .invoke_model()
        .model_id(HAIKU)
        .content_type("application/json")
        .body(Blob::new(NATIVE_BODY))
        .send()
        .await
        .unwrap();
    let native_body = String::from_utf8(native.body().as_ref().to_vec()).unwrap();

    let mut chunks = client
        .invoke_model_with_response_stream()
        .model_id(HAIKU)
        .content_type("application/json")
        .body(Blob::new(NATIVE_BODY))
        .send()
        .await
        .unwrap()
        .body;
    let mut native_chunks = Vec::new();
    while let Some(event) = chunks.recv().await.unwrap() {
        if let ResponseStream::Chunk(chunk) = event {
            native_chunks
                .push(String::from_utf8(chunk.bytes().unwrap().as_ref().to_vec()).unwrap());
        }
    }

    let error = client
        .converse()
        .model_id(HAIKU)
        .messages(user("Give me the forbidden fruit."))
        .send()
        .await
        .unwrap_err();
    let service = error.into_service_error();
    let error = format!("{:?} {:?}", service.meta().code(), service.meta().message());

    Transcript {
        converse,
        stream_events,
        tool_call,
        tool_answer,
        native_body,
        native_chunks,
        error,
        stream_took,
    }
}

fn replay(path: &Path) -> LocalEndpoint {
    let scenarios = ScenarioSet::from_file(path)
        .unwrap()
        .merge(ScenarioSet::builtin());
    bedrock_local::start(
        Config::default()
            .credentials(Credentials::new(LOCAL_KEY, LOCAL_SECRET))
            .scenarios(scenarios),
    )
    .unwrap()
}

/// The sum of every recorded pause of the rule named like `prefix*`.
fn recorded_pause(text: &str, prefix: &str) -> Duration {
    let table: toml::Table = toml::from_str(text).unwrap();
    let rule = table["rule"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"].as_str().unwrap().starts_with(prefix))
        .unwrap();
    let total: i64 = rule["reply"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["after_ms"].as_integer().unwrap())
        .sum();
    Duration::from_millis(u64::try_from(total).unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn recorded_exchanges_replay_with_identical_content_events_and_pace_and_hold_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("recording.toml");
    let upstream = upstream();
    let recorder = recorder(&upstream, &out);
    let recorded =
        transcript(&sdk_client(&recorder.endpoint_url(), recorder.credentials()).await).await;
    recorder.stop();
    upstream.stop();

    let text = std::fs::read_to_string(&out).unwrap();
    let set = ScenarioSet::from_file(&out).unwrap();
    // Converse (asked twice, kept once), ConverseStream, the tool round's two calls, InvokeModel,
    // its stream, and the error.
    assert_eq!(set.len(), 7, "{text}");
    for secret in [
        UPSTREAM_KEY,
        UPSTREAM_SECRET,
        LOCAL_KEY,
        LOCAL_SECRET,
        "AWS4-HMAC-SHA256",
        "Signature=",
        "x-amz-security-token",
        "authorization",
    ] {
        assert!(
            !text.to_lowercase().contains(&secret.to_lowercase()),
            "{secret} in the recording:\n{text}"
        );
    }
    for readable in [
        "contains = \"What is the capital of Freedonia?\"",
        "text = \"Fredville is the capital of Freedonia, on the river Fred.\"",
        "reasoning = \"Seven is prime: no divisor between 2 and 6.\"",
        "tool_use = [{ name = \"get_orbit\", id = \"tooluse_orbit1\", input = { body = \"Mars\" } }]",
        "tool_result = true",
        "text = \"Mars takes 687 days to go round the Sun.\"",
        "code = \"AccessDeniedException\"",
        "status = 403",
        "event = \"contentBlockDelta\"",
        "chunk = ",
        "x-amzn-bedrock-input-token-count",
    ] {
        assert!(text.contains(readable), "{readable} missing from:\n{text}");
    }
    let pause = recorded_pause(&text, "converse-stream-");
    assert!(
        pause >= Duration::from_millis(30),
        "the stream's pace was recorded: {pause:?}"
    );

    // Replay: no upstream at all.
    let replayed_endpoint = replay(&out);
    let replay_client = sdk_client(
        &replayed_endpoint.endpoint_url(),
        replayed_endpoint.credentials(),
    )
    .await;
    let replayed = transcript(&replay_client).await;
    assert!(
        recorded.stream_events.len() > 10,
        "{:?}",
        recorded.stream_events
    );
    assert!(
        recorded.native_chunks.len() > 3,
        "{:?}",
        recorded.native_chunks
    );
    assert_eq!(
        Transcript {
            stream_took: Duration::ZERO,
            ..replayed
        },
        Transcript {
            stream_took: Duration::ZERO,
            ..recorded
        },
    );
    let replayed_took = transcript_stream_time(&replay_client).await;
    assert!(
        replayed_took + Duration::from_millis(5) >= pause,
        "replay keeps the recorded pace: {replayed_took:?} for {pause:?} of pauses"
    );

    // An unrecorded prompt: an honest miss naming the nearest recorded prompt.
    let miss = replay_client
        .converse()
        .model_id(HAIKU)
        .messages(user("What is the capital city of Freedonia today?"))
        .send()
        .await
        .unwrap();
    let miss = miss.output().unwrap().as_message().unwrap().content()[0]
        .as_text()
        .unwrap()
        .clone();
    assert!(
        miss.starts_with("[bedrock-local] No recording matched this request"),
        "{miss}"
    );
    assert!(
        miss.contains(
            "the nearest recorded prompt is \"What is the capital of Freedonia?\" (Converse)"
        ),
        "{miss}"
    );
    replayed_endpoint.stop();
}

async fn transcript_stream_time(client: &Client) -> Duration {
    let started = Instant::now();
    let mut stream = client
        .converse_stream()
        .model_id(HAIKU)
        .messages(user("Please ponder seven."))
        .send()
        .await
        .unwrap()
        .stream;
    while stream.recv().await.unwrap().is_some() {}
    started.elapsed()
}

#[tokio::test(flavor = "multi_thread")]
async fn recording_again_into_the_same_file_keeps_one_rule_per_exchange() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("again.toml");
    let upstream = upstream();
    for _ in 0..2 {
        let recorder = recorder(&upstream, &out);
        let client = sdk_client(&recorder.endpoint_url(), recorder.credentials()).await;
        converse_text(&client, "What is the capital of Freedonia?").await;
        recorder.stop();
    }
    let set = ScenarioSet::from_file(&out).unwrap();
    assert_eq!(set.len(), 1, "{}", std::fs::read_to_string(&out).unwrap());
    upstream.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_local_signature_is_not_forwarded_nor_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("refused.toml");
    let upstream = upstream();
    let recorder = recorder(&upstream, &out);
    let wrong = Credentials::new(UPSTREAM_KEY, UPSTREAM_SECRET);
    let error = sdk_client(&recorder.endpoint_url(), &wrong)
        .await
        .converse()
        .model_id(HAIKU)
        .messages(user("What is the capital of Freedonia?"))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(error.meta().code(), Some("UnrecognizedClientException"));
    assert_eq!(upstream.stats().requests, 0);
    recorder.stop();
    assert_eq!(ScenarioSet::from_file(&out).unwrap().len(), 0);
    upstream.stop();
}

/// The binary, killed with SIGKILL while a stream is open: the file holds every exchange that
/// finished, and the open one is not half-written. The open stream also shows that frames pass
/// through as they arrive (the upstream stalls after two; the SDK sees them).
#[tokio::test(flavor = "multi_thread")]
async fn a_killed_recorder_leaves_a_valid_file_with_every_finished_exchange() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("killed.toml");
    let upstream = upstream();
    let mut child = Command::new(env!("CARGO_BIN_EXE_bedrock-local"))
        .args(["record", "--upstream", &upstream.endpoint_url(), "--out"])
        .arg(&out)
        .args([
            "--access-key-id",
            LOCAL_KEY,
            "--secret-access-key",
            LOCAL_SECRET,
        ])
        // The standard chain reads the upstream's keys from the environment.
        .env("AWS_ACCESS_KEY_ID", UPSTREAM_KEY)
        .env("AWS_SECRET_ACCESS_KEY", UPSTREAM_SECRET)
        .env("AWS_REGION", "us-east-1")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(
        line.starts_with("bedrock-local listening on http://127.0.0.1:"),
        "{line}"
    );
    for needle in [
        format!("AWS_ACCESS_KEY_ID={LOCAL_KEY}"),
        format!("AWS_SECRET_ACCESS_KEY={LOCAL_SECRET}"),
        "AWS_REGION=us-east-1".to_string(),
        format!("recording {} to", upstream.endpoint_url()),
    ] {
        assert!(line.contains(&needle), "{needle} missing from {line}");
    }
    let url = line
        .split("AWS_ENDPOINT_URL_BEDROCK_RUNTIME=")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    let client = sdk_client(&url, &Credentials::new(LOCAL_KEY, LOCAL_SECRET)).await;
    converse_text(&client, "What is the capital of Freedonia?").await;
    let call = client
        .converse()
        .model_id(HAIKU)
        .messages(user("How long is a year on Mars?"))
        .tool_config(orbit_tools())
        .send()
        .await
        .unwrap();
    assert_eq!(call.stop_reason().as_str(), "tool_use");
    let mut open = client
        .converse_stream()
        .model_id(HAIKU)
        .messages(user("Please hang on."))
        .send()
        .await
        .unwrap()
        .stream;
    let first = tokio::time::timeout(Duration::from_secs(5), open.recv()).await;
    assert!(
        matches!(first, Ok(Ok(Some(ConverseStreamOutput::MessageStart(_))))),
        "{first:?}"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    let set = ScenarioSet::from_file(&out).unwrap();
    assert_eq!(set.len(), 2, "{}", std::fs::read_to_string(&out).unwrap());
    assert!(set.rule_names().all(|n| n.starts_with("converse-")));
    upstream.stop();
}

#[test]
fn a_recorder_that_cannot_start_says_why_at_once() {
    let upstream = upstream();
    let dir = tempfile::tempdir().unwrap();
    // A directory where the recording file should be: the file cannot be opened. (Before the
    // fix, any start failure hung in join while the stop channel was still open.)
    let outcome = Recorder::start(
        RecordConfig::new(Upstream::Url(upstream.endpoint_url()), dir.path()).upstream_credentials(
            aws_credential_types::Credentials::new("AKIAEXAMPLE", "secret", None, None, "test"),
        ),
    );
    let error = outcome.expect_err("a directory is not a recording file");
    assert!(
        error
            .to_string()
            .contains(&dir.path().display().to_string()),
        "{error}"
    );
}
