//! What the kit adds to a call, and how `compare` scales.
//!
//! ```text
//! cargo bench -p bedrock-kit --bench overhead
//! ```
//! - `converse/bare_sdk`: one SDK client and runtime reused for every call (the floor);
//! - `converse/kit_send`: `Bedrock::send` through the handle's session worker (what notebooks
//!   use: the calling thread waits, the worker's client sends);
//! - `converse/kit_send_async`: the same awaited on the caller's runtime;
//!
//! This is plain HTTP on loopback, where a new connection costs microseconds; `--bench tls`
//! measures the same over TLS, with the connections each design opens.
//! - `compare/workshop_models_300ms`: `compare` over the workshop's 5 current models, each answering in 300 ms.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // a benchmark states expectations

use std::hint::black_box;
use std::time::Duration;

use aws_sdk_bedrockruntime::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_bedrockruntime::types::{ContentBlock, ConversationRole, Message};
use bedrock_kit::{Bedrock, Request, Settings};
use bedrock_local::{Config, ScenarioSet};
use criterion::{Criterion, criterion_group, criterion_main};

const RULES: &str = r#"
[[rule]]
name = "slow"
match = { contains = "compare me" }
reply = { text = "Compared.", latency_ms = 300 }
"#;

fn converse(c: &mut Criterion) {
    let endpoint = bedrock_local::start(Config::default()).expect("endpoint");
    let keys = endpoint.credentials().clone();
    let bedrock = Bedrock::at_endpoint(
        &endpoint.endpoint_url(),
        endpoint.region(),
        &keys.access_key_id,
        &keys.secret_access_key,
    )
    .expect("handle")
    .with_settings(Settings::default().echo(false));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let config = aws_sdk_bedrockruntime::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint.endpoint_url())
        .credentials_provider(Credentials::new(
            keys.access_key_id.clone(),
            keys.secret_access_key.clone(),
            None,
            None,
            "bench",
        ))
        .build();
    let client = aws_sdk_bedrockruntime::Client::from_conf(config);
    let message = Message::builder()
        .role(ConversationRole::User)
        .content(ContentBlock::Text("hello".into()))
        .build()
        .expect("message");
    let request = Request::new("hello");

    let mut group = c.benchmark_group("converse");
    group.bench_function("bare_sdk", |b| {
        b.iter(|| {
            runtime
                .block_on(
                    client
                        .converse()
                        .model_id("amazon.nova-micro-v1:0")
                        .messages(message.clone())
                        .send(),
                )
                .expect("bare call")
        })
    });
    group.bench_function("kit_send", |b| {
        b.iter(|| {
            black_box(
                bedrock
                    .send("Amazon Nova Micro", &request)
                    .expect("kit call"),
            )
        })
    });
    group.bench_function("kit_send_async", |b| {
        b.iter(|| {
            runtime
                .block_on(bedrock.send_async("Amazon Nova Micro", &request))
                .expect("kit async call")
        })
    });
    group.finish();
}

fn compare(c: &mut Criterion) {
    let scenarios = ScenarioSet::from_toml_str("bench.toml", RULES).expect("rules");
    let bedrock = Bedrock::local_with(Config::default().scenarios(scenarios))
        .expect("endpoint")
        .with_settings(Settings::default().echo(false));
    let models = bedrock_kit::workshop_model_names();
    let request = Request::new("compare me");
    let mut group = c.benchmark_group("compare");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(5));
    group.bench_function("workshop_models_300ms", |b| {
        b.iter(|| {
            let comparison = bedrock.compare(&models, &request);
            assert_eq!(comparison.replies().len(), models.len());
            comparison
        })
    });
    group.finish();
}

criterion_group!(benches, converse, compare);
criterion_main!(benches);
