//! Prompt caching through the Rust SDK: `cachePoint` blocks written and read back, the usage
//! numbers Converse and ConverseStream report, expiry and restart on the endpoint's manual clock,
//! the refusals Bedrock gives, callers kept apart, and a hit answering faster than a miss.

use std::time::Duration;

use aws_sdk_bedrockruntime::Client;
use aws_sdk_bedrockruntime::error::ProvideErrorMetadata;
use aws_sdk_bedrockruntime::operation::converse::builders::ConverseFluentBuilder;
use aws_sdk_bedrockruntime::types::{
    CachePointBlock, CachePointType, CacheTtl, ContentBlock, ConversationRole,
    ConverseStreamOutput, Message, SystemContentBlock, TokenUsage, Tool, ToolConfiguration,
};
use bedrock_local::{Clock, Config};

use crate::messages::{tokens, user, weather_tools};
use crate::{
    HAIKU, NOVA, TestError, TestResult, client, client_with_keys, dated, endpoint, endpoint_with,
};

/// Words of one token each: a prefix of `n` tokens by the endpoint's count.
fn document(n: usize) -> String {
    const WORDS: [&str; 4] = ["cache", "prefix", "token", "words"];
    (0..n)
        .map(|i| WORDS[i % WORDS.len()])
        .collect::<Vec<_>>()
        .join(" ")
}

/// Claude Haiku 4.5 caches from 4,096 tokens per checkpoint: this system prompt is above it.
const LONG: usize = 5_000;

fn cache_point(ttl: Option<CacheTtl>) -> Result<CachePointBlock, TestError> {
    Ok(CachePointBlock::builder()
        .r#type(CachePointType::Default)
        .set_ttl(ttl)
        .build()?)
}

/// `system: [text, cachePoint]`.
fn cached_system(text: &str, ttl: Option<CacheTtl>) -> Result<Vec<SystemContentBlock>, TestError> {
    Ok(vec![
        SystemContentBlock::Text(text.into()),
        SystemContentBlock::CachePoint(cache_point(ttl)?),
    ])
}

/// A Converse request to Claude Haiku 4.5 with `system` and the question "hello there".
fn ask(
    client: &Client,
    system: Vec<SystemContentBlock>,
) -> Result<ConverseFluentBuilder, TestError> {
    Ok(client
        .converse()
        .model_id(HAIKU)
        .set_system(Some(system))
        .messages(user("hello there")?))
}

/// `(inputTokens, cacheReadInputTokens, cacheWriteInputTokens)`.
fn cache_numbers(usage: &TokenUsage) -> (i32, Option<i32>, Option<i32>) {
    (
        usage.input_tokens(),
        usage.cache_read_input_tokens(),
        usage.cache_write_input_tokens(),
    )
}

/// `cacheDetails` as `(ttl, inputTokens)` pairs.
fn details(usage: &TokenUsage) -> Vec<(&str, i32)> {
    usage
        .cache_details()
        .iter()
        .map(|d| (d.ttl().as_str(), d.input_tokens()))
        .collect()
}

async fn usage_of(request: ConverseFluentBuilder) -> Result<TokenUsage, TestError> {
    let output = request.send().await?;
    output.usage().cloned().ok_or_else(|| "no usage".into())
}

/// The code and message a Converse request is refused with.
async fn refusal(request: ConverseFluentBuilder) -> String {
    match request.send().await {
        Ok(_) => "accepted".into(),
        Err(e) => {
            let e = e.into_service_error();
            format!(
                "{}: {}",
                e.code().unwrap_or("?"),
                e.message().unwrap_or_default()
            )
        }
    }
}

