//! Finding which field of a table serde refused, for errors that name it: serde_json's message
//! for a wrong type (`invalid type: string "slow", expected u64`) does not say where it was.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

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
