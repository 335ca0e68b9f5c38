//! compare(): concurrent, bounded, every outcome kept.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests state expectations

mod common;

use std::time::{Duration, Instant};

use bedrock_kit::Request;
use common::{quick, with_rules};

/// The upstream workshop's current models, as the catalog lists them.
fn workshop() -> Vec<&'static str> {
    let names = bedrock_kit::workshop_model_names();
    assert_eq!(names.len(), 5, "the workshop's table has five models");
    names
}

fn slow_endpoint() -> bedrock_kit::Bedrock {
    with_rules(
        r#"
[[rule]]
name = "slow"
match = { contains = "compare me" }
reply = { text = "Compared.", latency_ms = 300 }
"#,
    )
}

#[test]
fn every_model_answers_and_failures_are_kept() {
    let bedrock = slow_endpoint();
    let mut models = workshop();
    models.push("Not A Model");
    let comparison = bedrock.compare(
        &models,
        &Request::new("compare me").temperature(0.4).top_p(0.9),
    );
    assert_eq!(comparison.entries.len(), 6);
    assert_eq!(comparison.replies().len(), 5, "{comparison}");
    assert_eq!(comparison.failures().len(), 1);
    assert_eq!(comparison.entries[5].model, "Not A Model");
    for (_, reply) in comparison.replies() {
        assert_eq!(reply.text, "Compared.");
        assert!(reply.latency >= Duration::from_millis(290));
    }
    let html = comparison.to_html();
    assert!(html.contains("<table>") && html.contains("<svg"), "{html}");
}

#[test]
fn five_models_take_about_as_long_as_the_slowest_one() {
    let bedrock = slow_endpoint(); // default bound: all five in one round
    let started = Instant::now();
    let comparison = bedrock.compare(&workshop(), &Request::new("compare me"));
    let elapsed = started.elapsed();
    assert_eq!(comparison.replies().len(), 5);
    let slowest = comparison
        .replies()
        .iter()
        .map(|(_, r)| r.latency)
        .max()
        .unwrap_or_default();
    assert!(
        elapsed.as_secs_f64() < slowest.as_secs_f64() * 1.2 + 0.1,
        "{elapsed:?} vs {slowest:?}"
    );
}

#[test]
fn concurrency_is_bounded() {
    let bedrock = slow_endpoint().with_settings(quick().concurrency(2));
    let started = Instant::now();
    let comparison = bedrock.compare(&workshop()[..4], &Request::new("compare me"));
    assert_eq!(comparison.replies().len(), 4);
    // Four 300 ms calls two at a time take at least two rounds.
    assert!(
        started.elapsed() >= Duration::from_millis(590),
        "{:?}",
        started.elapsed()
    );
}
