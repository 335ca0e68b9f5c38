//! The endpoint's data files (scenarios, guardrails): TOML or JSON read as one JSON value, and
//! tables read into specs with errors that name the refused field. serde_json's message for a
//! wrong type (`invalid type: string "slow", expected u64`) does not say where it was.

use std::path::Path;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// The format of a data file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// TOML (`[[rule]]`, `[[guardrail]]` tables).
    Toml,
    /// JSON (`{"rule": [...]}`, `{"guardrail": [...]}`).
    Json,
}

/// Reads the `kind` file (`scenario`, `guardrail`) at `path`, whose extension names its format;
/// the error says what is wrong with it.
pub(crate) fn read(path: &Path, kind: &str) -> Result<(Format, String), String> {
    let format = match path.extension().and_then(|e| e.to_str()) {
        Some(ext) if ext.eq_ignore_ascii_case("toml") => Format::Toml,
        Some(ext) if ext.eq_ignore_ascii_case("json") => Format::Json,
        _ => return Err(format!("a {kind} file must end in .toml or .json")),
    };
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read it: {e}"))?;
    Ok((format, text))
}

/// A file's whole text as one JSON value; the error is the parser's message.
pub(crate) fn parse(text: &str, format: Format) -> Result<Value, String> {
    match format {
        Format::Toml => toml::from_str::<toml::Table>(text)
            .map_err(|e| e.to_string().trim_end().to_string())
            .and_then(|table| serde_json::to_value(table).map_err(|e| e.to_string())),
        Format::Json => serde_json::from_str(text).map_err(|e| e.to_string()),
    }
}

/// Reads the table `value` at `path` (`None` for an item's top level) as `T`; on refusal, the
/// path of the field to blame (the table's own when no single field is) and serde's reason.
pub(crate) fn section<T: DeserializeOwned>(
    path: Option<&str>,
    value: Value,
) -> Result<T, (Option<String>, String)> {
    let at = |key: &str| match path {
        Some(p) => format!("{p}.{key}"),
        None => key.to_string(),
    };
    let Value::Object(map) = &value else {
        return Err((
            path.map(str::to_string),
            "expected a table of fields".into(),
        ));
    };
    T::deserialize(&value).map_err(|whole| {
        // Every field of a section is optional, so trying each alone finds the culprit.
        match first_refused::<T>(map, &Map::new()) {
            Some((key, e)) => (Some(at(&key)), e.to_string()),
            None => (path.map(str::to_string), whole.to_string()),
        }
    })
}

/// The first entry of `table` that `T` refuses when read alone beside the `base` entries (a
/// tag such as `kind`, or nothing), with serde's reason. Every other field of `T` must be
/// optional, so that a table of one field parses unless that field is the culprit.
pub(crate) fn first_refused<T: DeserializeOwned>(
    table: &Map<String, Value>,
    base: &Map<String, Value>,
) -> Option<(String, serde_json::Error)> {
    table
        .iter()
        .filter(|(key, _)| !base.contains_key(*key))
        .find_map(|(key, value)| {
            let mut alone = base.clone();
            alone.insert(key.clone(), value.clone());
            serde_json::from_value::<T>(Value::Object(alone))
                .err()
                .map(|e| (key.clone(), e))
        })
}
