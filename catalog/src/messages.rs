//! Bedrock's own error messages that both the local endpoint (which says them) and the support
//! crate (which recognises them and explains what to do) depend on: one definition each.

/// ValidationException for an id Bedrock does not know (also a model not launched yet).
pub const INVALID_MODEL: &str = "The provided model identifier is invalid.";

/// ResourceNotFoundException (404) for a model past its end-of-life date, on every operation.
pub const END_OF_LIFE: &str = "This model version has reached the end of its life. Please refer to the AWS documentation for more details.";

/// ResourceNotFoundException (404) for a Legacy model the account has not used recently
/// ("15 days" before April 2026, "30 days" since).
pub const LEGACY_NOT_RECENTLY_USED: &str = "Access denied. This Model is marked by provider as Legacy and you have not been actively using the model in the last 30 days. Please upgrade to an active model on Amazon Bedrock";

/// ValidationException from CountTokens for a model without token counting, or a profile id.
pub const COUNT_TOKENS_UNSUPPORTED: &str = "The provided model doesn't support counting tokens.";

/// The ValidationException for a bare id of a model served only through inference profiles,
/// with Bedrock's typographic apostrophe.
///
/// ```
/// let text = bedrock_catalog::messages::on_demand_refusal("deepseek.r1-v1:0");
/// assert!(bedrock_catalog::messages::is_on_demand_refusal(&text));
/// ```
pub fn on_demand_refusal(model_id: &str) -> String {
    format!(
        "Invocation of model ID {model_id} with on-demand throughput isn\u{2019}t supported. \
         Retry your request with the ID or ARN of an inference profile that contains this model."
    )
}

/// Whether a message is the on-demand refusal (either apostrophe; reports quote both).
pub fn is_on_demand_refusal(message: &str) -> bool {
    let lower = message.to_lowercase();
    lower.contains("with on-demand throughput isn") && lower.contains("supported")
}

/// Whether a message is the end-of-life refusal.
pub fn is_end_of_life(message: &str) -> bool {
    message
        .to_lowercase()
        .contains("reached the end of its life")
}

/// Whether a message is the Legacy refusal (any number of days).
pub fn is_legacy_refusal(message: &str) -> bool {
    message
        .to_lowercase()
        .contains("marked by provider as legacy")
}

/// Bedrock's prefix for refusals its model validator (Anthropic's, for Claude) raised.
pub const MODEL_ERRORS: &str = "The model returned the following errors: ";

/// ValidationException for reasoning content sent back to DeepSeek-R1 (in any message: Bedrock
/// says "user" even for the assistant turns that carry it), and for reasoning in a user message
/// on every model: quoted in langchain-ai/langchain-aws#401, aws-samples/bedrock-chat#845 and
/// zed-industries/zed#32341.
pub const REASONING_IN_HISTORY: &str = "User messages cannot contain reasoning content. Please remove the reasoning content and try again.";

/// ValidationException when thinking is on and the assistant turn before a tool result does not
/// start with its reasoning block; `found` is Anthropic's block type (`tool_use`, `text`).
/// Quoted from Bedrock in anomalyco/opencode#3077, langchain-ai/langchain-aws#844 and
/// pydantic/pydantic-ai#2453.
///
/// ```
/// let text = bedrock_catalog::messages::thinking_block_expected(1, "tool_use");
/// assert!(text.starts_with("The model returned the following errors: messages.1.content.0.type: Expected `thinking`"));
/// ```
pub fn thinking_block_expected(message: usize, found: &str) -> String {
    format!(
        "{MODEL_ERRORS}messages.{message}.content.0.type: Expected `thinking` or `redacted_thinking`, but found `{found}`. When `thinking` is enabled, a final `assistant` message must start with a thinking block (preceeding the lastmost set of `tool_use` and `tool_result` blocks). We recommend you include thinking blocks from previous turns. To avoid this requirement, disable `thinking`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking"
    )
}

/// ValidationException for a reasoning block whose signature does not match its text (changed
/// text or signature, or a block of another model). Anthropic's text, seen through Bedrock in
/// chenhg5/cc-connect#897 and lbjlaq/Antigravity-Manager#498; the Converse prefix is inferred.
pub fn invalid_thinking_signature(message: usize, block: usize) -> String {
    format!(
        "{MODEL_ERRORS}messages.{message}.content.{block}: Invalid `signature` in `thinking` block"
    )
}

