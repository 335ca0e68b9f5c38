//! The model catalog as a session sees it: names resolved to the id to call in the session's
//! region, and each model's lifecycle state on the session's date. The data, the `Model` type
//! and the id rules live in `bedrock-catalog`, shared with the local endpoint.

use std::fmt;

use bedrock_catalog::{Date, Geography, Model, State};

use crate::display::{MarkdownTable, cell, markdown_to_html, print_evcxr_html};
use crate::error::{Error, Result};

/// The display names of every catalog model.
///
/// ```
/// assert!(bedrock_kit::model_names().contains(&"Claude Haiku 4.5"));
/// ```
pub fn model_names() -> Vec<&'static str> {
    names(bedrock_catalog::models().iter())
}

/// The display names of the upstream workshop's current model table, in its order.
///
/// ```
/// assert_eq!(bedrock_kit::workshop_model_names()[0], "Claude Haiku 4.5");
/// ```
pub fn workshop_model_names() -> Vec<&'static str> {
    names(bedrock_catalog::workshop_models())
}

/// The display names of the seven models this port started with (April 2025).
///
/// ```
/// assert_eq!(bedrock_kit::seed_model_names().len(), 7);
/// ```
pub fn seed_model_names() -> Vec<&'static str> {
    names(bedrock_catalog::seed_models())
}

/// The display name of the catalog's working model, the one the notebooks and examples use.
///
/// ```
/// assert_eq!(bedrock_kit::default_model(), "Claude Haiku 4.5");
/// ```
pub fn default_model() -> &'static str {
    &bedrock_catalog::default_model().name
}

fn names<'a>(models: impl IntoIterator<Item = &'a Model>) -> Vec<&'a str> {
    models.into_iter().map(|m| m.name.as_str()).collect()
}

/// The id to call for a catalog model in `region`, or for an unknown id the profile of the
/// region's geography (used after an on-demand refusal).
pub(crate) fn profile_for(id: &str, region: &str) -> Option<String> {
    match bedrock_catalog::find(id) {
        Some(model) => model.profile_id(region),
        None => Geography::for_region(region)
            .first()
            .map(|geo| format!("{geo}.{id}")),
    }
}

/// Resolves a display name or id to the id to call in `region`.
///
/// Names resolve to the region's profile when the model needs one; ids are used as given
/// (a bare id that needs a profile is retried with one when Bedrock says so). Unknown
/// strings shaped like model ids (`provider.name`) pass through, so new models work.
pub(crate) fn resolve_id(name_or_id: &str, region: &str) -> Result<String> {
    let wanted = name_or_id.trim();
    if let Some(model) = bedrock_catalog::models()
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
    bedrock_catalog::models()
        .iter()
        .filter(|m| {
            let name = m.name.to_lowercase();
            words.iter().any(|w| name.contains(w))
        })
        .map(|m| m.name.clone())
        .take(5)
        .collect()
}

/// Where a model stands on a date, in words: "Active", "end of life since 2026-06-19, use
/// Claude Haiku 4.5", ...
pub(crate) fn state_text(model: &Model, date: Date) -> String {
    let lifecycle = &model.lifecycle;
    let instead = lifecycle
        .replacement
        .as_deref()
        .map(|r| format!(", use {r}"))
        .unwrap_or_default();
    let since = |day: Option<Date>| day.map(|d| format!(" since {d}")).unwrap_or_default();
    match model.state_on(date) {
        State::NotLaunched => format!("not launched yet (launches {})", lifecycle.launched),
        State::Active => "Active".to_string(),
        State::Legacy => format!("Legacy{}{instead}", since(lifecycle.legacy)),
        State::ExtendedAccess => format!(
            "Legacy, extended access{}{instead}",
            since(lifecycle.extended_access)
        ),
        State::EndOfLife => format!("end of life{}{instead}", since(lifecycle.end_of_life)),
    }
}

/// One row of a [`ModelTable`].
#[derive(Debug, Clone, PartialEq)]
pub struct ModelRow {
    /// The catalog model.
    pub model: Model,
    /// The id to call for it in the table's region.
    pub id: String,
    /// Its lifecycle state on the table's date.
    pub state: State,
}

/// The catalog as seen from one region on one day: name, id to call there, state, provider, notes.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelTable {
    /// The region the ids are resolved for.
    pub region: String,
    /// The day the lifecycle states are read for.
    pub date: Date,
    /// One row per catalog model, in catalog order.
    pub rows: Vec<ModelRow>,
}

