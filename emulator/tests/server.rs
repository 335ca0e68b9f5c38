//! Starting and stopping: the library's `start()`/`stop()`, and the `bedrock-local serve` binary.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{config, converse_body, path, send, signed_json};
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

/// `metrics.latencyMs` of a Converse answer from `model` on an endpoint with `pacing`.
async fn reported_latency(pacing: bedrock_local::Pacing, model: &str) -> (u64, u64) {
    let state = bedrock_local::AppState::new(&config().pacing(pacing));
    let reply = send(
        bedrock_local::app(state),
        signed_json(&path(model, "converse"), &converse_body("hello there")),
    )
    .await;
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.bytes)
    );
    let body = reply.json();
    (
        body["metrics"]["latencyMs"].as_u64().unwrap(),
        body["usage"]["outputTokens"].as_u64().unwrap(),
    )
}

#[tokio::test]
async fn realistic_pace_follows_each_model_s_measured_speed_and_fast_pace_does_not_wait() {
    let mut expected = Vec::new();
    for name in ["Claude Haiku 4.5", "Claude Sonnet 4.5"] {
        let model = bedrock_catalog::find(name).unwrap();
        let pace = model.pace.as_ref().unwrap();
        let id = model.id_for_region("us-east-1");
        let (latency, output) = reported_latency(bedrock_local::Pacing::Realistic, &id).await;
        // Time to the first token, then the rest of the answer at the measured output speed.
        let generation = (output as f64 / pace.output_tokens_per_second * 1000.0) as u64;
        let want = u64::from(pace.first_token_ms) + generation;
        assert!(
            latency.abs_diff(want) <= 1,
            "{name}: {latency} ms, want {want} ms"
        );
        expected.push(latency);
        let (fast, _) = reported_latency(bedrock_local::Pacing::Fast, &id).await;
        assert_eq!(fast, 0, "{name} at the fast pace");
    }
    // With the catalog's figures a Haiku starts sooner (480 vs 1207 ms) but streams slower, so a
    // short answer (this one is a couple of dozen tokens) arrives first from the Haiku.
    assert!(
        expected[0] < expected[1],
        "Haiku's short answer arrives first: {expected:?}"
    );
}

/// The binary's first stdout line (the ready line) or its stderr, with the given arguments and
/// environment; the process is killed afterwards.
fn binary_first_line(args: &[&str], env: &[(&str, &str)]) -> (String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_bedrock-local"));
    command
        .args(args)
        .env_remove(bedrock_local::DATE_ENV)
        .env_remove(bedrock_local::PACE_ENV)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command.spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let _ = child.kill();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let _ = child.wait();
    (line, stderr)
}

#[test]
fn binary_answers_as_of_the_date_from_its_flag_or_the_environment() {
    let (line, _) = binary_first_line(
        &[
            "serve",
            "--date",
            "2025-04-15",
            "--legacy-unused",
            "--pace",
            "realistic",
        ],
        &[],
    );
    assert!(line.contains("(answering as of 2025-04-15)"), "{line}");
    let (line, _) = binary_first_line(&["serve"], &[(bedrock_local::DATE_ENV, "2026-01-10")]);
    assert!(line.contains("(answering as of 2026-01-10)"), "{line}");
    // The flag wins over the environment.
    let (line, _) = binary_first_line(
        &["serve", "--date", "2025-04-15"],
        &[(bedrock_local::DATE_ENV, "2026-01-10")],
    );
    assert!(line.contains("(answering as of 2025-04-15)"), "{line}");
}

#[test]
fn binary_refuses_a_bad_date_pace_or_prefill_in_one_line() {
    for (args, env, expected) in [
        (
            vec!["serve", "--date", "15/04/2025"],
            vec![],
            "bedrock-local: --date: \"15/04/2025\" is not a date: write it as YYYY-MM-DD",
        ),
        (
            vec!["serve", "--pace", "slow"],
            vec![],
            "bedrock-local: --pace: unknown pace \"slow\": use fast or realistic",
        ),
        (
            vec!["serve", "--prefill-per-token-us", "-1"],
            vec![],
            "bedrock-local: --prefill-per-token-us must be 0 or more microseconds, got -1",
        ),
        (
            vec!["serve"],
            vec![(bedrock_local::DATE_ENV, "tomorrow")],
            "bedrock-local: BEDROCK_LOCAL_DATE: \"tomorrow\" is not a date",
        ),
    ] {
        let (line, stderr) = binary_first_line(&args, &env);
        assert!(line.is_empty(), "{args:?} started: {line}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.starts_with(expected), "{args:?}: {stderr}");
    }
}
