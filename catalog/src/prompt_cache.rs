//! Bedrock's explicit prompt caching: what each model accepts (the `prompt_cache` entry of
//! `catalog/models.json`), and [`check`], the one definition of the rules a request's cache
//! checkpoints must follow.
//!
//! A Converse request marks checkpoints with `{"cachePoint": {"type": "default", "ttl": "5m"}}`
//! blocks in `toolConfig.tools`, in `system` and in message `content`. Bedrock reads them in the
//! order tools → system → messages ([`CacheSection`]'s order). The support crate calls [`check`]
//! before sending; the local endpoint answers a violation with [`CacheRuleError::error_code`],
//! [`CacheRuleError::status`] and [`CacheRuleError::bedrock_message`].
//!
//! What is not a rule: a checkpoint placed before the model's [`PromptCache::min_tokens`] is
//! accepted and simply not cached (the tokens before it count as ordinary input).
//!
//! ```
//! use bedrock_catalog::prompt_cache::{CachePoint, CacheRuleError, CacheSection, CacheTtl, check};
//! let haiku = bedrock_catalog::find("Claude Haiku 4.5").unwrap();
//! let system = CachePoint::new(CacheSection::System, Some(CacheTtl::OneHour));
//! let messages = CachePoint::new(CacheSection::Messages, None); // the wire omitted `ttl`: 5m
//! assert_eq!(check(haiku, &[system, messages]), Ok(()));
//! assert_eq!(
//!     check(haiku, &[messages, CachePoint::new(CacheSection::Messages, Some(CacheTtl::OneHour))]),
//!     Err(CacheRuleError::TtlIncreasing { earlier: CacheTtl::FiveMinutes, later: CacheTtl::OneHour })
//! );
//! ```
//!
//! # Where Bedrock's texts come from
//!
//! Bedrock passes most of these refusals through from the model's own validator, so they quote
//! the Anthropic field path of the offending block (`messages.3.content.0.cache_control.ttl: ...`).
//! [`check`] sees sections and TTLs, not positions, so its texts leave that path out.
//!
//! | rule | code | text | verified |
//! |---|---|---|---|
//! | model without prompt caching | 403 `AccessDeniedException` | "You invoked an unsupported model or your request did not allow prompt caching." | reported by strands-agents/harness-sdk#1807 (Llama) and BerriAI/litellm#39210 |
//! | TTLs increasing (Claude) | 400 | "The model returned the following errors: a ttl='1h' cache_control block must not come after a ttl='5m' cache_control block. Note that blocks are processed in the following order: \`tools\`, \`system\`, \`messages\`." | quoted from Bedrock in Portkey-AI/gateway#1762 (with the field path before "a ttl") |
//! | 1h TTL on a Claude model without it | 400 | "The model returned the following errors: cache_control.ttl: Extra inputs are not permitted" | "Extra inputs are not permitted" reported in earendil-works/pi#1570; the prefix and path are inferred |
//! | 1h TTL on Amazon Nova | 400 | "Extended TTL prompt caching is only supported for Anthropic models" | reported in earendil-works/pi#1570 |
//! | tools checkpoint on Amazon Nova | 400 | "The model returned the following errors: Malformed input request: #/toolConfig/tools: extraneous key [cachePoint] is not permitted, please reformat your input and try again." | quoted in NousResearch/hermes-agent#97281, with the tool's index after `tools/` |
//! | more than 4 checkpoints (Claude) | 400 | "The model returned the following errors: A maximum of 4 blocks with cache_control may be provided. Found 5." | Anthropic's own text, widely quoted; **not verified** through Bedrock |
//! | more than 4 checkpoints (Nova) | 400 | see [`CacheRuleError::bedrock_message`] | **not verified**: written to be plausible |

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::messages::MODEL_ERRORS;
use crate::model::{Model, Provider};

/// How long a cache entry lives after its last use (Bedrock restarts it on every hit).
///
/// Ordered by length: `FiveMinutes < OneHour`.
///
/// ```
/// use bedrock_catalog::prompt_cache::CacheTtl;
/// let ttl: CacheTtl = "1h".parse()?;
/// assert_eq!((ttl.as_str(), ttl.duration().as_secs()), ("1h", 3600));
/// assert!(CacheTtl::FiveMinutes < CacheTtl::OneHour);
/// assert_eq!(CacheTtl::default(), CacheTtl::FiveMinutes);
/// # Ok::<(), bedrock_catalog::prompt_cache::TtlError>(())
/// ```
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub enum CacheTtl {
    /// `"5m"`: what Bedrock uses when a checkpoint names no TTL.
    #[default]
    #[serde(rename = "5m")]
    FiveMinutes,
    /// `"1h"`: only on the models whose [`PromptCache::ttls`] list it.
    #[serde(rename = "1h")]
    OneHour,
}

