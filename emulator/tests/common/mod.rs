//! Shared helpers: a state with known keys and scenarios, requests signed by `aws-sigv4`
//! (an implementation independent of the endpoint's verifier), and response reading.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::SystemTime;

use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use bedrock_local::{AppState, Config, Credentials, ScenarioSet, app};
use serde_json::{Value, json};
use tower::ServiceExt;

pub const ACCESS_KEY: &str = "AKIATESTLOCAL0000001";
pub const SECRET_KEY: &str = "testsecretkey0000000000000000000000000001";
pub const BEARER: &str = "local-bearer-token";
pub const HAIKU: &str = "us.anthropic.claude-haiku-4-5-20251001-v1:0";
/// The day every test answers as of, so that no test changes meaning as models retire.
pub const TEST_DATE: &str = "2026-12-02";
pub const NOVA: &str = "amazon.nova-micro-v1:0";

/// Scenario rules the tests rely on, ahead of the built-in ones.
pub const TEST_SCENARIOS: &str = r#"
[[rule]]
name = "hello"
match = { contains = "hello there" }
reply = { text = "General Kenobi. You are a bold one, and this answer is long enough to cut.", usage = { input_tokens = 11 } }

[[rule]]
name = "weather-call"
match = { contains = "weather", tool = "get_weather", tool_result = false }
reply = { text = "Checking.", tool_use = [{ name = "get_weather", input = { location = "San Francisco", unit = "fahrenheit" }, id = "tooluse_test1" }] }

[[rule]]
name = "weather-answer"
match = { tool = "get_weather", tool_result = true }
reply = { text = "Foggy, 58 F: bring a jacket." }

[[rule]]
name = "think"
match = { contains = "think hard" }
reply = { reasoning = "Two plus two is four.", text = "4" }

[[rule]]
name = "throttle"
match = { contains = "throttle me" }
fault = { kind = "throttle" }

[[rule]]
name = "denied"
match = { contains = "deny me" }
fault = { kind = "exception", code = "AccessDeniedException", status = 403, message = "You don't have access to the model with the specified model ID." }

[[rule]]
name = "timeout"
match = { contains = "time out" }
fault = { kind = "timeout", after_ms = 10 }

[[rule]]
name = "broken-stream"
match = { contains = "break the stream" }
fault = { kind = "stream_exception", after_events = 2, exception = "modelStreamErrorException", message = "stream broke" }
reply = { text = "one two three four five six seven eight" }
"#;

pub fn config() -> Config {
    let scenarios = ScenarioSet::from_toml_str("tests.toml", TEST_SCENARIOS)
        .expect("test scenarios parse")
        .merge(ScenarioSet::builtin());
    Config::default()
        .date(bedrock_catalog::parse_date(TEST_DATE).expect("test date"))
        .credentials(Credentials::new(ACCESS_KEY, SECRET_KEY))
        .bearer_token(BEARER)
        .scenarios(scenarios)
}

pub fn router() -> axum::Router {
    app(AppState::new(&config()))
}

/// Percent-encode a model id the way the SDK does for one path segment.
pub fn encode_segment(id: &str) -> String {
    id.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub fn path(model: &str, operation: &str) -> String {
    format!("/model/{}/{operation}", encode_segment(model))
}

/// A request signed with `aws-sigv4` over every header given (plus host), at `time`.
pub fn signed_at(
    path: &str,
    body: &[u8],
    extra_headers: &[(&str, &str)],
    access_key: &str,
    secret: &str,
    time: SystemTime,
) -> Request<Body> {
    signed_for_service(
        "bedrock",
        path,
        body,
        extra_headers,
        access_key,
        secret,
        time,
    )
}

/// [`signed_at`], with the signature scoped to another `service` than `bedrock`.
pub fn signed_for_service(
    service: &str,
    path: &str,
    body: &[u8],
    extra_headers: &[(&str, &str)],
    access_key: &str,
    secret: &str,
    time: SystemTime,
) -> Request<Body> {
    sign_request(
        service,
        path,
        body,
        extra_headers,
        (access_key, secret, None),
        time,
    )
}

/// A POST signed by `aws-sigv4` with (access key, secret, session token).
fn sign_request(
    service: &str,
    path: &str,
    body: &[u8],
    extra_headers: &[(&str, &str)],
    (access_key, secret, session_token): (&str, &str, Option<&str>),
    time: SystemTime,
) -> Request<Body> {
    let mut headers: Vec<(&str, &str)> = vec![
        ("host", "127.0.0.1:4000"),
        ("content-type", "application/json"),
    ];
    headers.extend_from_slice(extra_headers);
    let identity = aws_credential_types::Credentials::new(
        access_key,
        secret,
        session_token.map(str::to_string),
        None,
        "test",
    )
    .into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name(service)
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .unwrap()
        .into();
    let uri = format!("http://127.0.0.1:4000{path}");
    let signable = SignableRequest::new(
        "POST",
        &uri,
        headers.iter().copied(),
        SignableBody::Bytes(body),
    )
    .unwrap();
    let (instructions, _) = sign(signable, &params).unwrap().into_parts();
    let mut builder = Request::builder().method("POST").uri(path);
    for (name, value) in &headers {
        builder = builder.header(*name, *value);
    }
    let mut request = builder.body(Body::from(body.to_vec())).unwrap();
    instructions.apply_to_request_http1x(&mut request);
    request
}

/// [`signed_at`] with session credentials: `aws-sigv4` adds and signs `x-amz-security-token`.
pub fn signed_with_token(
    path: &str,
    body: &[u8],
    access_key: &str,
    secret: &str,
    session_token: &str,
) -> Request<Body> {
    sign_request(
        "bedrock",
        path,
        body,
        &[],
        (access_key, secret, Some(session_token)),
        SystemTime::now(),
    )
}

pub fn signed(path: &str, body: &[u8]) -> Request<Body> {
    signed_at(path, body, &[], ACCESS_KEY, SECRET_KEY, SystemTime::now())
}

pub fn signed_json(path: &str, body: &Value) -> Request<Body> {
    signed(path, body.to_string().as_bytes())
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub bytes: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {:?}",
                String::from_utf8_lossy(&self.bytes)
            )
        })
    }

    /// The error code from `x-amzn-ErrorType`, as the SDKs read it.
    pub fn error_code(&self) -> String {
        let header = self
            .headers
            .get("x-amzn-ErrorType")
            .expect("x-amzn-ErrorType header")
            .to_str()
            .unwrap();
        header.split(':').next().unwrap().to_string()
    }

    pub fn message(&self) -> String {
        self.json()["message"]
            .as_str()
            .expect("message")
            .to_string()
    }
}

