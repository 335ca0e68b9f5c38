//! Injected faults and the SDK's retries: throttling, modelled exceptions, server errors,
//! broken and stalled streams, and rule counters shared by every client of an endpoint.

use std::collections::HashMap;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_sdk_bedrockruntime::Client;
use aws_sdk_bedrockruntime::error::ProvideErrorMetadata;

use crate::messages::{answer_text, ask_nova, refusal, user};
use crate::streaming::collect_stream;
use crate::{NOVA, TestResult, client, endpoint, own_keys, sdk_config};

#[tokio::test]
async fn throttled_twice_succeeds_on_the_third_attempt() -> TestResult {
    let ep = endpoint()?;
    let out = ask_nova(&client(&ep).await, "throttle twice")?
        .send()
        .await?;
    assert_eq!(answer_text(&out), "Made it on attempt three.");
    Ok(())
}

#[tokio::test]
async fn throttled_five_times_fails_after_three_attempts_then_next_call_succeeds_on_its_third()
-> TestResult {
    let ep = endpoint()?;
    let c = client(&ep).await;
    let err = refusal(ask_nova(&c, "throttle five")?.send().await)?;
    assert!(err.is_throttling_exception(), "{err:?}");
    assert_eq!(
        err.message(),
        Some("Too many requests, please wait before trying again.")
    );
    // The first call made exactly 3 attempts: attempts 4 and 5 are throttled, the 6th answers.
    let out = ask_nova(&c, "throttle five")?.send().await?;
    assert_eq!(answer_text(&out), "Made it after five throttles.");
    Ok(())
}

#[tokio::test]
async fn injected_exceptions_reach_the_sdk_as_modelled_errors() -> TestResult {
    let ep = endpoint()?;
    let c = client(&ep).await;
    let denied = refusal(ask_nova(&c, "access denied")?.send().await)?;
    assert!(denied.is_access_denied_exception(), "{denied:?}");
    assert_eq!(
        denied.message(),
        Some("You don't have access to the model with the specified model ID.")
    );
    let recovered = ask_nova(&c, "server error once")?.send().await?;
    assert_eq!(answer_text(&recovered), "Recovered after a 500.");
    let unavailable = refusal(ask_nova(&c, "always unavailable")?.send().await)?;
    assert!(
        unavailable.is_service_unavailable_exception(),
        "{unavailable:?}"
    );
    let timeout = refusal(ask_nova(&c, "time out")?.send().await)?;
    assert!(timeout.is_model_timeout_exception(), "{timeout:?}");
    Ok(())
}

#[tokio::test]
async fn mid_stream_exception_reaches_recv_as_an_error_after_some_events() -> TestResult {
    let ep = endpoint()?;
    let s = collect_stream(&client(&ep).await, NOVA, user("break the stream")?, None).await?;
    assert_eq!(s.events, 3, "{s:?}");
    assert!(
        s.error
            .as_deref()
            .is_some_and(|e| e.starts_with("ModelStreamErrorException")),
        "{s:?}"
    );
    assert_eq!(s.stop, None);
    Ok(())
}

#[tokio::test]
async fn stalled_stream_delivers_some_events_then_goes_silent() -> TestResult {
    let ep = endpoint()?;
    let mut out = client(&ep)
        .await
        .converse_stream()
        .model_id(NOVA)
        .messages(user("stall now")?)
        .send()
        .await?;
    let mut received = 0;
    loop {
        match tokio::time::timeout(Duration::from_millis(700), out.stream.recv()).await {
            Ok(Ok(Some(_))) => received += 1,
            Ok(other) => return Err(format!("stream ended instead of stalling: {other:?}").into()),
            Err(_elapsed) => break,
        }
    }
    assert_eq!(received, 2);
    Ok(())
}

#[tokio::test]
async fn rule_counters_are_per_endpoint_and_shared_by_all_clients() -> TestResult {
    let ep = endpoint()?;
    let no_retry = sdk_config(&ep)
        .credentials_provider(own_keys(&ep))
        .retry_config(RetryConfig::disabled())
        .load()
        .await;
    let first = Client::new(&no_retry);
    let second = Client::new(&no_retry);
    let mut outcomes = HashMap::new();
    for c in [&first, &second, &first] {
        let ok = ask_nova(c, "throttle twice")?.send().await.is_ok();
        *outcomes.entry(ok).or_insert(0) += 1;
    }
    assert_eq!(outcomes.get(&false), Some(&2));
    assert_eq!(outcomes.get(&true), Some(&1));
    Ok(())
}