impl CacheTtl {
    /// The wire spelling, `"5m"` or `"1h"`.
    pub fn as_str(self) -> &'static str {
        match self {
            CacheTtl::FiveMinutes => "5m",
            CacheTtl::OneHour => "1h",
        }
    }

    /// How long an entry lives without a hit.
    pub fn duration(self) -> Duration {
        match self {
            CacheTtl::FiveMinutes => Duration::from_secs(5 * 60),
            CacheTtl::OneHour => Duration::from_secs(60 * 60),
        }
    }
}

impl fmt::Display for CacheTtl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A TTL that is neither `5m` nor `1h`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TtlError(pub String);

impl fmt::Display for TtlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown cache TTL {:?}: write 5m or 1h", self.0)
    }
}

impl std::error::Error for TtlError {}

impl FromStr for CacheTtl {
    type Err = TtlError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "5m" => Ok(CacheTtl::FiveMinutes),
            "1h" => Ok(CacheTtl::OneHour),
            other => Err(TtlError(other.to_string())),
        }
    }
}

/// The part of a request a checkpoint sits in, in the order Bedrock processes them
/// (`Tools < System < Messages`): a checkpoint's prefix is everything before it in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CacheSection {
    /// `toolConfig.tools`.
    Tools,
    /// `system`.
    System,
    /// A message's `content`.
    Messages,
}

impl CacheSection {
    /// The request field's name as the AWS page writes it (`tools`, `system`, `messages`).
    pub fn as_str(self) -> &'static str {
        match self {
            CacheSection::Tools => "tools",
            CacheSection::System => "system",
            CacheSection::Messages => "messages",
        }
    }
}

impl fmt::Display for CacheSection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What one model accepts for explicit prompt caching, as AWS's prompt-caching page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PromptCache {
    /// Tokens the prefix must reach for a checkpoint to be cached (per checkpoint: the second
    /// checkpoint needs twice as many, counted over tools → system → messages).
    pub min_tokens: u32,
    /// Checkpoints allowed in one request.
    pub max_checkpoints: u32,
    /// TTLs accepted.
    pub ttls: Vec<CacheTtl>,
    /// Sections that may hold a checkpoint.
    pub sections: Vec<CacheSection>,
    /// The page the figures were read on.
    pub source: String,
    /// When they were read there (`YYYY-MM-DD`).
    pub read_on: String,
}

impl PromptCache {
    /// Whether checkpoints may use `ttl`.
    pub fn supports_ttl(&self, ttl: CacheTtl) -> bool {
        self.ttls.contains(&ttl)
    }

    /// Whether `section` may hold a checkpoint.
    pub fn accepts(&self, section: CacheSection) -> bool {
        self.sections.contains(&section)
    }
}

/// One `cachePoint` block of a request: where it is and how long its entry lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CachePoint {
    /// The section it sits in.
    pub section: CacheSection,
    /// Its TTL (5m when the wire omits `ttl`).
    pub ttl: CacheTtl,
}

impl CachePoint {
    /// A checkpoint in `section` with the TTL the wire gave, or 5 minutes when it gave none.
    pub fn new(section: CacheSection, ttl: Option<CacheTtl>) -> CachePoint {
        CachePoint {
            section,
            ttl: ttl.unwrap_or_default(),
        }
    }
}

