//! What to send: the Converse request builder, native-body parameters, and per-model adaptation.

use serde::Serialize;
use serde_json::Value;

use crate::conversation::Conversation;
use crate::guardrail::{GuardrailTrace, GuardrailUse, StreamProcessing};
use crate::message::{Block, Message, Role};
use bedrock_catalog::{CachePoint, CacheSection, CacheTtl, Model, Thinking};

/// A tool as offered to the model (`toolSpec`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToolSpec {
    /// Name (`^[a-zA-Z0-9_-]{1,64}$`).
    pub name: String,
    /// What the tool does, for the model.
    pub description: String,
    /// JSON Schema of the input.
    pub input_schema: Value,
}

/// How the model may choose tools (`toolChoice`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum ToolChoice {
    /// The model decides.
    Auto,
    /// The model must call some tool.
    Any,
    /// The model must call this tool.
    Tool(String),
}

/// A Converse request: messages, system prompt, inference settings, tools.
///
/// ```
/// use bedrock_kit::Request;
/// let request = Request::new("Summarise this in two sentences: ...")
///     .system("You are concise.")
///     .temperature(0.4)
///     .top_p(0.9)
///     .max_tokens(500);
/// assert_eq!(request.max_tokens, Some(500));
/// ```
/// [`Bedrock::to_json`](crate::Bedrock::to_json) shows it as it goes over the wire.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Request {
    /// The conversation so far, starting with a user message.
    pub messages: Vec<Message>,
    /// System prompt.
    pub system: Option<String>,
    /// Sampling temperature (0..1).
    pub temperature: Option<f32>,
    /// Nucleus sampling (0..1).
    pub top_p: Option<f32>,
    /// Output token limit.
    pub max_tokens: Option<u32>,
    /// Sequences that stop generation.
    pub stop_sequences: Vec<String>,
    /// Model-specific fields (`additionalModelRequestFields`).
    pub additional_fields: Option<Value>,
    /// Tools offered.
    pub tools: Vec<ToolSpec>,
    /// Tool choice (Auto when tools are given and this is `None`).
    pub tool_choice: Option<ToolChoice>,
    /// A prompt-cache checkpoint after the system prompt, with its TTL.
    pub system_cache: Option<CacheTtl>,
    /// A prompt-cache checkpoint after the tools, with its TTL.
    pub tools_cache: Option<CacheTtl>,
    /// A guardrail to apply (`guardrailConfig`).
    pub guardrail: Option<GuardrailUse>,
    /// Extended thinking with this budget of tokens (Claude: `thinking` in the model fields).
    pub thinking: Option<u32>,
    /// Ask for an answer in JSON that fits a schema (`outputConfig.textFormat`).
    pub output_schema: Option<OutputSchema>,
}

/// A JSON schema the answer must fit (structured output).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutputSchema {
    /// A name for the schema (`^[a-zA-Z0-9_-]{1,64}$`).
    pub name: String,
    /// What the answer is, for the model.
    pub description: Option<String>,
    /// The JSON Schema.
    pub schema: Value,
}

impl Request {
    /// A request with one user message.
    pub fn new(prompt: impl Into<String>) -> Self {
        Request {
            messages: vec![Message::user(prompt)],
            ..Request::default()
        }
    }

    /// A request carrying a conversation's history, system prompt and settings.
    pub fn from_conversation(conversation: &Conversation) -> Self {
        let mut request = conversation.settings.clone();
        request.messages = conversation.messages.clone();
        request.system = conversation.system_prompt.clone();
        request
    }

    /// A request with these messages.
    pub fn from_messages(messages: Vec<Message>) -> Self {
        Request {
            messages,
            ..Request::default()
        }
    }

    /// Sets the system prompt.
    pub fn system(mut self, system: &str) -> Self {
        self.system = Some(system.to_string());
        self
    }

    /// Sets the temperature.
    pub fn temperature(mut self, temperature: f32) -> Self {
        self.temperature = Some(temperature);
        self
    }

    /// Sets topP.
    pub fn top_p(mut self, top_p: f32) -> Self {
        self.top_p = Some(top_p);
        self
    }

    /// Sets the output token limit.
    pub fn max_tokens(mut self, max_tokens: u32) -> Self {
        self.max_tokens = Some(max_tokens);
        self
    }

    /// Sets the stop sequences.
    pub fn stop_sequences(mut self, sequences: &[&str]) -> Self {
        self.stop_sequences = sequences.iter().map(|s| s.to_string()).collect();
        self
    }

    /// Sets model-specific request fields (for example `{"top_k": 50}` or reasoning settings).
    pub fn additional_fields(mut self, fields: Value) -> Self {
        self.additional_fields = Some(fields);
        self
    }