/// ValidationException for a reasoning block sent back without its signature while thinking is
/// on: quoted from Bedrock in earendil-works/pi#2063.
pub fn thinking_signature_required(message: usize, block: usize) -> String {
    format!("{MODEL_ERRORS}messages.{message}.content.{block}.thinking.signature: Field required")
}

/// ValidationException for `outputConfig.textFormat` sent to a model without structured outputs.
/// **Not verified**: Bedrock's wording was not found; written like its tool-use refusal.
pub const STRUCTURED_OUTPUT_UNSUPPORTED: &str = "This model doesn't support structured outputs. Remove outputConfig.textFormat, or use a model that supports it.";

/// ValidationException for a `jsonSchema.schema` that is not a JSON object. **Not verified**:
/// Bedrock's wording was not found.
pub const INVALID_OUTPUT_SCHEMA: &str = "The schema in outputConfig.textFormat.structure.jsonSchema is not a valid JSON schema. Provide the schema as a JSON object serialized to a string, and try again.";

/// ValidationException for a JSON Schema keyword Claude's structured outputs do not support,
/// e.g. `("array", "maxItems")`: quoted from Bedrock in vercel/ai#17197 for `maxItems`; the same
/// wording is assumed for the other keywords.
pub fn unsupported_schema_keyword(kind: &str, keyword: &str) -> String {
    format!(
        "{MODEL_ERRORS}output_config.format.schema: For '{kind}' type, property '{keyword}' is not supported"
    )
}

/// The response header the local endpoint puts on every answer it gives, scripted or refused,
/// and the value it carries: a client reads the answer as "not a model's" from the answer
/// itself, not from where it sent the request (a proxy or a recording may sit in between).
pub const LOCAL_ANSWER_HEADER: (&str, &str) = ("x-bedrock-local", "scripted");

/// The value [`LOCAL_ANSWER_HEADER`] carries instead on an answer replayed from a recording of
/// real Bedrock (`bedrock-local record`): a model's words, from another day.
pub const RECORDED_ANSWER: &str = "recorded";

/// The value [`LOCAL_ANSWER_HEADER`] carries on an answer a local model server generated
/// behind the endpoint: `model NAME via URL`.
///
/// ```
/// use bedrock_catalog::messages::{local_model_answer, local_model_of};
/// let value = local_model_answer("llama3.2", "http://localhost:11434");
/// assert_eq!(value, "model llama3.2 via http://localhost:11434");
/// assert_eq!(local_model_of(&value), Some("llama3.2 via http://localhost:11434"));
/// assert_eq!(local_model_of("scripted"), None);
/// ```
pub fn local_model_answer(model: &str, url: &str) -> String {
    format!("{LOCAL_MODEL_PREFIX}{model} via {url}")
}

/// `NAME via URL` from a [`local_model_answer`] value; `None` for any other value.
pub fn local_model_of(value: &str) -> Option<&str> {
    value.strip_prefix(LOCAL_MODEL_PREFIX)
}

const LOCAL_MODEL_PREFIX: &str = "model ";

/// How every error message of the local endpoint's model backend begins (the server down, a
/// model missing, a broken answer), so that a client tells them from Bedrock's own.
pub const LOCAL_MODEL_FAILURE: &str = "The local model";

/// Whether an error message is the local model backend's (see [`LOCAL_MODEL_FAILURE`]).
pub fn is_local_model_failure(message: &str) -> bool {
    message.starts_with(LOCAL_MODEL_FAILURE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_refusal_is_recognised_and_not_mistaken_for_another() {
        let on_demand = on_demand_refusal("x");
        let plain_apostrophe = on_demand.replace('\u{2019}', "'");
        assert!(is_on_demand_refusal(&on_demand) && is_on_demand_refusal(&plain_apostrophe));
        assert!(is_end_of_life(END_OF_LIFE) && !is_end_of_life(&on_demand));
        assert!(is_legacy_refusal(LEGACY_NOT_RECENTLY_USED));
        assert!(is_legacy_refusal(
            &LEGACY_NOT_RECENTLY_USED.replace("30 days", "15 days")
        ));
        for other in [INVALID_MODEL, COUNT_TOKENS_UNSUPPORTED] {
            assert!(!is_on_demand_refusal(other) && !is_end_of_life(other));
            assert!(!is_legacy_refusal(other));
        }
    }
}