/// A rule of Bedrock's prompt caching that a request breaks.
///
/// `Display` says what is wrong and what to do; [`bedrock_message`](Self::bedrock_message) is
/// what Bedrock itself answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheRuleError {
    /// The model has no explicit prompt caching (Llama, DeepSeek, Mistral, Titan, ...).
    NotSupported {
        /// Its foundation-model id.
        model: String,
    },
    /// A checkpoint in a section the model does not accept (tools on Amazon Nova).
    SectionNotAccepted {
        /// The section.
        section: CacheSection,
        /// The model's family, which decides Bedrock's wording.
        provider: Provider,
    },
    /// A TTL the model does not offer (1h on models without it).
    UnsupportedTtl {
        /// The TTL asked for.
        ttl: CacheTtl,
        /// The model's family, which decides Bedrock's wording.
        provider: Provider,
    },
    /// More checkpoints than the model allows.
    TooManyCheckpoints {
        /// The model's limit.
        max: u32,
        /// Checkpoints in the request.
        found: usize,
        /// The model's family, which decides Bedrock's wording.
        provider: Provider,
    },
    /// A checkpoint with a longer TTL after one with a shorter TTL (tools → system → messages).
    TtlIncreasing {
        /// The shorter TTL, first.
        earlier: CacheTtl,
        /// The longer TTL after it.
        later: CacheTtl,
    },
}

impl CacheRuleError {
    /// The message of Bedrock's answer (see the module docs for which texts are verified).
    pub fn bedrock_message(&self) -> String {
        match self {
            CacheRuleError::NotSupported { .. } => {
                "You invoked an unsupported model or your request did not allow prompt caching."
                    .to_string()
            }
            CacheRuleError::SectionNotAccepted { section, provider } => match (section, provider) {
                (CacheSection::Tools, Provider::Nova) => format!(
                    "{MODEL_ERRORS}Malformed input request: #/toolConfig/tools: extraneous key [cachePoint] is not permitted, please reformat your input and try again."
                ),
                // Not verified: no shipped model refuses another section; written like Nova's.
                (section, _) => format!(
                    "{MODEL_ERRORS}Malformed input request: #/{section}: extraneous key [cachePoint] is not permitted, please reformat your input and try again."
                ),
            },
            CacheRuleError::UnsupportedTtl { provider, .. } => match provider {
                Provider::Anthropic => {
                    format!("{MODEL_ERRORS}cache_control.ttl: Extra inputs are not permitted")
                }
                _ => {
                    "Extended TTL prompt caching is only supported for Anthropic models".to_string()
                }
            },
            CacheRuleError::TooManyCheckpoints {
                max,
                found,
                provider,
            } => match provider {
                Provider::Anthropic => format!(
                    "{MODEL_ERRORS}A maximum of {max} blocks with cache_control may be provided. Found {found}."
                ),
                // Not verified: Nova's wording for too many checkpoints was not found.
                _ => format!(
                    "{MODEL_ERRORS}Malformed input request: a request may contain at most {max} cachePoint blocks, found {found}, please reformat your input and try again."
                ),
            },
            CacheRuleError::TtlIncreasing { earlier, later } => format!(
                "{MODEL_ERRORS}a ttl='{later}' cache_control block must not come after a ttl='{earlier}' cache_control block. Note that blocks are processed in the following order: `tools`, `system`, `messages`."
            ),
        }
    }

    /// The error code Bedrock answers with: `AccessDeniedException` for a model without prompt
    /// caching, `ValidationException` for every other rule.
    pub fn error_code(&self) -> &'static str {
        match self {
            CacheRuleError::NotSupported { .. } => "AccessDeniedException",
            _ => "ValidationException",
        }
    }

    /// The HTTP status Bedrock answers with (403 or 400, as [`error_code`](Self::error_code)).
    pub fn status(&self) -> u16 {
        match self {
            CacheRuleError::NotSupported { .. } => 403,
            _ => 400,
        }
    }
}

impl fmt::Display for CacheRuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CacheRuleError::NotSupported { model } => write!(
                f,
                "{model} has no prompt caching on Bedrock: remove the cachePoint blocks or use a model that caches (Claude, Amazon Nova)"
            ),
            CacheRuleError::SectionNotAccepted { section, .. } => write!(
                f,
                "this model does not accept cache checkpoints in {section}: move the cachePoint to system or messages"
            ),
            CacheRuleError::UnsupportedTtl { ttl, .. } => write!(
                f,
                "this model does not offer the {ttl} cache TTL: omit ttl (5m) or use a model that lists it"
            ),
            CacheRuleError::TooManyCheckpoints { max, found, .. } => write!(
                f,
                "{found} cache checkpoints, more than the {max} Bedrock allows in one request: remove {}",
                found.saturating_sub(usize::try_from(*max).unwrap_or(usize::MAX))
            ),
            CacheRuleError::TtlIncreasing { earlier, later } => write!(
                f,
                "a {later} cache checkpoint comes after a {earlier} one: longer TTLs must come first, in the order tools, system, messages"
            ),
        }
    }
}

