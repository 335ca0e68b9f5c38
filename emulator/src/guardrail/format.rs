//! The shape of a guardrail file, as serde reads it; `load` checks the values and compiles them.

use serde::Deserialize;
use serde_json::Value;

/// A whole file: `[[guardrail]]` tables.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FileSpec {
    /// The guardrails, kept as values so that each is read with its own position for errors.
    #[serde(default)]
    pub guardrail: Vec<Value>,
}

/// One `[[guardrail]]`. Every field is optional here so that a mistake is found field by field;
/// `load` reports the required ones that are missing.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct GuardrailSpec {
    pub id: Option<String>,
    /// Bedrock's name and description of a guardrail: for readers of the file, not in answers.
    #[allow(dead_code)]
    pub name: Option<String>,
    #[allow(dead_code)]
    pub description: Option<String>,
    pub versions: Option<Vec<String>>,
    pub blocked_input_message: Option<String>,
    pub blocked_output_message: Option<String>,
    pub topic: Option<Vec<Value>>,
    pub words: Option<Value>,
    pub pii: Option<Vec<Value>>,
    pub regex: Option<Vec<Value>>,
    pub content: Option<Vec<Value>>,
}

/// `[[guardrail.topic]]`: a denied topic.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TopicSpec {
    pub name: Option<String>,
    pub definition: Option<String>,
    pub examples: Option<Vec<String>>,
}

/// `[guardrail.words]`: the word policy.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct WordsSpec {
    pub custom: Option<Vec<String>>,
    pub profanity: Option<bool>,
}

/// `[[guardrail.pii]]`: one PII entity type.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PiiSpec {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub action: Option<String>,
}

/// `[[guardrail.regex]]`: a custom sensitive-information pattern.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RegexSpec {
    pub name: Option<String>,
    pub pattern: Option<String>,
    pub action: Option<String>,
    /// For readers of the file, as in Bedrock's `regexesConfig`.
    #[allow(dead_code)]
    pub description: Option<String>,
}

/// `[[guardrail.content]]`: a content filter.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ContentSpec {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub input_strength: Option<String>,
    pub output_strength: Option<String>,
}
