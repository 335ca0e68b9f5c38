//! Assessments in Bedrock's wire shapes (botocore's `GuardrailAssessment`, `GuardrailUsage`,
//! `GuardrailCoverage`), shared by ApplyGuardrail and the Converse trace.

use serde_json::{Map, Value, json};

use super::definition::Guardrail;
use super::evaluate::Assessment;

/// `actionReason` of a block, as a real ApplyGuardrail answer quoted in a public litellm test
/// shows it ("Guardrail blocked.").
pub(crate) const REASON_BLOCKED: &str = "Guardrail blocked.";
/// `actionReason` of a mask. Not verified: no public answer with masking quotes one.
pub(crate) const REASON_MASKED: &str = "Guardrail masked.";

/// How much of an assessment to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// What was detected (trace `enabled`, outputScope `INTERVENTIONS`).
    Interventions,
    /// Also what was checked and not found, for topics, content filters and PII entities (trace
    /// `enabled_full`, outputScope `FULL`); word filters and regexes list only what matched, as
    /// AWS's ApplyGuardrail reference says of `FULL`.
    Full,
}

/// Which guardrail and version an assessment is about, for `appliedGuardrailDetails`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Applied<'a> {
    pub guardrail: &'a Guardrail,
    pub version: &'a str,
    pub region: &'a str,
}

/// The `actionReason` for an assessment that intervened.
pub(crate) fn action_reason(assessment: &Assessment) -> Option<&'static str> {
    if assessment.blocked() {
        Some(REASON_BLOCKED)
    } else if assessment.masked() {
        Some(REASON_MASKED)
    } else {
        None
    }
}

/// One `GuardrailAssessment`.
pub(crate) fn assessment(
    applied: Applied<'_>,
    assessment: &Assessment,
    scope: Scope,
    latency_ms: u64,
) -> Value {
    let full = scope == Scope::Full;
    let mut out = Map::new();
    let topics: Vec<Value> = assessment
        .topics
        .iter()
        .filter(|t| full || t.detected)
        .map(|t| {
            json!({
                "name": t.name, "type": "DENY",
                "action": if t.detected { "BLOCKED" } else { "NONE" }, "detected": t.detected,
            })
        })
        .collect();
    if !topics.is_empty() {
        out.insert("topicPolicy".into(), json!({ "topics": topics }));
    }
    let filters: Vec<Value> = assessment
        .content
        .iter()
        .filter(|c| full || c.blocked)
        .map(|c| {
            json!({
                "type": c.category, "confidence": c.confidence.as_str(),
                "filterStrength": c.strength.as_str(),
                "action": if c.blocked { "BLOCKED" } else { "NONE" }, "detected": c.blocked,
            })
        })
        .collect();
    if !filters.is_empty() {
        out.insert("contentPolicy".into(), json!({ "filters": filters }));
    }
    if !(assessment.custom_words.is_empty() && assessment.profanity.is_empty()) {
        let custom: Vec<Value> = assessment
            .custom_words
            .iter()
            .map(|w| json!({ "match": w.matched, "action": "BLOCKED", "detected": true }))
            .collect();
        let managed: Vec<Value> = assessment
            .profanity
            .iter()
            .map(|w| json!({ "match": w.matched, "type": "PROFANITY", "action": "BLOCKED", "detected": true }))
            .collect();
        out.insert(
            "wordPolicy".into(),
            json!({ "customWords": custom, "managedWordLists": managed }),
        );
    }
    let pii: Vec<Value> = assessment
        .pii
        .iter()
        .filter(|p| full || p.detected)
        .map(|p| {
            json!({
                "match": p.matched, "type": p.kind,
                "action": if p.detected { p.action.reported() } else { "NONE" }, "detected": p.detected,
            })
        })
        .collect();
    let regexes: Vec<Value> = assessment
        .regexes
        .iter()
        .map(|r| {
            json!({
                "name": r.name, "match": r.matched, "regex": r.regex,
                "action": r.action.reported(), "detected": true,
            })
        })
        .collect();
    if !(pii.is_empty() && regexes.is_empty()) {
        out.insert(
            "sensitiveInformationPolicy".into(),
            json!({ "piiEntities": pii, "regexes": regexes }),
        );
    }
    out.insert(
        "invocationMetrics".into(),
        json!({
            "guardrailProcessingLatency": latency_ms,
            "usage": usage(assessment),
            "guardrailCoverage": coverage(assessment),
        }),
    );
    out.insert(
        "appliedGuardrailDetails".into(),
        json!({
            "guardrailId": applied.guardrail.id,
            "guardrailVersion": applied.version,
            "guardrailArn": applied.guardrail.arn(applied.region),
            "guardrailOrigin": ["REQUEST"],
            "guardrailOwnership": "SELF",
        }),
    );
    Value::Object(out)
}

/// `GuardrailUsage`: text units per configured policy. That PII entities are billed and
/// regexes free (`sensitiveInformationPolicyFreeUnits`) follows AWS's pricing page (regex
/// filters are free); not verified against a real answer with both.
pub(crate) fn usage(assessment: &Assessment) -> Value {
    let units = assessment.units();
    let when = |configured: bool| if configured { units } else { 0 };
    let p = assessment.policies;
    json!({
        "topicPolicyUnits": when(p.topics),
        "contentPolicyUnits": when(p.content),
        "wordPolicyUnits": when(p.words),
        "sensitiveInformationPolicyUnits": when(p.pii),
        "sensitiveInformationPolicyFreeUnits": when(p.regexes && !p.pii),
        "contextualGroundingPolicyUnits": 0,
        "contentPolicyImageUnits": 0,
    })
}

/// `GuardrailCoverage`: characters read of the characters sent.
pub(crate) fn coverage(assessment: &Assessment) -> Value {
    json!({
        "textCharacters": { "guarded": assessment.guarded_chars, "total": assessment.total_chars }
    })
}
