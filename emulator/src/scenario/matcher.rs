//! The conditions of one rule (`[rule.match]`), compiled, and how they are tested against a turn.

use bedrock_catalog::Demo;
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use regex::Regex;
use serde_json::Value;

use super::values::{ToolResult, at_path};
use crate::turn::{Operation, Turn};

/// The compiled conditions of a rule; every condition present must hold.
#[derive(Debug, Clone, Default)]
pub(crate) struct Matcher {
    /// Globs on the base or as-called model id ([`model_globs`]); empty = any model.
    pub models: GlobSet,
    /// Accepted operations; empty = any operation.
    pub operations: Vec<Operation>,
    /// Substrings that must all occur in the last user text (lower-cased unless case-sensitive).
    pub contains: Vec<String>,
    /// Whether `contains` compares case-sensitively (the regex carries its own flag).
    pub case_sensitive: bool,
    /// Pattern searched in the last user text.
    pub regex: Option<Regex>,
    /// Lower-cased substrings that must all occur in the system prompt.
    pub system: Vec<String>,
    /// A tool of this name must be offered.
    pub tool: Option<String>,
    /// Whether tools must (or must not) be offered.
    pub has_tools: Option<bool>,
    /// Whether the last user message must (or must not) carry tool results.
    pub tool_result: Option<bool>,
    /// The 1-based user turn number required.
    pub turn: Option<usize>,
    /// Fields the last tool result's JSON content must have.
    pub result: Vec<ResultField>,
    /// The demo whose marker (`[demo:throttle]`) must occur in the last user text.
    pub demo: Option<Demo>,
    /// The digest the request's conversation must have (a recorded exchange).
    pub conversation: Option<String>,
}

impl Matcher {
    /// Whether every condition holds for `turn`.
    pub fn matches(&self, turn: &Turn) -> bool {
        self.model_matches(turn)
            && (self.operations.is_empty() || self.operations.contains(&turn.operation))
            && self.text_matches(turn)
            && self.system_matches(turn)
            && self
                .tool
                .as_ref()
                .is_none_or(|name| turn.tools.iter().any(|t| &t.name == name))
            && self
                .has_tools
                .is_none_or(|wanted| wanted != turn.tools.is_empty())
            && self
                .tool_result
                .is_none_or(|wanted| wanted == turn.has_tool_result())
            && self.turn.is_none_or(|n| n == turn.turn_number())
            && self.result_matches(turn)
            && self.demo.is_none_or(|demo| {
                turn.last_user_text()
                    .to_lowercase()
                    .contains(&demo.marker())
            })
    }

    /// `conversation` against the request's digest: a rule that names one never matches a
    /// request whose digest is unknown (`None`).
    pub fn conversation_matches(&self, digest: Option<&str>) -> bool {
        self.conversation
            .as_deref()
            .is_none_or(|wanted| digest == Some(wanted))
    }

    /// `result` against the JSON content of the last (successful) tool result.
    fn result_matches(&self, turn: &Turn) -> bool {
        if self.result.is_empty() {
            return true;
        }
        let Some(json) = ToolResult::last(turn).and_then(|r| r.json()) else {
            return false;
        };
        self.result.iter().all(|field| {
            at_path(&json, &field.path)
                .is_some_and(|found| field.accepted.iter().any(|a| same(a, found)))
        })
    }

    /// Model globs against the base id and the id as called.
    fn model_matches(&self, turn: &Turn) -> bool {
        self.models.is_empty()
            || self.models.is_match(&turn.base_model_id)
            || self.models.is_match(&turn.model_id)
    }

    /// `system` against the system prompt (a rule with `system` never matches a turn without one).
    fn system_matches(&self, turn: &Turn) -> bool {
        if self.system.is_empty() {
            return true;
        }
        let system = turn.system.as_deref().unwrap_or_default().to_lowercase();
        self.system
            .iter()
            .all(|part| system.contains(part.as_str()))
    }

    /// `contains` and `regex` against the last user text.
    fn text_matches(&self, turn: &Turn) -> bool {
        if self.contains.is_empty() && self.regex.is_none() {
            return true;
        }
        let text = turn.last_user_text();
        let folded = if self.case_sensitive {
            text.clone()
        } else {
            text.to_lowercase()
        };
        self.contains
            .iter()
            .all(|part| folded.contains(part.as_str()))
            && self.regex.as_ref().is_none_or(|re| re.is_match(&text))
    }
}

/// One field of a `result` condition.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ResultField {
    /// Dotted path into the tool result's JSON content.
    pub path: Vec<String>,
    /// The values accepted there (any of them).
    pub accepted: Vec<Value>,
}

