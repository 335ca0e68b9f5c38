//! The model catalog (`catalog/models.json`): lookup by name or id, and inference profiles.

use std::fmt;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::display::{MarkdownTable, cell, markdown_to_html, print_evcxr_html};
use crate::error::{Error, Result};

/// The catalog shared with the local endpoint, compiled in.
const CATALOG_JSON: &str = include_str!("../../catalog/models.json");

/// Geography prefixes an inference-profile id can start with.
const PROFILE_PREFIXES: &[&str] = &["us", "eu", "apac", "global", "us-gov", "jp", "au", "ca"];

/// One model of the catalog and the rules it imposes on requests.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Model {
    /// Display name ("Claude 3.5 Haiku"), unique, looked up case-insensitively.
    pub name: String,
    /// Base foundation-model id.
    pub id: String,
    /// Native body family: anthropic, nova, titan, llama, deepseek or mistral.
    pub provider: String,
    /// Whether the original workshop's table lists it.
    pub workshop: bool,
    /// Inference-profile prefixes that exist for it (us, eu, apac, global, ...).
    pub geographies: Vec<String>,
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
    /// Whether AWS marks it legacy.
    pub legacy: bool,
    /// The AWS page its facts were checked against.
    pub source: String,
}

#[derive(Deserialize)]
struct CatalogFile {
    models: Vec<Model>,
}

/// Every model of the catalog, in file order.
///
/// ```
/// assert!(bedrock_kit::catalog().iter().any(|m| m.name == "Amazon Nova Micro"));
/// ```
pub fn catalog() -> &'static [Model] {
    static MODELS: OnceLock<Vec<Model>> = OnceLock::new();
    MODELS.get_or_init(|| match serde_json::from_str::<CatalogFile>(CATALOG_JSON) {
        Ok(file) => file.models,
        Err(error) => {
            // A unit test proves the shipped file parses; an empty catalog still lets ids through.
            tracing::error!("catalog/models.json does not parse: {error}");
            Vec::new()
        }
    })
}

/// The display names of every catalog model, ready for [`Bedrock::compare`](crate::Bedrock::compare).
///
/// ```
/// assert!(bedrock_kit::model_names().contains(&"Claude 3.5 Haiku"));
/// ```
pub fn model_names() -> Vec<&'static str> {
    catalog().iter().map(|model| model.name.as_str()).collect()
}

/// Finds a model by display name (any case), base id, inference-profile id or ARN.
///
/// ```
/// let model = bedrock_kit::find_model("claude 3.5 haiku").unwrap();
/// assert_eq!(model.id, "anthropic.claude-3-5-haiku-20241022-v1:0");
/// assert_eq!(bedrock_kit::find_model("us.amazon.nova-pro-v1:0").unwrap().name, "Amazon Nova Pro");
/// ```
pub fn find_model(name_or_id: &str) -> Option<&'static Model> {
    let wanted = name_or_id.trim();
    let models = catalog();
    if let Some(model) = models.iter().find(|m| m.name.eq_ignore_ascii_case(wanted)) {
        return Some(model);
    }
    let base = base_model_id(wanted);
    models.iter().find(|m| m.id == base)
}

/// The foundation-model id inside a profile id or ARN (`us.x` → `x`, `arn:...:inference-profile/us.x` → `x`).
pub fn base_model_id(id: &str) -> &str {
    let tail = id.rsplit('/').next().unwrap_or(id);
    match tail.split_once('.') {
        Some((prefix, rest)) if PROFILE_PREFIXES.contains(&prefix) => rest,
        _ => tail,
    }
}

/// The inference-profile geography of a region: `us-*` → `us`, `eu-*` → `eu`, `ap-*` → `apac`.
///
/// ```
/// assert_eq!(bedrock_kit::geography("eu-west-3"), Some("eu"));
/// assert_eq!(bedrock_kit::geography("ap-southeast-2"), Some("apac"));
/// ```
pub fn geography(region: &str) -> Option<&'static str> {
    if region.starts_with("us-gov-") {
        Some("us-gov")
    } else if region.starts_with("us-") {
        Some("us")
    } else if region.starts_with("eu-") {
        Some("eu")
    } else if region.starts_with("ap-") {
        Some("apac")
    } else {
        None
    }
}

