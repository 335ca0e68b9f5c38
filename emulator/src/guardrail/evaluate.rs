//! Applying a guardrail's policies to text: what each policy finds, whether the guardrail
//! blocks or masks, and the masked text. Pure and deterministic: the same text always gets the
//! same assessment.

use std::collections::BTreeSet;

use super::definition::{Guardrail, Level, SensitiveAction, Source, Topic};
use super::lexicon;

/// Characters in one text unit, the measure Bedrock bills guardrail policies by.
pub(crate) const TEXT_UNIT_CHARS: usize = 1000;

/// What one denied topic found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TopicFinding {
    pub name: String,
    pub detected: bool,
}

/// What one content filter found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ContentFinding {
    pub category: &'static str,
    pub confidence: Level,
    pub strength: Level,
    pub blocked: bool,
}

/// A custom or profane word found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WordFinding {
    /// The text as it occurs.
    pub matched: String,
}

/// A PII entity found (or, for a full trace, a configured type that was not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PiiFinding {
    pub kind: &'static str,
    pub matched: String,
    pub action: SensitiveAction,
    pub detected: bool,
}

/// A custom regex match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RegexFinding {
    pub name: String,
    pub regex: String,
    pub matched: String,
    pub action: SensitiveAction,
}

/// Everything a guardrail found in the texts of one check.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Assessment {
    /// Every configured topic, detected or not.
    pub topics: Vec<TopicFinding>,
    /// Every configured content filter, with its confidence.
    pub content: Vec<ContentFinding>,
    pub custom_words: Vec<WordFinding>,
    pub profanity: Vec<WordFinding>,
    /// Detected entities, then (`detected: false`) configured types found nowhere.
    pub pii: Vec<PiiFinding>,
    pub regexes: Vec<RegexFinding>,
    /// Characters the guardrail read.
    pub guarded_chars: usize,
    /// Characters of the content the check was about (more than guarded when `guardContent`
    /// marked only part of a prompt).
    pub total_chars: usize,
    /// Which policies the guardrail has, for the units they cost.
    pub policies: Policies,
}

/// Which policies a guardrail configures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Policies {
    pub topics: bool,
    pub content: bool,
    pub words: bool,
    pub pii: bool,
    pub regexes: bool,
}

impl Assessment {
    /// Whether anything found blocks the text.
    pub fn blocked(&self) -> bool {
        self.topics.iter().any(|t| t.detected)
            || self.content.iter().any(|c| c.blocked)
            || !self.custom_words.is_empty()
            || !self.profanity.is_empty()
            || self
                .pii
                .iter()
                .any(|p| p.detected && p.action == SensitiveAction::Block)
            || self
                .regexes
                .iter()
                .any(|r| r.action == SensitiveAction::Block)
    }

    /// Whether something is masked (and nothing blocks).
    pub fn masked(&self) -> bool {
        !self.blocked()
            && (self
                .pii
                .iter()
                .any(|p| p.detected && p.action == SensitiveAction::Anonymize)
                || self
                    .regexes
                    .iter()
                    .any(|r| r.action == SensitiveAction::Anonymize))
    }

    /// Whether the guardrail intervened: it blocked or masked.
    pub fn intervened(&self) -> bool {
        self.blocked() || self.masked()
    }

    /// Reports anonymizing findings as found and left unmasked (an `async` stream).
    pub fn leave_unmasked(&mut self) {
        for p in &mut self.pii {
            if p.action == SensitiveAction::Anonymize {
                p.action = SensitiveAction::Unmasked;
            }
        }
        for r in &mut self.regexes {
            if r.action == SensitiveAction::Anonymize {
                r.action = SensitiveAction::Unmasked;
            }
        }
    }

    /// Text units read, as billed per configured policy (at least one for any text).
    pub fn units(&self) -> usize {
        if self.guarded_chars == 0 {
            0
        } else {
            self.guarded_chars.div_ceil(TEXT_UNIT_CHARS)
        }
    }
}