    /// Adds a tool.
    pub fn tool(mut self, spec: ToolSpec) -> Self {
        self.tools.push(spec);
        self
    }

    /// Sets how the model chooses tools.
    pub fn tool_choice(mut self, choice: ToolChoice) -> Self {
        self.tool_choice = Some(choice);
        self
    }

    /// Caches everything up to the end of the system prompt (tools included) for `ttl`.
    ///
    /// ```
    /// use bedrock_kit::{CacheTtl, Request};
    /// let request = Request::new("Who is the narrator?").system("<the whole book>").cache_system(CacheTtl::FiveMinutes);
    /// assert_eq!(request.system_cache, Some(CacheTtl::FiveMinutes));
    /// ```
    pub fn cache_system(mut self, ttl: CacheTtl) -> Self {
        self.system_cache = Some(ttl);
        self
    }

    /// Caches the tool definitions for `ttl`.
    pub fn cache_tools(mut self, ttl: CacheTtl) -> Self {
        self.tools_cache = Some(ttl);
        self
    }

    /// Caches everything up to the end of the last message so far for `ttl` (a `cachePoint`
    /// block after it); messages appended later are not part of the cached prefix.
    ///
    /// ```
    /// use bedrock_kit::{Block, CacheTtl, Request};
    /// let request = Request::new("<a long document>").cache_point(CacheTtl::OneHour).user("Summarise it.");
    /// assert_eq!(request.messages[0].content.last(), Some(&Block::CachePoint(CacheTtl::OneHour)));
    /// ```
    pub fn cache_point(mut self, ttl: CacheTtl) -> Self {
        if let Some(last) = self.messages.last_mut() {
            last.content.push(Block::CachePoint(ttl));
        }
        self
    }

    /// The request's prompt-cache checkpoints in the order Bedrock reads them: tools, system,
    /// then messages.
    pub(crate) fn cache_points(&self) -> Vec<CachePoint> {
        let tools = self.tools_cache.map(|ttl| CachePoint {
            section: CacheSection::Tools,
            ttl,
        });
        let system = self.system_cache.map(|ttl| CachePoint {
            section: CacheSection::System,
            ttl,
        });
        let messages =
            self.messages
                .iter()
                .flat_map(|m| &m.content)
                .filter_map(|block| match block {
                    Block::CachePoint(ttl) => Some(CachePoint {
                        section: CacheSection::Messages,
                        ttl: *ttl,
                    }),
                    _ => None,
                });
        tools.into_iter().chain(system).chain(messages).collect()
    }

    /// Applies a guardrail to the prompt and the answer, with its trace on (see
    /// [`guardrail_trace`](Self::guardrail_trace)); `version` is `"DRAFT"` or a number.
    ///
    /// ```
    /// use bedrock_kit::{GuardrailTrace, Request};
    /// let request = Request::new("Should I buy shares?").guardrail("workshop-demo", "1").guardrail_trace(GuardrailTrace::Disabled);
    /// assert_eq!(request.guardrail.unwrap().trace, GuardrailTrace::Disabled);
    /// ```
    pub fn guardrail(mut self, id: &str, version: &str) -> Self {
        self.guardrail = Some(GuardrailUse {
            id: id.to_string(),
            version: version.to_string(),
            trace: GuardrailTrace::default(),
            stream_processing: StreamProcessing::default(),
        });
        self
    }

    /// How much of its assessment the guardrail reports (needs [`guardrail`](Self::guardrail)).
    pub fn guardrail_trace(mut self, trace: GuardrailTrace) -> Self {
        if let Some(guardrail) = &mut self.guardrail {
            guardrail.trace = trace;
        }
        self
    }

    /// How a stream is checked (needs [`guardrail`](Self::guardrail)).
    pub fn guardrail_stream_processing(mut self, mode: StreamProcessing) -> Self {
        if let Some(guardrail) = &mut self.guardrail {
            guardrail.stream_processing = mode;
        }
        self
    }

    /// Appends a user message whose text the guardrail checks (`guardContent`); with such blocks
    /// in a request, the guardrail checks only them, not the rest of the prompt.
    pub fn guarded_user(mut self, text: &str) -> Self {
        self.messages.push(Message {
            role: Role::User,
            content: vec![Block::GuardContent(text.to_string())],
        });
        self
    }

    /// Turns on extended thinking with a budget of reasoning tokens (at least 1,024, below
    /// `max_tokens`). Thinking forbids a changed temperature or topP, so those are dropped (and
    /// the reply says so).
    ///
    /// ```
    /// let request = bedrock_kit::Request::new("A puzzle").thinking(2048).max_tokens(4096);
    /// assert_eq!(request.thinking, Some(2048));
    /// ```
    pub fn thinking(mut self, budget_tokens: u32) -> Self {
        self.thinking = Some(budget_tokens);
        self
    }

