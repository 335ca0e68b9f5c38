//! What a call costs over TLS, as it does on real AWS, where loopback HTTP would hide the price
//! of a new connection.
//!
//! ```text
//! cargo bench -p bedrock-kit --bench tls            # or: -- CALLS (default 1000 per design)
//! ```
//!
//! A TLS terminator (rustls, the SDK's own TLS stack) runs in front of an in-process
//! `bedrock-local`, with a certificate from a test CA made for the run; the SDK trusts that CA
//! through `AWS_CA_BUNDLE`, so the bench runs itself again as a child process with the variable
//! set (a process may not change its own environment here: the workspace forbids `unsafe`).
//! Three designs make the same Converse call, in interleaved rounds of 100:
//! - `bare SDK, reused`: one SDK client and runtime for every call (the floor);
//! - `kit session`: `Bedrock::ask` through the handle's session worker (what notebooks use);
//! - `per-call (before)`: a new runtime and SDK client for every call, the kit's earlier design.
//!
//! Printed per design: median and 90th-percentile time per call, and the TLS connections the
//! terminator accepted per 100 calls.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // a benchmark states expectations

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use aws_sdk_bedrockruntime::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_bedrockruntime::types::{ContentBlock, ConversationRole, Message};
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore};
use bedrock_kit::{Bedrock, Settings};

#[path = "../../tests/support/tls.rs"]
mod tls_fixture;

/// Set for the child process: the directory with the run's certificates.
const CHILD_DIR: &str = "BEDROCK_KIT_TLS_BENCH_DIR";
const ROUND: usize = 100;
const WARMUP: usize = 20;
const MODEL_ID: &str = "amazon.nova-micro-v1:0";

fn main() {
    match std::env::var_os(CHILD_DIR) {
        Some(dir) => child(Path::new(&dir)),
        None => parent(),
    }
}

/// Makes the test CA and the terminator's certificate, then runs the measurement in a child
/// process that trusts the CA through `AWS_CA_BUNDLE`.
fn parent() {
    let dir = tempfile::tempdir().expect("temp dir");
    tls_fixture::make_certificates(dir.path());
    let status = std::process::Command::new(std::env::current_exe().expect("bench binary"))
        .args(std::env::args().skip(1))
        .env(CHILD_DIR, dir.path())
        .env("AWS_CA_BUNDLE", dir.path().join("ca.pem"))
        .status()
        .expect("run the measuring child");
    std::process::exit(status.code().unwrap_or(1));
}

/// The SDK's HTTPS client trusting the run's CA, as the kit builds it from `AWS_CA_BUNDLE`.
fn https_client(dir: &Path) -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    let pem = std::fs::read(dir.join("ca.pem")).expect("ca.pem");
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::AwsLc,
        ))
        .tls_context(
            TlsContext::builder()
                .with_trust_store(TrustStore::default().with_pem_certificate(pem))
                .build()
                .expect("tls context"),
        )
        .build_https()
}

fn sdk_client(
    dir: &Path,
    url: &str,
    keys: &bedrock_local::Credentials,
) -> aws_sdk_bedrockruntime::Client {
    let config = aws_sdk_bedrockruntime::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(url)
        .http_client(https_client(dir))
        .credentials_provider(Credentials::new(
            keys.access_key_id.clone(),
            keys.secret_access_key.clone(),
            None,
            None,
            "bench",
        ))
        .build();
    aws_sdk_bedrockruntime::Client::from_conf(config)
}

/// One design under measurement.
struct Design {
    name: &'static str,
    call: Box<dyn FnMut()>,
    times: Vec<Duration>,
    connections: u64,
}

fn child(dir: &Path) {
    let calls: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1000);
    let rounds = calls.div_ceil(ROUND);
    let endpoint = bedrock_local::start(bedrock_local::Config::default()).expect("endpoint");
    let keys = endpoint.credentials().clone();
    let (url, accepted) = tls_fixture::start_terminator(dir, endpoint.addr());
    let message = Message::builder()
        .role(ConversationRole::User)
        .content(ContentBlock::Text("hello".into()))
        .build()
        .expect("message");

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let reused = sdk_client(dir, &url, &keys);
    let bare_message = message.clone();
    let bare = move || {
        runtime
            .block_on(
                reused
                    .converse()
                    .model_id(MODEL_ID)
                    .messages(bare_message.clone())
                    .send(),
            )
            .expect("bare call");
    };

    let bedrock = Bedrock::at_endpoint(
        &url,
        "us-east-1",
        &keys.access_key_id,
        &keys.secret_access_key,
    )
    .expect("handle")
    .with_settings(Settings::default().echo(false));
    let kit = move || {
        bedrock.ask(MODEL_ID, "hello").expect("kit call");
    };

    let owned_dir: PathBuf = dir.to_path_buf();
    let per_call_url = url.clone();
    let per_call = move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let client = sdk_client(&owned_dir, &per_call_url, &keys);
        runtime
            .block_on(
                client
                    .converse()
                    .model_id(MODEL_ID)
                    .messages(message.clone())
                    .send(),
            )
            .expect("per-call design");
    };

    let mut designs = vec![
        Design {
            name: "bare SDK, reused",
            call: Box::new(bare),
            times: Vec::new(),
            connections: 0,
        },
        Design {
            name: "kit session",
            call: Box::new(kit),
            times: Vec::new(),
            connections: 0,
        },
        Design {
            name: "per-call (before)",
            call: Box::new(per_call),
            times: Vec::new(),
            connections: 0,
        },
    ];
    for design in &mut designs {
        for _ in 0..WARMUP {
            (design.call)();
        }
    }
    for _ in 0..rounds {
        for design in &mut designs {
            let before = accepted.load(Ordering::Relaxed);
            for _ in 0..ROUND {
                let started = Instant::now();
                (design.call)();
                design.times.push(started.elapsed());
            }
            design.connections += accepted.load(Ordering::Relaxed) - before;
        }
    }

    println!(
        "Converse over TLS to 127.0.0.1 (rustls + aws-lc on both sides), {} calls per design in rounds of {ROUND}",
        rounds * ROUND
    );
    println!("| design | median | p90 | TLS connections per 100 calls |");
    println!("|---|---|---|---|");
    let mut medians = Vec::new();
    for design in &mut designs {
        design.times.sort();
        let median = design.times[design.times.len() / 2];
        let p90 = design.times[design.times.len() * 9 / 10];
        medians.push(median);
        println!(
            "| {} | {:.3} ms | {:.3} ms | {:.1} |",
            design.name,
            median.as_secs_f64() * 1e3,
            p90.as_secs_f64() * 1e3,
            design.connections as f64 / rounds as f64
        );
    }
    let over = |i: usize| (medians[i].as_secs_f64() - medians[0].as_secs_f64()) * 1e3;
    println!(
        "kit session over the reused bare client: {:+.3} ms per call; per-call design over it: {:+.3} ms",
        over(1),
        over(2)
    );
}
