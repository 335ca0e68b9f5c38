//! Reading guardrail files (TOML or JSON) into [`Guardrail`]s, with errors that name the file,
//! the guardrail and the field.

use regex::Regex;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::definition::{
    ContentFilter, Guardrail, Level, PiiFilter, RegexFilter, SensitiveAction, Topic,
};
use super::format::{
    ContentSpec, FileSpec, GuardrailSpec, PiiSpec, RegexSpec, TopicSpec, WordsSpec,
};
use super::lexicon::{self, CATEGORIES, PII_TYPES};
use crate::data_file::{self, Format};

/// The longest blocked message Bedrock accepts (`blockedInputMessaging`, 1-500 characters).
const MAX_MESSAGE_CHARS: usize = 500;

/// A mistake in a guardrail file: which file, which guardrail (id and position), which field,
/// and what.
///
/// ```
/// let error = bedrock_local::GuardrailSet::from_toml_str("mine.toml", r#"
///     [[guardrail]]
///     id = "mine"
///     versions = ["DRAFT"]
///     blocked_input_message = "No."
///     blocked_output_message = "No."
///     pii = [{ type = "SSN", action = "BLOCK" }]
/// "#).unwrap_err();
/// assert_eq!(error.field.as_deref(), Some("pii[0].type"));
/// assert!(error.to_string().starts_with("guardrail file `mine.toml`, guardrail `mine` (#1), field `pii[0].type`: unknown PII type `SSN`"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("guardrail file `{file}`{}{}: {message}", guardrail.as_ref().map(|g| format!(", {g}")).unwrap_or_default(), field.as_ref().map(|f| format!(", field `{f}`")).unwrap_or_default())]
pub struct GuardrailError {
    /// The file (path or name given to the loader).
    pub file: String,
    /// The guardrail, as ``guardrail `id` (#N)`` or `guardrail #N`, when the mistake is inside one.
    pub guardrail: Option<String>,
    /// The field inside the guardrail (`pii[0].type`, `topic[1].examples`), when known.
    pub field: Option<String>,
    /// What is wrong and, where possible, what is expected.
    pub message: String,
}

impl GuardrailError {
    /// A mistake in the file as a whole (it cannot be read or parsed), not in one guardrail.
    pub(crate) fn in_file(file: &str, message: String) -> GuardrailError {
        GuardrailError {
            file: file.to_string(),
            guardrail: None,
            field: None,
            message,
        }
    }
}

/// Parses a whole file into guardrails in file order.
pub(crate) fn parse(
    file: &str,
    text: &str,
    format: Format,
) -> Result<Vec<Guardrail>, GuardrailError> {
    let file_error = |message: String| GuardrailError::in_file(file, message);
    let raw = data_file::parse(text, format).map_err(file_error)?;
    let spec: FileSpec = serde_json::from_value(raw).map_err(|e| file_error(e.to_string()))?;
    let mut guardrails: Vec<Guardrail> = Vec::with_capacity(spec.guardrail.len());
    for (index, value) in spec.guardrail.into_iter().enumerate() {
        let loader = Loader::new(file, index, &value);
        let guardrail = loader.load(value)?;
        if guardrails.iter().any(|g| g.id == guardrail.id) {
            return Err(loader.error(Some("id"), "another guardrail of this file has this id"));
        }
        guardrails.push(guardrail);
    }
    Ok(guardrails)
}

/// Loads one guardrail, knowing where it is for error messages.
struct Loader<'a> {
    file: &'a str,
    label: String,
}

impl<'a> Loader<'a> {
    fn new(file: &'a str, index: usize, value: &Value) -> Self {
        let position = index + 1;
        let label = match value.get("id").and_then(Value::as_str) {
            Some(id) => format!("guardrail `{id}` (#{position})"),
            None => format!("guardrail #{position}"),
        };
        Loader { file, label }
    }

