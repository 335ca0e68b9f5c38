//! What the endpoint adds in front of a local model server: latency per call and to the first
//! text, calling llama-cpp-python's server directly and through bedrock-local (median, p99).
//!
//! ```text
//! cargo bench -p workshop-tests --bench local_model
//! ```
//! The server is the tests' (`support/llama.rs`: llama-cpp-python serving the tiny random
//! model; its venv is built on first use), answering 8 tokens at temperature 0, so every call
//! does the same work. Both paths use one hyper client with keep-alive and no signing (the
//! endpoint takes a bearer token), so the difference is the endpoint's own work: validation,
//! translation both ways, the model check, and re-encoding as Bedrock JSON or event-stream
//! frames. Calls go one at a time, 30 to warm up, then 300 per path, the paths interleaved.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../support/llama.rs"]
mod llama;
#[path = "../support/python.rs"]
mod python;

use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};

const CALLS: usize = 300;
const WARM_UP: usize = 30;
const TOKEN: &str = "bench-token";
const HAIKU: &str = "us.anthropic.claude-haiku-4-5-20251001-v1:0";

type Http = Client<HttpConnector, Full<Bytes>>;

fn post(url: &str, body: &Value, bearer: bool) -> http::Request<Full<Bytes>> {
    let mut request = http::Request::post(url).header("content-type", "application/json");
    if bearer {
        request = request.header("authorization", format!("Bearer {TOKEN}"));
    }
    request
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap()
}

/// Time to the whole answer.
async fn whole(client: &Http, request: http::Request<Full<Bytes>>) -> Duration {
    let started = Instant::now();
    let response = client.request(request).await.unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    response.into_body().collect().await.unwrap();
    started.elapsed()
}

/// Time to the first body frame that holds `marker`, then the rest is read.
async fn first(client: &Http, request: http::Request<Full<Bytes>>, marker: &[u8]) -> Duration {
    let started = Instant::now();
    let response = client.request(request).await.unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    let mut body = response.into_body();
    let mut seen = Vec::new();
    let mut at = None;
    while let Some(frame) = body.frame().await {
        if let Some(data) = frame.unwrap().data_ref() {
            seen.extend_from_slice(data);
            if at.is_none() && seen.windows(marker.len()).any(|w| w == marker) {
                at = Some(started.elapsed());
            }
        }
    }
    at.expect("no text arrived")
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    let rank = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[rank]
}

fn report(label: &str, direct: &mut [Duration], through: &mut [Duration]) {
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    let (d50, d99) = (percentile(direct, 0.5), percentile(direct, 0.99));
    let (t50, t99) = (percentile(through, 0.5), percentile(through, 0.99));
    println!(
        "{label}: direct median {:.0} µs, p99 {:.0} µs; through bedrock-local median {:.0} µs, p99 {:.0} µs; added median {:+.0} µs, p99 {:+.0} µs",
        us(d50),
        us(d99),
        us(t50),
        us(t99),
        us(t50) - us(d50),
        us(t99) - us(d99)
    );
}

#[tokio::main]
async fn main() {
    let server = llama::shared().expect("the model server");
    let backend = bedrock_local::Backend::openai(&server.url)
        .unwrap()
        .model_map(bedrock_local::ModelMap::new(&server.model));
    let endpoint = bedrock_local::start(
        bedrock_local::Config::default()
            .bearer_token(TOKEN)
            .backend(backend),
    )
    .unwrap();
    let client: Http = Client::builder(TokioExecutor::new()).build_http();
    let chat = format!("{}/v1/chat/completions", server.url);
    let messages = json!([{"role": "user", "content": "Say something."}]);
    let direct_whole =
        json!({"model": server.model, "messages": messages, "max_tokens": 8, "temperature": 0.0});
    let mut direct_stream = direct_whole.clone();
    direct_stream["stream"] = true.into();
    let converse = json!({
        "messages": [{"role": "user", "content": [{"text": "Say something."}]}],
        "inferenceConfig": {"maxTokens": 8, "temperature": 0.0}
    });
    let converse_url = format!("{}/model/{HAIKU}/converse", endpoint.endpoint_url());
    let stream_url = format!("{}/model/{HAIKU}/converse-stream", endpoint.endpoint_url());
    // A text chunk of the server (not its first, role-only chunk), and a Bedrock text delta.
    let server_text: &[u8] = b"\"content\": \"";
    let bedrock_text: &[u8] = b"contentBlockDelta";

    let (mut calls_direct, mut calls_through) = (Vec::new(), Vec::new());
    let (mut first_direct, mut first_through) = (Vec::new(), Vec::new());
    for i in 0..WARM_UP + CALLS {
        let a = whole(&client, post(&chat, &direct_whole, false)).await;
        let b = whole(&client, post(&converse_url, &converse, true)).await;
        let c = first(&client, post(&chat, &direct_stream, false), server_text).await;
        let d = first(&client, post(&stream_url, &converse, true), bedrock_text).await;
        if i >= WARM_UP {
            calls_direct.push(a);
            calls_through.push(b);
            first_direct.push(c);
            first_through.push(d);
        }
    }
    println!(
        "{CALLS} calls per path, one at a time, llama-cpp-python {} with the tiny model, 8 tokens",
        server.url
    );
    report("Converse call", &mut calls_direct, &mut calls_through);
    report(
        "ConverseStream, first text",
        &mut first_direct,
        &mut first_through,
    );
    endpoint.stop();
}
