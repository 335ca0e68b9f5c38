//! Keys from a credentials file (`--credentials-file`, `Config::credentials_file`): accepted
//! until their `Expiration`, then `ExpiredTokenException`; session tokens; re-reads; the binary.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{BufRead, BufReader, Read};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};

use aws_sdk_bedrockruntime::Client;
use aws_sdk_bedrockruntime::error::ProvideErrorMetadata;
use aws_sdk_bedrockruntime::types::{ContentBlock, ConversationRole, Message};
use axum::body::Body;
use axum::http::Request;
use common::*;

const FILE_KEY: &str = "ASIAFILEKEY000000001";
const FILE_SECRET: &str = "filesecret000000000000000000000000000001";
const FILE_TOKEN: &str = "file-session-token-0000000000000001";
const LONG_KEY: &str = "AKIAFILEKEY000000002";
const LONG_SECRET: &str = "filesecret000000000000000000000000000002";
const EXPIRED_MESSAGE: &str = "The security token included in the request is expired";

fn write_keys(path: &Path, entries: &[String]) {
    std::fs::write(
        path,
        format!(r#"{{"credentials": [{}]}}"#, entries.join(",")),
    )
    .unwrap();
}

/// The session key, expiring at `expiration` (RFC 3339).
fn session_entry(expiration: &str) -> String {
    format!(
        r#"{{"Version": 1, "AccessKeyId": "{FILE_KEY}", "SecretAccessKey": "{FILE_SECRET}", "SessionToken": "{FILE_TOKEN}", "Expiration": "{expiration}"}}"#
    )
}

/// A key without token or expiry.
fn long_term_entry() -> String {
    format!(r#"{{"AccessKeyId": "{LONG_KEY}", "SecretAccessKey": "{LONG_SECRET}"}}"#)
}

fn keys_file(entries: &[String]) -> tempfile::NamedTempFile {
    let file = tempfile::Builder::new().suffix(".json").tempfile().unwrap();
    write_keys(file.path(), entries);
    file
}

fn router_with(file: &Path) -> axum::Router {
    bedrock_local::app(bedrock_local::AppState::new(
        &config().credentials_file(file).unwrap(),
    ))
}

fn converse_path() -> String {
    path(NOVA, "converse")
}

fn body() -> Vec<u8> {
    converse_body("hello there").to_string().into_bytes()
}

fn with_token(token: &str) -> Request<Body> {
    signed_with_token(&converse_path(), &body(), FILE_KEY, FILE_SECRET, token)
}

#[tokio::test]
async fn a_session_key_from_the_file_is_accepted_before_its_expiration() {
    let file = keys_file(&[session_entry("2099-01-01T00:00:00Z")]);
    let reply = send(router_with(file.path()), with_token(FILE_TOKEN)).await;
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.bytes)
    );
}

#[tokio::test]
async fn after_its_expiration_a_key_answers_403_expired_token_exception_shaped_like_every_error() {
    let file = keys_file(&[session_entry("2001-01-01T00:00:00Z")]);
    let reply = send(router_with(file.path()), with_token(FILE_TOKEN)).await;
    assert_eq!(reply.status, 403);
    assert_eq!(
        reply.headers["x-amzn-ErrorType"],
        "ExpiredTokenException:http://internal.amazon.com/coral/com.amazon.bedrock/"
    );
    assert_eq!(reply.headers["content-type"], "application/json");
    assert!(reply.headers.contains_key("x-amzn-RequestId"));
    assert_eq!(
        reply.json(),
        serde_json::json!({ "message": EXPIRED_MESSAGE })
    );
}

#[tokio::test]
async fn a_session_key_without_its_token_or_with_another_is_an_unrecognized_client() {
    let file = keys_file(&[session_entry("2099-01-01T00:00:00Z")]);
    let without = signed_at(
        &converse_path(),
        &body(),
        &[],
        FILE_KEY,
        FILE_SECRET,
        std::time::SystemTime::now(),
    );
    for request in [without, with_token("another-token")] {
        let reply = send(router_with(file.path()), request).await;
        assert_eq!(
            (reply.status.as_u16(), reply.error_code().as_str()),
            (403, "UnrecognizedClientException")
        );
    }
}

