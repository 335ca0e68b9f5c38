//! The built-in knowledge guardrails draw on: the profanity list and the content-filter phrases
//! (both data files in `emulator/guardrails/`), the PII patterns, and the word roots topics are
//! compared by.

use std::collections::BTreeMap;

use regex::{Regex, RegexBuilder};

use super::definition::{Level, Phrase};
use crate::scenario::words;

/// The managed `PROFANITY` list: one word or phrase a line, `#` comments.
const PROFANITY: &str = include_str!("../../guardrails/profanity.txt");

/// The content-filter phrases per category and level.
const CONTENT_TERMS: &str = include_str!("../../guardrails/content-filters.toml");

/// The content-filter categories, as Bedrock names them.
pub(crate) const CATEGORIES: [&str; 6] = [
    "INSULTS",
    "HATE",
    "SEXUAL",
    "VIOLENCE",
    "MISCONDUCT",
    "PROMPT_ATTACK",
];

/// The PII entity types the endpoint recognises, with their patterns. A subset of Bedrock's 31
/// (`GuardrailPiiEntityType`): the ones a regular expression finds reliably. The patterns are
/// this endpoint's, not AWS's detectors.
pub(crate) const PII_TYPES: [(&str, &str); 7] = [
    ("EMAIL", r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"),
    // Card numbers before phones: a 16-digit card would otherwise read as a phone number.
    ("CREDIT_DEBIT_CARD_NUMBER", r"\b\d(?:[ -]?\d){12,18}\b"),
    ("US_SOCIAL_SECURITY_NUMBER", r"\b\d{3}-\d{2}-\d{4}\b"),
    // A ten-digit number (with a country code or area code in brackets), or a seven-digit
    // local one (555-0100).
    (
        "PHONE",
        r"(?:(?:\+\d{1,3}[ .-]?)?(?:\(\d{3}\)[ .-]?|\b\d{3}[ .-])\d{3}[ .-]\d{4}|\b\d{3}-\d{4})\b",
    ),
    ("IP_ADDRESS", r"\b(?:\d{1,3}\.){3}\d{1,3}\b"),
    ("AWS_ACCESS_KEY", r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b"),
    ("US_PASSPORT_NUMBER", r"\b[A-Z]\d{8}\b"),
];

/// A whole-word, case-insensitive pattern for `text` (inner spaces match any run of spaces).
pub(crate) fn phrase(text: &str) -> Result<Phrase, regex::Error> {
    let words: Vec<String> = text.split_whitespace().map(regex::escape).collect();
    let pattern = RegexBuilder::new(&format!(r"\b{}\b", words.join(r"\s+")))
        .case_insensitive(true)
        .build()?;
    Ok(Phrase { pattern })
}

/// The managed profanity list, compiled.
pub(crate) fn profanity() -> Result<Vec<Phrase>, String> {
    PROFANITY
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| phrase(l).map_err(|e| format!("profanity.txt: `{l}`: {e}")))
        .collect()
}

/// The phrases of `category` with the confidence each signals, highest level first.
pub(crate) fn content_terms(category: &str) -> Result<Vec<(Phrase, Level)>, String> {
    let table: BTreeMap<String, BTreeMap<String, Vec<String>>> =
        toml::from_str(CONTENT_TERMS).map_err(|e| format!("content-filters.toml: {e}"))?;
    let Some(levels) = table.get(category) else {
        return Ok(Vec::new());
    };
    let mut terms = Vec::new();
    for level in [Level::High, Level::Medium, Level::Low] {
        let key = level.as_str().to_lowercase();
        for text in levels.get(&key).into_iter().flatten() {
            let compiled =
                phrase(text).map_err(|e| format!("content-filters.toml: `{text}`: {e}"))?;
            terms.push((compiled, level));
        }
    }
    Ok(terms)
}

/// The pattern of a PII type, `None` for a type the endpoint does not recognise.
pub(crate) fn pii_pattern(kind: &str) -> Option<(&'static str, Result<Regex, regex::Error>)> {
    PII_TYPES
        .iter()
        .find(|(name, _)| *name == kind)
        .map(|(name, pattern)| (*name, Regex::new(pattern)))
}

/// Whether the digits of a candidate card number pass the Luhn check (and are 13-19 long).
pub(crate) fn luhn(candidate: &str) -> bool {
    let digits: Vec<u32> = candidate.chars().filter_map(|c| c.to_digit(10)).collect();
    if !(13..=19).contains(&digits.len()) {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// The roots of the content words of `text`: lower-cased, stop words dropped, plurals and the
/// endings `-ment`, `-ing`, `-ed`, `-er` taken off, so that "investment", "investing" and
/// "invest" compare equal.
pub(crate) fn roots(text: &str) -> Vec<String> {
    words::topic_words(text)
        .into_iter()
        .map(|word| root(&word))
        .collect()
}

fn root(word: &str) -> String {
    for suffix in ["ments", "ment", "ings", "ing", "ed", "er"] {
        if let Some(base) = word.strip_suffix(suffix)
            && base.len() >= 4
        {
            return base.to_string();
        }
    }
    word.to_string()
}