pub async fn send(router: axum::Router, request: Request<Body>) -> Reply {
    let response = router.oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap()
        .to_vec();
    Reply {
        status,
        headers,
        bytes,
    }
}

/// Writes `request` (head, then `body`) on an open HTTP/1.1 connection, which stays open for
/// the next request, and reads one answer with a `content-length` body.
pub fn exchange(
    connection: &mut std::io::BufReader<std::net::TcpStream>,
    request: Request<Body>,
    body: &[u8],
) -> Reply {
    use std::io::{BufRead, Read, Write};
    let (parts, _) = request.into_parts();
    let mut head = format!(
        "{} {} HTTP/1.1\r\ncontent-length: {}\r\n",
        parts.method,
        parts.uri,
        body.len()
    );
    if !parts.headers.contains_key("host") {
        head.push_str("host: 127.0.0.1\r\n");
    }
    for (name, value) in &parts.headers {
        head.push_str(&format!("{name}: {}\r\n", value.to_str().unwrap()));
    }
    head.push_str("\r\n");
    let stream = connection.get_mut();
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut line = String::new();
    connection.read_line(&mut line).unwrap();
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not a status line: {line:?}"));
    let mut headers = HeaderMap::new();
    loop {
        let mut line = String::new();
        connection.read_line(&mut line).unwrap();
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').expect("a header line");
        headers.append(
            axum::http::HeaderName::from_bytes(name.trim().as_bytes()).unwrap(),
            value.trim().parse().unwrap(),
        );
    }
    let length: usize = headers
        .get("content-length")
        .expect("a content-length answer (not a stream)")
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let mut bytes = vec![0; length];
    connection.read_exact(&mut bytes).unwrap();
    Reply {
        status: StatusCode::from_u16(status).unwrap(),
        headers,
        bytes,
    }
}

pub async fn call(model: &str, operation: &str, body: &Value) -> Reply {
    send(router(), signed_json(&path(model, operation), body)).await
}

pub fn converse_body(text: &str) -> Value {
    json!({ "messages": [{ "role": "user", "content": [{ "text": text }] }] })
}

pub fn weather_tools() -> Value {
    json!({ "tools": [{ "toolSpec": {
        "name": "get_weather",
        "description": "Get current weather for a specific location",
        "inputSchema": { "json": { "type": "object", "properties": { "location": { "type": "string" } }, "required": ["location"] } }
    } }] })
}

/// Decode every event-stream frame of a body with the SDK's own decoder.
pub fn decode_frames(bytes: &[u8]) -> Vec<aws_smithy_types::event_stream::Message> {
    use aws_smithy_eventstream::frame::{DecodedFrame, MessageFrameDecoder};
    let mut decoder = MessageFrameDecoder::new();
    let mut buffer = bytes::BytesMut::from(bytes);
    let mut messages = Vec::new();
    while let DecodedFrame::Complete(message) =
        decoder.decode_frame(&mut buffer).expect("frame decodes")
    {
        messages.push(message);
    }
    assert!(buffer.is_empty(), "trailing bytes after the last frame");
    messages
}

pub fn header(message: &aws_smithy_types::event_stream::Message, name: &str) -> String {
    message
        .headers()
        .iter()
        .find(|h| h.name().as_str() == name)
        .and_then(|h| h.value().as_string().ok())
        .map(|s| s.as_str().to_string())
        .unwrap_or_default()
}

pub fn payload(message: &aws_smithy_types::event_stream::Message) -> Value {
    serde_json::from_slice(message.payload()).unwrap()
}

/// `keys` as the SDK's credentials type; `source` names them in the SDK's logs.
pub fn sdk_credentials(
    keys: &Credentials,
    source: &'static str,
) -> aws_credential_types::Credentials {
    aws_credential_types::Credentials::new(
        &keys.access_key_id,
        &keys.secret_access_key,
        None,
        None,
        source,
    )
}

/// A Rust SDK client for the endpoint at `url` that signs with `keys` and never retries, so a
/// test sees the first answer or error as it was.
pub async fn sdk_client(url: &str, keys: &Credentials) -> aws_sdk_bedrockruntime::Client {
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(url)
        .credentials_provider(sdk_credentials(keys, "local"))
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .load()
        .await;
    aws_sdk_bedrockruntime::Client::new(&config)
}
