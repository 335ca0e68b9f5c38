//! The Amazon Bedrock model catalog of the workshop, as data, and the few rules both the support
//! crate (`bedrock-kit`) and the local endpoint (`bedrock-local`) must apply the same way.
//!
//! - [`models()`]: every model of `catalog/models.json` with its ids, rules and [`Lifecycle`].
//! - [`ModelId`]: the one parser of bare ids, inference-profile ids and ARNs; [`Geography`]
//!   maps a region to the profiles that serve it.
//! - [`messages`]: Bedrock's error texts that one side says and the other recognises.
//! - [`guardrail`]: the local endpoint's demo guardrail and Bedrock's guardrail refusals.
//! - [`prices_for`]: Bedrock's on-demand prices per model (`catalog/prices.json`), with sources.
//! - [`Demo`]: the `[demo:*]` prompt markers of the local endpoint's fault demonstrations.
//! - [`prompt_cache`]: what each model accepts for prompt caching, and [`prompt_cache::check`],
//!   the one definition of the cache-checkpoint rules.
//! - [`thinking`]: how each model reasons, and [`thinking::check`], the one definition of Claude's
//!   extended-thinking rules; [`Model::structured_output`] says which models take
//!   `outputConfig.textFormat`.
//!
//! ```
//! use bedrock_catalog::{State, parse_date};
//! let model = bedrock_catalog::default_model();
//! assert_eq!(model.name, "Claude Haiku 4.5");
//! assert_eq!(model.id_for_region("us-east-1"), "us.anthropic.claude-haiku-4-5-20251001-v1:0");
//! let sonnet_3_7 = bedrock_catalog::find("Claude 3.7 Sonnet").unwrap();
//! assert_eq!(sonnet_3_7.state_on(parse_date("2026-12-02")?), State::EndOfLife);
//! # Ok::<(), bedrock_catalog::DateError>(())
//! ```

mod demo;
pub mod guardrail;
mod id;
mod lifecycle;
pub mod messages;
mod model;
mod price;
pub mod prompt_cache;
pub mod thinking;

use std::sync::OnceLock;

use serde::Deserialize;

pub use demo::Demo;
pub use id::{Geography, IdError, ModelId, base_model_id};
pub use lifecycle::{DateError, Lifecycle, State, parse_date, today};
pub use model::{Model, Pace, Provider};
pub use price::{Prices, Rates, price_source, prices_for};
pub use prompt_cache::{CachePoint, CacheRuleError, CacheSection, CacheTtl, PromptCache};
pub use thinking::{Thinking, ThinkingRequest, ThinkingRuleError};
pub use time::Date;

/// The catalog file, compiled in so that neither side needs a file at run time.
const CATALOG_JSON: &str = include_str!("../models.json");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    default_model: String,
    workshop: WorkshopList,
    seed: WorkshopList,
    models: Vec<Model>,
}

/// One edition of the upstream workshop's model table.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct WorkshopList {
    edition: String,
    models: Vec<String>,
    // The page the list was read from: provenance kept with the data, checked by the tests.
    #[cfg_attr(not(test), allow(dead_code))]
    source: String,
}

fn file() -> &'static CatalogFile {
    static FILE: OnceLock<CatalogFile> = OnceLock::new();
    FILE.get_or_init(|| {
        serde_json::from_str(CATALOG_JSON).unwrap_or_else(|_| CatalogFile {
            // Unreachable for the shipped file: a unit test parses it with serde's own error.
            default_model: String::new(),
            workshop: WorkshopList::default(),
            seed: WorkshopList::default(),
            models: Vec::new(),
        })
    })
}

/// Every model of the catalog, in file order.
///
/// ```
/// assert!(bedrock_catalog::models().iter().any(|m| m.name == "Amazon Nova Micro"));
/// ```
pub fn models() -> &'static [Model] {
    &file().models
}

/// The model with this display name (any case), foundation-model id, profile id or ARN.
///
/// ```
/// let by_name = bedrock_catalog::find("claude haiku 4.5").unwrap();
/// let by_profile = bedrock_catalog::find("global.anthropic.claude-haiku-4-5-20251001-v1:0").unwrap();
/// assert_eq!(by_name, by_profile);
/// assert!(bedrock_catalog::find("no such model").is_none());
/// ```
pub fn find(name_or_id: &str) -> Option<&'static Model> {
    let wanted = name_or_id.trim();
    models()
        .iter()
        .find(|m| m.name.eq_ignore_ascii_case(wanted))
        .or_else(|| find_by_id(base_model_id(wanted)))
}

/// The model with exactly this foundation-model id.
pub fn find_by_id(base_id: &str) -> Option<&'static Model> {
    models().iter().find(|m| m.id == base_id)
}

/// The catalog's working model: what the notebooks and examples use unless told otherwise
/// (the upstream workshop's current default).
pub fn default_model() -> &'static Model {
    find(&file().default_model)
        .or_else(|| models().first())
        .unwrap_or_else(|| unreachable_empty_catalog())
}

/// The models of the upstream workshop's current model table, in its order.
pub fn workshop_models() -> Vec<&'static Model> {
    listed(&file().workshop)
}

