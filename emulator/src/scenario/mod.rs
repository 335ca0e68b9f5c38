//! The scenario engine: scripted answers and injected faults, with an honest fallback.
//!
//! A [`ScenarioSet`] holds rules read from scenario files (TOML or JSON, format in
//! `emulator/scenarios/README.md`). [`ScenarioSet::respond`] answers a [`Turn`](crate::turn::Turn)
//! with the first rule whose `match` conditions all hold; a rule answers its `reply` or fails
//! with its `fault` (optionally only for its first N matching calls). Replies are templates that
//! can insert what the request carries (`{{tool_result.temperature}}`, `{{model.name}}`); a rule
//! whose reply needs a value the request lacks passes to the next. When no rule matches, a
//! deterministic fallback answers, every text marked `[bedrock-local]`: an answer from tool
//! results, an extractive summary, a call of a fitting tool, or a note on how to add a rule.
//!
//! ```
//! use bedrock_local::ScenarioSet;
//! let set = ScenarioSet::from_toml_str("mine.toml", r#"
//!     [[rule]]
//!     name = "greeting"
//!     match = { contains = "hello" }
//!     reply = { text = "Hello from a scenario!" }
//! "#)?
//! .merge(ScenarioSet::builtin());
//! assert_eq!(set.rule_names().next(), Some("greeting"));
//! # Ok::<(), bedrock_local::ScenarioError>(())
//! ```

mod fallback;
mod format;
mod load;
mod matcher;
mod miss;
mod rule;
mod set;
mod summary;
mod template;
mod tool_guess;
mod values;
pub(crate) mod words;

#[cfg(test)]
mod tests;

pub use load::ScenarioError;
pub(crate) use rule::DEFAULT_CHUNK_TOKENS;
pub(crate) use rule::tool_use_id;
pub use set::ScenarioSet;
pub(crate) use values::user_text;
