//! [`ScenarioSet`]: rules from one or more files in priority order, and the answer to a turn.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use super::fallback;
use super::load::{ScenarioError, parse};
use super::miss;
use super::rule::{Decision, Rule};
use crate::data_file::{self, Format};
use crate::turn::{Outcome, Turn};

/// The generic and fault-demonstration rules shipped with the crate.
const DEFAULT_FILE: (&str, &str) = ("default.toml", include_str!("../../scenarios/default.toml"));
/// The rules for the workshop notebooks' prompts.
const WORKSHOP_FILE: (&str, &str) = (
    "workshop.toml",
    include_str!("../../scenarios/workshop.toml"),
);
/// The rules for the prompts the README and the terminal examples show.
const TERMINAL_FILE: (&str, &str) = (
    "terminal.toml",
    include_str!("../../scenarios/terminal.toml"),
);

/// Scenario rules in priority order (first match wins), with per-rule call counters.
///
/// Cloning is cheap and clones share the counters, so "throttle the first N calls" counts every
/// call the server answers, whichever clone it went through.
#[derive(Clone, Default)]
pub struct ScenarioSet {
    /// Rules, highest priority first.
    rules: Arc<Vec<Rule>>,
    /// Problems with built-in files, reported in fallback answers rather than by panicking.
    notes: Arc<Vec<String>>,
}

impl ScenarioSet {
    /// The rules shipped with the crate: `default.toml`, `workshop.toml`, then `terminal.toml`.
    pub fn builtin() -> Self {
        let mut set = ScenarioSet::empty();
        for (name, text) in [DEFAULT_FILE, WORKSHOP_FILE, TERMINAL_FILE] {
            match ScenarioSet::from_toml_str(name, text) {
                Ok(file) => set = set.merge(file),
                // Unit tests keep the built-in files valid; should one ever break, every
                // fallback answer says so instead of the server refusing to start.
                Err(e) => set = set.merge(ScenarioSet::with_note(format!("built-in {e}"))),
            }
        }
        set
    }

    /// Only the built-in fault demonstrations (the rules that a `[demo:...]` marker triggers):
    /// what an endpoint with a model backend keeps, so that the workshop's scripted answers
    /// give way to the model while its fault demonstrations still work.
    pub fn demos() -> Self {
        let builtin = ScenarioSet::builtin();
        let rules: Vec<Rule> = builtin
            .rules
            .iter()
            .filter(|rule| rule.matcher.demo.is_some())
            .cloned()
            .collect();
        ScenarioSet {
            rules: Arc::new(rules),
            notes: builtin.notes,
        }
    }

    /// No rules at all: every turn gets the fallback answer.
    pub fn empty() -> Self {
        ScenarioSet::default()
    }

    /// Loads a `.toml` or `.json` scenario file.
    pub fn from_file(path: &Path) -> Result<Self, ScenarioError> {
        let name = path.display().to_string();
        let (format, text) = data_file::read(path, "scenario")
            .map_err(|message| ScenarioError::in_file(&name, message))?;
        Self::from_rules(parse(&name, &text, format)?)
    }

    /// Parses TOML scenario text; `name` is used in error messages.
    pub fn from_toml_str(name: &str, text: &str) -> Result<Self, ScenarioError> {
        Self::from_rules(parse(name, text, Format::Toml)?)
    }

    /// Parses JSON scenario text (`{"rule": [...]}`); `name` is used in error messages.
    pub fn from_json_str(name: &str, text: &str) -> Result<Self, ScenarioError> {
        Self::from_rules(parse(name, text, Format::Json)?)
    }

    /// This set's rules first, then `other`'s (so `self` wins where both match).
    pub fn merge(self, other: ScenarioSet) -> Self {
        let rules = self
            .rules
            .iter()
            .chain(other.rules.iter())
            .cloned()
            .collect();
        let notes = self
            .notes
            .iter()
            .chain(other.notes.iter())
            .cloned()
            .collect();
        ScenarioSet {
            rules: Arc::new(rules),
            notes: Arc::new(notes),
        }
    }

    /// Number of rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether there are no rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Rule names in priority order.
    pub fn rule_names(&self) -> impl Iterator<Item = &str> {
        self.rules.iter().map(|r| r.name.as_str())
    }

    /// The rules in priority order (for tests that inspect what a file compiled to).
    #[cfg(test)]
    pub(crate) fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The answer to `turn`: the first matching rule's, else the deterministic fallback
    /// (a rule whose reply needs a value the turn lacks passes to the next). Recorded rules
    /// (with `match.conversation`) never match here: see [`ScenarioSet::respond_to`].
    pub fn respond(&self, turn: &Turn) -> Outcome {
        self.respond_to(turn, None)
    }

    /// [`ScenarioSet::respond`] for a request whose conversation digest is `conversation`
    /// (`record::conversation_digest` of its body), so recorded rules can match it. When the
    /// set holds recordings and no rule matches, the answer says so and names the nearest
    /// recorded prompt instead of the ordinary fallback.
    pub fn respond_to(&self, turn: &Turn, conversation: Option<&str>) -> Outcome {
        self.rule_outcome(turn, conversation)
            .unwrap_or_else(|| self.unmatched(turn))
    }

    /// The outcome of the first rule that matches `turn` and answers it, if any: what a model
    /// backend leaves to the rules before it is asked.
    pub fn rule_outcome(&self, turn: &Turn, conversation: Option<&str>) -> Option<Outcome> {
        self.rules
            .iter()
            .filter(|rule| {
                rule.matcher.conversation_matches(conversation) && rule.matcher.matches(turn)
            })
            .find_map(|rule| match rule.decide(turn) {
                Decision::Outcome(outcome) => Some(outcome),
                Decision::PassThrough => None,
            })
    }

    /// The answer when no rule answers: the nearest recording's note, or the fallback.
    pub fn unmatched(&self, turn: &Turn) -> Outcome {
        match miss::answer(turn, &self.rules) {
            Some(miss) => Outcome::Answer(miss),
            None => Outcome::Answer(fallback::answer(turn, &self.notes)),
        }
    }

    /// Whether a recorded rule answers `turn` with this conversation digest: the server then
    /// leaves the judging of the request (reasoning signatures, guardrails) to the recording,
    /// which holds what the upstream answered to exactly this request.
    pub fn has_recording_for(&self, turn: &Turn, conversation: &str) -> bool {
        self.rules.iter().any(|r| {
            r.matcher.conversation.as_deref() == Some(conversation) && r.matcher.matches(turn)
        })
    }

    /// Whether any rule is a recorded exchange (matches on a conversation digest), so the
    /// server knows to compute the digest of each request.
    pub fn has_recordings(&self) -> bool {
        self.rules.iter().any(|r| r.matcher.conversation.is_some())
    }

    /// A set of rules.
    fn from_rules(rules: Vec<Rule>) -> Result<Self, ScenarioError> {
        Ok(ScenarioSet {
            rules: Arc::new(rules),
            notes: Arc::default(),
        })
    }

    /// A set carrying only a note for fallback answers.
    fn with_note(note: String) -> Self {
        ScenarioSet {
            rules: Arc::default(),
            notes: Arc::new(vec![note]),
        }
    }
}

impl fmt::Debug for ScenarioSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScenarioSet")
            .field("rules", &self.rule_names().collect::<Vec<_>>())
            .field("notes", &self.notes)
            .finish()
    }
}
