//! The ApplyGuardrail operation: a guardrail applied to content alone, no model involved.

use std::time::Instant;

use serde_json::{Map, Value, json};

use super::definition::Guardrail;
use super::evaluate::{self, Assessment};
use super::render::{self, Applied};
use super::request::ApplyRequest;

/// The ApplyGuardrail answer: `{usage, action, actionReason?, outputs, assessments,
/// guardrailCoverage}`. A block gives the blocked message of the source as the one output; a
/// mask gives each guarded text block masked; no intervention gives no outputs.
pub(crate) fn response(
    guardrail: &Guardrail,
    version: &str,
    region: &str,
    request: &ApplyRequest,
) -> Value {
    let started = Instant::now();
    let guarded: Vec<&str> = request
        .content
        .iter()
        .filter(|c| c.guarded)
        .map(|c| c.text.as_str())
        .collect();
    let mut assessment: Assessment = evaluate::assess(guardrail, &guarded, request.source);
    assessment.total_chars = request.content.iter().map(|c| c.text.chars().count()).sum();
    let outputs: Vec<Value> = if assessment.blocked() {
        vec![json!({ "text": guardrail.blocked_message(request.source) })]
    } else if assessment.masked() {
        guarded
            .iter()
            .map(|text| json!({ "text": evaluate::mask(text, &assessment) }))
            .collect()
    } else {
        Vec::new()
    };
    let latency = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let applied = Applied {
        guardrail,
        version,
        region,
    };
    let mut body = Map::new();
    body.insert("usage".into(), render::usage(&assessment));
    let action = if assessment.intervened() {
        "GUARDRAIL_INTERVENED"
    } else {
        "NONE"
    };
    body.insert("action".into(), action.into());
    if let Some(reason) = render::action_reason(&assessment) {
        body.insert("actionReason".into(), reason.into());
    }
    body.insert("outputs".into(), outputs.into());
    body.insert(
        "assessments".into(),
        json!([render::assessment(
            applied,
            &assessment,
            request.scope,
            latency
        )]),
    );
    body.insert("guardrailCoverage".into(), render::coverage(&assessment));
    Value::Object(body)
}
