//! What `bedrock-local record` adds to a call: latency per Converse call and to the first
//! ConverseStream event, direct to the upstream and through the recorder (median and p99).
//!
//! ```text
//! cargo bench -p bedrock-local --bench record
//! ```
//! The upstream is an in-process bedrock-local answering at once; the recorder, in-process too,
//! forwards to it and writes the recording to a temporary directory. Every request asks a new
//! question, so every exchange is a new rule, written (fsync and rename of the whole file) before
//! the answer's last byte: the recorder's worst realistic case. Calls go one at a time through
//! the Rust SDK, the same client for both paths.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use aws_sdk_bedrockruntime::Client;
use aws_sdk_bedrockruntime::types::{ContentBlock, ConversationRole, Message};
use bedrock_local::record::{RecordConfig, Recorder, Upstream};
use bedrock_local::{Config, Credentials, ScenarioSet};

const CALLS: usize = 300;
const MODEL: &str = "us.anthropic.claude-haiku-4-5-20251001-v1:0";
const RULES: &str = r#"
[[rule]]
name = "any"
reply = { text = "A short answer for the benchmark, in a few pieces." }
"#;

async fn client(url: &str, keys: &Credentials) -> Client {
    let creds = aws_credential_types::Credentials::new(
        &keys.access_key_id,
        &keys.secret_access_key,
        None,
        None,
        "bench",
    );
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(url)
        .credentials_provider(creds)
        .load()
        .await;
    Client::new(&config)
}

fn user(text: String) -> Message {
    Message::builder()
        .role(ConversationRole::User)
        .content(ContentBlock::Text(text))
        .build()
        .unwrap()
}

/// Per-call latency of Converse and time to the first ConverseStream event.
async fn measure(client: &Client, label: &str) -> (Vec<Duration>, Vec<Duration>) {
    let mut calls = Vec::with_capacity(CALLS);
    let mut first_events = Vec::with_capacity(CALLS);
    for i in 0..CALLS {
        let started = Instant::now();
        client
            .converse()
            .model_id(MODEL)
            .messages(user(format!("{label} question number {i}")))
            .send()
            .await
            .unwrap();
        calls.push(started.elapsed());
        let started = Instant::now();
        let mut stream = client
            .converse_stream()
            .model_id(MODEL)
            .messages(user(format!("{label} stream number {i}")))
            .send()
            .await
            .unwrap()
            .stream;
        stream.recv().await.unwrap();
        first_events.push(started.elapsed());
        while stream.recv().await.unwrap().is_some() {}
    }
    (calls, first_events)
}

fn quantile(samples: &mut [Duration], q: f64) -> Duration {
    samples.sort();
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let index = ((samples.len() as f64 - 1.0) * q).round() as usize;
    samples[index.min(samples.len() - 1)]
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let upstream = bedrock_local::start(
        Config::default().scenarios(ScenarioSet::from_toml_str("bench.toml", RULES).unwrap()),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let recorder = Recorder::start(
        RecordConfig::new(
            Upstream::Url(upstream.endpoint_url()),
            dir.path().join("bench.toml"),
        )
        .upstream_credentials(aws_credential_types::Credentials::new(
            &upstream.credentials().access_key_id,
            &upstream.credentials().secret_access_key,
            None,
            None,
            "bench",
        )),
    )
    .unwrap();
    let direct = client(&upstream.endpoint_url(), upstream.credentials()).await;
    let through = client(&recorder.endpoint_url(), recorder.credentials()).await;
    // Warm both paths (connections, the SDK's first-call setup).
    measure(&direct, "warm-direct").await;
    measure(&through, "warm-recorded").await;
    let (mut direct_calls, mut direct_first) = measure(&direct, "direct").await;
    let (mut recorded_calls, mut recorded_first) = measure(&through, "recorded").await;
    println!("{CALLS} calls each, one at a time, every exchange a new rule (microseconds)");
    println!(
        "| measure | direct median | direct p99 | recorder median | recorder p99 | added median | added p99 |"
    );
    println!("|---|---|---|---|---|---|---|");
    for (name, direct, recorded) in [
        ("Converse call", &mut direct_calls, &mut recorded_calls),
        (
            "ConverseStream first event",
            &mut direct_first,
            &mut recorded_first,
        ),
    ] {
        let (dm, dp) = (quantile(direct, 0.5), quantile(direct, 0.99));
        let (rm, rp) = (quantile(recorded, 0.5), quantile(recorded, 0.99));
        println!(
            "| {name} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} |",
            micros(dm),
            micros(dp),
            micros(rm),
            micros(rp),
            micros(rm) - micros(dm),
            micros(rp) - micros(dp)
        );
    }
    let rules = ScenarioSet::from_file(&dir.path().join("bench.toml"))
        .unwrap()
        .len();
    println!("recording: {rules} rules");
    recorder.stop();
    upstream.stop();
}