impl ModelTable {
    /// The table for `region` on `date`.
    ///
    /// ```
    /// use bedrock_kit::{ModelTable, State};
    /// let day = bedrock_kit::parse_date("2026-12-02").unwrap();
    /// let table = ModelTable::for_region("us-east-1", day);
    /// assert_eq!(table.state("Claude 3.5 Haiku"), Some(State::EndOfLife));
    /// assert_eq!(table.id("Claude Haiku 4.5"), Some("us.anthropic.claude-haiku-4-5-20251001-v1:0"));
    /// ```
    pub fn for_region(region: &str, date: Date) -> Self {
        ModelTable {
            region: region.to_string(),
            date,
            rows: bedrock_catalog::models()
                .iter()
                .map(|m| ModelRow {
                    model: m.clone(),
                    id: m.id_for_region(region),
                    state: m.state_on(date),
                })
                .collect(),
        }
    }

    fn row(&self, name: &str) -> Option<&ModelRow> {
        self.rows
            .iter()
            .find(|r| r.model.name.eq_ignore_ascii_case(name))
    }

    /// The id to call for a display name, if listed.
    pub fn id(&self, name: &str) -> Option<&str> {
        self.row(name).map(|r| r.id.as_str())
    }

    /// The lifecycle state of a display name, if listed.
    pub fn state(&self, name: &str) -> Option<State> {
        self.row(name).map(|r| r.state)
    }

    /// The table as Markdown.
    pub fn to_markdown(&self) -> String {
        let mut table = MarkdownTable::new(&[
            "model",
            "id to call in this region",
            "state",
            "provider",
            "notes",
        ]);
        for row in &self.rows {
            let model = &row.model;
            let mut notes = Vec::new();
            if model.name == default_model() {
                notes.push("working model");
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
            let state = state_text(model, self.date);
            let state = if row.state.answers() {
                state
            } else {
                format!("**{state}**")
            };
            table.row(vec![
                cell(&model.name),
                format!("`{}`", cell(&row.id)),
                cell(&state),
                cell(model.provider.name()),
                notes.join(", "),
            ]);
        }
        format!(
            "**Models for {} on {}**\n\n{}",
            self.region,
            self.date,
            table.render()
        )
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
        writeln!(f, "Models for {} on {}", self.region, self.date)?;
        let width = self
            .rows
            .iter()
            .map(|r| r.model.name.len())
            .max()
            .unwrap_or(0);
        let id_width = self.rows.iter().map(|r| r.id.len()).max().unwrap_or(0);
        for row in &self.rows {
            writeln!(
                f,
                "  {:width$}  {:id_width$}  {}",
                row.model.name,
                row.id,
                state_text(&row.model, self.date)
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests state expectations
mod tests {
    use super::*;

    fn day(text: &str) -> Date {
        bedrock_catalog::parse_date(text).unwrap()
    }

    #[test]
    fn names_resolve_to_the_profile_of_the_region_geography() {
        let id = "anthropic.claude-haiku-4-5-20251001-v1:0";
        for (region, prefix) in [
            ("us-west-2", "us"),
            ("eu-west-1", "eu"),
            ("ap-northeast-1", "jp"),
            ("ap-southeast-2", "au"),
            ("sa-east-1", "global"),
        ] {
            assert_eq!(
                resolve_id("Claude Haiku 4.5", region).ok(),
                Some(format!("{prefix}.{id}")),
                "{region}"
            );
        }
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
    fn unknown_ids_get_the_profile_of_the_region_geography() {
        assert_eq!(
            profile_for("acme.new-model-v1:0", "eu-west-1").as_deref(),
            Some("eu.acme.new-model-v1:0")
        );
        assert_eq!(profile_for("acme.new-model-v1:0", "me-central-1"), None);
    }

    #[test]
    fn state_text_names_the_date_and_the_replacement() {
        let haiku = bedrock_catalog::find("Claude 3.5 Haiku").unwrap();
        assert_eq!(
            state_text(haiku, day("2026-12-02")),
            "end of life since 2026-06-19, use Claude Haiku 4.5"
        );
        assert_eq!(
            state_text(haiku, day("2026-01-05")),
            "Legacy since 2025-12-19, use Claude Haiku 4.5"
        );
        assert_eq!(state_text(haiku, day("2025-04-15")), "Active");
        let opus = bedrock_catalog::find("Claude Opus 4.6").unwrap();
        assert_eq!(
            state_text(opus, day("2025-04-15")),
            "not launched yet (launches 2026-02-05)"
        );
    }

    #[test]
    fn model_table_shows_every_model_with_its_regional_id_and_state() {
        let table = ModelTable::for_region("eu-west-1", day("2026-12-02"));
        assert_eq!(table.rows.len(), bedrock_catalog::models().len());
        assert_eq!(
            table.id("Claude Haiku 4.5"),
            Some("eu.anthropic.claude-haiku-4-5-20251001-v1:0")
        );
        let html = table.to_html();
        assert!(html.contains("<table>"));
        assert!(
            html.contains("<strong>end of life since 2026-04-28, use Claude Sonnet 4.5</strong>")
        );
        assert!(html.contains("working model"));
        let text = table.to_string();
        assert!(text.contains("Models for eu-west-1 on 2026-12-02"));
        assert!(text.contains("end of life since 2026-06-19, use Claude Haiku 4.5"));
    }
}
