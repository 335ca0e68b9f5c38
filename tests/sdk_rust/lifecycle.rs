//! The model lifecycle through the real SDK: one model (Claude 3.5 Haiku) on a day before its
//! launch, while Active, while Legacy, and after its end of life, on Converse, ConverseStream,
//! InvokeModel and CountTokens; and CountTokens' own rules.

use aws_sdk_bedrockruntime::Client;
use aws_sdk_bedrockruntime::error::ProvideErrorMetadata;
use aws_sdk_bedrockruntime::primitives::Blob;
use aws_sdk_bedrockruntime::types::{ConverseTokensRequest, CountTokensInput};
use bedrock_catalog::messages;
use bedrock_local::{Config, LocalEndpoint};
use serde_json::json;

use crate::messages::{tokens, user};
use crate::{HAIKU, TEST_DATE, TestError, TestResult, client, endpoint_with};

const HAIKU_3_5: &str = "anthropic.claude-3-5-haiku-20241022-v1:0";

fn on(date: &str, legacy_in_use: bool) -> Result<LocalEndpoint, TestError> {
    endpoint_with(
        Config::default()
            .date(bedrock_catalog::parse_date(date)?)
            .legacy_in_use(legacy_in_use),
    )
}

/// What each of the four operations answers for Claude 3.5 Haiku: `Ok` or `(code, message)`.
async fn four_operations(client: &Client) -> Result<Vec<Result<(), (String, String)>>, TestError> {
    let profile = format!("us.{HAIKU_3_5}");
    let outcome = |e: &dyn ProvideErrorMetadata| {
        (
            e.code().unwrap_or_default().to_string(),
            e.message().unwrap_or_default().to_string(),
        )
    };
    let converse = client
        .converse()
        .model_id(&profile)
        .messages(user("hello there")?)
        .send()
        .await;
    let stream = client
        .converse_stream()
        .model_id(&profile)
        .messages(user("hello there")?)
        .send()
        .await;
    let body = json!({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 50,
        "messages": [{"role": "user", "content": [{"type": "text", "text": "hello there"}]}]});
    let invoke = client
        .invoke_model()
        .model_id(&profile)
        .body(Blob::new(body.to_string()))
        .content_type("application/json")
        .send()
        .await;
    let count = client
        .count_tokens()
        .model_id(HAIKU_3_5)
        .input(CountTokensInput::Converse(
            ConverseTokensRequest::builder()
                .messages(user("hello there")?)
                .build(),
        ))
        .send()
        .await;
    Ok(vec![
        converse
            .map(|_| ())
            .map_err(|e| outcome(&e.into_service_error())),
        stream
            .map(|_| ())
            .map_err(|e| outcome(&e.into_service_error())),
        invoke
            .map(|_| ())
            .map_err(|e| outcome(&e.into_service_error())),
        count
            .map(|_| ())
            .map_err(|e| outcome(&e.into_service_error())),
    ])
}

fn every(outcome: Result<(), (&str, &str)>) -> Vec<Result<(), (String, String)>> {
    let owned = outcome.map_err(|(c, m)| (c.to_string(), m.to_string()));
    vec![owned; 4]
}

#[tokio::test]
async fn before_launch_the_model_does_not_exist() -> TestResult {
    let ep = on("2024-10-01", true)?;
    let answers = four_operations(&client(&ep).await).await?;
    assert_eq!(
        answers,
        every(Err(("ValidationException", messages::INVALID_MODEL)))
    );
    Ok(())
}

#[tokio::test]
async fn while_active_every_operation_answers() -> TestResult {
    let ep = on("2025-04-15", true)?;
    assert_eq!(four_operations(&client(&ep).await).await?, every(Ok(())));
    Ok(())
}

#[tokio::test]
async fn while_legacy_it_answers_only_accounts_that_use_it() -> TestResult {
    let used = on("2026-01-10", true)?;
    assert_eq!(four_operations(&client(&used).await).await?, every(Ok(())));
    let unused = on("2026-01-10", false)?;
    assert_eq!(
        four_operations(&client(&unused).await).await?,
        every(Err((
            "ResourceNotFoundException",
            messages::LEGACY_NOT_RECENTLY_USED
        )))
    );
    Ok(())
}

#[tokio::test]
async fn after_end_of_life_every_operation_is_refused_with_bedrock_s_message() -> TestResult {
    let ep = on(TEST_DATE, true)?;
    assert_eq!(
        four_operations(&client(&ep).await).await?,
        every(Err(("ResourceNotFoundException", messages::END_OF_LIFE)))
    );
    Ok(())
}

#[tokio::test]
async fn count_tokens_counts_a_profile_only_model_by_its_bare_id_and_refuses_the_rest() -> TestResult
{
    let ep = on(TEST_DATE, true)?;
    let client = client(&ep).await;
    let message = user("count these words please")?;
    let count = |model: &str| {
        let request = ConverseTokensRequest::builder()
            .messages(message.clone())
            .build();
        client
            .count_tokens()
            .model_id(model)
            .input(CountTokensInput::Converse(request))
            .send()
    };
    let bare = HAIKU.trim_start_matches("us.");
    assert_eq!(
        count(bare).await?.input_tokens(),
        tokens("count these words please")
    );
    for refused in [
        HAIKU,
        "amazon.nova-micro-v1:0",
        "global.anthropic.claude-haiku-4-5-20251001-v1:0",
    ] {
        let error = crate::messages::refusal(count(refused).await)?;
        assert_eq!(error.code(), Some("ValidationException"), "{refused}");
        assert_eq!(
            error.message(),
            Some(messages::COUNT_TOKENS_UNSUPPORTED),
            "{refused}"
        );
    }
    Ok(())
}

#[test]
fn the_test_date_parses() -> TestResult {
    assert_eq!(
        bedrock_catalog::parse_date(TEST_DATE)?.to_string(),
        TEST_DATE
    );
    Ok(())
}
