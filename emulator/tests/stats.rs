//! `GET /_local/stats` and `LocalEndpoint::stats`: connections, requests, errors and streams
//! since start, unsigned and with nothing secret.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::BufReader;
use std::net::TcpStream;

use axum::body::Body;
use axum::http::Request;
use common::*;
use serde_json::json;

fn stats_request() -> Request<Body> {
    Request::get(bedrock_local::STATS_PATH)
        .body(Body::empty())
        .unwrap()
}

#[test]
fn requests_over_one_keep_alive_connection_count_as_one_connection_and_n_requests() {
    const N: u64 = 5;
    let endpoint = bedrock_local::start(config()).unwrap();
    let mut connection = BufReader::new(TcpStream::connect(endpoint.addr()).unwrap());
    let body = converse_body("hello there").to_string().into_bytes();
    for _ in 0..N {
        let reply = exchange(
            &mut connection,
            signed(&path(NOVA, "converse"), &body),
            &body,
        );
        assert_eq!(reply.status, 200);
        assert_ne!(
            reply.headers.get("connection").map(|v| v.as_bytes()),
            Some(&b"close"[..])
        );
    }
    let stats = endpoint.stats();
    assert_eq!(
        (
            stats.connections_accepted,
            stats.requests,
            stats.errors,
            stats.streams
        ),
        (1, N, 0, 0)
    );
    // The same numbers over HTTP, on the same connection; the stats request is not counted.
    let reply = exchange(&mut connection, stats_request(), b"");
    assert_eq!(reply.status, 200);
    let served = reply.json();
    assert_eq!(served["connections_accepted"], 1);
    assert_eq!(served["requests"], N);
    let after = endpoint.stats();
    assert_eq!((after.connections_accepted, after.requests), (1, N));
    // A second connection is a second one.
    let mut other = BufReader::new(TcpStream::connect(endpoint.addr()).unwrap());
    assert_eq!(
        exchange(&mut other, stats_request(), b"").json()["connections_accepted"],
        2
    );
}

#[tokio::test]
async fn stats_need_no_signature_and_reveal_no_key_token_or_request_content() {
    let router = router();
    let hello = signed_json(&path(NOVA, "converse"), &converse_body("hello there"));
    assert_eq!(send(router.clone(), hello).await.status, 200);
    let reply = send(router, stats_request()).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.headers["content-type"], "application/json");
    let stats = reply.json();
    let mut fields: Vec<&str> = stats
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "connections_accepted",
            "errors",
            "requests",
            "streams",
            "uptime_ms"
        ]
    );
    let text = String::from_utf8_lossy(&reply.bytes);
    for secret in [ACCESS_KEY, SECRET_KEY, BEARER, "hello there"] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
}

#[tokio::test]
async fn refusals_faults_and_unknown_paths_count_as_errors_and_streams_as_streams() {
    let router = router();
    let converse = path(NOVA, "converse");
    let unsigned = Request::post(&converse)
        .body(Body::from(converse_body("x").to_string()))
        .unwrap();
    let throttled = signed_json(&converse, &converse_body("throttle me"));
    let stream = signed_json(
        &path(NOVA, "converse-stream"),
        &converse_body("hello there"),
    );
    let unknown = Request::post("/no/such/operation")
        .body(Body::empty())
        .unwrap();
    for (request, status) in [
        (unsigned, 403),
        (throttled, 429),
        (stream, 200),
        (unknown, 404),
    ] {
        assert_eq!(send(router.clone(), request).await.status, status);
    }
    let stats = send(router, stats_request()).await.json();
    assert_eq!(
        (
            &stats["connections_accepted"],
            &stats["requests"],
            &stats["errors"],
            &stats["streams"]
        ),
        (&json!(0), &json!(4), &json!(3), &json!(1))
    );
}

fn clock_request(body: &str) -> Request<Body> {
    Request::post(bedrock_local::CLOCK_PATH)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

#[tokio::test]
async fn the_clock_route_moves_only_a_manual_clock_and_refuses_a_negative_step() {
    let system = send(router(), clock_request(r#"{"advance_seconds": 60}"#)).await;
    assert_eq!(
        (system.status.as_u16(), system.error_code()),
        (404, "UnknownOperationException".to_string())
    );
    let clock = bedrock_local::Clock::manual();
    let state = bedrock_local::AppState::new(&config().clock(clock.clone()));
    let app = bedrock_local::app(state);
    let moved = send(app.clone(), clock_request(r#"{"advance_seconds": 301.5}"#)).await;
    assert_eq!(moved.status, 200);
    assert_eq!(moved.json(), json!({"now_seconds": 301.5}));
    assert_eq!(clock.now(), std::time::Duration::from_millis(301_500));
    let refused = send(app, clock_request(r#"{"advance_seconds": -1}"#)).await;
    assert_eq!(
        (refused.status.as_u16(), refused.message()),
        (
            400,
            "The advance_seconds field must be a number of seconds, 0 or more.".to_string()
        )
    );
    assert_eq!(clock.now(), std::time::Duration::from_millis(301_500));
}
