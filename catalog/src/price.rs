//! Bedrock's on-demand prices per model, as data (`catalog/prices.json`), with where each was read.
//!
//! ```
//! use bedrock_catalog::{ModelId, prices_for};
//! let haiku = prices_for("Claude Haiku 4.5").unwrap();
//! let global = haiku.rates_for(&ModelId::parse("global.anthropic.claude-haiku-4-5-20251001-v1:0").unwrap());
//! let regional = haiku.rates_for(&ModelId::parse("us.anthropic.claude-haiku-4-5-20251001-v1:0").unwrap());
//! assert!(regional.input > global.input);
//! ```

use std::sync::OnceLock;

use serde::Deserialize;

use crate::id::{Geography, ModelId};

const PRICES_JSON: &str = include_str!("../prices.json");

/// Prices of one route to a model, in US dollars per million tokens.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rates {
    /// Uncached input tokens.
    pub input: f64,
    /// Output tokens.
    pub output: f64,
    /// Tokens written to the prompt cache with the five-minute TTL (`None`: no prompt caching).
    #[serde(default)]
    pub cache_write_5m: Option<f64>,
    /// Tokens written to the prompt cache with the one-hour TTL (`None`: the model has no 1h TTL).
    #[serde(default)]
    pub cache_write_1h: Option<f64>,
    /// Tokens read from the prompt cache.
    #[serde(default)]
    pub cache_read: Option<f64>,
}

/// The prices of one catalog model.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prices {
    /// The catalog model's display name.
    pub model: String,
    /// Through a `global.` inference profile, when it is priced apart.
    #[serde(default)]
    pub global: Option<Rates>,
    /// Through the bare id or a geographic profile (`us.`, `eu.`, ...).
    pub regional: Rates,
    /// Where the figures were read.
    pub seen_in: String,
    /// What was not confirmed.
    #[serde(default)]
    pub uncertain: Option<String>,
}

impl Prices {
    /// The rates that apply to a call made with this id (a `global.` profile or anything else).
    pub fn rates_for(&self, id: &ModelId<'_>) -> &Rates {
        match (id.geography(), &self.global) {
            (Some(Geography::Global), Some(global)) => global,
            _ => &self.regional,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PriceFile {
    #[allow(dead_code)] // always "USD": provenance kept with the data, checked by the tests
    currency: String,
    #[allow(dead_code)]
    per_million_tokens: bool,
    source: String,
    read_on: String,
    #[allow(dead_code)]
    note: String,
    prices: Vec<Prices>,
}

fn file() -> &'static PriceFile {
    static FILE: OnceLock<PriceFile> = OnceLock::new();
    FILE.get_or_init(|| {
        serde_json::from_str(PRICES_JSON).unwrap_or_else(|_| PriceFile {
            // Unreachable for the shipped file: a unit test parses it with serde's own error.
            currency: String::new(),
            per_million_tokens: true,
            source: String::new(),
            read_on: String::new(),
            note: String::new(),
            prices: Vec::new(),
        })
    })
}

/// The prices of a catalog model, by display name (any case); `None` when none are listed
/// (models past their end of life).
pub fn prices_for(model_name: &str) -> Option<&'static Prices> {
    file()
        .prices
        .iter()
        .find(|p| p.model.eq_ignore_ascii_case(model_name))
}

/// The page the prices come from and the day they were read (`YYYY-MM-DD`).
pub fn price_source() -> (&'static str, &'static str) {
    (&file().source, &file().read_on)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests state expectations
mod tests {
    use super::*;

    #[test]
    fn the_price_file_parses_and_names_only_catalog_models() {
        let parsed: PriceFile = serde_json::from_str(PRICES_JSON).expect("prices.json parses");
        assert_eq!(parsed.currency, "USD");
        assert!(parsed.per_million_tokens);
        assert!(
            parsed
                .source
                .starts_with("https://aws.amazon.com/bedrock/pricing")
        );
        assert!(crate::parse_date(&parsed.read_on).is_ok());
        for prices in &parsed.prices {
            assert!(
                crate::find(&prices.model).is_some(),
                "{} is not in the catalog",
                prices.model
            );
            assert!(!prices.seen_in.is_empty(), "{} has no source", prices.model);
        }
    }

    #[test]
    fn every_active_workshop_model_has_prices() {
        for model in crate::workshop_models() {
            assert!(
                prices_for(&model.name).is_some(),
                "{} has no prices",
                model.name
            );
        }
    }

    #[test]
    fn cache_writes_cost_at_least_input_and_reads_less() {
        for prices in &file().prices {
            for rates in [Some(&prices.regional), prices.global.as_ref()]
                .into_iter()
                .flatten()
            {
                if let Some(write) = rates.cache_write_5m {
                    assert!(write >= rates.input, "{}", prices.model);
                }
                if let (Some(long), Some(short)) = (rates.cache_write_1h, rates.cache_write_5m) {
                    assert!(long > short, "{}", prices.model);
                }
                if let Some(read) = rates.cache_read {
                    assert!(read < rates.input, "{}", prices.model);
                }
            }
        }
    }

    #[test]
    fn a_global_profile_uses_global_rates_and_everything_else_regional() {
        let haiku = prices_for("claude haiku 4.5").unwrap();
        let global = ModelId::parse("global.anthropic.claude-haiku-4-5-20251001-v1:0").unwrap();
        let us = ModelId::parse("us.anthropic.claude-haiku-4-5-20251001-v1:0").unwrap();
        assert_eq!(haiku.rates_for(&global).input, 1.0);
        assert_eq!(haiku.rates_for(&us).input, 1.1);
        let nova = prices_for("Amazon Nova Micro").unwrap();
        let nova_global = ModelId::parse("global.amazon.nova-micro-v1:0").unwrap();
        assert_eq!(nova.rates_for(&nova_global), &nova.regional);
    }
}