#[tokio::test]
async fn a_write_then_a_read_account_for_every_input_token_as_the_uncached_request_does()
-> TestResult {
    let ep = endpoint()?;
    let c = client(&ep).await;
    let system = document(LONG);
    let plain = usage_of(ask(&c, vec![SystemContentBlock::Text(system.clone())])?).await?;
    let total = plain.input_tokens();
    assert_eq!(total, tokens(&system) + tokens("hello there"));
    assert_eq!(cache_numbers(&plain), (total, None, None));

    let write = usage_of(ask(&c, cached_system(&system, None)?)?).await?;
    let prefix = tokens(&system);
    assert_eq!(
        cache_numbers(&write),
        (total - prefix, Some(0), Some(prefix))
    );
    assert_eq!(details(&write), [("5m", prefix)]);
    assert_eq!(write.output_tokens(), plain.output_tokens());
    assert_eq!(
        write.total_tokens(),
        write.input_tokens() + prefix + write.output_tokens()
    );

    let read = usage_of(ask(&c, cached_system(&system, None)?)?).await?;
    assert_eq!(
        cache_numbers(&read),
        (total - prefix, Some(prefix), Some(0))
    );
    assert!(details(&read).is_empty(), "{:?}", details(&read));
    assert_eq!(read.total_tokens(), plain.total_tokens());
    Ok(())
}

#[tokio::test]
async fn a_checkpoint_before_the_minimum_is_accepted_and_caches_nothing() -> TestResult {
    let ep = endpoint()?;
    let c = client(&ep).await;
    // 4,000 tokens: below Claude Haiku 4.5's 4,096.
    let system = document(4_000);
    let total = tokens(&system) + tokens("hello there");
    for _ in 0..2 {
        let usage = usage_of(ask(&c, cached_system(&system, None)?)?).await?;
        assert_eq!(cache_numbers(&usage), (total, Some(0), Some(0)));
        assert!(details(&usage).is_empty());
    }
    Ok(())
}

#[tokio::test]
async fn an_entry_expires_five_minutes_after_its_write_on_the_test_clock() -> TestResult {
    let clock = Clock::manual();
    let ep = endpoint_with(dated().clock(clock.clone()))?;
    let c = client(&ep).await;
    let system = document(LONG);
    let prefix = tokens(&system);
    let written = usage_of(ask(&c, cached_system(&system, None)?)?).await?;
    assert_eq!(written.cache_write_input_tokens(), Some(prefix));
    clock.advance(Duration::from_secs(5 * 60 + 1));
    let again = usage_of(ask(&c, cached_system(&system, None)?)?).await?;
    assert_eq!(
        (
            again.cache_read_input_tokens(),
            again.cache_write_input_tokens()
        ),
        (Some(0), Some(prefix))
    );
    Ok(())
}

#[tokio::test]
async fn each_hit_restarts_the_ttl_and_an_hour_entry_outlives_five_minutes() -> TestResult {
    let clock = Clock::manual();
    let ep = endpoint_with(dated().clock(clock.clone()))?;
    let c = client(&ep).await;
    let short = document(LONG);
    let prefix = tokens(&short);
    let read_write = |u: &TokenUsage| (u.cache_read_input_tokens(), u.cache_write_input_tokens());
    usage_of(ask(&c, cached_system(&short, None)?)?).await?;
    for _ in 0..2 {
        // Four minutes after the last use each time: eight since the write by the second.
        clock.advance(Duration::from_secs(4 * 60));
        let hit = usage_of(ask(&c, cached_system(&short, None)?)?).await?;
        assert_eq!(read_write(&hit), (Some(prefix), Some(0)));
    }
    let long = format!("hourly {short}");
    let hour = Some(CacheTtl::OneHour);
    let written = usage_of(ask(&c, cached_system(&long, hour.clone())?)?).await?;
    assert_eq!(details(&written), [("1h", tokens(&long))]);
    clock.advance(Duration::from_secs(30 * 60));
    let hit = usage_of(ask(&c, cached_system(&long, hour)?)?).await?;
    assert_eq!(read_write(&hit), (Some(tokens(&long)), Some(0)));
    let expired = usage_of(ask(&c, cached_system(&short, None)?)?).await?;
    assert_eq!(read_write(&expired), (Some(0), Some(prefix)));
    Ok(())
}