impl Model {
    /// The inference-profile id for `region`: its geography's profile, else `global.` when listed.
    ///
    /// ```
    /// let haiku = bedrock_kit::find_model("Claude Haiku 4.5").unwrap();
    /// assert_eq!(haiku.profile_id("eu-central-1").as_deref(), Some("eu.anthropic.claude-haiku-4-5-20251001-v1:0"));
    /// assert_eq!(haiku.profile_id("sa-east-1").as_deref(), Some("global.anthropic.claude-haiku-4-5-20251001-v1:0"));
    /// ```
    pub fn profile_id(&self, region: &str) -> Option<String> {
        let listed = |geo: &str| self.geographies.iter().any(|g| g == geo);
        geography(region)
            .filter(|geo| listed(geo))
            .or_else(|| listed("global").then_some("global"))
            .map(|geo| format!("{geo}.{}", self.id))
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

/// Resolves a display name or id to the id to call in `region`.
///
/// Names resolve to the region's profile when the model needs one; ids are used as given
/// (a bare id that needs a profile is retried with one when Bedrock says so). Unknown
/// strings shaped like model ids (`provider.name`) pass through, so new models work.
pub(crate) fn resolve_id(name_or_id: &str, region: &str) -> Result<String> {
    let wanted = name_or_id.trim();
    if let Some(model) = catalog()
        .iter()
        .find(|m| m.name.eq_ignore_ascii_case(wanted))
    {
        return Ok(model.id_for_region(region));
    }
    if looks_like_id(wanted) {
        return Ok(wanted.to_string());
    }
    Err(Error::UnknownModel {
        name: wanted.to_string(),
        suggestions: suggestions(wanted),
    })
}

/// Whether a string can be a model id, profile id or ARN rather than a misspelt name.
fn looks_like_id(text: &str) -> bool {
    text.starts_with("arn:")
        || (text.contains('.')
            && !text.contains(char::is_whitespace)
            && text.chars().all(|c| c.is_ascii_graphic()))
}

/// Catalog names sharing a word with the request.
fn suggestions(wanted: &str) -> Vec<String> {
    let lower = wanted.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric() && c != '.')
        .filter(|w| w.len() >= 3)
        .collect();
    catalog()
        .iter()
        .filter(|m| {
            let name = m.name.to_lowercase();
            words.iter().any(|w| name.contains(w))
        })
        .map(|m| m.name.clone())
        .take(5)
        .collect()
}

/// The catalog as seen from one region: name, id to call there, provider, notes.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelTable {
    /// The region the ids are resolved for.
    pub region: String,
    /// `(model, id to call in the region)` in catalog order.
    pub rows: Vec<(Model, String)>,
}

impl ModelTable {
    /// The table for `region`.
    pub fn for_region(region: &str) -> Self {
        ModelTable {
            region: region.to_string(),
            rows: catalog()
                .iter()
                .map(|m| (m.clone(), m.id_for_region(region)))
                .collect(),
        }
    }

    /// The id to call for a display name, if listed.
    pub fn id(&self, name: &str) -> Option<&str> {
        self.rows
            .iter()
            .find(|(m, _)| m.name.eq_ignore_ascii_case(name))
            .map(|(_, id)| id.as_str())
    }

    /// The table as Markdown.
    pub fn to_markdown(&self) -> String {
        let mut table =
            MarkdownTable::new(&["model", "id to call in this region", "provider", "notes"]);
        for (model, id) in &self.rows {
            let mut notes = Vec::new();
            if model.workshop {
                notes.push("workshop");
            }
            if !model.on_demand {
                notes.push("profile only");
            }
            if model.tool_use {
                notes.push("tools");
            }
            if model.reasoning {
                notes.push("reasoning");
            }
            if model.legacy {
                notes.push("legacy");
            }
            table.row(vec![
                cell(&model.name),
                format!("`{}`", cell(id)),
                cell(&model.provider),
                notes.join(", "),
            ]);
        }
        format!("**Models for {}**\n\n{}", self.region, table.render())
    }

    /// The table as HTML.
    pub fn to_html(&self) -> String {
        markdown_to_html(&self.to_markdown())
    }

    /// Shows the table in a notebook.
    pub fn evcxr_display(&self) {
        print_evcxr_html(&self.to_html());
    }
}