    fn error(&self, field: Option<&str>, message: impl Into<String>) -> GuardrailError {
        GuardrailError {
            file: self.file.to_string(),
            guardrail: Some(self.label.clone()),
            field: field.map(str::to_string),
            message: message.into(),
        }
    }

    /// Deserializes one table at `path`; on failure finds the offending field by trying each alone
    /// (every field of every spec is optional, so a table of one good field parses).
    fn section<T: DeserializeOwned>(
        &self,
        path: Option<&str>,
        value: Value,
    ) -> Result<T, GuardrailError> {
        data_file::section(path, value)
            .map_err(|(field, message)| self.error(field.as_deref(), message))
    }

    fn required(&self, value: Option<String>, field: &str) -> Result<String, GuardrailError> {
        match value {
            Some(v) if !v.trim().is_empty() => Ok(v),
            Some(_) => Err(self.error(Some(field), "must not be empty")),
            None => Err(self.error(Some(field), "missing")),
        }
    }

    fn load(&self, value: Value) -> Result<Guardrail, GuardrailError> {
        let spec: GuardrailSpec = self.section(None, value)?;
        let id = self.required(spec.id, "id")?;
        if !valid_id(&id) {
            return Err(self.error(
                Some("id"),
                format!("`{id}` must be 1-64 lower-case letters, digits or `-` (Bedrock's own ids are letters and digits)"),
            ));
        }
        let versions = self.versions(spec.versions)?;
        let blocked_input = self.message(spec.blocked_input_message, "blocked_input_message")?;
        let blocked_output = self.message(spec.blocked_output_message, "blocked_output_message")?;
        let topics = spec
            .topic
            .unwrap_or_default()
            .into_iter()
            .enumerate()
            .map(|(i, v)| self.topic(i, v))
            .collect::<Result<Vec<_>, _>>()?;
        let (words, profanity) = match spec.words {
            Some(value) => self.words(value)?,
            None => (Vec::new(), None),
        };
        let pii = self.pii(spec.pii.unwrap_or_default())?;
        let regexes = spec
            .regex
            .unwrap_or_default()
            .into_iter()
            .enumerate()
            .map(|(i, v)| self.regex(i, v))
            .collect::<Result<Vec<_>, _>>()?;
        let content = self.content(spec.content.unwrap_or_default())?;
        let guardrail = Guardrail {
            id,
            versions,
            blocked_input,
            blocked_output,
            topics,
            words,
            profanity,
            pii,
            regexes,
            content,
        };
        let has_policy = !(guardrail.topics.is_empty()
            && guardrail.words.is_empty()
            && guardrail.profanity.is_none()
            && guardrail.pii.is_empty()
            && guardrail.regexes.is_empty()
            && guardrail.content.is_empty());
        if !has_policy {
            return Err(self.error(
                None,
                "a guardrail needs at least one policy: topic, words, pii, regex or content",
            ));
        }
        Ok(guardrail)
    }

    fn versions(&self, versions: Option<Vec<String>>) -> Result<Vec<String>, GuardrailError> {
        let versions = versions.ok_or_else(|| {
            self.error(
                Some("versions"),
                "missing; e.g. versions = [\"DRAFT\", \"1\"]",
            )
        })?;
        if versions.is_empty() {
            return Err(self.error(
                Some("versions"),
                "list at least one version, e.g. [\"DRAFT\"]",
            ));
        }
        for (i, version) in versions.iter().enumerate() {
            let field = format!("versions[{i}]");
            if !valid_version(version) {
                return Err(self.error(
                    Some(&field),
                    format!(
                        "`{version}` is not a version: write DRAFT or a number from 1 to 99999999"
                    ),
                ));
            }
            if versions[..i].contains(version) {
                return Err(
                    self.error(Some(&field), format!("version `{version}` is listed twice"))
                );
            }
        }
        Ok(versions)
    }

    fn message(&self, value: Option<String>, field: &str) -> Result<String, GuardrailError> {
        let message = self.required(value, field)?;
        if message.chars().count() > MAX_MESSAGE_CHARS {
            return Err(self.error(
                Some(field),
                format!("Bedrock accepts at most {MAX_MESSAGE_CHARS} characters"),
            ));
        }
        Ok(message)
    }

