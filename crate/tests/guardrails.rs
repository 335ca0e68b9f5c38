//! Guardrails from the kit: the request's guardrail reaches Bedrock, the reply says whether it
//! intervened and by which policy, and ApplyGuardrail checks a text on its own.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests state expectations

mod common;

use bedrock_kit::{
    Error, GuardrailSource, GuardrailTrace, Policy, Request, Stage, StreamProcessing,
};

const MODEL: &str = "Claude Haiku 4.5";
const DEMO: &str = "workshop-demo";

/// An endpoint whose model answers the test prompts with an e-mail address to mask.
fn with_contact_answer() -> bedrock_kit::Bedrock {
    common::with_rules(
        r#"
[[rule]]
name = "contact"
match = { contains = "support contact" }
reply = { text = "Write to help@example.com and we answer within a day." }
"#,
    )
}

#[test]
fn a_denied_topic_is_blocked_before_the_model_and_the_reply_names_the_policy() {
    let bedrock = common::local();
    let request = Request::new(
        "Should I put my savings into stocks or index funds? Give me investment advice.",
    )
    .guardrail(DEMO, "1");
    let reply = bedrock.send(MODEL, &request).unwrap();
    assert_eq!(reply.stop_reason, "guardrail_intervened");
    let report = reply.guardrail.as_ref().unwrap();
    assert!(report.intervened);
    assert_eq!(report.id, DEMO);
    let topic = report
        .findings
        .iter()
        .find(|f| f.policy == Policy::Topic)
        .unwrap_or_else(|| panic!("no topic finding: {report:?}"));
    assert_eq!(topic.stage, Stage::Input);
    assert!(topic.what.to_lowercase().contains("invest"), "{topic:?}");
    assert_eq!(topic.action, "BLOCKED");
    assert!(reply.to_html().contains("intervened"));
    assert!(reply.to_string().contains("denied topic"));
}

#[test]
fn an_email_in_the_answer_is_masked_and_reported() {
    let bedrock = with_contact_answer();
    let request = Request::new("What is the support contact?").guardrail(DEMO, "1");
    let reply = bedrock.send(MODEL, &request).unwrap();
    assert!(!reply.text.contains("help@example.com"), "{}", reply.text);
    assert!(reply.text.contains("{EMAIL}"), "{}", reply.text);
    let report = reply.guardrail.unwrap();
    assert!(report.findings.iter().any(|f| f.stage == Stage::Output
        && f.policy == Policy::SensitiveInformation
        && f.what == "EMAIL"
        && f.action == "ANONYMIZED"));
}

#[test]
fn with_the_trace_off_the_reply_still_says_it_intervened_but_lists_nothing() {
    let bedrock = common::local();
    let request = Request::new("Give me investment advice: which stocks should I buy?")
        .guardrail(DEMO, "1")
        .guardrail_trace(GuardrailTrace::Disabled);
    let reply = bedrock.send(MODEL, &request).unwrap();
    let report = reply.guardrail.unwrap();
    assert!(report.intervened);
    assert!(report.findings.is_empty(), "{report:?}");
}

#[test]
fn a_streamed_answer_is_masked_in_sync_mode_and_carries_the_trace() {
    let bedrock = with_contact_answer();
    let request = Request::new("What is the support contact?")
        .guardrail(DEMO, "1")
        .guardrail_stream_processing(StreamProcessing::Sync);
    let reply = bedrock.stream(MODEL, &request).unwrap();
    assert!(!reply.text.contains("help@example.com"), "{}", reply.text);
    let report = reply.guardrail.unwrap();
    assert!(
        report.findings.iter().any(|f| f.what == "EMAIL"),
        "{report:?}"
    );
}

#[test]
fn apply_guardrail_masks_a_text_without_calling_a_model() {
    let (endpoint, bedrock) = common::endpoint_and_handle(common::config());
    let check = bedrock
        .apply_guardrail(
            DEMO,
            "1",
            GuardrailSource::Input,
            "Mail me at jo@example.com or call 555-0100.",
        )
        .unwrap();
    assert!(check.intervened);
    let masked = check.outputs.join(" ");
    assert!(
        masked.contains("{EMAIL}") && masked.contains("{PHONE}"),
        "{masked}"
    );
    assert!(!masked.contains("jo@example.com"), "{masked}");
    assert_eq!(
        check
            .findings
            .iter()
            .filter(|f| f.policy == Policy::SensitiveInformation)
            .count(),
        2,
        "{check:?}"
    );
    assert!(
        check
            .to_string()
            .contains("| input | sensitive information | EMAIL | ANONYMIZED |")
    );
    let clean = bedrock
        .apply_guardrail(
            DEMO,
            "1",
            GuardrailSource::Output,
            "The weather is fine today.",
        )
        .unwrap();
    assert!(!clean.intervened && clean.findings.is_empty(), "{clean:?}");
    assert_eq!(endpoint.stats().requests, 2);
}

#[test]
fn an_unknown_guardrail_is_refused_with_bedrock_s_words() {
    let bedrock = common::local();
    let request = Request::new("Hello").guardrail("no-such-guardrail", "1");
    let outcome = bedrock.send(MODEL, &request);
    let error = outcome.expect_err("an unknown guardrail must be refused");
    assert!(
        error.to_string().to_lowercase().contains("guardrail"),
        "{error}"
    );
    let check = bedrock.apply_guardrail(DEMO, "99", GuardrailSource::Input, "Hello");
    assert!(
        matches!(
            check,
            Err(Error::Validation { .. } | Error::ModelNotFound { .. } | Error::Service { .. })
        ),
        "{check:?}"
    );
}
