//! Who may call: SigV4 with a wrong secret, an unknown key or a skewed clock, and bearer
//! tokens.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_sdk_bedrockruntime::Client;
use aws_sdk_bedrockruntime::config::Token;
use aws_sdk_bedrockruntime::error::ProvideErrorMetadata;
use aws_smithy_async::time::StaticTimeSource;
use aws_smithy_runtime_api::client::auth::AuthSchemeId;
use bedrock_local::LocalEndpoint;

use crate::messages::{answer_text, ask_nova, refusal};
use crate::{
    TestResult, client_with_keys, endpoint, endpoint_with, fast_retries, keys, own_keys, sdk_config,
};

#[tokio::test]
async fn wrong_secret_is_refused_with_invalid_signature() -> TestResult {
    let ep = endpoint()?;
    let key = ep.credentials().access_key_id.clone();
    let client = client_with_keys(&ep, &key, "not-the-secret").await;
    let err = refusal(ask_nova(&client, "hello there")?.send().await)?;
    assert_eq!(err.code(), Some("InvalidSignatureException"));
    Ok(())
}

#[tokio::test]
async fn unknown_access_key_is_refused_as_unrecognized_client() -> TestResult {
    let ep = endpoint()?;
    let client = client_with_keys(&ep, "AKIAUNKNOWNKEY000000", "whatever").await;
    let err = refusal(ask_nova(&client, "hello there")?.send().await)?;
    assert_eq!(err.code(), Some("UnrecognizedClientException"));
    Ok(())
}

#[tokio::test]
async fn signature_from_a_clock_ten_minutes_behind_is_refused_as_expired() -> TestResult {
    let ep = endpoint()?;
    let behind = std::time::SystemTime::now() - Duration::from_secs(600);
    let conf = sdk_config(&ep)
        .credentials_provider(own_keys(&ep))
        .time_source(StaticTimeSource::new(behind))
        // Without retries: the SDK would otherwise correct its clock from the answer and retry.
        .retry_config(RetryConfig::disabled())
        .load()
        .await;
    let err = refusal(ask_nova(&Client::new(&conf), "hello there")?.send().await)?;
    assert_eq!(err.code(), Some("InvalidSignatureException"));
    assert!(
        err.message()
            .is_some_and(|m| m.starts_with("Signature expired: ")),
        "{err:?}"
    );
    Ok(())
}

/// A client authenticating with a bearer token, as `AWS_BEARER_TOKEN_BEDROCK` makes the SDK do.
async fn bearer_client(endpoint: &LocalEndpoint, token: &str) -> Client {
    let conf = sdk_config(endpoint)
        .token_provider(Token::new(token, None))
        .auth_scheme_preference([AuthSchemeId::from("httpBearerAuth")])
        .credentials_provider(keys("AKIAUNUSED0000000000", "unused"))
        .retry_config(fast_retries())
        .load()
        .await;
    Client::new(&conf)
}

#[tokio::test]
async fn bearer_token_is_accepted_and_a_wrong_one_refused() -> TestResult {
    let ep = endpoint_with(crate::dated().bearer_token("local-bearer-token"))?;
    let out = ask_nova(
        &bearer_client(&ep, "local-bearer-token").await,
        "hello there",
    )?
    .send()
    .await?;
    assert!(answer_text(&out).starts_with("Hello from a scenario rule"));
    let err = refusal(
        ask_nova(&bearer_client(&ep, "wrong-token").await, "hello there")?
            .send()
            .await,
    )?;
    assert_eq!(err.code(), Some("UnrecognizedClientException"), "{err:?}");
    Ok(())
}