/// The seven models of the workshop as this port started from it (April 2025), in its order.
pub fn seed_models() -> Vec<&'static Model> {
    listed(&file().seed)
}

/// The date of the edition [`seed_models`] comes from: the day on which all of them answered.
pub fn seed_edition() -> &'static str {
    &file().seed.edition
}

fn listed(list: &WorkshopList) -> Vec<&'static Model> {
    list.models.iter().filter_map(|name| find(name)).collect()
}

#[allow(clippy::panic)] // the shipped catalog is never empty: `the_shipped_catalog_parses` proves it
fn unreachable_empty_catalog() -> &'static Model {
    panic!("catalog/models.json is empty or does not parse")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests state expectations
mod tests {
    use super::*;

    #[test]
    fn the_shipped_catalog_parses() {
        let parsed: Result<CatalogFile, _> = serde_json::from_str(CATALOG_JSON);
        let file = parsed.unwrap_or_else(|e| panic!("catalog/models.json: {e}"));
        assert!(file.models.len() >= 15, "{}", file.models.len());
    }

    #[test]
    fn names_and_ids_are_unique() {
        let mut names: Vec<String> = models().iter().map(|m| m.name.to_lowercase()).collect();
        let mut ids: Vec<&str> = models().iter().map(|m| m.id.as_str()).collect();
        names.sort();
        ids.sort();
        let (n, i) = (names.len(), ids.len());
        names.dedup();
        ids.dedup();
        assert_eq!((names.len(), ids.len()), (n, i));
    }

    #[test]
    fn every_id_is_a_foundation_id_of_its_provider() {
        for model in models() {
            assert_eq!(
                ModelId::parse(&model.id),
                Ok(ModelId::Foundation(&model.id)),
                "{}",
                model.name
            );
            assert_eq!(
                Provider::from_id_prefix(&model.id),
                Some(model.provider),
                "{}",
                model.name
            );
        }
    }

    #[test]
    fn lifecycle_dates_are_in_order_and_replacements_are_catalog_models() {
        for model in models() {
            let l = &model.lifecycle;
            let dates: Vec<Date> = [Some(l.launched), l.legacy, l.extended_access, l.end_of_life]
                .into_iter()
                .flatten()
                .collect();
            assert!(dates.windows(2).all(|w| w[0] <= w[1]), "{}", model.name);
            if let Some(replacement) = &l.replacement {
                let target = find(replacement).unwrap_or_else(|| panic!("{replacement}"));
                assert_ne!(target.id, model.id);
            }
            if l.end_of_life.is_some() {
                assert!(l.replacement.is_some(), "{} has no replacement", model.name);
            }
            assert!(l.source.starts_with("https://"), "{}", model.name);
            assert!(model.source.starts_with("https://"), "{}", model.name);
        }
    }

    #[test]
    fn structured_output_is_claimed_only_with_a_source_and_as_aws_lists_it() {
        for model in models() {
            assert_eq!(
                model.structured_output,
                model.structured_output_source.is_some(),
                "{}",
                model.name
            );
        }
        let native: Vec<&str> = models()
            .iter()
            .filter(|m| m.structured_output)
            .map(|m| m.name.as_str())
            .collect();
        assert_eq!(
            native,
            [
                "Claude Haiku 4.5",
                "Claude Sonnet 4.5",
                "Claude Sonnet 4.6",
                "Claude Opus 4.5",
                "Claude Opus 4.6"
            ]
        );
    }

    #[test]
    fn profile_only_models_have_a_profile() {
        for model in models().iter().filter(|m| !m.on_demand) {
            assert!(!model.geographies.is_empty(), "{}", model.name);
        }
    }

    #[test]
    fn the_default_is_haiku_4_5_and_both_workshop_lists_are_complete() {
        assert_eq!(default_model().name, "Claude Haiku 4.5");
        let names = |list: Vec<&Model>| list.iter().map(|m| m.name.clone()).collect::<Vec<_>>();
        assert_eq!(
            names(seed_models()),
            [
                "Claude 3.7 Sonnet",
                "Claude 3.5 Sonnet",
                "Claude 3.5 Haiku",
                "Amazon Nova Pro",
                "Amazon Nova Micro",
                "DeepSeek-R1",
                "Meta Llama 3.1 70B Instruct"
            ]
        );
        assert_eq!(
            names(workshop_models()),
            [
                "Claude Haiku 4.5",
                "Claude Sonnet 4.5",
                "Amazon Nova Pro",
                "Amazon Nova 2 Lite",
                "Meta Llama 3.1 70B Instruct"
            ]
        );
        for list in [&file().seed, &file().workshop] {
            assert_eq!(listed(list).len(), list.models.len(), "{:?}", list.models);
            assert!(list.source.starts_with("https://"));
            parse_date(&list.edition).unwrap();
        }
    }

    #[test]
    fn on_the_seed_date_all_seven_seed_models_answer() {
        let seed_day = parse_date(seed_edition()).unwrap();
        for model in seed_models() {
            assert_eq!(model.state_on(seed_day), State::Active, "{}", model.name);
        }
    }
}