    /// Asks for an answer in JSON that fits `schema`, named `name`.
    pub fn json_schema(mut self, name: &str, schema: Value) -> Self {
        self.output_schema = Some(OutputSchema {
            name: name.to_string(),
            description: None,
            schema,
        });
        self
    }

    /// Appends a user message.
    pub fn user(mut self, text: &str) -> Self {
        self.messages.push(Message::user(text));
        self
    }

    /// Appends an assistant message.
    pub fn assistant(mut self, text: &str) -> Self {
        self.messages.push(Message::assistant(text));
        self
    }

    /// The text of the last user message.
    pub fn last_user_text(&self) -> String {
        self.messages
            .iter()
            .rev()
            .find(|m| m.role == Role::User)
            .map(Message::text)
            .unwrap_or_default()
    }

    /// The request changed to follow a model's rules, with one sentence per change.
    pub(crate) fn adapt(&self, model: Option<&Model>) -> (Request, Vec<String>) {
        let mut request = self.clone();
        let mut changes = Vec::new();
        let Some(model) = model else {
            return (request, changes);
        };
        changes.extend(sampling_rules(
            model,
            &CONVERSE_NAMES,
            request.temperature,
            &mut request.top_p,
            request.max_tokens.as_mut(),
        ));
        if !model.system_prompt
            && let Some(system) = request.system.take()
        {
            if let Some(Message { content, .. }) =
                request.messages.iter_mut().find(|m| m.role == Role::User)
            {
                content.insert(0, crate::message::Block::Text(format!("{system}\n\n")));
            }
            changes.push(format!(
                "moved the system prompt into the first user message because {} has no system prompt",
                model.name
            ));
        }
        changes.extend(request.thinking_rules(model));
        (request, changes)
    }

    /// Extended thinking as the model takes it, and the history rules of reasoning models (the
    /// catalog's `thinking`); what cannot be fixed is left for `check_rules` to refuse.
    fn thinking_rules(&mut self, model: &Model) -> Vec<String> {
        let mut changes = Vec::new();
        let top_p_min = match &model.thinking {
            Some(Thinking::Budget { top_p_min, .. }) => *top_p_min,
            Some(Thinking::Always { .. }) => return self.always_reasoning_rules(model),
            None => return changes,
        };
        let Some(budget) = self.thinking else {
            return changes;
        };
        if self.temperature.take().is_some() {
            changes.push("dropped temperature: extended thinking uses the model's own".into());
        }
        if let Some(top_p) = self.top_p
            && top_p_min.is_none_or(|min| f64::from(top_p) < min)
        {
            self.top_p = None;
            changes.push(match top_p_min {
                Some(min) => format!(
                    "dropped topP {top_p}: with extended thinking it must be at least {min}"
                ),
                None => "dropped topP: extended thinking uses the model's own".into(),
            });
        }
        if matches!(
            self.tool_choice,
            Some(ToolChoice::Any | ToolChoice::Tool(_))
        ) {
            self.tool_choice = Some(ToolChoice::Auto);
            changes.push(
                "made the tool choice auto: extended thinking cannot be forced to call a tool"
                    .into(),
            );
        }
        if self.max_tokens.is_none_or(|max| max <= budget) {
            let max = budget.saturating_add(1024).min(model.max_output_tokens);
            self.max_tokens = Some(max);
            changes.push(format!(
                "set maxTokens to {max}: it must be larger than the thinking budget of {budget}"
            ));
        }
        changes
    }

    /// A model that always reasons (DeepSeek-R1): no budget to set, and no reasoning of its own
    /// in the history, which Bedrock refuses.
    fn always_reasoning_rules(&mut self, model: &Model) -> Vec<String> {
        let mut changes = Vec::new();
        let mut dropped = false;
        for message in self
            .messages
            .iter_mut()
            .filter(|m| m.role == Role::Assistant)
        {
            let before = message.content.len();
            message
                .content
                .retain(|block| !matches!(block, Block::Reasoning { .. }));
            dropped |= message.content.len() != before;
        }
        if dropped {
            changes.push(format!(
                "left {}'s earlier reasoning out of the history, which Bedrock refuses",
                model.name
            ));
        }
        if self.thinking.take().is_some() {
            changes.push(format!("dropped thinking: {} always reasons", model.name));
        }
        changes
    }
}

/// How one API spells the settings an adjustment sentence names.
struct SettingNames {
    top_p: &'static str,
    max_tokens: &'static str,
}

/// Converse's spelling (`inferenceConfig`).
const CONVERSE_NAMES: SettingNames = SettingNames {
    top_p: "topP",
    max_tokens: "maxTokens",
};

/// The spelling of native InvokeModel bodies.
const NATIVE_NAMES: SettingNames = SettingNames {
    top_p: "top_p",
    max_tokens: "max_tokens",
};

