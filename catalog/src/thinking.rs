//! Reasoning ("extended thinking") as Bedrock offers it: how each model reasons (the `thinking`
//! entry of `catalog/models.json`), and [`check`], the one definition of the rules a request that
//! turns Claude's thinking on must follow.
//!
//! Claude reasons when a Converse request carries
//! `additionalModelRequestFields: {"thinking": {"type": "enabled", "budget_tokens": N}}`
//! ([`Thinking::Budget`]); DeepSeek-R1 always reasons and takes no switch ([`Thinking::Always`]).
//! The support crate calls [`check`] before sending; the local endpoint answers a violation with
//! [`ThinkingRuleError::bedrock_message`] as a `ValidationException` (400).
//!
//! ```
//! use bedrock_catalog::thinking::{ThinkingRequest, ThinkingRuleError, check};
//! let haiku = bedrock_catalog::find("Claude Haiku 4.5").unwrap();
//! let request = ThinkingRequest::new(2048, 4096);
//! assert_eq!(check(haiku, &request), Ok(()));
//! assert_eq!(
//!     check(haiku, &ThinkingRequest { temperature: Some(0.2), ..request }),
//!     Err(ThinkingRuleError::TemperatureChanged)
//! );
//! ```
//!
//! # Where Bedrock's texts come from
//!
//! Bedrock passes these refusals through from Anthropic's validator, after its prefix
//! "The model returned the following errors: ".
//!
//! | rule | text after the prefix | verified |
//! |---|---|---|
//! | budget below the minimum | "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024" | quoted from Bedrock in danny-avila/LibreChat#8346 and EndemicMedia/claudecoder#5 |
//! | budget not below `maxTokens` | "\`max_tokens\` must be greater than \`thinking.budget_tokens\`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#max-tokens-and-context-window-size" | quoted from Bedrock in vercel/ai#7927 (with the older docs.anthropic.com host) and anthropics/claude-code#8756 |
//! | temperature other than 1 | "temperature may only be set to 1 when thinking is enabled." | quoted from Bedrock in Aider-AI/aider#3720 |
//! | topP on Claude 3.7 | "top_p must be unset when thinking is enabled." | quoted from Bedrock in n8n-io/n8n#14288 |
//! | topP below 0.95 on Claude 4 | "top_p must be greater than or equal to 0.95 or unset when thinking is enabled." | **not verified**: the 0.95 floor is reported by SEMOSS/Semoss#1655, the wording is written like 3.7's |
//! | forced tool choice | "Thinking may not be enabled when tool_choice forces tool use." | quoted from Bedrock in can1357/oh-my-pi#341 |
//! | thinking on a Claude model without it | "thinking: Extra inputs are not permitted" | **not verified**: Anthropic's wording for unknown fields (see [`crate::prompt_cache`]) |
//!
//! The history rules of a tool loop (a reasoning block must come back first and unchanged) need
//! message positions; their texts are in [`crate::messages`].

use std::fmt;

use serde::Deserialize;

use crate::messages::MODEL_ERRORS;
use crate::model::Model;

/// How a model reasons on Bedrock.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Thinking {
    /// Reasons only when the request turns thinking on with a token budget (Claude).
    Budget {
        /// The smallest `budget_tokens` accepted.
        min_budget_tokens: u32,
        /// The smallest `topP` accepted with thinking; `None`: `topP` must be unset.
        #[serde(default)]
        top_p_min: Option<f64>,
        /// The page the rules were read on.
        source: String,
    },
    /// Always reasons; reasoning sent back in the history is refused (DeepSeek-R1).
    Always {
        /// The page or report the behaviour comes from.
        source: String,
    },
}

impl Thinking {
    /// Where the model's reasoning rules were read.
    pub fn source(&self) -> &str {
        match self {
            Thinking::Budget { source, .. } | Thinking::Always { source } => source,
        }
    }
}

/// What a request that turns thinking on asks for, as far as the rules care.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThinkingRequest {
    /// `thinking.budget_tokens`.
    pub budget_tokens: i64,
    /// The request's `maxTokens` (the model's default when it sets none).
    pub max_tokens: u32,
    /// `inferenceConfig.temperature`, when set.
    pub temperature: Option<f64>,
    /// `inferenceConfig.topP`, when set.
    pub top_p: Option<f64>,
    /// Whether `toolConfig.toolChoice` is `any` or `tool` (forces a tool call).
    pub forced_tool_choice: bool,
}

impl ThinkingRequest {
    /// A request with this budget and `maxTokens`, no sampling settings and no forced tool.
    pub fn new(budget_tokens: i64, max_tokens: u32) -> ThinkingRequest {
        ThinkingRequest {
            budget_tokens,
            max_tokens,
            temperature: None,
            top_p: None,
            forced_tool_choice: false,
        }
    }
}