#[tokio::test]
async fn the_longest_cached_prefix_is_read_and_the_rest_written() -> TestResult {
    let ep = endpoint()?;
    let c = client(&ep).await;
    let system = document(LONG);
    let question = document(LONG);
    usage_of(ask(&c, cached_system(&system, None)?)?).await?;
    let message = Message::builder()
        .role(ConversationRole::User)
        .content(ContentBlock::Text(question.clone()))
        .content(ContentBlock::CachePoint(cache_point(None)?))
        .content(ContentBlock::Text("hello there".into()))
        .build()?;
    let request = || -> Result<ConverseFluentBuilder, TestError> {
        Ok(c.converse()
            .model_id(HAIKU)
            .set_system(Some(cached_system(&system, None)?))
            .messages(message.clone()))
    };
    let grown = usage_of(request()?).await?;
    let (s, q) = (tokens(&system), tokens(&question));
    assert_eq!(
        cache_numbers(&grown),
        (tokens("hello there"), Some(s), Some(q))
    );
    assert_eq!(details(&grown), [("5m", q)]);
    let full = usage_of(request()?).await?;
    assert_eq!(
        cache_numbers(&full),
        (tokens("hello there"), Some(s + q), Some(0))
    );
    Ok(())
}

#[tokio::test]
async fn cache_rules_are_refused_with_bedrocks_messages() -> TestResult {
    let ep = endpoint()?;
    let c = client(&ep).await;
    let text = || SystemContentBlock::Text(document(10));
    let point = |ttl: Option<CacheTtl>| cache_point(ttl).map(SystemContentBlock::CachePoint);

    let mut five = Vec::new();
    for _ in 0..5 {
        five.extend([text(), point(None)?]);
    }
    assert_eq!(
        refusal(ask(&c, five)?).await,
        "ValidationException: The model returned the following errors: A maximum of 4 blocks with cache_control may be provided. Found 5."
    );

    let increasing = vec![
        text(),
        point(None)?,
        text(),
        point(Some(CacheTtl::OneHour))?,
    ];
    assert_eq!(
        refusal(ask(&c, increasing)?).await,
        "ValidationException: The model returned the following errors: a ttl='1h' cache_control block must not come after a ttl='5m' cache_control block. Note that blocks are processed in the following order: `tools`, `system`, `messages`."
    );

    let nova_hour = c
        .converse()
        .model_id(NOVA)
        .set_system(Some(cached_system("Be brief.", Some(CacheTtl::OneHour))?))
        .messages(user("hello there")?);
    assert_eq!(
        refusal(nova_hour).await,
        "ValidationException: Extended TTL prompt caching is only supported for Anthropic models"
    );

    let tools = weather_tools()?;
    let nova_tools = ToolConfiguration::builder()
        .set_tools(Some(tools.tools().to_vec()))
        .tools(Tool::CachePoint(cache_point(None)?))
        .build()?;
    let request = c
        .converse()
        .model_id(NOVA)
        .tool_config(nova_tools)
        .messages(user("hello there")?);
    assert_eq!(
        refusal(request).await,
        "ValidationException: The model returned the following errors: Malformed input request: #/toolConfig/tools: extraneous key [cachePoint] is not permitted, please reformat your input and try again."
    );

    let marked = Message::builder()
        .role(ConversationRole::User)
        .content(ContentBlock::Text("hello there".into()))
        .content(ContentBlock::CachePoint(cache_point(None)?))
        .build()?;
    let llama = c
        .converse()
        .model_id("us.meta.llama3-1-70b-instruct-v1:0")
        .messages(marked);
    assert_eq!(
        refusal(llama).await,
        "AccessDeniedException: You invoked an unsupported model or your request did not allow prompt caching."
    );
    Ok(())
}

#[tokio::test]
async fn one_hour_on_a_claude_model_without_it_is_refused() -> TestResult {
    // Claude 3.7 Sonnet caches for 5 minutes only; it answered until 2026-04-28.
    let date = bedrock_catalog::parse_date("2026-01-15")?;
    let ep = endpoint_with(Config::default().date(date))?;
    let c = client(&ep).await;
    let request = c
        .converse()
        .model_id("us.anthropic.claude-3-7-sonnet-20250219-v1:0")
        .set_system(Some(cached_system("Be brief.", Some(CacheTtl::OneHour))?))
        .messages(user("hello there")?);
    assert_eq!(
        refusal(request).await,
        "ValidationException: The model returned the following errors: cache_control.ttl: Extra inputs are not permitted"
    );
    Ok(())
}

