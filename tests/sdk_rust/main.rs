//! The real `aws-sdk-bedrockruntime` client against an in-process bedrock-local endpoint.
//!
//! Run: `cargo test -p workshop-tests --test sdk_rust`. Each test starts its own endpoint on
//! port 0 with the scenario rules below, so call counters ("throttle the first N calls") start
//! at zero in every test. The SDK is the judge: every answer must parse in the official client.
//!
//! This file holds the setup every module shares (the rules, the endpoint, the client); the
//! tests live in one module per concern.

mod auth;
mod faults;
mod invoke;
mod messages;
mod operations;
mod streaming;
mod validation;

use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_sdk_bedrockruntime::Client;
use aws_sdk_bedrockruntime::config::Credentials;
use bedrock_local::{Config, LocalEndpoint, ScenarioSet};

type TestResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// A model that may be invoked on demand by its bare id.
const NOVA: &str = "amazon.nova-micro-v1:0";
/// A profile id (Claude 3.5 Haiku cannot be invoked on demand by its bare id).
const HAIKU: &str = "us.anthropic.claude-3-5-haiku-20241022-v1:0";
/// A model with reasoning support, by profile.
const SONNET_37: &str = "us.anthropic.claude-3-7-sonnet-20250219-v1:0";

/// The rules every test endpoint answers from.
const RULES: &str = r#"
[[rule]]
name = "hello"
match = { contains = "hello there" }
reply = { text = "Hello from a scenario rule, streamed to you in several small pieces.", chunk_tokens = 2 }

[[rule]]
name = "weather-call"
match = { tool = "get_weather", tool_result = false }
reply = { text = "Let me check.", tool_use = [{ name = "get_weather", input = { location = "Paris", unit = "celsius" } }] }

[[rule]]
name = "weather-answer"
match = { tool = "get_weather", tool_result = true }
reply = { text = "It is sunny in Paris." }

[[rule]]
name = "reasoning"
match = { contains = "think first" }
reply = { reasoning = "Six times seven is forty-two.", text = "The answer is 42." }

[[rule]]
name = "long"
match = { contains = "long answer" }
reply = { text = "one two three four five six seven eight nine ten eleven twelve" }

[[rule]]
name = "native"
match = { contains = "native hello" }
reply = { text = "Native answer." }

[[rule]]
name = "throttle-twice"
match = { contains = "throttle twice" }
fault = { kind = "throttle", times = 2 }
reply = { text = "Made it on attempt three." }

[[rule]]
name = "throttle-five"
match = { contains = "throttle five" }
fault = { kind = "throttle", times = 5 }
reply = { text = "Made it after five throttles." }

[[rule]]
name = "denied"
match = { contains = "access denied" }
fault = { kind = "exception", code = "AccessDeniedException" }

[[rule]]
name = "server-error-once"
match = { contains = "server error once" }
fault = { kind = "server_error", times = 1 }
reply = { text = "Recovered after a 500." }

[[rule]]
name = "unavailable"
match = { contains = "always unavailable" }
fault = { kind = "server_error", status = 503 }

[[rule]]
name = "timeout"
match = { contains = "time out" }
fault = { kind = "timeout", after_ms = 50 }

[[rule]]
name = "stream-break"
match = { contains = "break the stream" }
fault = { kind = "stream_exception", after_events = 3 }
reply = { text = "This stream will break before this sentence is complete.", chunk_tokens = 1 }

[[rule]]
name = "stall"
match = { contains = "stall now" }
fault = { kind = "stall", after_events = 2, after_ms = 100 }
reply = { text = "This stream goes quiet after two events.", chunk_tokens = 1 }
"#;

/// An endpoint with [`RULES`] and its own fresh credentials.
fn endpoint() -> Result<LocalEndpoint, Box<dyn std::error::Error + Send + Sync>> {
    endpoint_with(Config::default())
}

/// An endpoint with [`RULES`] and the given settings.
fn endpoint_with(
    config: Config,
) -> Result<LocalEndpoint, Box<dyn std::error::Error + Send + Sync>> {
    let rules = ScenarioSet::from_toml_str("sdk_rust/main.rs", RULES)?;
    Ok(bedrock_local::start(config.scenarios(rules))?)
}

/// Standard retries (3 attempts) with millisecond backoff, so retry tests stay fast.
fn fast_retries() -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(3)
        .with_initial_backoff(Duration::from_millis(1))
        .with_max_backoff(Duration::from_millis(5))
}

/// A client signing with SigV4 for the given key pair.
async fn client_with_keys(endpoint: &LocalEndpoint, key: &str, secret: &str) -> Client {
    let conf = aws_config::defaults(BehaviorVersion::latest())
        .region("us-east-1")
        .endpoint_url(endpoint.endpoint_url())
        .credentials_provider(Credentials::new(key, secret, None, None, "sdk_rust"))
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