/// A rule of Claude's extended thinking that a request breaks.
///
/// `Display` says what is wrong and what to do; [`bedrock_message`](Self::bedrock_message) is
/// what Bedrock itself answers (a `ValidationException`).
#[derive(Debug, Clone, PartialEq)]
pub enum ThinkingRuleError {
    /// The model cannot be asked to think (Claude 3.5, or a model that always reasons).
    NotSupported {
        /// Its foundation-model id.
        model: String,
    },
    /// `budget_tokens` below the model's minimum.
    BudgetTooSmall {
        /// The minimum.
        min: u32,
        /// What the request asked for.
        budget: i64,
    },
    /// `budget_tokens` not below `maxTokens`.
    BudgetNotBelowMaxTokens {
        /// What the request asked for.
        budget: i64,
        /// The request's `maxTokens`.
        max_tokens: u32,
    },
    /// A temperature other than 1.
    TemperatureChanged,
    /// A `topP` set where the model wants it unset, or below its floor.
    TopPChanged {
        /// The model's floor; `None`: `topP` must be unset.
        min: Option<f64>,
    },
    /// `toolChoice` `any` or `tool`.
    ForcedToolChoice,
}

/// The tolerance for sampling values: the Rust SDK sends them as `f32`.
const SAMPLING_TOLERANCE: f64 = 1e-6;

impl ThinkingRuleError {
    /// The message of Bedrock's answer (see the module docs for which texts are verified).
    pub fn bedrock_message(&self) -> String {
        let text = match self {
            ThinkingRuleError::NotSupported { .. } => {
                "thinking: Extra inputs are not permitted".to_string()
            }
            ThinkingRuleError::BudgetTooSmall { min, .. } => format!(
                "thinking.enabled.budget_tokens: Input should be greater than or equal to {min}"
            ),
            ThinkingRuleError::BudgetNotBelowMaxTokens { .. } => "`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#max-tokens-and-context-window-size".to_string(),
            ThinkingRuleError::TemperatureChanged => {
                "temperature may only be set to 1 when thinking is enabled.".to_string()
            }
            ThinkingRuleError::TopPChanged { min: None } => {
                "top_p must be unset when thinking is enabled.".to_string()
            }
            ThinkingRuleError::TopPChanged { min: Some(min) } => format!(
                "top_p must be greater than or equal to {min} or unset when thinking is enabled."
            ),
            ThinkingRuleError::ForcedToolChoice => {
                "Thinking may not be enabled when tool_choice forces tool use.".to_string()
            }
        };
        format!("{MODEL_ERRORS}{text}")
    }
}

impl fmt::Display for ThinkingRuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ThinkingRuleError::NotSupported { model } => write!(
                f,
                "{model} cannot be asked to think: remove `thinking` or use a Claude model with extended thinking (Claude 3.7 Sonnet, Claude 4.x)"
            ),
            ThinkingRuleError::BudgetTooSmall { min, budget } => write!(
                f,
                "a thinking budget of {budget} tokens is below the minimum of {min}: raise budget_tokens to {min} or more"
            ),
            ThinkingRuleError::BudgetNotBelowMaxTokens { budget, max_tokens } => write!(
                f,
                "a thinking budget of {budget} tokens leaves no room for the answer within maxTokens {max_tokens}: raise maxTokens above the budget or lower the budget"
            ),
            ThinkingRuleError::TemperatureChanged => write!(
                f,
                "thinking needs the default temperature: remove temperature (or set it to 1)"
            ),
            ThinkingRuleError::TopPChanged { min: None } => {
                write!(f, "this model thinks only with topP unset: remove topP")
            }
            ThinkingRuleError::TopPChanged { min: Some(min) } => write!(
                f,
                "thinking needs topP of {min} or more: remove topP or raise it"
            ),
            ThinkingRuleError::ForcedToolChoice => write!(
                f,
                "thinking cannot be combined with a forced tool choice: use toolChoice auto, or turn thinking off for this call"
            ),
        }
    }
}

impl std::error::Error for ThinkingRuleError {}