#[tokio::test]
async fn a_key_without_a_token_in_the_file_needs_none_and_a_wrong_secret_is_still_refused() {
    let file = keys_file(&[long_term_entry()]);
    let signed = |secret: &str| {
        signed_at(
            &converse_path(),
            &body(),
            &[],
            LONG_KEY,
            secret,
            std::time::SystemTime::now(),
        )
    };
    assert_eq!(
        send(router_with(file.path()), signed(LONG_SECRET))
            .await
            .status,
        200
    );
    let reply = send(router_with(file.path()), signed("not-the-secret")).await;
    assert_eq!(reply.error_code(), "InvalidSignatureException");
}

#[tokio::test]
async fn the_endpoint_s_own_key_stays_accepted_beside_the_file() {
    let file = keys_file(&[long_term_entry()]);
    let reply = send(router_with(file.path()), signed(&converse_path(), &body())).await;
    assert_eq!(reply.status, 200);
}

#[tokio::test]
async fn keys_added_to_the_file_while_the_endpoint_runs_are_accepted_and_a_new_expiry_applies() {
    let file = keys_file(&[long_term_entry()]);
    let router = router_with(file.path());
    let reply = send(router.clone(), with_token(FILE_TOKEN)).await;
    assert_eq!(reply.error_code(), "UnrecognizedClientException");
    write_keys(
        file.path(),
        &[long_term_entry(), session_entry("2099-01-01T00:00:00Z")],
    );
    assert_eq!(
        send(router.clone(), with_token(FILE_TOKEN)).await.status,
        200
    );
    // Same length, new expiry: a rewrite is seen even when the size does not change.
    write_keys(
        file.path(),
        &[long_term_entry(), session_entry("2001-01-01T00:00:00Z")],
    );
    let reply = send(router.clone(), with_token(FILE_TOKEN)).await;
    assert_eq!(
        (reply.status.as_u16(), reply.error_code().as_str()),
        (403, "ExpiredTokenException")
    );
}

#[tokio::test]
async fn a_file_broken_while_running_keeps_the_keys_read_before() {
    let file = keys_file(&[long_term_entry(), session_entry("2099-01-01T00:00:00Z")]);
    let router = router_with(file.path());
    std::fs::write(file.path(), r#"{"credentials": [{"AccessKeyId": "#).unwrap();
    assert_eq!(send(router, with_token(FILE_TOKEN)).await.status, 200);
}

#[test]
fn a_bad_file_is_refused_at_start_naming_the_file_the_entry_and_the_field() {
    let file = keys_file(&[
        long_term_entry(),
        format!(
            r#"{{"AccessKeyId": "{FILE_KEY}", "SecretAccessKey": "{FILE_SECRET}", "Expiration": "next week"}}"#
        ),
    ]);
    let error = bedrock_local::Config::default()
        .credentials_file(file.path())
        .unwrap_err()
        .to_string();
    let expected = format!(
        "credentials file `{}`, entry #2, field `Expiration`: `next week` is not an RFC 3339 time",
        file.path().display()
    );
    assert!(error.starts_with(&expected), "{error}");
    assert!(!error.contains(FILE_SECRET), "{error}");
}

async fn sdk_client(endpoint: &bedrock_local::LocalEndpoint) -> Client {
    let credentials = aws_credential_types::Credentials::new(
        FILE_KEY,
        FILE_SECRET,
        Some(FILE_TOKEN.to_string()),
        None,
        "credentials-file",
    );
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(endpoint.region().to_string()))
        .endpoint_url(endpoint.endpoint_url())
        .credentials_provider(credentials)
        .load()
        .await;
    Client::new(&config)
}