/// `usage` of a ConverseStream's `metadata` event.
async fn streamed_usage(
    client: &Client,
    system: Vec<SystemContentBlock>,
) -> Result<TokenUsage, TestError> {
    let mut output = client
        .converse_stream()
        .model_id(HAIKU)
        .set_system(Some(system))
        .messages(user("hello there")?)
        .send()
        .await?;
    let mut usage = None;
    while let Some(event) = output.stream.recv().await? {
        if let ConverseStreamOutput::Metadata(metadata) = event {
            usage = metadata.usage().cloned();
        }
    }
    usage.ok_or_else(|| "no metadata usage".into())
}

#[tokio::test]
async fn the_stream_metadata_carries_the_same_cache_numbers_as_converse() -> TestResult {
    let ep = endpoint()?;
    let c = client(&ep).await;
    let system = document(LONG);
    let prefix = tokens(&system);
    let total = prefix + tokens("hello there");
    let write = streamed_usage(&c, cached_system(&system, None)?).await?;
    assert_eq!(
        cache_numbers(&write),
        (total - prefix, Some(0), Some(prefix))
    );
    assert_eq!(details(&write), [("5m", prefix)]);
    let read = streamed_usage(&c, cached_system(&system, None)?).await?;
    assert_eq!(
        cache_numbers(&read),
        (total - prefix, Some(prefix), Some(0))
    );
    // The stream and Converse share one cache.
    let converse = usage_of(ask(&c, cached_system(&system, None)?)?).await?;
    assert_eq!(cache_numbers(&converse), cache_numbers(&read));
    assert_eq!(converse.total_tokens(), read.total_tokens());
    Ok(())
}

#[tokio::test]
async fn different_credentials_do_not_share_a_cache() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("keys.json");
    std::fs::write(
        &path,
        r#"{"credentials": [{"AccessKeyId": "AKIALOCALSECOND0001", "SecretAccessKey": "second-secret"}]}"#,
    )?;
    let ep = endpoint_with(dated().credentials_file(&path)?)?;
    let first = client(&ep).await;
    let second = client_with_keys(&ep, "AKIALOCALSECOND0001", "second-secret").await;
    let system = document(LONG);
    let prefix = tokens(&system);
    let read_write = |u: &TokenUsage| (u.cache_read_input_tokens(), u.cache_write_input_tokens());
    let mine = usage_of(ask(&first, cached_system(&system, None)?)?).await?;
    assert_eq!(read_write(&mine), (Some(0), Some(prefix)));
    let theirs = usage_of(ask(&second, cached_system(&system, None)?)?).await?;
    assert_eq!(read_write(&theirs), (Some(0), Some(prefix)));
    let mine_again = usage_of(ask(&first, cached_system(&system, None)?)?).await?;
    assert_eq!(read_write(&mine_again), (Some(prefix), Some(0)));
    Ok(())
}

#[tokio::test]
async fn a_cache_hit_answers_faster_than_a_miss() -> TestResult {
    let ep = endpoint_with(dated().prefill_per_token(Duration::from_micros(200)))?;
    let c = client(&ep).await;
    let system = document(LONG);
    let latency = |output: &aws_sdk_bedrockruntime::operation::converse::ConverseOutput| {
        output.metrics().map_or(-1, |m| m.latency_ms())
    };
    let started = std::time::Instant::now();
    let miss = ask(&c, cached_system(&system, None)?)?.send().await?;
    let miss_wall = started.elapsed();
    let started = std::time::Instant::now();
    let hit = ask(&c, cached_system(&system, None)?)?.send().await?;
    let hit_wall = started.elapsed();
    // 5,002 uncached tokens at 0.2 ms each, then only the 2 of "hello there".
    assert_eq!(latency(&miss), 1000);
    assert_eq!(latency(&hit), 0);
    assert!(miss_wall >= Duration::from_millis(1000), "{miss_wall:?}");
    assert!(
        hit_wall < miss_wall / 2,
        "hit {hit_wall:?}, miss {miss_wall:?}"
    );
    Ok(())
}