/// Whether a request that turns thinking on is one Bedrock accepts for `model`.
///
/// Checks, in this order: the model takes a thinking budget, the budget's minimum, the budget
/// against `maxTokens`, temperature, topP, and the tool choice.
///
/// ```
/// use bedrock_catalog::thinking::{ThinkingRequest, ThinkingRuleError, check};
/// let sonnet = bedrock_catalog::find("Claude Sonnet 4.5").unwrap();
/// assert_eq!(
///     check(sonnet, &ThinkingRequest::new(512, 4096)),
///     Err(ThinkingRuleError::BudgetTooSmall { min: 1024, budget: 512 })
/// );
/// let r1 = bedrock_catalog::find("DeepSeek-R1").unwrap();
/// assert!(matches!(check(r1, &ThinkingRequest::new(2048, 4096)), Err(ThinkingRuleError::NotSupported { .. })));
/// ```
pub fn check(model: &Model, request: &ThinkingRequest) -> Result<(), ThinkingRuleError> {
    let Some(Thinking::Budget {
        min_budget_tokens,
        top_p_min,
        ..
    }) = &model.thinking
    else {
        return Err(ThinkingRuleError::NotSupported {
            model: model.id.clone(),
        });
    };
    if request.budget_tokens < i64::from(*min_budget_tokens) {
        return Err(ThinkingRuleError::BudgetTooSmall {
            min: *min_budget_tokens,
            budget: request.budget_tokens,
        });
    }
    if request.budget_tokens >= i64::from(request.max_tokens) {
        return Err(ThinkingRuleError::BudgetNotBelowMaxTokens {
            budget: request.budget_tokens,
            max_tokens: request.max_tokens,
        });
    }
    if request
        .temperature
        .is_some_and(|t| (t - 1.0).abs() > SAMPLING_TOLERANCE)
    {
        return Err(ThinkingRuleError::TemperatureChanged);
    }
    if let Some(p) = request.top_p {
        let allowed = top_p_min.is_some_and(|min| p + SAMPLING_TOLERANCE >= min);
        if !allowed {
            return Err(ThinkingRuleError::TopPChanged { min: *top_p_min });
        }
    }
    if request.forced_tool_choice {
        return Err(ThinkingRuleError::ForcedToolChoice);
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests state expectations
mod tests {
    use super::*;

    fn model(name: &str) -> &'static Model {
        crate::find(name).unwrap_or_else(|| panic!("{name} is not in the catalog"))
    }

    #[test]
    fn a_budget_between_the_minimum_and_max_tokens_passes_and_the_edges_do_not() {
        let haiku = model("Claude Haiku 4.5");
        assert_eq!(check(haiku, &ThinkingRequest::new(1024, 1025)), Ok(()));
        assert_eq!(
            check(haiku, &ThinkingRequest::new(1023, 4096)),
            Err(ThinkingRuleError::BudgetTooSmall {
                min: 1024,
                budget: 1023
            })
        );
        assert_eq!(
            check(haiku, &ThinkingRequest::new(4096, 4096)),
            Err(ThinkingRuleError::BudgetNotBelowMaxTokens {
                budget: 4096,
                max_tokens: 4096
            })
        );
        assert_eq!(
            ThinkingRuleError::BudgetTooSmall {
                min: 1024,
                budget: 5
            }
            .bedrock_message(),
            "The model returned the following errors: thinking.enabled.budget_tokens: Input should be greater than or equal to 1024"
        );
    }

    #[test]
    fn temperature_must_stay_one_and_the_sdks_f32_one_passes() {
        let sonnet = model("Claude Sonnet 4.5");
        let base = ThinkingRequest::new(2048, 4096);
        for t in [1.0, f64::from(1.0_f32)] {
            let request = ThinkingRequest {
                temperature: Some(t),
                ..base
            };
            assert_eq!(check(sonnet, &request), Ok(()));
        }
        let changed = ThinkingRequest {
            temperature: Some(f64::from(0.7_f32)),
            ..base
        };
        assert_eq!(
            check(sonnet, &changed),
            Err(ThinkingRuleError::TemperatureChanged)
        );
        assert_eq!(
            ThinkingRuleError::TemperatureChanged.bedrock_message(),
            "The model returned the following errors: temperature may only be set to 1 when thinking is enabled."
        );
    }

    #[test]
    fn top_p_must_be_unset_on_3_7_and_at_least_0_95_on_claude_4() {
        let base = ThinkingRequest::new(2048, 4096);
        let with = |p: f32| ThinkingRequest {
            top_p: Some(f64::from(p)),
            ..base
        };
        let sonnet_3_7 = model("Claude 3.7 Sonnet");
        assert_eq!(
            check(sonnet_3_7, &with(0.99)),
            Err(ThinkingRuleError::TopPChanged { min: None })
        );
        let sonnet_4_5 = model("Claude Sonnet 4.5");
        assert_eq!(check(sonnet_4_5, &with(0.95)), Ok(()));
        assert_eq!(
            check(sonnet_4_5, &with(0.9)),
            Err(ThinkingRuleError::TopPChanged { min: Some(0.95) })
        );
    }

    #[test]
    fn a_forced_tool_choice_is_refused_with_bedrocks_words() {
        let request = ThinkingRequest {
            forced_tool_choice: true,
            ..ThinkingRequest::new(2048, 4096)
        };
        let error = check(model("Claude Opus 4.5"), &request).unwrap_err();
        assert_eq!(error, ThinkingRuleError::ForcedToolChoice);
        assert_eq!(
            error.bedrock_message(),
            "The model returned the following errors: Thinking may not be enabled when tool_choice forces tool use."
        );
        assert!(error.to_string().contains("toolChoice auto"));
    }

    #[test]
    fn models_without_a_thinking_budget_refuse_it() {
        for name in ["Claude 3.5 Haiku", "DeepSeek-R1", "Amazon Nova Pro"] {
            assert!(
                matches!(
                    check(model(name), &ThinkingRequest::new(2048, 4096)),
                    Err(ThinkingRuleError::NotSupported { .. })
                ),
                "{name}"
            );
        }
    }

    #[test]
    fn every_models_thinking_data_is_sourced_and_matches_its_reasoning_flag() {
        for m in crate::models() {
            if let Some(thinking) = &m.thinking {
                assert!(thinking.source().starts_with("https://"), "{}", m.name);
                assert!(m.reasoning, "{} thinks but is not marked reasoning", m.name);
            }
        }
        assert!(matches!(
            model("DeepSeek-R1").thinking,
            Some(Thinking::Always { .. })
        ));
    }
}
