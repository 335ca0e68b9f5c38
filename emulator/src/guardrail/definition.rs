//! A guardrail as the endpoint applies it: compiled from a guardrail file by `load`, with every
//! pattern built and every name checked, so evaluating it cannot fail.

use regex::Regex;

/// Where a text comes from: Bedrock applies the input strengths of content filters to prompts
/// and the output strengths to answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// The caller's prompt (`source: INPUT`).
    Input,
    /// The model's answer (`source: OUTPUT`).
    Output,
}

/// One guardrail: its id, versions, messages and policies.
#[derive(Debug, Clone)]
pub(crate) struct Guardrail {
    /// The identifier requests name (`workshop-demo`).
    pub id: String,
    /// The versions that exist (`DRAFT`, `1`, ...), as written.
    pub versions: Vec<String>,
    /// What replaces a blocked prompt (Bedrock's `blockedInputMessaging`).
    pub blocked_input: String,
    /// What replaces a blocked answer (Bedrock's `blockedOutputsMessaging`).
    pub blocked_output: String,
    /// Denied topics.
    pub topics: Vec<Topic>,
    /// Custom words and phrases, each compiled to a whole-word, case-insensitive pattern.
    pub words: Vec<Phrase>,
    /// The managed profanity list, when enabled.
    pub profanity: Option<Vec<Phrase>>,
    /// Sensitive-information entities.
    pub pii: Vec<PiiFilter>,
    /// Sensitive-information regexes.
    pub regexes: Vec<RegexFilter>,
    /// Content filters, one per category.
    pub content: Vec<ContentFilter>,
}

impl Guardrail {
    /// The message that replaces blocked text from `source`.
    pub fn blocked_message(&self, source: Source) -> &str {
        match source {
            Source::Input => &self.blocked_input,
            Source::Output => &self.blocked_output,
        }
    }

    /// The ARN Bedrock would give this guardrail in the endpoint's account and region.
    pub fn arn(&self, region: &str) -> String {
        format!(
            "arn:aws:bedrock:{region}:{LOCAL_ACCOUNT}:guardrail/{}",
            self.id
        )
    }
}

/// The account id the endpoint's ARNs carry: twelve digits, none of them anyone's.
pub(crate) const LOCAL_ACCOUNT: &str = "000000000000";

/// A word, or a phrase, as its whole-word pattern.
#[derive(Debug, Clone)]
pub(crate) struct Phrase {
    /// `(?i)\bword\b`.
    pub pattern: Regex,
}

/// A denied topic and the content words that recognise it.
#[derive(Debug, Clone)]
pub(crate) struct Topic {
    /// The topic's name, reported in assessments.
    pub name: String,
    /// Roots of the name's content words: all present → the topic is discussed.
    pub name_roots: Vec<String>,
    /// Roots of each example phrase's content words.
    pub example_roots: Vec<Vec<String>>,
    /// Roots of the definition's content words.
    pub definition_roots: Vec<String>,
}

/// What a sensitive-information filter does with what it finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SensitiveAction {
    /// The whole text is replaced by the blocked message (reported `BLOCKED`).
    Block,
    /// The match is replaced by `{TYPE}` or `{name}` (reported `ANONYMIZED`).
    Anonymize,
    /// Found and left as it was (reported `NONE`): an anonymizing filter in an `async` stream,
    /// where Bedrock does not mask. Never read from a file.
    Unmasked,
}

impl SensitiveAction {
    /// The action as assessments report it.
    pub fn reported(self) -> &'static str {
        match self {
            SensitiveAction::Block => "BLOCKED",
            SensitiveAction::Anonymize => "ANONYMIZED",
            SensitiveAction::Unmasked => "NONE",
        }
    }
}

/// A PII entity type the endpoint recognises, with its pattern.
#[derive(Debug, Clone)]
pub(crate) struct PiiFilter {
    /// Bedrock's name of the type (`EMAIL`).
    pub kind: &'static str,
    /// What to do with a match.
    pub action: SensitiveAction,
    /// The pattern (a card number is also checked by the Luhn sum).
    pub pattern: Regex,
}

/// A custom regex of the sensitive-information policy.
#[derive(Debug, Clone)]
pub(crate) struct RegexFilter {
    /// Its name, reported and used as the mask (`{name}`).
    pub name: String,
    /// The pattern as written (reported as `regex`).
    pub source: String,
    /// The compiled pattern.
    pub pattern: Regex,
    /// What to do with a match.
    pub action: SensitiveAction,
}

/// A level of confidence (of a finding) or of strength (of a filter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Level {
    /// `NONE`
    None,
    /// `LOW`
    Low,
    /// `MEDIUM`
    Medium,
    /// `HIGH`
    High,
}

impl Level {
    /// Every level, lowest first.
    pub const ALL: [Level; 4] = [Level::None, Level::Low, Level::Medium, Level::High];

    /// Bedrock's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::None => "NONE",
            Level::Low => "LOW",
            Level::Medium => "MEDIUM",
            Level::High => "HIGH",
        }
    }

    /// The level spelled `name`.
    pub fn from_name(name: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.as_str() == name)
    }

    /// Whether a filter of this strength blocks a finding of `confidence`: HIGH blocks LOW and
    /// above, MEDIUM blocks MEDIUM and HIGH, LOW blocks HIGH only, NONE nothing (AWS's
    /// content-filters page).
    pub fn blocks(self, confidence: Level) -> bool {
        match self {
            Level::None => false,
            Level::Low => confidence == Level::High,
            Level::Medium => confidence >= Level::Medium,
            Level::High => confidence >= Level::Low,
        }
    }
}

/// One content filter: a category and its strengths on input and output.
#[derive(Debug, Clone)]
pub(crate) struct ContentFilter {
    /// `INSULTS`, `HATE`, `SEXUAL`, `VIOLENCE`, `MISCONDUCT` or `PROMPT_ATTACK`.
    pub category: &'static str,
    /// Strength applied to prompts.
    pub input_strength: Level,
    /// Strength applied to answers.
    pub output_strength: Level,
    /// The category's phrases with the confidence each signals.
    pub terms: Vec<(Phrase, Level)>,
}

impl ContentFilter {
    /// The strength that applies to text from `source`.
    pub fn strength(&self, source: Source) -> Level {
        match source {
            Source::Input => self.input_strength,
            Source::Output => self.output_strength,
        }
    }
}
