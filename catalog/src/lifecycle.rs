//! Where a model stands in Bedrock's lifecycle on a given day: not launched yet, Active, Legacy,
//! in public extended access, or at end of life.

use std::fmt;

use serde::{Deserialize, Deserializer};
use time::Date;
use time::macros::format_description;

/// A model's lifecycle dates as AWS publishes them, with the page they were read from.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lifecycle {
    /// The day it became available on Bedrock.
    #[serde(deserialize_with = "day")]
    pub launched: Date,
    /// The day it became Legacy, when announced.
    #[serde(default, deserialize_with = "optional_day")]
    pub legacy: Option<Date>,
    /// The day public extended access began (still served, at a higher price), when announced.
    #[serde(default, deserialize_with = "optional_day")]
    pub extended_access: Option<Date>,
    /// The day it stops answering, when announced.
    #[serde(default, deserialize_with = "optional_day")]
    pub end_of_life: Option<Date>,
    /// The display name of the catalog model AWS recommends instead, when it has one.
    #[serde(default)]
    pub replacement: Option<String>,
    /// The AWS page the dates were read from.
    pub source: String,
}

/// A model's state on one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// Not available yet: Bedrock does not know the id.
    NotLaunched,
    /// Served normally.
    Active,
    /// Served, but only to accounts that used it recently; no new accounts.
    Legacy,
    /// Legacy in public extended access: still served to recent users, at a higher price.
    ExtendedAccess,
    /// Not served any more.
    EndOfLife,
}

impl State {
    /// Whether Bedrock still answers calls to the model (for Legacy: from accounts that used it).
    pub fn answers(self) -> bool {
        matches!(self, State::Active | State::Legacy | State::ExtendedAccess)
    }

    /// Whether the model is Legacy (with or without extended access).
    pub fn is_legacy(self) -> bool {
        matches!(self, State::Legacy | State::ExtendedAccess)
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            State::NotLaunched => "not launched",
            State::Active => "Active",
            State::Legacy => "Legacy",
            State::ExtendedAccess => "Legacy (extended access)",
            State::EndOfLife => "end of life",
        })
    }
}

impl Lifecycle {
    /// The state on `date`.
    ///
    /// ```
    /// let haiku = bedrock_catalog::find("Claude 3.5 Haiku").unwrap();
    /// let day = |s| bedrock_catalog::parse_date(s).unwrap();
    /// use bedrock_catalog::State;
    /// assert_eq!(haiku.lifecycle.state_on(day("2025-04-15")), State::Active);
    /// assert_eq!(haiku.lifecycle.state_on(day("2026-12-02")), State::EndOfLife);
    /// ```
    pub fn state_on(&self, date: Date) -> State {
        let reached = |day: Option<Date>| day.is_some_and(|d| date >= d);
        if date < self.launched {
            State::NotLaunched
        } else if reached(self.end_of_life) {
            State::EndOfLife
        } else if reached(self.extended_access) {
            State::ExtendedAccess
        } else if reached(self.legacy) {
            State::Legacy
        } else {
            State::Active
        }
    }
}

/// Parses a `YYYY-MM-DD` day.
///
/// ```
/// let day = bedrock_catalog::parse_date("2026-06-19").unwrap();
/// assert_eq!(day.to_string(), "2026-06-19");
/// assert!(bedrock_catalog::parse_date("19/06/2026").is_err());
/// ```
pub fn parse_date(text: &str) -> Result<Date, DateError> {
    Date::parse(text.trim(), format_description!("[year]-[month]-[day]")).map_err(|_| DateError {
        text: text.to_string(),
    })
}

/// Today's date (UTC), the day the local endpoint lives on unless told otherwise.
pub fn today() -> Date {
    time::OffsetDateTime::now_utc().date()
}

/// A string that is not a `YYYY-MM-DD` day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateError {
    /// What was given.
    pub text: String,
}

impl fmt::Display for DateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} is not a date: write it as YYYY-MM-DD, for example 2025-04-15",
            self.text
        )
    }
}

impl std::error::Error for DateError {}

fn day<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Date, D::Error> {
    let text = String::deserialize(deserializer)?;
    parse_date(&text).map_err(serde::de::Error::custom)
}

fn optional_day<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Date>, D::Error> {
    Option::<String>::deserialize(deserializer)?
        .map(|text| parse_date(&text).map_err(serde::de::Error::custom))
        .transpose()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests state expectations
mod tests {
    use super::*;

    fn lifecycle() -> Lifecycle {
        Lifecycle {
            launched: parse_date("2024-11-04").unwrap(),
            legacy: Some(parse_date("2025-12-19").unwrap()),
            extended_access: Some(parse_date("2026-03-19").unwrap()),
            end_of_life: Some(parse_date("2026-06-19").unwrap()),
            replacement: None,
            source: String::new(),
        }
    }

    #[test]
    fn each_date_starts_its_state_on_that_very_day() {
        let l = lifecycle();
        let on = |s| l.state_on(parse_date(s).unwrap());
        assert_eq!(on("2024-11-03"), State::NotLaunched);
        assert_eq!(on("2024-11-04"), State::Active);
        assert_eq!(on("2025-12-18"), State::Active);
        assert_eq!(on("2025-12-19"), State::Legacy);
        assert_eq!(on("2026-03-19"), State::ExtendedAccess);
        assert_eq!(on("2026-06-18"), State::ExtendedAccess);
        assert_eq!(on("2026-06-19"), State::EndOfLife);
    }

    #[test]
    fn a_model_without_announced_dates_stays_active() {
        let l = Lifecycle {
            legacy: None,
            extended_access: None,
            end_of_life: None,
            ..lifecycle()
        };
        assert_eq!(l.state_on(parse_date("2099-01-01").unwrap()), State::Active);
    }

    #[test]
    fn only_active_and_legacy_states_answer() {
        assert!(State::Active.answers() && State::Legacy.answers());
        assert!(State::ExtendedAccess.answers() && State::ExtendedAccess.is_legacy());
        assert!(!State::EndOfLife.answers() && !State::NotLaunched.answers());
    }
}
