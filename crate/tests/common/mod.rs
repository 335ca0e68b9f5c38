//! Shared setup: an in-process local endpoint with the test's own scenario rules first.

#![allow(dead_code)] // each test binary uses a different part

use std::time::Duration;

use bedrock_kit::{Bedrock, Settings};

#[path = "../../../tests/support/tls.rs"]
pub mod tls;
use bedrock_local::{Config, ScenarioSet};

/// Settings for tests: quick retries, no echo.
pub fn quick() -> Settings {
    Settings::default()
        .initial_backoff(Duration::from_millis(5))
        .echo(false)
}

/// The day every test's endpoint answers as of, so no test changes meaning as models retire.
pub const TEST_DATE: &str = "2026-12-02";

/// A local endpoint configuration answering as of [`TEST_DATE`].
pub fn config() -> Config {
    Config::default().date(bedrock_kit::parse_date(TEST_DATE).unwrap_or_else(|e| panic!("{e}")))
}

/// A local endpoint answering from the built-in scenarios.
pub fn local() -> Bedrock {
    with_rules("")
}

/// A local endpoint answering from `toml` rules first, then the built-in ones.
pub fn with_rules(toml: &str) -> Bedrock {
    let mine = ScenarioSet::from_toml_str("test.toml", toml)
        .unwrap_or_else(|e| panic!("test scenarios do not load: {e}"));
    let config = config().scenarios(mine.merge(ScenarioSet::builtin()));
    Bedrock::local_with(config)
        .unwrap_or_else(|e| panic!("local endpoint does not start: {e}"))
        .with_settings(quick())
}

/// An endpoint started with `config`, and a handle pointed at it by URL with quick settings.
pub fn endpoint_and_handle(config: Config) -> (bedrock_local::LocalEndpoint, Bedrock) {
    let endpoint = bedrock_local::start(config).unwrap_or_else(|e| panic!("endpoint: {e}"));
    let keys = endpoint.credentials();
    let bedrock = Bedrock::at_endpoint(
        &endpoint.endpoint_url(),
        endpoint.region(),
        &keys.access_key_id,
        &keys.secret_access_key,
    )
    .unwrap_or_else(|e| panic!("handle: {e}"))
    .with_settings(quick());
    (endpoint, bedrock)
}