    fn topic(&self, index: usize, value: Value) -> Result<Topic, GuardrailError> {
        let path = format!("topic[{index}]");
        let spec: TopicSpec = self.section(Some(&path), value)?;
        let name = self.required(spec.name, &format!("{path}.name"))?;
        let definition = self.required(spec.definition, &format!("{path}.definition"))?;
        let examples = spec.examples.unwrap_or_default();
        let name_roots = lexicon::roots(&name);
        if name_roots.is_empty() {
            return Err(self.error(
                Some(&format!("{path}.name")),
                "the name needs at least one word that is not a stop word",
            ));
        }
        for (i, example) in examples.iter().enumerate() {
            if lexicon::roots(example).is_empty() {
                return Err(self.error(
                    Some(&format!("{path}.examples[{i}]")),
                    format!(
                        "`{example}` has no word that is not a stop word, so it can match nothing"
                    ),
                ));
            }
        }
        Ok(Topic {
            name,
            name_roots,
            example_roots: examples.iter().map(|e| lexicon::roots(e)).collect(),
            definition_roots: lexicon::roots(&definition),
        })
    }

    fn words(
        &self,
        value: Value,
    ) -> Result<
        (
            Vec<super::definition::Phrase>,
            Option<Vec<super::definition::Phrase>>,
        ),
        GuardrailError,
    > {
        let spec: WordsSpec = self.section(Some("words"), value)?;
        let mut words = Vec::new();
        for (i, word) in spec.custom.unwrap_or_default().iter().enumerate() {
            let field = format!("words.custom[{i}]");
            if word.trim().is_empty() {
                return Err(self.error(Some(&field), "a word must not be empty"));
            }
            words.push(lexicon::phrase(word).map_err(|e| self.error(Some(&field), e.to_string()))?);
        }
        let profanity =
            match spec.profanity {
                Some(true) => Some(lexicon::profanity().map_err(|e| {
                    self.error(Some("words.profanity"), format!("built-in list: {e}"))
                })?),
                _ => None,
            };
        if words.is_empty() && profanity.is_none() {
            return Err(self.error(
                Some("words"),
                "give `custom` words or `profanity = true`, or leave the table out",
            ));
        }
        Ok((words, profanity))
    }

    fn action(
        &self,
        value: Option<String>,
        field: &str,
    ) -> Result<SensitiveAction, GuardrailError> {
        match value.as_deref() {
            Some("BLOCK") => Ok(SensitiveAction::Block),
            Some("ANONYMIZE") => Ok(SensitiveAction::Anonymize),
            Some(other) => Err(self.error(
                Some(field),
                format!("unknown action `{other}`, expected BLOCK or ANONYMIZE"),
            )),
            None => Err(self.error(Some(field), "missing; expected BLOCK or ANONYMIZE")),
        }
    }

    fn pii(&self, values: Vec<Value>) -> Result<Vec<PiiFilter>, GuardrailError> {
        let mut filters: Vec<PiiFilter> = Vec::new();
        for (i, value) in values.into_iter().enumerate() {
            let path = format!("pii[{i}]");
            let spec: PiiSpec = self.section(Some(&path), value)?;
            let field = format!("{path}.type");
            let kind = self.required(spec.kind, &field)?;
            let (kind, pattern) = lexicon::pii_pattern(&kind).ok_or_else(|| {
                let known: Vec<&str> = PII_TYPES.iter().map(|(n, _)| *n).collect();
                self.error(
                    Some(&field),
                    format!(
                        "unknown PII type `{kind}`, expected one of {}",
                        known.join(", ")
                    ),
                )
            })?;
            let pattern =
                pattern.map_err(|e| self.error(Some(&field), format!("built-in pattern: {e}")))?;
            if filters.iter().any(|f| f.kind == kind) {
                return Err(self.error(Some(&field), format!("`{kind}` is configured twice")));
            }
            let action = self.action(spec.action, &format!("{path}.action"))?;
            filters.push(PiiFilter {
                kind,
                action,
                pattern,
            });
        }
        // Detection order is the built-in one (cards before phones), whatever the file's order.
        filters.sort_by_key(|f| PII_TYPES.iter().position(|(n, _)| *n == f.kind));
        Ok(filters)
    }

