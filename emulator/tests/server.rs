//! Starting and stopping: the library's `start()`/`stop()`, and the `bedrock-local serve` binary.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use futures::StreamExt;

/// Write `request`'s head and then `body` to a fresh connection by hand; the reader starts at
/// the response's status line.
fn send_over_tcp(
    addr: SocketAddr,
    request: axum::http::Request<axum::body::Body>,
    body: &[u8],
) -> BufReader<TcpStream> {
    let (parts, _) = request.into_parts();
    let mut head = format!(
        "POST {} HTTP/1.1\r\ncontent-length: {}\r\n",
        parts.uri,
        body.len()
    );
    for (name, value) in &parts.headers {
        head.push_str(&format!("{name}: {}\r\n", value.to_str().unwrap()));
    }
    head.push_str("\r\n");
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    BufReader::new(stream)
}

fn http_status(addr: SocketAddr) -> Option<String> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_millis(500)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    stream
        .write_all(b"POST /model/x/converse HTTP/1.1\r\nhost: localhost\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
        .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    response.lines().next().map(str::to_string)
}

#[test]
fn started_endpoint_answers_on_loopback_and_stops() {
    let endpoint = bedrock_local::start(bedrock_local::Config::default()).unwrap();
    let addr = endpoint.addr();
    assert!(addr.ip().is_loopback() && addr.port() != 0);
    assert_eq!(endpoint.endpoint_url(), format!("http://{addr}"));
    assert_eq!(endpoint.region(), "us-east-1");
    assert_eq!(http_status(addr).as_deref(), Some("HTTP/1.1 403 Forbidden"));
    endpoint.stop();
    assert!(TcpStream::connect_timeout(&addr, Duration::from_millis(300)).is_err());
}

#[test]
fn dropping_the_endpoint_on_another_thread_stops_it() {
    let endpoint = bedrock_local::start(bedrock_local::Config::default()).unwrap();
    let addr = endpoint.addr();
    std::thread::spawn(move || drop(endpoint)).join().unwrap();
    assert!(TcpStream::connect_timeout(&addr, Duration::from_millis(300)).is_err());
}

#[test]
fn each_start_gets_fresh_credentials() {
    let a = bedrock_local::start(bedrock_local::Config::default()).unwrap();
    let b = bedrock_local::start(bedrock_local::Config::default()).unwrap();
    assert_ne!(a.credentials().access_key_id, b.credentials().access_key_id);
    assert_ne!(a.addr(), b.addr());
}

#[test]
fn non_loopback_address_needs_the_explicit_flag() {
    let config = bedrock_local::Config::default().addr("0.0.0.0:0".parse().unwrap());
    let err = bedrock_local::start(config.clone()).unwrap_err();
    assert!(err.to_string().contains("allow-non-loopback"), "{err}");
    let endpoint = bedrock_local::start(config.allow_non_loopback(true)).unwrap();
    endpoint.stop();
}

#[test]
fn stop_returns_even_with_a_stalled_stream_open() {
    let scenarios = bedrock_local::ScenarioSet::from_toml_str(
        "stall.toml",
        "[[rule]]\nname = \"stall\"\nfault = { kind = \"stall\", after_events = 1 }\nreply = { text = \"never finished\" }\n",
    )
    .unwrap();
    let endpoint = bedrock_local::start(common::config().scenarios(scenarios)).unwrap();
    let addr = endpoint.addr();
    let body = common::converse_body("x").to_string().into_bytes();
    let request = common::signed(&common::path(common::NOVA, "converse-stream"), &body);
    let mut reader = send_over_tcp(addr, request, &body);
    let mut status = String::new();
    reader.read_line(&mut status).unwrap();
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    let started = Instant::now();
    endpoint.stop();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn stall_sends_the_first_events_then_nothing() {
    let scenarios = bedrock_local::ScenarioSet::from_toml_str(
        "stall.toml",
        "[[rule]]\nname = \"stall\"\nfault = { kind = \"stall\", after_events = 2 }\nreply = { text = \"never finished\" }\n",
    )
    .unwrap();
    let router = bedrock_local::app(bedrock_local::AppState::new(
        &common::config().scenarios(scenarios),
    ));
    use tower::ServiceExt;
    let response = router
        .oneshot(common::signed_json(
            &common::path(common::NOVA, "converse-stream"),
            &common::converse_body("x"),
        ))
        .await
        .unwrap();
    let mut data = response.into_body().into_data_stream();
    let mut received = Vec::new();
    while let Ok(Some(chunk)) = tokio::time::timeout(Duration::from_millis(300), data.next()).await
    {
        received.extend_from_slice(&chunk.unwrap());
    }
    assert_eq!(common::decode_frames(&received).len(), 2);
}

#[test]
fn binary_prints_one_ready_line_and_stops_on_sigterm() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bedrock-local"))
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--access-key-id",
            "AKIABINARYTEST000001",
            "--secret-access-key",
            "binsecret",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    for needle in [
        "AWS_ENDPOINT_URL_BEDROCK_RUNTIME=http://127.0.0.1:",
        "AWS_ACCESS_KEY_ID=AKIABINARYTEST000001",
        "AWS_SECRET_ACCESS_KEY=binsecret",
        "AWS_REGION=us-east-1",
    ] {
        assert!(line.contains(needle), "{needle} missing from {line}");
    }
    let url = line
        .split("AWS_ENDPOINT_URL_BEDROCK_RUNTIME=http://")
        .nth(1)
        .unwrap();
    let addr: SocketAddr = url.split_whitespace().next().unwrap().parse().unwrap();
    assert_eq!(http_status(addr).as_deref(), Some("HTTP/1.1 403 Forbidden"));
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(exit) = child.try_wait().unwrap() {
            assert!(exit.success(), "{exit:?}");
            break;
        }
        assert!(Instant::now() < deadline, "binary did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn binary_refuses_a_non_loopback_address_in_one_line() {
    let output = Command::new(env!("CARGO_BIN_EXE_bedrock-local"))
        .args(["serve", "--addr", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let last = stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("bedrock-local: refusing to listen on 0.0.0.0:0"),
        "{stderr}"
    );
}

#[test]
fn binary_reports_bad_arguments_in_one_line() {
    let output = Command::new(env!("CARGO_BIN_EXE_bedrock-local"))
        .args(["serve", "--tokens-per-second", "fast"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("--tokens-per-second \"fast\" is not a number"));
}

#[test]
fn oversized_body_is_read_to_the_end_and_answered_not_reset() {
    let endpoint = bedrock_local::start(common::config()).unwrap();
    let body = vec![b' '; bedrock_local::MAX_BODY_BYTES + 1024];
    let request = common::signed(&common::path(common::NOVA, "converse"), &body);
    let mut status = String::new();
    send_over_tcp(endpoint.addr(), request, &body)
        .read_line(&mut status)
        .unwrap();
    assert!(status.starts_with("HTTP/1.1 413"), "{status}");
}
