//! The real `aws-sdk-bedrockruntime` client against an in-process bedrock-local endpoint.
//!
//! Run: `cargo test -p workshop-tests --test sdk_rust`. Each test starts its own endpoint on
//! port 0 with the scenario rules of `rules.toml`, so call counters ("throttle the first N
//! calls") start at zero in every test. The SDK is the judge: every answer must parse in the
//! official client.
//!
//! This file holds the setup every module shares (the endpoint, the client); the tests live in
//! one module per concern.

mod auth;
mod faults;
mod guardrails;
mod invoke;
mod lifecycle;
mod local_model;
mod messages;
mod operations;
mod prompt_cache;
mod reasoning;
mod streaming;
mod structured;
mod validation;

#[path = "../support/llama.rs"]
mod llama;
#[path = "../support/python.rs"]
mod python;

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, ConfigLoader};
use aws_sdk_bedrockruntime::Client;
use aws_sdk_bedrockruntime::config::Credentials;
use bedrock_local::{Config, LocalEndpoint, ScenarioSet};

type TestError = Box<dyn std::error::Error + Send + Sync>;
type TestResult = Result<(), TestError>;

/// A model that may be invoked on demand by its bare id.
const NOVA: &str = "amazon.nova-micro-v1:0";
/// A profile id (Claude Haiku 4.5 cannot be invoked on demand by its bare id).
const HAIKU: &str = "us.anthropic.claude-haiku-4-5-20251001-v1:0";
/// A model with reasoning support, by profile.
const SONNET: &str = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
/// The day every endpoint here answers as of, so no test changes meaning as models retire.
const TEST_DATE: &str = "2026-12-02";

/// The rules every test endpoint answers from (shared with `sdk_boto3.rs`).
const RULES: &str = include_str!("rules.toml");

/// An endpoint with [`RULES`] and its own fresh credentials.
fn endpoint() -> Result<LocalEndpoint, TestError> {
    endpoint_with(dated())
}

/// The default configuration, answering as of [`TEST_DATE`].
fn dated() -> Config {
    // TEST_DATE is a valid date: `lifecycle::the_test_date_parses` proves it.
    Config::default()
        .date(bedrock_catalog::parse_date(TEST_DATE).unwrap_or(bedrock_catalog::today()))
}

/// An endpoint with [`RULES`] and the given settings.
fn endpoint_with(config: Config) -> Result<LocalEndpoint, TestError> {
    let rules = ScenarioSet::from_toml_str("sdk_rust/rules.toml", RULES)?;
    Ok(bedrock_local::start(config.scenarios(rules))?)
}

/// Standard retries (3 attempts) with millisecond backoff, so retry tests stay fast.
fn fast_retries() -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(3)
        .with_initial_backoff(Duration::from_millis(1))
        .with_max_backoff(Duration::from_millis(5))
}

/// SDK settings pointing at `endpoint` (its URL, `us-east-1`); callers add credentials and
/// retries.
fn sdk_config(endpoint: &LocalEndpoint) -> ConfigLoader {
    aws_config::defaults(BehaviorVersion::latest())
        .region("us-east-1")
        .endpoint_url(endpoint.endpoint_url())
}

/// SDK credentials for a key pair.
fn keys(key: &str, secret: &str) -> Credentials {
    Credentials::new(key, secret, None, None, "sdk_rust")
}

/// SDK credentials for the endpoint's own key pair.
fn own_keys(endpoint: &LocalEndpoint) -> Credentials {
    let creds = endpoint.credentials();
    keys(&creds.access_key_id, &creds.secret_access_key)
}

/// A client signing with SigV4 for the given key pair.
async fn client_with_keys(endpoint: &LocalEndpoint, key: &str, secret: &str) -> Client {
    let conf = sdk_config(endpoint)
        .credentials_provider(keys(key, secret))
        .retry_config(fast_retries())
        .load()
        .await;
    Client::new(&conf)
}

/// A client with the endpoint's own credentials.
async fn client(endpoint: &LocalEndpoint) -> Client {
    let creds = endpoint.credentials();
    client_with_keys(endpoint, &creds.access_key_id, &creds.secret_access_key).await
}