fn hello() -> Message {
    Message::builder()
        .role(ConversationRole::User)
        .content(ContentBlock::Text("hello there".into()))
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_rust_sdk_signs_with_a_file_session_key_and_reads_expired_token_exception_from_converse_and_converse_stream_before_the_stream()
 {
    let file = keys_file(&[session_entry("2099-01-01T00:00:00Z")]);
    let endpoint = bedrock_local::start(config().credentials_file(file.path()).unwrap()).unwrap();
    let client = sdk_client(&endpoint).await;
    client
        .converse()
        .model_id(NOVA)
        .messages(hello())
        .send()
        .await
        .expect("a key before its expiration answers");

    write_keys(file.path(), &[session_entry("2001-01-01T00:00:00Z")]);
    let error = client
        .converse()
        .model_id(NOVA)
        .messages(hello())
        .send()
        .await
        .unwrap_err();
    let service = error.as_service_error().expect("a service error");
    assert_eq!(service.code(), Some("ExpiredTokenException"));
    assert_eq!(service.message(), Some(EXPIRED_MESSAGE));
    assert_eq!(error.raw_response().unwrap().status().as_u16(), 403);

    // ConverseStream: the error is the answer to `send`, before any stream exists.
    let error = client
        .converse_stream()
        .model_id(NOVA)
        .messages(hello())
        .send()
        .await
        .unwrap_err();
    let service = error.as_service_error().expect("a service error");
    assert_eq!(service.code(), Some("ExpiredTokenException"));
    assert_eq!(service.message(), Some(EXPIRED_MESSAGE));
    let raw = error.raw_response().unwrap();
    assert_eq!(raw.status().as_u16(), 403);
    assert_eq!(raw.headers().get("content-type"), Some("application/json"));
}

/// Starts the binary with `args`; returns its first stdout line (the ready line, or empty) and
/// everything on stderr until it exits or is killed.
fn binary(args: &[&str]) -> (String, String, std::process::Child) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bedrock-local"))
        .args(args)
        .env_remove(bedrock_local::DATE_ENV)
        .env_remove(bedrock_local::PACE_ENV)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let stderr = if line.is_empty() {
        let mut text = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        text
    } else {
        String::new()
    };
    (line, stderr, child)
}

#[test]
fn the_binary_accepts_its_own_key_and_the_file_s_and_prints_no_file_secret() {
    let file = keys_file(&[long_term_entry()]);
    let path = file.path().display().to_string();
    let (line, _, mut child) = binary(&["serve", "--credentials-file", &path]);
    let field = |name: &str| {
        line.split_whitespace()
            .find_map(|part| part.strip_prefix(&format!("{name}=")))
            .unwrap_or_else(|| panic!("{name} missing from {line}"))
            .to_string()
    };
    let addr: SocketAddr = field("AWS_ENDPOINT_URL_BEDROCK_RUNTIME")
        .trim_start_matches("http://")
        .parse()
        .unwrap();
    let (own_key, own_secret) = (field("AWS_ACCESS_KEY_ID"), field("AWS_SECRET_ACCESS_KEY"));
    assert!(!line.contains(LONG_SECRET), "{line}");
    let mut connection = BufReader::new(TcpStream::connect(addr).unwrap());
    for (key, secret) in [
        (own_key.as_str(), own_secret.as_str()),
        (LONG_KEY, LONG_SECRET),
    ] {
        let request = signed_at(
            &converse_path(),
            &body(),
            &[],
            key,
            secret,
            std::time::SystemTime::now(),
        );
        let reply = exchange(&mut connection, request, &body());
        assert_eq!(
            reply.status,
            200,
            "{key}: {}",
            String::from_utf8_lossy(&reply.bytes)
        );
    }
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn the_binary_refuses_a_bad_credentials_file_in_one_line_naming_file_entry_and_field() {
    let file = keys_file(&[format!(r#"{{"AccessKeyId": "{LONG_KEY}"}}"#)]);
    let path = file.path().display().to_string();
    let (line, stderr, mut child) = binary(&["serve", "--credentials-file", &path]);
    let _ = child.wait();
    assert!(line.is_empty(), "started: {line}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert_eq!(
        stderr.trim_end(),
        format!(
            "bedrock-local: credentials file `{path}`, entry #1, field `SecretAccessKey`: missing: every entry needs AccessKeyId and SecretAccessKey"
        )
    );
}