impl std::error::Error for CacheRuleError {}

/// Whether a request with these checkpoints is one Bedrock accepts for `model`.
///
/// `points` are the request's checkpoints in request order within each section; sections may
/// come in any order, they are read tools → system → messages. No checkpoints is always fine.
/// Checks, in this order: the model caches at all, each section is accepted, each TTL is
/// offered, the count, and that TTLs never increase.
///
/// ```
/// use bedrock_catalog::prompt_cache::{CachePoint, CacheSection, check};
/// let nova = bedrock_catalog::find("Amazon Nova Pro").unwrap();
/// let tools = CachePoint::new(CacheSection::Tools, None);
/// assert_eq!(check(nova, &[tools]).unwrap_err().error_code(), "ValidationException");
/// let llama = bedrock_catalog::find("Meta Llama 3.1 70B Instruct").unwrap();
/// assert_eq!(check(llama, &[]), Ok(()));
/// assert_eq!(check(llama, &[CachePoint::new(CacheSection::System, None)]).unwrap_err().status(), 403);
/// ```
pub fn check(model: &Model, points: &[CachePoint]) -> Result<(), CacheRuleError> {
    if points.is_empty() {
        return Ok(());
    }
    let Some(rules) = &model.prompt_cache else {
        return Err(CacheRuleError::NotSupported {
            model: model.id.clone(),
        });
    };
    let provider = model.provider;
    if let Some(point) = points.iter().find(|p| !rules.accepts(p.section)) {
        return Err(CacheRuleError::SectionNotAccepted {
            section: point.section,
            provider,
        });
    }
    if let Some(point) = points.iter().find(|p| !rules.supports_ttl(p.ttl)) {
        return Err(CacheRuleError::UnsupportedTtl {
            ttl: point.ttl,
            provider,
        });
    }
    if u32::try_from(points.len()).map_or(true, |n| n > rules.max_checkpoints) {
        return Err(CacheRuleError::TooManyCheckpoints {
            max: rules.max_checkpoints,
            found: points.len(),
            provider,
        });
    }
    let mut ordered = points.to_vec();
    // Stable: the request order within a section is kept.
    ordered.sort_by_key(|p| p.section);
    if let Some(pair) = ordered.windows(2).find(|w| w[1].ttl > w[0].ttl) {
        return Err(CacheRuleError::TtlIncreasing {
            earlier: pair[0].ttl,
            later: pair[1].ttl,
        });
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests state expectations
mod tests {
    use super::*;

    const ALL_SECTIONS: [CacheSection; 3] = [
        CacheSection::Tools,
        CacheSection::System,
        CacheSection::Messages,
    ];

    fn model(name: &str) -> &'static Model {
        crate::find(name).unwrap_or_else(|| panic!("{name} is not in the catalog"))
    }

    fn point(section: CacheSection, ttl: CacheTtl) -> CachePoint {
        CachePoint { section, ttl }
    }

    #[test]
    fn ttls_parse_print_order_and_last_as_bedrock_says() {
        for ttl in [CacheTtl::FiveMinutes, CacheTtl::OneHour] {
            assert_eq!(ttl.as_str().parse::<CacheTtl>(), Ok(ttl));
            assert_eq!(ttl.to_string(), ttl.as_str());
            let quoted = format!("\"{ttl}\"");
            assert_eq!(serde_json::from_str::<CacheTtl>(&quoted).unwrap(), ttl);
        }
        assert_eq!(CacheTtl::FiveMinutes.duration(), Duration::from_secs(300));
        assert_eq!(CacheTtl::OneHour.duration(), Duration::from_secs(3600));
        assert!(CacheTtl::FiveMinutes < CacheTtl::OneHour);
        let error = "2h".parse::<CacheTtl>().unwrap_err();
        assert_eq!(
            error.to_string(),
            "unknown cache TTL \"2h\": write 5m or 1h"
        );
    }

    #[test]
    fn sections_are_ordered_as_bedrock_processes_them() {
        assert!(CacheSection::Tools < CacheSection::System);
        assert!(CacheSection::System < CacheSection::Messages);
        let names: Vec<&str> = ALL_SECTIONS.iter().map(|s| s.as_str()).collect();
        assert_eq!(names, ["tools", "system", "messages"]);
    }

    #[test]
    fn a_checkpoint_without_ttl_lives_five_minutes() {
        let point = CachePoint::new(CacheSection::System, None);
        assert_eq!(point.ttl, CacheTtl::FiveMinutes);
    }

    #[test]
    fn a_request_without_checkpoints_passes_on_every_model() {
        for model in crate::models() {
            assert_eq!(check(model, &[]), Ok(()), "{}", model.name);
        }
    }

    #[test]
    fn models_without_prompt_caching_refuse_any_checkpoint_with_access_denied() {
        for name in [
            "Meta Llama 3.1 70B Instruct",
            "DeepSeek-R1",
            "Mistral Large (24.02)",
            "Amazon Titan Text Express",
        ] {
            let model = model(name);
            let error = check(
                model,
                &[point(CacheSection::Messages, CacheTtl::FiveMinutes)],
            )
            .unwrap_err();
            assert_eq!(
                error,
                CacheRuleError::NotSupported {
                    model: model.id.clone()
                }
            );
            assert_eq!(
                (error.status(), error.error_code()),
                (403, "AccessDeniedException")
            );
            assert_eq!(
                error.bedrock_message(),
                "You invoked an unsupported model or your request did not allow prompt caching."
            );
            assert!(error.to_string().contains(&model.id));
        }
    }

    #[test]
    fn nova_refuses_a_tools_checkpoint_and_accepts_system_and_messages() {
        let nova = model("Amazon Nova Pro");
        let error = check(nova, &[point(CacheSection::Tools, CacheTtl::FiveMinutes)]).unwrap_err();
        assert_eq!(
            error,
            CacheRuleError::SectionNotAccepted {
                section: CacheSection::Tools,
                provider: Provider::Nova
            }
        );
        assert_eq!(
            (error.status(), error.error_code()),
            (400, "ValidationException")
        );
        assert_eq!(
            error.bedrock_message(),
            "The model returned the following errors: Malformed input request: #/toolConfig/tools: extraneous key [cachePoint] is not permitted, please reformat your input and try again."
        );
        let fine = [
            point(CacheSection::System, CacheTtl::FiveMinutes),
            point(CacheSection::Messages, CacheTtl::FiveMinutes),
        ];
        assert_eq!(check(nova, &fine), Ok(()));
    }

    #[test]
    fn one_hour_is_refused_where_the_model_lacks_it_in_its_familys_words() {
        let claude = model("Claude 3.7 Sonnet");
        let error = check(claude, &[point(CacheSection::System, CacheTtl::OneHour)]).unwrap_err();
        assert_eq!(
            error,
            CacheRuleError::UnsupportedTtl {
                ttl: CacheTtl::OneHour,
                provider: Provider::Anthropic
            }
        );
        assert_eq!(
            error.bedrock_message(),
            "The model returned the following errors: cache_control.ttl: Extra inputs are not permitted"
        );
        let nova = model("Amazon Nova Micro");
        let error = check(nova, &[point(CacheSection::System, CacheTtl::OneHour)]).unwrap_err();
        assert_eq!(
            error.bedrock_message(),
            "Extended TTL prompt caching is only supported for Anthropic models"
        );
        assert_eq!(error.status(), 400);
        let haiku = model("Claude Haiku 4.5");
        assert_eq!(
            check(haiku, &[point(CacheSection::System, CacheTtl::OneHour)]),
            Ok(())
        );
    }

    #[test]
    fn five_checkpoints_are_refused_and_four_pass() {
        let haiku = model("Claude Haiku 4.5");
        let four = [
            point(CacheSection::Tools, CacheTtl::FiveMinutes),
            point(CacheSection::System, CacheTtl::FiveMinutes),
            point(CacheSection::Messages, CacheTtl::FiveMinutes),
            point(CacheSection::Messages, CacheTtl::FiveMinutes),
        ];
        assert_eq!(check(haiku, &four), Ok(()));
        let mut five = four.to_vec();
        five.push(point(CacheSection::Messages, CacheTtl::FiveMinutes));
        let error = check(haiku, &five).unwrap_err();
        assert_eq!(
            error,
            CacheRuleError::TooManyCheckpoints {
                max: 4,
                found: 5,
                provider: Provider::Anthropic
            }
        );
        assert_eq!(
            (error.status(), error.error_code()),
            (400, "ValidationException")
        );
        assert_eq!(
            error.bedrock_message(),
            "The model returned the following errors: A maximum of 4 blocks with cache_control may be provided. Found 5."
        );
        assert!(error.to_string().contains("remove 1"), "{error}");
    }

    #[test]
    fn a_longer_ttl_after_a_shorter_one_is_refused_across_and_within_sections() {
        let haiku = model("Claude Haiku 4.5");
        let across = [
            point(CacheSection::Tools, CacheTtl::FiveMinutes),
            point(CacheSection::System, CacheTtl::OneHour),
        ];
        let within = [
            point(CacheSection::Messages, CacheTtl::FiveMinutes),
            point(CacheSection::Messages, CacheTtl::OneHour),
        ];
        // Sections given out of order are read tools → system → messages all the same.
        let unordered = [
            point(CacheSection::Messages, CacheTtl::OneHour),
            point(CacheSection::Tools, CacheTtl::FiveMinutes),
        ];
        let expected = CacheRuleError::TtlIncreasing {
            earlier: CacheTtl::FiveMinutes,
            later: CacheTtl::OneHour,
        };
        for points in [&across[..], &within[..], &unordered[..]] {
            assert_eq!(check(haiku, points), Err(expected.clone()), "{points:?}");
        }
        assert_eq!(
            expected.bedrock_message(),
            "The model returned the following errors: a ttl='1h' cache_control block must not come after a ttl='5m' cache_control block. Note that blocks are processed in the following order: `tools`, `system`, `messages`."
        );
        let decreasing = [
            point(CacheSection::Tools, CacheTtl::OneHour),
            point(CacheSection::System, CacheTtl::OneHour),
            point(CacheSection::Messages, CacheTtl::FiveMinutes),
        ];
        assert_eq!(check(haiku, &decreasing), Ok(()));
    }

    #[test]
    fn every_models_prompt_cache_data_is_complete_and_sourced() {
        let with_cache: Vec<&Model> = crate::models()
            .iter()
            .filter(|m| m.prompt_cache.is_some())
            .collect();
        assert!(with_cache.len() >= 10, "{}", with_cache.len());
        for model in &with_cache {
            let rules = model.prompt_cache.as_ref().unwrap();
            assert!(rules.min_tokens >= 1000, "{}", model.name);
            assert_eq!(rules.max_checkpoints, 4, "{}", model.name);
            assert!(rules.supports_ttl(CacheTtl::FiveMinutes), "{}", model.name);
            assert!(rules.accepts(CacheSection::System), "{}", model.name);
            assert!(rules.accepts(CacheSection::Messages), "{}", model.name);
            assert_eq!(
                rules.source,
                "https://docs.aws.amazon.com/bedrock/latest/userguide/prompt-caching.html",
                "{}",
                model.name
            );
            crate::parse_date(&rules.read_on).unwrap();
            match model.provider {
                Provider::Anthropic => {
                    assert!(rules.accepts(CacheSection::Tools), "{}", model.name)
                }
                Provider::Nova => {
                    assert!(!rules.accepts(CacheSection::Tools), "{}", model.name);
                    assert!(!rules.supports_ttl(CacheTtl::OneHour), "{}", model.name);
                }
                other => panic!("{} ({other}) should have no prompt cache", model.name),
            }
        }
        let one_hour: Vec<&str> = with_cache
            .iter()
            .filter(|m| {
                m.prompt_cache
                    .as_ref()
                    .unwrap()
                    .supports_ttl(CacheTtl::OneHour)
            })
            .map(|m| m.name.as_str())
            .collect();
        assert_eq!(
            one_hour,
            [
                "Claude Haiku 4.5",
                "Claude Sonnet 4.5",
                "Claude Sonnet 4.6",
                "Claude Opus 4.5",
                "Claude Opus 4.6"
            ]
        );
        let min = |name: &str| model(name).prompt_cache.as_ref().unwrap().min_tokens;
        assert_eq!(min("Claude Haiku 4.5"), 4096);
        assert_eq!(min("Claude 3.7 Sonnet"), 1024);
        assert_eq!(min("Claude 3.5 Haiku"), 2048);
        assert_eq!(min("Amazon Nova Pro"), 1000);
        for name in [
            "Claude 3.5 Sonnet",
            "DeepSeek-R1",
            "Meta Llama 3.1 70B Instruct",
            "Amazon Titan Text Express",
            "Mistral Large (24.02)",
        ] {
            assert!(model(name).prompt_cache.is_none(), "{name}");
        }
    }
}