/// Assesses `texts` (read as one content, in order) from `source` against `guardrail`.
pub(crate) fn assess(guardrail: &Guardrail, texts: &[&str], source: Source) -> Assessment {
    let joined = texts.join("\n");
    let roots: BTreeSet<String> = lexicon::roots(&joined).into_iter().collect();
    let guarded_chars = texts.iter().map(|t| t.chars().count()).sum();
    let mut assessment = Assessment {
        guarded_chars,
        total_chars: guarded_chars,
        policies: Policies {
            topics: !guardrail.topics.is_empty(),
            content: !guardrail.content.is_empty(),
            words: !guardrail.words.is_empty() || guardrail.profanity.is_some(),
            pii: !guardrail.pii.is_empty(),
            regexes: !guardrail.regexes.is_empty(),
        },
        ..Assessment::default()
    };
    assessment.topics = guardrail
        .topics
        .iter()
        .map(|topic| TopicFinding {
            name: topic.name.clone(),
            detected: discusses(topic, &roots),
        })
        .collect();
    assessment.content = guardrail
        .content
        .iter()
        .map(|filter| {
            let confidence = filter
                .terms
                .iter()
                .filter(|(phrase, _)| phrase.pattern.is_match(&joined))
                .map(|(_, level)| *level)
                .max()
                .unwrap_or(Level::None);
            let strength = filter.strength(source);
            ContentFinding {
                category: filter.category,
                confidence,
                strength,
                blocked: strength.blocks(confidence),
            }
        })
        .collect();
    assessment.custom_words = words_found(guardrail.words.iter(), &joined);
    assessment.profanity = words_found(guardrail.profanity.iter().flatten(), &joined);
    let mut claimed: Vec<(usize, usize)> = Vec::new();
    for filter in &guardrail.pii {
        let mut found = false;
        for m in filter.pattern.find_iter(&joined) {
            let card = filter.kind == "CREDIT_DEBIT_CARD_NUMBER";
            if (card && !lexicon::luhn(m.as_str())) || overlaps(&claimed, m.start(), m.end()) {
                continue;
            }
            claimed.push((m.start(), m.end()));
            found = true;
            assessment.pii.push(PiiFinding {
                kind: filter.kind,
                matched: m.as_str().to_string(),
                action: filter.action,
                detected: true,
            });
        }
        if !found {
            assessment.pii.push(PiiFinding {
                kind: filter.kind,
                matched: String::new(),
                action: filter.action,
                detected: false,
            });
        }
    }
    for filter in &guardrail.regexes {
        for m in filter.pattern.find_iter(&joined) {
            if m.as_str().is_empty() || overlaps(&claimed, m.start(), m.end()) {
                continue;
            }
            claimed.push((m.start(), m.end()));
            assessment.regexes.push(RegexFinding {
                name: filter.name.clone(),
                regex: filter.source.clone(),
                matched: m.as_str().to_string(),
                action: filter.action,
            });
        }
    }
    // Detected entities first, as Bedrock lists them; the not-found types go to the end.
    assessment.pii.sort_by_key(|p| !p.detected);
    assessment
}

/// `text` with every anonymized match replaced by its mask: `{EMAIL}` for a PII type, `{name}`
/// for a regex (Bedrock's masks).
pub(crate) fn mask(text: &str, assessment: &Assessment) -> String {
    let mut masked = text.to_string();
    let mut masks: Vec<(&str, String)> = assessment
        .pii
        .iter()
        .filter(|p| p.detected && p.action == SensitiveAction::Anonymize)
        .map(|p| (p.matched.as_str(), p.kind.to_string()))
        .chain(
            assessment
                .regexes
                .iter()
                .filter(|r| r.action == SensitiveAction::Anonymize)
                .map(|r| (r.matched.as_str(), r.name.clone())),
        )
        .collect();
    // Longest first, so that a match inside a longer one (555-0100 in +1 (206) 555-0100) does
    // not break the longer one's replacement.
    masks.sort_by_key(|(matched, _)| std::cmp::Reverse(matched.len()));
    for (matched, name) in masks {
        if !matched.is_empty() {
            masked = masked.replace(matched, &format!("{{{name}}}"));
        }
    }
    masked
}

/// Whether a text with these word roots discusses `topic`: every content word of the topic's
/// name occurs; or half the content words of one example (at least two, or its only one); or
/// three different content words of its definition.
fn discusses(topic: &Topic, roots: &BTreeSet<String>) -> bool {
    let name = topic.name_roots.iter().all(|r| roots.contains(r));
    let example = topic.example_roots.iter().any(|example| {
        let distinct: BTreeSet<&String> = example.iter().collect();
        let shared = distinct
            .iter()
            .filter(|r| roots.contains(r.as_str()))
            .count();
        shared * 2 >= distinct.len() && shared >= distinct.len().min(2)
    });
    let definition: BTreeSet<&String> = topic
        .definition_roots
        .iter()
        .filter(|r| roots.contains(r.as_str()))
        .collect();
    name || example || definition.len() >= 3
}

fn words_found<'a>(
    phrases: impl Iterator<Item = &'a super::definition::Phrase>,
    text: &str,
) -> Vec<WordFinding> {
    let mut found: Vec<WordFinding> = Vec::new();
    for phrase in phrases {
        for m in phrase.pattern.find_iter(text) {
            let matched = m.as_str().to_string();
            if !found.iter().any(|f| f.matched == matched) {
                found.push(WordFinding { matched });
            }
        }
    }
    found
}

fn overlaps(claimed: &[(usize, usize)], start: usize, end: usize) -> bool {
    claimed.iter().any(|&(s, e)| start < e && s < end)
}