    fn regex(&self, index: usize, value: Value) -> Result<RegexFilter, GuardrailError> {
        let path = format!("regex[{index}]");
        let spec: RegexSpec = self.section(Some(&path), value)?;
        let name = self.required(spec.name, &format!("{path}.name"))?;
        let source = self.required(spec.pattern, &format!("{path}.pattern"))?;
        let pattern = Regex::new(&source)
            .map_err(|e| self.error(Some(&format!("{path}.pattern")), e.to_string()))?;
        if pattern.is_match("") {
            return Err(self.error(
                Some(&format!("{path}.pattern")),
                "the pattern matches the empty text, so it would match everywhere",
            ));
        }
        Ok(RegexFilter {
            name,
            source,
            pattern,
            action: self.action(spec.action, &format!("{path}.action"))?,
        })
    }

    fn content(&self, values: Vec<Value>) -> Result<Vec<ContentFilter>, GuardrailError> {
        let mut filters: Vec<ContentFilter> = Vec::new();
        for (i, value) in values.into_iter().enumerate() {
            let path = format!("content[{i}]");
            let spec: ContentSpec = self.section(Some(&path), value)?;
            let field = format!("{path}.type");
            let kind = self.required(spec.kind, &field)?;
            let category = CATEGORIES
                .iter()
                .copied()
                .find(|c| *c == kind)
                .ok_or_else(|| {
                    self.error(
                        Some(&field),
                        format!(
                            "unknown category `{kind}`, expected one of {}",
                            CATEGORIES.join(", ")
                        ),
                    )
                })?;
            if filters.iter().any(|f| f.category == category) {
                return Err(self.error(Some(&field), format!("`{category}` is configured twice")));
            }
            let strength = |value: Option<String>, name: &str| -> Result<Level, GuardrailError> {
                let field = format!("{path}.{name}");
                match value {
                    None => {
                        Err(self.error(Some(&field), "missing; expected NONE, LOW, MEDIUM or HIGH"))
                    }
                    Some(v) => Level::from_name(&v).ok_or_else(|| {
                        self.error(
                            Some(&field),
                            format!("unknown strength `{v}`, expected NONE, LOW, MEDIUM or HIGH"),
                        )
                    }),
                }
            };
            let input_strength = strength(spec.input_strength, "input_strength")?;
            let output_strength = strength(spec.output_strength, "output_strength")?;
            // Bedrock refuses a prompt-attack filter on output (CreateGuardrail: its output
            // strength must be NONE).
            if category == "PROMPT_ATTACK" && output_strength != Level::None {
                return Err(self.error(
                    Some(&format!("{path}.output_strength")),
                    "PROMPT_ATTACK applies to prompts only: set output_strength = \"NONE\"",
                ));
            }
            let terms = lexicon::content_terms(category)
                .map_err(|e| self.error(Some(&field), format!("built-in phrases: {e}")))?;
            filters.push(ContentFilter {
                category,
                input_strength,
                output_strength,
                terms,
            });
        }
        Ok(filters)
    }
}

/// Guardrail ids here: Bedrock's `[a-z0-9]+`, plus `-` for readable local ids.
pub(crate) fn valid_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Bedrock's version pattern: `DRAFT` or `[1-9][0-9]{0,7}`.
pub(crate) fn valid_version(version: &str) -> bool {
    version == "DRAFT"
        || (!version.is_empty()
            && version.len() <= 8
            && version.chars().all(|c| c.is_ascii_digit())
            && !version.starts_with('0'))
}
