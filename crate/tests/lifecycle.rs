//! The model lifecycle as the kit reports it: retired and Legacy models refused with the
//! date and the replacement from the catalog, on every operation, and `compare` going on past them.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests state expectations

mod common;

use bedrock_catalog::messages;
use bedrock_kit::{Bedrock, Error, Params, Request, State};

fn on(date: &str, legacy_in_use: bool) -> Bedrock {
    let config = common::config()
        .date(bedrock_kit::parse_date(date).unwrap())
        .legacy_in_use(legacy_in_use);
    Bedrock::local_with(config)
        .expect("endpoint")
        .with_settings(common::quick())
}

fn assert_end_of_life(error: &Error) {
    match error {
        Error::EndOfLife {
            since,
            replacement,
            message,
            ..
        } => {
            assert_eq!(since.map(|d| d.to_string()).as_deref(), Some("2026-06-19"));
            assert_eq!(replacement.as_deref(), Some("Claude Haiku 4.5"));
            assert_eq!(message, messages::END_OF_LIFE);
        }
        other => panic!("expected EndOfLife, got {other:?}"),
    }
}

#[test]
fn a_retired_model_is_refused_with_its_date_and_replacement_on_every_operation() {
    let bedrock = on(common::TEST_DATE, true);
    let model = "Claude 3.5 Haiku";
    assert_end_of_life(&bedrock.ask(model, "hello").expect_err("converse"));
    assert_end_of_life(
        &bedrock
            .stream(model, &Request::new("hello"))
            .expect_err("stream"),
    );
    assert_end_of_life(
        &bedrock
            .invoke_text(model, "hello", &Params::default())
            .expect_err("invoke"),
    );
    let text = bedrock
        .ask(model, "hello")
        .expect_err("converse")
        .to_string();
    assert!(
        text.contains("reached its end of life on 2026-06-19"),
        "{text}"
    );
    assert!(text.contains("Use Claude Haiku 4.5 instead"), "{text}");
}

#[test]
fn on_the_seed_date_all_seven_seed_models_answer() {
    let bedrock = on(bedrock_catalog::seed_edition(), true);
    let seed = bedrock_kit::seed_model_names();
    let comparison = bedrock.compare(&seed, &Request::new("hello"));
    assert_eq!(comparison.replies().len(), 7, "{comparison}");
    assert_eq!(
        bedrock.models().state("Claude 3.5 Haiku"),
        Some(State::Active)
    );
}

#[test]
fn a_legacy_model_the_account_has_not_used_is_refused_with_advice() {
    let unused = on("2026-01-10", false);
    match unused.ask("Claude 3.5 Haiku", "hello").expect_err("legacy") {
        Error::Legacy {
            since,
            replacement,
            message,
            ..
        } => {
            assert_eq!(since.map(|d| d.to_string()).as_deref(), Some("2025-12-19"));
            assert_eq!(replacement.as_deref(), Some("Claude Haiku 4.5"));
            assert_eq!(message, messages::LEGACY_NOT_RECENTLY_USED);
        }
        other => panic!("expected Legacy, got {other:?}"),
    }
    let used = on("2026-01-10", true);
    assert!(used.ask("Claude 3.5 Haiku", "hello").is_ok());
}

#[test]
fn compare_goes_on_past_retired_models_and_shows_why_they_were_refused() {
    let bedrock = on(common::TEST_DATE, true);
    let seed = bedrock_kit::seed_model_names();
    let comparison = bedrock.compare(&seed, &Request::new("hello"));
    assert_eq!(comparison.entries.len(), 7);
    let refused: Vec<&str> = comparison
        .failures()
        .iter()
        .filter(|(_, e)| matches!(e, Error::EndOfLife { .. }))
        .map(|(m, _)| *m)
        .collect();
    assert_eq!(
        refused,
        ["Claude 3.7 Sonnet", "Claude 3.5 Sonnet", "Claude 3.5 Haiku"]
    );
    assert_eq!(comparison.replies().len(), 4);
    let table = comparison.to_markdown();
    assert!(
        table.contains(&format!(
            "| Claude 3.7 Sonnet | – | – | – | – | refused | 🚫 end of life since 2026-04-28: “{}” → use Claude Sonnet 4.5 |",
            messages::END_OF_LIFE
        )),
        "{table}"
    );
}

#[test]
fn the_model_table_follows_the_endpoint_date() {
    let bedrock = on(common::TEST_DATE, true);
    assert_eq!(bedrock.date().to_string(), common::TEST_DATE);
    let table = bedrock.models();
    assert_eq!(table.state("Claude 3.7 Sonnet"), Some(State::EndOfLife));
    assert_eq!(table.state("Claude Haiku 4.5"), Some(State::Active));
    assert!(bedrock.describe().contains("answering as of 2026-12-02"));
    let before = on("2025-04-15", true);
    assert_eq!(
        before.models().state("Claude Opus 4.6"),
        Some(State::NotLaunched)
    );
    let error = before
        .ask("Claude Opus 4.6", "hello")
        .expect_err("not launched");
    assert_eq!(error.message(), Some(messages::INVALID_MODEL), "{error}");
}

#[test]
fn the_bare_id_refusal_is_shown_when_profile_retry_is_off() {
    let bedrock = on(common::TEST_DATE, true);
    let id = "anthropic.claude-haiku-4-5-20251001-v1:0";
    let retried = bedrock.ask(id, "hello").expect("retried with us.");
    assert_eq!(retried.model_id, format!("us.{id}"));
    let strict = bedrock.with_settings(common::quick().profile_retry(false));
    match strict.ask(id, "hello").expect_err("refused") {
        Error::OnDemandNotSupported { message, .. } => {
            assert_eq!(message, messages::on_demand_refusal(id))
        }
        other => panic!("expected OnDemandNotSupported, got {other:?}"),
    }
}