/// The sampling rules Converse requests and native bodies share: no topP beside a temperature
/// where the model forbids both, and no more output tokens than the model's limit. Returns one
/// sentence per change.
fn sampling_rules(
    model: &Model,
    names: &SettingNames,
    temperature: Option<f32>,
    top_p: &mut Option<f32>,
    max_tokens: Option<&mut u32>,
) -> Vec<String> {
    let mut changes = Vec::new();
    if model.temperature_top_p_exclusive
        && temperature.is_some()
        && let Some(dropped) = top_p.take()
    {
        changes.push(format!(
            "dropped {top}={} because {} does not accept temperature and {top} together",
            round_f32(dropped),
            model.name,
            top = names.top_p,
        ));
    }
    if let Some(max) = max_tokens
        && *max > model.max_output_tokens
    {
        changes.push(format!(
            "lowered {} from {max} to {}, the limit of {}",
            names.max_tokens, model.max_output_tokens, model.name
        ));
        *max = model.max_output_tokens;
    }
    changes
}

/// f32 → f64 without the binary noise (0.9f32 would print as 0.8999999761581421).
pub(crate) fn round_f32(value: f32) -> f64 {
    (f64::from(value) * 1e6).round() / 1e6
}

/// Settings for a native InvokeModel body.
///
/// ```
/// let params = bedrock_kit::Params { max_tokens: 1000, temperature: Some(0.5), top_p: Some(0.9) };
/// assert_eq!(bedrock_kit::Params::default().max_tokens, 512);
/// # let _ = params;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Params {
    /// Output token limit.
    pub max_tokens: u32,
    /// Sampling temperature.
    pub temperature: Option<f32>,
    /// Nucleus sampling.
    pub top_p: Option<f32>,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            max_tokens: 512,
            temperature: None,
            top_p: None,
        }
    }
}

impl Params {
    /// Sets the output token limit.
    pub fn max_tokens(mut self, max_tokens: u32) -> Self {
        self.max_tokens = max_tokens;
        self
    }

    /// Sets the temperature.
    pub fn temperature(mut self, temperature: f32) -> Self {
        self.temperature = Some(temperature);
        self
    }

    /// Sets topP.
    pub fn top_p(mut self, top_p: f32) -> Self {
        self.top_p = Some(top_p);
        self
    }

    /// The parameters changed to follow a model's rules, with one sentence per change.
    pub(crate) fn adapt(&self, model: Option<&Model>) -> (Params, Vec<String>) {
        let mut params = *self;
        let changes = match model {
            Some(model) => sampling_rules(
                model,
                &NATIVE_NAMES,
                params.temperature,
                &mut params.top_p,
                Some(&mut params.max_tokens),
            ),
            None => Vec::new(),
        };
        (params, changes)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests state expectations
mod tests {
    use super::*;
    use bedrock_catalog::find as find_model;

    #[test]
    fn top_p_is_dropped_for_models_that_forbid_both() {
        let model = find_model("Claude Sonnet 4.5");
        let (adapted, changes) = Request::new("x").temperature(0.4).top_p(0.9).adapt(model);
        assert_eq!(adapted.top_p, None);
        assert_eq!(adapted.temperature, Some(0.4));
        assert_eq!(changes.len(), 1);
        assert!(changes[0].contains("dropped topP=0.9"), "{changes:?}");
    }

    #[test]
    fn top_p_is_kept_where_allowed_and_max_tokens_is_capped() {
        let model = find_model("Meta Llama 3.1 70B Instruct");
        let (adapted, changes) = Request::new("x")
            .temperature(0.4)
            .top_p(0.9)
            .max_tokens(9000)
            .adapt(model);
        assert_eq!(adapted.top_p, Some(0.9));
        assert_eq!(adapted.max_tokens, Some(2048));
        assert_eq!(changes.len(), 1, "{changes:?}");
    }

    #[test]
    fn native_params_follow_the_model_rules() {
        let params = Params {
            max_tokens: 100_000,
            temperature: Some(0.5),
            top_p: Some(0.9),
        };
        let (adapted, changes) = params.adapt(find_model(
            "global.anthropic.claude-haiku-4-5-20251001-v1:0",
        ));
        assert_eq!(adapted.top_p, None);
        assert_eq!(adapted.max_tokens, 64000);
        assert_eq!(changes.len(), 2);
    }

    #[test]
    fn system_prompt_moves_into_the_user_turn_for_titan() {
        let model = find_model("Amazon Titan Text Express");
        let (adapted, changes) = Request::new("question").system("rules").adapt(model);
        assert_eq!(adapted.system, None);
        assert_eq!(adapted.messages[0].text(), "rules\n\nquestion");
        assert_eq!(changes.len(), 1);
    }
}
