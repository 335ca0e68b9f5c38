//! What requests ask of a guardrail: Converse's `guardrailConfig` (with ConverseStream's
//! `streamProcessingMode`) and the body of ApplyGuardrail, read field by field with Bedrock's
//! validation messages.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::definition::{Guardrail, Source};
use super::load::valid_version;
use super::render::Scope;
use super::set::GuardrailSet;
use crate::error::ApiError;
use crate::json::{self, constraint, join};
use crate::turn::Operation;

/// Bedrock's pattern for `guardrailVersion`, quoted in its validation message.
const VERSION_PATTERN: &str = "(|([1-9][0-9]{0,7})|(DRAFT))";

/// How much of the guardrail's work a Converse answer shows (`trace`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Trace {
    /// `disabled` (the default): no `trace` in the answer.
    Disabled,
    /// `enabled`: what the guardrail detected.
    Enabled,
    /// `enabled_full`: also what it checked and did not find.
    Full,
}

impl Trace {
    /// The assessment scope the trace shows, `None` when disabled.
    pub fn scope(self) -> Option<Scope> {
        match self {
            Trace::Disabled => None,
            Trace::Enabled => Some(Scope::Interventions),
            Trace::Full => Some(Scope::Full),
        }
    }
}

/// How ConverseStream applies the guardrail to the answer (`streamProcessingMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StreamMode {
    /// `sync` (the default): checked before any chunk is sent.
    Sync,
    /// `async`: chunks go out as generated; a violation stops the rest.
    Async,
}

/// A Converse request's `guardrailConfig`, resolved to its guardrail.
#[derive(Debug, Clone)]
pub(crate) struct GuardrailConfig {
    pub guardrail: Arc<Guardrail>,
    pub version: String,
    pub trace: Trace,
    pub mode: StreamMode,
}

/// The guardrail a Converse or ConverseStream body asks for, `None` without `guardrailConfig`.
pub(crate) fn converse_config(
    set: &GuardrailSet,
    body: &Value,
    operation: Operation,
) -> Result<Option<GuardrailConfig>, ApiError> {
    let Some(root) = body.as_object() else {
        return Ok(None);
    };
    let Some(raw) = json::optional(root, "guardrailConfig") else {
        return Ok(None);
    };
    let path = "guardrailConfig";
    let config = json::object(raw, path)?;
    let identifier = json::string(
        json::required(config, "guardrailIdentifier", path)?,
        &join(path, "guardrailIdentifier"),
    )?;
    let version = json::string(
        json::required(config, "guardrailVersion", path)?,
        &join(path, "guardrailVersion"),
    )?;
    check_version(version, &join(path, "guardrailVersion"))?;
    let trace = match json::optional_string(config, "trace", path)? {
        None | Some("disabled") => Trace::Disabled,
        Some("enabled") => Trace::Enabled,
        Some("enabled_full") => Trace::Full,
        Some(other) => {
            return Err(constraint(
                &format!("'{other}'"),
                &join(path, "trace"),
                "Member must satisfy enum value set: [enabled, disabled, enabled_full]",
            ));
        }
    };
    // Converse's GuardrailConfiguration has no streamProcessingMode: only a stream reads it.
    let mode = if operation == Operation::ConverseStream {
        match json::optional_string(config, "streamProcessingMode", path)? {
            None | Some("sync") => StreamMode::Sync,
            Some("async") => StreamMode::Async,
            Some(other) => {
                return Err(constraint(
                    &format!("'{other}'"),
                    &join(path, "streamProcessingMode"),
                    "Member must satisfy enum value set: [sync, async]",
                ));
            }
        }
    } else {
        StreamMode::Sync
    };
    Ok(Some(GuardrailConfig {
        guardrail: set.find(identifier, version)?,
        version: version.to_string(),
        trace,
        mode,
    }))
}

/// The `guardrailVersion` against Bedrock's pattern.
pub(crate) fn check_version(version: &str, path: &str) -> Result<(), ApiError> {
    if valid_version(version) {
        return Ok(());
    }
    Err(constraint(
        &format!("'{version}'"),
        path,
        &format!("Member must satisfy regular expression pattern: {VERSION_PATTERN}"),
    ))
}

/// One content block of ApplyGuardrail.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ContentText {
    pub text: String,
    /// Whether the guardrail reads it: a block qualified only as `grounding_source` or `query`
    /// is context for contextual grounding (not modelled), not content to guard.
    pub guarded: bool,
}

/// An ApplyGuardrail body.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ApplyRequest {
    pub source: Source,
    pub content: Vec<ContentText>,
    pub scope: Scope,
}

/// Reads an ApplyGuardrail body: `{source, content: [{text: {text, qualifiers}}], outputScope}`.
/// Image blocks are accepted and not assessed.
pub(crate) fn apply_request(body: &Value) -> Result<ApplyRequest, ApiError> {
    let root = json::object(body, "")?;
    let source = match json::string(json::required(root, "source", "")?, "source")? {
        "INPUT" => Source::Input,
        "OUTPUT" => Source::Output,
        other => {
            return Err(constraint(
                &format!("'{other}'"),
                "source",
                "Member must satisfy enum value set: [INPUT, OUTPUT]",
            ));
        }
    };
    let scope = match json::optional_string(root, "outputScope", "")? {
        None | Some("INTERVENTIONS") => Scope::Interventions,
        Some("FULL") => Scope::Full,
        Some(other) => {
            return Err(constraint(
                &format!("'{other}'"),
                "outputScope",
                "Member must satisfy enum value set: [INTERVENTIONS, FULL]",
            ));
        }
    };
    let list = json::array(json::required(root, "content", "")?, "content")?;
    let mut content = Vec::with_capacity(list.len());
    for (i, block) in list.iter().enumerate() {
        let path = join("content", i);
        let block = json::object(block, &path)?;
        if let Some(text) = json::optional(block, "text") {
            content.push(text_block(text, &join(&path, "text"))?);
        } else if json::optional(block, "image").is_none() {
            return Err(constraint(
                "of the wrong shape",
                &path,
                "Member must be a GuardrailContentBlock with exactly one of text, image set",
            ));
        }
    }
    Ok(ApplyRequest {
        source,
        content,
        scope,
    })
}

/// A `GuardrailTextBlock` / `GuardrailConverseTextBlock`: `{text, qualifiers?}`.
pub(crate) fn text_block(raw: &Value, path: &str) -> Result<ContentText, ApiError> {
    let block = json::object(raw, path)?;
    let text = json::string(json::required(block, "text", path)?, &join(path, "text"))?;
    let qualifiers = qualifiers(block, path)?;
    let guarded = qualifiers.is_empty() || qualifiers.iter().any(|q| q == "guard_content");
    Ok(ContentText {
        text: text.to_string(),
        guarded,
    })
}

fn qualifiers(block: &Map<String, Value>, path: &str) -> Result<Vec<String>, ApiError> {
    let qualifiers = json::optional_strings(block, "qualifiers", path)?;
    for (i, q) in qualifiers.iter().enumerate() {
        if !matches!(q.as_str(), "grounding_source" | "query" | "guard_content") {
            return Err(constraint(
                &format!("'{q}'"),
                &join(&join(path, "qualifiers"), i),
                "Member must satisfy enum value set: [grounding_source, query, guard_content]",
            ));
        }
    }
    Ok(qualifiers)
}
