//! The model catalog (`catalog/models.json`, shared with the support crate) and model-id
//! resolution: bare ids, inference-profile ids (`us.`, `eu.`, ...) and ARNs.

use std::sync::OnceLock;

use serde::Deserialize;

use crate::error::ApiError;

/// The catalog file, compiled in so the endpoint needs no file at run time.
const CATALOG_JSON: &str = include_str!("../../catalog/models.json");

/// Bedrock's answer to an id it does not know.
pub const INVALID_MODEL_MESSAGE: &str = "The provided model identifier is invalid.";

/// The native request/response body family of a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    /// Anthropic Messages API bodies.
    Anthropic,
    /// Amazon Nova `messages-v1` bodies.
    Nova,
    /// Amazon Titan Text bodies.
    Titan,
    /// Meta Llama prompt bodies.
    Llama,
    /// DeepSeek prompt bodies.
    Deepseek,
    /// Mistral prompt bodies.
    Mistral,
}

/// One model of the catalog (see CONTRACT.md for the meaning of each field).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Model {
    /// Display name.
    pub name: String,
    /// Base foundation-model id.
    pub id: String,
    /// Native body family.
    pub provider: Provider,
    /// In the original workshop's model table.
    pub workshop: bool,
    /// Inference-profile prefixes that exist for this model.
    pub geographies: Vec<String>,
    /// Whether the bare id may be invoked on demand.
    pub on_demand: bool,
    /// Largest `maxTokens` accepted.
    pub max_output_tokens: u32,
    /// Converse tool use.
    pub tool_use: bool,
    /// ConverseStream tool use.
    pub tool_use_streaming: bool,
    /// System prompts accepted.
    pub system_prompt: bool,
    /// Produces reasoning content.
    pub reasoning: bool,
    /// Accepts `toolResult.status`.
    pub tool_result_status: bool,
    /// `temperature` and `topP` must not both be set.
    pub temperature_top_p_exclusive: bool,
    /// Marked Legacy by AWS.
    pub legacy: bool,
    /// The AWS page the facts were checked against.
    pub source: String,
}

#[derive(Deserialize)]
struct CatalogFile {
    models: Vec<Model>,
}

/// Every model of the catalog; empty only if the compiled-in file were malformed (a test guards it).
pub fn models() -> &'static [Model] {
    static MODELS: OnceLock<Vec<Model>> = OnceLock::new();
    MODELS.get_or_init(|| {
        serde_json::from_str::<CatalogFile>(CATALOG_JSON)
            .map(|f| f.models)
            .unwrap_or_default()
    })
}

/// The catalog entry with this base id or display name (case-insensitive).
pub fn find(id_or_name: &str) -> Option<&'static Model> {
    models()
        .iter()
        .find(|m| m.id == id_or_name || m.name.eq_ignore_ascii_case(id_or_name))
}

/// The on-demand refusal, with Bedrock's typographic apostrophe.
pub fn on_demand_message(model_id: &str) -> String {
    format!(
        "Invocation of model ID {model_id} with on-demand throughput isn\u{2019}t supported. \
         Retry your request with the ID or ARN of an inference profile that contains this model."
    )
}

/// Resolve a model id as called (bare id, profile id, foundation-model or profile ARN) to its
/// catalog entry, with Bedrock's errors for unknown ids and bare ids of profile-only models.
pub fn resolve(model_id: &str) -> Result<&'static Model, ApiError> {
    let invalid = || ApiError::validation(INVALID_MODEL_MESSAGE);
    if let Some(rest) = model_id.strip_prefix("arn:") {
        // arn:<partition>:bedrock:<region>:<account>:<resource-type>/<id>
        let parts: Vec<&str> = rest.splitn(5, ':').collect();
        let [_partition, service, _region, _account, resource] = parts.as_slice() else {
            return Err(invalid());
        };
        if *service != "bedrock" {
            return Err(invalid());
        }
        let (kind, id) = resource.split_once('/').ok_or_else(invalid)?;
        return match kind {
            "inference-profile" => resolve_profile(id).ok_or_else(invalid),
            "foundation-model" => resolve_bare(id),
            _ => Err(invalid()),
        };
    }
    if let Some(model) = resolve_profile(model_id) {
        return Ok(model);
    }
    resolve_bare(model_id)
}

fn resolve_bare(id: &str) -> Result<&'static Model, ApiError> {
    let model = models()
        .iter()
        .find(|m| m.id == id)
        .ok_or_else(|| ApiError::validation(INVALID_MODEL_MESSAGE))?;
    if model.on_demand {
        Ok(model)
    } else {
        Err(ApiError::validation(on_demand_message(id)))
    }
}

fn resolve_profile(id: &str) -> Option<&'static Model> {
    let (geography, base) = id.split_once('.')?;
    models()
        .iter()
        .find(|m| m.id == base && m.geographies.iter().any(|g| g == geography))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compiled_in_catalog_parses_with_every_required_model() {
        assert!(models().len() >= 13);
        for name in [
            "Claude 3.7 Sonnet",
            "Amazon Nova Micro",
            "Mistral Large (24.02)",
        ] {
            assert!(find(name).is_some(), "{name}");
        }
    }

    #[test]
    fn profile_ids_and_arns_resolve_to_the_base_model() {
        let id = "anthropic.claude-3-7-sonnet-20250219-v1:0";
        assert_eq!(resolve(&format!("us.{id}")).map(|m| m.id.as_str()), Ok(id));
        let arn = format!("arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.{id}");
        assert_eq!(resolve(&arn).map(|m| m.id.as_str()), Ok(id));
        assert_eq!(
            resolve(id),
            Err(ApiError::validation(on_demand_message(id)))
        );
    }
}
