//! Guardrails as Bedrock applies them: definitions as data, checked on Converse and
//! ConverseStream (`guardrailConfig`) and by ApplyGuardrail.
//!
//! A [`GuardrailSet`] holds guardrail definitions read from TOML or JSON files (format in the
//! "Guardrails" section of `emulator/README.md`); [`GuardrailSet::builtin`] is the shipped
//! `workshop-demo`. Each guardrail has an id, versions, blocked messages and policies: denied
//! topics, word filters (custom words, a profanity list), sensitive information (PII entity types
//! and custom regexes, blocked or anonymized) and content filters. Every policy is a
//! deterministic approximation of AWS's classifiers (word roots, phrase lists, regular
//! expressions), documented with the file format, so a test knows what will trigger it.

mod apply;
mod converse;
mod definition;
mod evaluate;
mod format;
mod lexicon;
mod load;
mod render;
mod request;
mod set;

#[cfg(test)]
mod tests;

pub(crate) use apply::response as apply_response;
pub(crate) use converse::{Guard, InputVerdict};
pub use load::GuardrailError;
pub(crate) use request::{apply_request, check_version, converse_config};
pub use set::GuardrailSet;

/// A `guardContent` text block read as validation reads it: its text, with the block's
/// qualifiers checked.
pub(crate) fn guard_text_block(
    raw: &serde_json::Value,
    path: &str,
) -> Result<String, crate::error::ApiError> {
    request::text_block(raw, path).map(|block| block.text)
}