impl fmt::Display for ModelTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Models for {}", self.region)?;
        let width = self
            .rows
            .iter()
            .map(|(m, _)| m.name.len())
            .max()
            .unwrap_or(0);
        for (model, id) in &self.rows {
            writeln!(f, "  {:width$}  {id}", model.name)?;
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests state expectations
mod tests {
    use super::*;

    #[test]
    fn the_shipped_catalog_parses_and_has_the_workshop_models() {
        let names: Vec<&str> = catalog()
            .iter()
            .filter(|m| m.workshop)
            .map(|m| m.name.as_str())
            .collect();
        assert_eq!(names.len(), 7, "{names:?}");
        assert!(names.contains(&"Meta Llama 3.1 70B Instruct"));
    }

    #[test]
    fn names_are_found_in_any_case_and_ids_through_profiles_and_arns() {
        assert_eq!(
            find_model("AMAZON NOVA MICRO").map(|m| m.id.as_str()),
            Some("amazon.nova-micro-v1:0")
        );
        assert_eq!(
            find_model(
                "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.deepseek.r1-v1:0"
            )
            .map(|m| m.name.as_str()),
            Some("DeepSeek-R1")
        );
        assert_eq!(
            find_model("amazon.titan-text-express-v1").map(|m| m.provider.as_str()),
            Some("titan")
        );
        assert!(find_model("no such model").is_none());
    }

    #[test]
    fn profile_follows_the_region_geography() {
        let sonnet = find_model("Claude 3.7 Sonnet")
            .map(|m| m.id.clone())
            .unwrap_or_default();
        assert_eq!(
            resolve_id("Claude 3.7 Sonnet", "us-west-2").ok(),
            Some(format!("us.{sonnet}"))
        );
        assert_eq!(
            resolve_id("Claude 3.7 Sonnet", "eu-west-1").ok(),
            Some(format!("eu.{sonnet}"))
        );
        assert_eq!(
            resolve_id("Claude 3.7 Sonnet", "ap-northeast-1").ok(),
            Some(format!("apac.{sonnet}"))
        );
    }

    /// A model with these geographies (the shipped data changes as AWS does; the rule must not).
    fn model_in(geographies: &[&str]) -> Model {
        Model {
            geographies: geographies.iter().map(|g| g.to_string()).collect(),
            on_demand: false,
            ..find_model("Amazon Nova Pro")
                .cloned()
                .expect("catalog model")
        }
    }

    #[test]
    fn global_profile_is_used_where_the_geography_has_none() {
        let model = model_in(&["us", "global"]);
        assert_eq!(
            model.id_for_region("ap-south-1"),
            "global.amazon.nova-pro-v1:0"
        );
        assert_eq!(model.id_for_region("us-west-2"), "us.amazon.nova-pro-v1:0");
    }

    #[test]
    fn without_a_matching_profile_the_bare_id_is_used() {
        let model = model_in(&["us"]);
        assert_eq!(model.profile_id("eu-west-1"), None);
        assert_eq!(model.id_for_region("eu-west-1"), "amazon.nova-pro-v1:0");
    }

    #[test]
    fn on_demand_models_keep_their_bare_id() {
        assert_eq!(
            resolve_id("Amazon Nova Pro", "us-east-1").ok().as_deref(),
            Some("amazon.nova-pro-v1:0")
        );
    }

    #[test]
    fn ids_pass_through_and_misspelt_names_fail_with_suggestions() {
        assert_eq!(
            resolve_id("us.x.y-v1:0", "us-east-1").ok().as_deref(),
            Some("us.x.y-v1:0")
        );
        match resolve_id("Nova Micro", "us-east-1") {
            Err(Error::UnknownModel { suggestions, .. }) => {
                assert!(
                    suggestions.contains(&"Amazon Nova Micro".to_string()),
                    "{suggestions:?}"
                )
            }
            other => panic!("expected UnknownModel, got {other:?}"),
        }
    }

    #[test]
    fn base_id_strips_profile_prefix_and_arn() {
        assert_eq!(base_model_id("global.anthropic.x-v1:0"), "anthropic.x-v1:0");
        assert_eq!(
            base_model_id("amazon.nova-pro-v1:0"),
            "amazon.nova-pro-v1:0"
        );
    }

    #[test]
    fn model_table_renders_every_model_with_its_regional_id() {
        let table = ModelTable::for_region("eu-west-1");
        let html = table.to_html();
        assert!(html.contains("<table>"));
        assert!(
            html.contains("eu.anthropic.claude-3-5-haiku")
                || html.contains("anthropic.claude-3-5-haiku")
        );
        assert_eq!(table.rows.len(), catalog().len());
        assert!(table.to_string().contains("Amazon Nova Pro"));
    }
}
