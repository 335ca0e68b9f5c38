//! One model of the catalog, the native body family it speaks, and the pace it answers at.

use std::fmt;

use serde::Deserialize;
use time::Date;

use crate::id::Geography;
use crate::lifecycle::{Lifecycle, State};
use crate::prompt_cache::PromptCache;
use crate::thinking::Thinking;

/// The native InvokeModel body family of a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    /// Anthropic Messages (`anthropic_version`, `messages`).
    Anthropic,
    /// Amazon Nova (`schemaVersion: messages-v1`).
    Nova,
    /// Amazon Titan Text (`inputText`).
    Titan,
    /// Meta Llama 3 (`prompt` with header tokens).
    Llama,
    /// DeepSeek-R1 (`prompt` with its chat tokens).
    #[serde(rename = "deepseek")]
    DeepSeek,
    /// Mistral (`<s>[INST] ... [/INST]`).
    Mistral,
}

impl Provider {
    /// The family's name as the catalog spells it (`anthropic`, `nova`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Provider::Anthropic => "anthropic",
            Provider::Nova => "nova",
            Provider::Titan => "titan",
            Provider::Llama => "llama",
            Provider::DeepSeek => "deepseek",
            Provider::Mistral => "mistral",
        }
    }

    /// The family of a foundation-model id the catalog does not list, from its prefix.
    ///
    /// ```
    /// use bedrock_catalog::Provider;
    /// assert_eq!(Provider::from_id_prefix("meta.llama3-3-70b-instruct-v1:0"), Some(Provider::Llama));
    /// assert_eq!(Provider::from_id_prefix("cohere.command-r-v1:0"), None);
    /// ```
    pub fn from_id_prefix(base_id: &str) -> Option<Provider> {
        const PREFIXES: [(&str, Provider); 6] = [
            ("anthropic.", Provider::Anthropic),
            ("amazon.nova", Provider::Nova),
            ("amazon.titan-text", Provider::Titan),
            ("meta.llama", Provider::Llama),
            ("deepseek.", Provider::DeepSeek),
            ("mistral.", Provider::Mistral),
        ];
        PREFIXES
            .iter()
            .find(|(prefix, _)| base_id.starts_with(prefix))
            .map(|(_, provider)| *provider)
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How fast a model typically answers on Bedrock, from a public measurement.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pace {
    /// Median time to the first token, in milliseconds.
    pub first_token_ms: u32,
    /// Median output speed once the answer flows, in tokens per second.
    pub output_tokens_per_second: f64,
    /// Where the figures come from.
    pub source: String,
    /// When they were read there (`YYYY-MM-DD`).
    pub read_on: String,
}

/// One model of the catalog and the rules it imposes on requests.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Model {
    /// Display name ("Claude Haiku 4.5"), unique, looked up case-insensitively.
    pub name: String,
    /// Foundation-model id.
    pub id: String,
    /// Native body family.
    pub provider: Provider,
    /// Geographies that have a cross-region inference profile for it.
    pub geographies: Vec<Geography>,
    /// Whether the bare id may be invoked on demand.
    pub on_demand: bool,
    /// Largest `maxTokens` accepted.
    pub max_output_tokens: u32,
    /// Whether Converse accepts tools for it.
    pub tool_use: bool,
    /// Whether ConverseStream accepts tools for it.
    pub tool_use_streaming: bool,
    /// Whether it accepts a system prompt.
    pub system_prompt: bool,
    /// Whether it can return reasoning content.
    pub reasoning: bool,
    /// Whether toolResult blocks may carry `status`.
    pub tool_result_status: bool,
    /// Whether temperature and topP must not both be set.
    pub temperature_top_p_exclusive: bool,
    /// Whether CountTokens counts for it (by its foundation-model id).
    pub count_tokens: bool,
    /// Launch, Legacy and end-of-life dates.
    pub lifecycle: Lifecycle,
    /// Typical speed on Bedrock, when a public measurement exists.
    #[serde(default)]
    pub pace: Option<Pace>,
    /// Explicit prompt caching (`cachePoint` blocks), when Bedrock offers it for the model;
    /// `None` means a checkpoint is refused ([`crate::prompt_cache::check`]).
    #[serde(default)]
    pub prompt_cache: Option<PromptCache>,
    /// How it reasons: with a thinking budget the request sets (Claude), or always (DeepSeek-R1);
    /// `None`: it cannot be asked to reason ([`crate::thinking::check`]).
    #[serde(default)]
    pub thinking: Option<Thinking>,
    /// Whether Converse takes `outputConfig.textFormat` (a JSON schema the answer must fit) and
    /// `toolSpec.strict` for it; without it a caller falls back to a forced tool call.
    #[serde(default)]
    pub structured_output: bool,
    /// Where [`structured_output`](Self::structured_output) was read, when it is `true`.
    #[serde(default)]
    pub structured_output_source: Option<String>,
    /// The AWS page its ids and rules were checked against.
    pub source: String,
    /// What its sources disagree on, or only third parties state.
    #[serde(default)]
    pub uncertain: Option<String>,
}

impl Model {
    /// Its lifecycle state on `date`.
    pub fn state_on(&self, date: Date) -> State {
        self.lifecycle.state_on(date)
    }

    /// Whether an inference profile of this geography exists for it.
    pub fn has_profile(&self, geography: Geography) -> bool {
        self.geographies.contains(&geography)
    }

    /// The inference-profile id for `region`: its geography's profile, else `global.` if listed.
    ///
    /// ```
    /// let haiku = bedrock_catalog::find("Claude Haiku 4.5").unwrap();
    /// assert_eq!(haiku.profile_id("eu-central-1").as_deref(), Some("eu.anthropic.claude-haiku-4-5-20251001-v1:0"));
    /// assert_eq!(haiku.profile_id("sa-east-1").as_deref(), Some("global.anthropic.claude-haiku-4-5-20251001-v1:0"));
    /// ```
    pub fn profile_id(&self, region: &str) -> Option<String> {
        Geography::for_region(region)
            .into_iter()
            .find(|geo| self.has_profile(*geo))
            .or_else(|| {
                self.has_profile(Geography::Global)
                    .then_some(Geography::Global)
            })
            .map(|geo| self.profile_id_in(geo))
    }

    /// The id of its profile in `geography` (whether or not the catalog lists one).
    pub fn profile_id_in(&self, geography: Geography) -> String {
        format!("{geography}.{}", self.id)
    }

    /// The id to call in `region`: the bare id when on-demand works, else the region's profile.
    pub fn id_for_region(&self, region: &str) -> String {
        if self.on_demand {
            self.id.clone()
        } else {
            self.profile_id(region).unwrap_or_else(|| self.id.clone())
        }
    }
}
