//! Which native format a model speaks, and the dispatch to each family's file.

use serde_json::Value;

use bedrock_catalog::{Provider, base_model_id};

use super::{anthropic, deepseek, llama, mistral, nova, titan};
use crate::error::{Error, Result};
use crate::request::Params;

/// What every family's answer is read into.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Parsed {
    pub text: String,
    pub reasoning: Option<String>,
    pub stop_reason: String,
    pub input_tokens: u32,
    pub output_tokens: u32,
}

/// The family of a model (display name or any id): from the catalog, else from the id's prefix.
pub(crate) fn provider_of(model: &str) -> Option<Provider> {
    bedrock_catalog::find(model)
        .map(|entry| entry.provider)
        .or_else(|| Provider::from_id_prefix(base_model_id(model)))
}

/// The native request body of a family for one prompt.
pub(crate) fn body(provider: Provider, prompt: &str, params: &Params) -> Value {
    match provider {
        Provider::Anthropic => anthropic::body(prompt, params),
        Provider::Nova => nova::body(prompt, params),
        Provider::Titan => titan::body(prompt, params),
        Provider::Llama => llama::body(prompt, params),
        Provider::DeepSeek => deepseek::body(prompt, params),
        Provider::Mistral => mistral::body(prompt, params),
    }
}

/// Reads a native answer; `None` when it does not have this family's shape.
pub(crate) fn parse(provider: Provider, response: &Value) -> Option<Parsed> {
    match provider {
        Provider::Anthropic => anthropic::parse(response),
        Provider::Nova => nova::parse(response),
        Provider::Titan => titan::parse(response),
        Provider::Llama => llama::parse(response),
        Provider::DeepSeek => deepseek::parse(response),
        Provider::Mistral => mistral::parse(response),
    }
}

/// The native InvokeModel body for `model` (display name or id), for teaching and for `invoke_raw`.
///
/// ```
/// use bedrock_kit::{Params, native_body};
/// let params = Params { max_tokens: 1000, temperature: Some(0.5), top_p: Some(0.9) };
/// let body = native_body("Claude Haiku 4.5", "Summarise this.", &params)?;
/// assert_eq!(body["anthropic_version"], "bedrock-2023-05-31");
/// assert_eq!(body["messages"][0]["content"][0]["text"], "Summarise this.");
/// # Ok::<(), bedrock_kit::Error>(())
/// ```
pub fn native_body(model: &str, prompt: &str, params: &Params) -> Result<Value> {
    let provider = provider_of(model).ok_or_else(|| Error::UnknownModel {
        name: model.to_string(),
        suggestions: Vec::new(),
    })?;
    Ok(body(provider, prompt, params))
}

/// Inserts the optional sampling settings under the names a family uses.
pub(crate) fn sampling(
    body: &mut serde_json::Map<String, Value>,
    params: &Params,
    temperature: &str,
    top_p: &str,
) {
    use crate::request::round_f32;
    if let Some(t) = params.temperature {
        body.insert(temperature.into(), Value::from(round_f32(t)));
    }
    if let Some(p) = params.top_p {
        body.insert(top_p.into(), Value::from(round_f32(p)));
    }
}

/// `stop` / `length` style reasons in Converse's words.
pub(crate) fn normalise_stop(reason: &str) -> String {
    match reason {
        "stop" | "FINISH" | "end_turn" => "end_turn".into(),
        "length" | "LENGTH" | "max_tokens" => "max_tokens".into(),
        "stop_sequence" | "STOP_CRITERIA_MET" => "stop_sequence".into(),
        "CONTENT_FILTERED" | "content_filtered" => "content_filtered".into(),
        other => other.to_string(),
    }
}

/// The body of the families that take one templated `prompt` string (Llama, DeepSeek,
/// Mistral): the prompt, the output limit under `max_tokens_key`, `temperature` and `top_p`.
pub(crate) fn prompt_body(templated: String, max_tokens_key: &str, params: &Params) -> Value {
    let mut body = serde_json::Map::new();
    body.insert("prompt".into(), Value::String(templated));
    body.insert(max_tokens_key.into(), Value::from(params.max_tokens));
    sampling(&mut body, params, "temperature", "top_p");
    Value::Object(body)
}

/// The stop reason under `key` of a native answer's object, in Converse's words.
pub(crate) fn stop_reason(object: &Value, key: &str) -> String {
    normalise_stop(object.get(key).and_then(Value::as_str).unwrap_or(""))
}

/// A JSON number as u32 (0 when absent or out of range).
pub(crate) fn count(value: &Value) -> u32 {
    value
        .as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(0)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests state expectations
mod tests {
    use super::*;

    #[test]
    fn provider_comes_from_catalog_or_id_prefix() {
        assert_eq!(provider_of("DeepSeek-R1"), Some(Provider::DeepSeek));
        assert_eq!(
            provider_of("us.meta.llama3-3-70b-instruct-v1:0"),
            Some(Provider::Llama)
        );
        assert_eq!(
            provider_of("amazon.titan-text-lite-v1"),
            Some(Provider::Titan)
        );
        assert_eq!(provider_of("cohere.command-r-v1:0"), None);
    }

    #[test]
    fn unknown_family_is_an_error() {
        assert!(native_body("cohere.command-r-v1:0", "x", &Params::default()).is_err());
    }

    #[test]
    fn stop_reasons_are_normalised() {
        assert_eq!(normalise_stop("length"), "max_tokens");
        assert_eq!(normalise_stop("FINISH"), "end_turn");
    }
}