/// Whether a tool result value equals the value a rule names: strings ignoring case and
/// surrounding spaces, numbers by value (`58` equals `58.0`), anything else exactly.
fn same(wanted: &Value, found: &Value) -> bool {
    match (wanted, found) {
        (Value::String(w), Value::String(f)) => w.trim().to_lowercase() == f.trim().to_lowercase(),
        (Value::Number(w), Value::Number(f)) => w.as_f64() == f.as_f64(),
        _ => wanted == found,
    }
}

/// Parses an operation name as AWS spells it (case-insensitive).
pub(crate) fn parse_operation(name: &str) -> Option<Operation> {
    [
        Operation::Converse,
        Operation::ConverseStream,
        Operation::InvokeModel,
        Operation::InvokeModelWithResponseStream,
        Operation::CountTokens,
    ]
    .into_iter()
    .find(|op| op.name().eq_ignore_ascii_case(name))
}

/// Compiles a rule's `model` globs in globset's syntax (`*` any run, `?` one character, `[ab]`
/// one of a set, `{a,b}` either, `\` escapes), case-insensitive. `*` and `?` also match `/`, so
/// `arn:aws:bedrock:*/us.*` covers profile ARNs: a model id is not a path.
pub(crate) fn model_globs(patterns: &[String]) -> Result<GlobSet, globset::Error> {
    let mut set = GlobSetBuilder::new();
    for pattern in patterns {
        set.add(
            GlobBuilder::new(pattern)
                .case_insensitive(true)
                .literal_separator(false)
                .backslash_escape(true)
                .build()?,
        );
    }
    set.build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::turn::{Block, Message, Role, ToolSpec};
    use serde_json::json;

    fn turn(text: &str) -> Turn {
        Turn {
            model_id: "us.anthropic.claude-3-5-haiku-20241022-v1:0".into(),
            base_model_id: "anthropic.claude-3-5-haiku-20241022-v1:0".into(),
            operation: Operation::Converse,
            system: None,
            messages: vec![Message {
                role: Role::User,
                blocks: vec![Block::Text(text.into())],
            }],
            tools: vec![],
            max_tokens: None,
            stop_sequences: vec![],
            sampling: crate::turn::Sampling::default(),
        }
    }

    /// Globs compiled as the loader compiles them (an uncompilable list matches nothing).
    fn globs(patterns: &[&str]) -> GlobSet {
        let patterns: Vec<String> = patterns.iter().map(|p| p.to_string()).collect();
        model_globs(&patterns).unwrap_or_default()
    }

    fn glob_matches(glob: &str, text: &str) -> bool {
        globs(&[glob]).is_match(text)
    }

    #[test]
    fn glob_star_and_question_mark_match() {
        assert!(glob_matches("anthropic.*", "anthropic.claude-3"));
        assert!(glob_matches(
            "*claude-3-?-haiku*",
            "us.anthropic.claude-3-5-haiku-v1:0"
        ));
        assert!(glob_matches("*", ""));
        assert!(!glob_matches("amazon.*", "anthropic.claude"));
        assert!(!glob_matches("a?c", "ac"));
        assert!(glob_matches("a*b*c", "axxbyyc"));
        assert!(!glob_matches("a*b*c", "axxbyy"));
    }

    #[test]
    fn glob_star_and_question_mark_cross_the_slash_of_a_profile_arn() {
        let arn = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3";
        assert!(glob_matches("arn:aws:bedrock:*/us.anthropic.*", arn));
        assert!(glob_matches("*inference-profile?us.*", arn));
        assert!(glob_matches("*claude-3", arn));
    }

    #[test]
    fn glob_is_case_insensitive_and_matches_the_whole_id() {
        assert!(glob_matches("ANTHROPIC.Claude*", "anthropic.claude-3"));
        assert!(!glob_matches("anthropic", "anthropic.claude-3"));
        assert!(!glob_matches("claude*", "anthropic.claude-3"));
    }

    #[test]
    fn glob_sets_and_alternatives_follow_globset_syntax() {
        assert!(glob_matches("amazon.nova-[lm]*", "amazon.nova-micro-v1:0"));
        assert!(!glob_matches("amazon.nova-[lm]*", "amazon.nova-pro-v1:0"));
        assert!(glob_matches("{meta,mistral}.*", "mistral.mistral-large"));
        assert!(model_globs(&["amazon.nova-[".to_string()]).is_err());
    }

    #[test]
    fn conversation_must_equal_the_request_digest_when_given() {
        let recorded = Matcher {
            conversation: Some("sha256:ab".into()),
            ..Matcher::default()
        };
        assert!(recorded.conversation_matches(Some("sha256:ab")));
        assert!(!recorded.conversation_matches(Some("sha256:cd")));
        assert!(!recorded.conversation_matches(None));
        assert!(Matcher::default().conversation_matches(None));
    }

    #[test]
    fn empty_matcher_matches_everything() {
        assert!(Matcher::default().matches(&turn("anything")));
    }

    #[test]
    fn model_glob_matches_base_or_called_id_case_insensitively() {
        let by_base = Matcher {
            models: globs(&["Anthropic.Claude-3-5-Haiku*"]),
            ..Matcher::default()
        };
        let by_profile = Matcher {
            models: globs(&["us.*"]),
            ..Matcher::default()
        };
        let other = Matcher {
            models: globs(&["amazon.*", "meta.*"]),
            ..Matcher::default()
        };
        assert!(by_base.matches(&turn("x")));
        assert!(by_profile.matches(&turn("x")));
        assert!(!other.matches(&turn("x")));
    }

    #[test]
    fn operation_must_be_one_of_those_listed() {
        let m = Matcher {
            operations: vec![Operation::ConverseStream, Operation::InvokeModel],
            ..Matcher::default()
        };
        assert!(!m.matches(&turn("x")));
        let mut t = turn("x");
        t.operation = Operation::ConverseStream;
        assert!(m.matches(&t));
    }

    #[test]
    fn operation_names_parse_case_insensitively() {
        assert_eq!(
            parse_operation("invokemodelwithresponsestream"),
            Some(Operation::InvokeModelWithResponseStream)
        );
        assert_eq!(parse_operation("Chat"), None);
    }

    #[test]
    fn contains_needs_every_substring_ignoring_case_by_default() {
        let m = Matcher {
            contains: vec!["weather".into(), "paris".into()],
            ..Matcher::default()
        };
        assert!(m.matches(&turn("What's the WEATHER in Paris?")));
        assert!(!m.matches(&turn("What's the weather in Rome?")));
    }

    #[test]
    fn system_needs_every_substring_of_the_system_prompt() {
        let m = Matcher {
            system: vec!["rust mentor".into()],
            ..Matcher::default()
        };
        let mut t = turn("hello");
        assert!(!m.matches(&t), "no system prompt");
        t.system = Some("You are a patient Rust Mentor.".into());
        assert!(m.matches(&t));
        t.system = Some("You are a pirate.".into());
        assert!(!m.matches(&t));
    }

    #[test]
    fn contains_can_be_case_sensitive() {
        let m = Matcher {
            contains: vec!["Paris".into()],
            case_sensitive: true,
            ..Matcher::default()
        };
        assert!(m.matches(&turn("in Paris")));
        assert!(!m.matches(&turn("in paris")));
    }

    #[test]
    fn regex_is_searched_in_the_last_user_text() {
        let m = Matcher {
            regex: Regex::new(r"(?i)^summari[sz]e").ok(),
            ..Matcher::default()
        };
        assert!(m.matches(&turn("Summarize this")));
        assert!(!m.matches(&turn("Please summarize this")));
    }

    #[test]
    fn named_tool_must_be_offered() {
        let m = Matcher {
            tool: Some("get_weather".into()),
            ..Matcher::default()
        };
        let mut t = turn("x");
        assert!(!m.matches(&t));
        t.tools.push(ToolSpec {
            name: "get_weather".into(),
            description: String::new(),
            input_schema: json!({}),
        });
        assert!(m.matches(&t));
        let none = Matcher {
            has_tools: Some(false),
            ..Matcher::default()
        };
        assert!(!none.matches(&t));
    }

    #[test]
    fn tool_result_and_turn_number_are_checked() {
        let mut t = turn("What's the weather?");
        t.messages.push(Message {
            role: Role::Assistant,
            blocks: vec![Block::ToolUse {
                id: "t1".into(),
                name: "get_weather".into(),
                input: json!({}),
            }],
        });
        t.messages.push(Message {
            role: Role::User,
            blocks: vec![Block::ToolResult {
                id: "t1".into(),
                content: vec![json!({"text": "sunny"})],
                is_error: false,
            }],
        });
        let after_tool = Matcher {
            tool_result: Some(true),
            turn: Some(2),
            ..Matcher::default()
        };
        assert!(after_tool.matches(&t));
        let first_turn = Matcher {
            turn: Some(1),
            ..Matcher::default()
        };
        assert!(!first_turn.matches(&t));
    }
}
