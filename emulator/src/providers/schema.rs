//! Bedrock's JSON-schema check of native bodies, with its message wording: unknown and missing
//! keys, member types and ranges.

use serde_json::{Map, Value};

use crate::error::ApiError;

/// `Malformed input request: <detail>, please reformat your input and try again.`
pub(super) fn malformed(detail: impl std::fmt::Display) -> ApiError {
    ApiError::validation(format!(
        "Malformed input request: {detail}, please reformat your input and try again."
    ))
}

/// Reject unknown keys and missing required keys, as Bedrock's JSON-schema check does.
pub(super) fn check_keys(
    map: &Map<String, Value>,
    allowed: &[&str],
    required: &[&str],
) -> Result<(), ApiError> {
    for key in map.keys() {
        if !allowed.contains(&key.as_str()) {
            return Err(malformed(format!(
                "#: extraneous key [{key}] is not permitted"
            )));
        }
    }
    for key in required {
        if map.get(*key).is_none_or(Value::is_null) {
            return Err(malformed(format!("#: required key [{key}] not found")));
        }
    }
    Ok(())
}

/// A required string member.
pub(super) fn string_member<'a>(
    map: &'a Map<String, Value>,
    key: &str,
) -> Result<&'a str, ApiError> {
    match map.get(key) {
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(malformed(format!(
            "#/{key}: expected type: String, found: {}",
            json_type(other)
        ))),
        None => Err(malformed(format!("#: required key [{key}] not found"))),
    }
}

/// An optional non-negative integer member.
pub(super) fn integer_member(map: &Map<String, Value>, key: &str) -> Result<Option<u32>, ApiError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match v.as_u64() {
            Some(n) => Ok(Some(u32::try_from(n).unwrap_or(u32::MAX))),
            None => Err(malformed(format!(
                "#/{key}: expected type: Integer, found: {}",
                json_type(v)
            ))),
        },
    }
}

/// An optional number member within `[min, max]`.
pub(super) fn number_member(
    map: &Map<String, Value>,
    key: &str,
    min: f64,
    max: f64,
) -> Result<Option<f64>, ApiError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => {
            let n = v.as_f64().ok_or_else(|| {
                malformed(format!(
                    "#/{key}: expected type: Number, found: {}",
                    json_type(v)
                ))
            })?;
            if n < min - 1e-6 {
                return Err(malformed(format!(
                    "#/{key}: {n} is not greater or equal to {min}"
                )));
            }
            if n > max + 1e-6 {
                return Err(malformed(format!(
                    "#/{key}: {n} is not less or equal to {max}"
                )));
            }
            Ok(Some(n))
        }
    }
}

/// An optional list of strings.
pub(super) fn strings_member(map: &Map<String, Value>, key: &str) -> Result<Vec<String>, ApiError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str().map(str::to_string).ok_or_else(|| {
                    malformed(format!(
                        "#/{key}: expected type: String, found: {}",
                        json_type(v)
                    ))
                })
            })
            .collect(),
        Some(other) => Err(malformed(format!(
            "#/{key}: expected type: JSONArray, found: {}",
            json_type(other)
        ))),
    }
}

/// The JSON-schema type name of a value, for messages.
pub(super) fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "Null",
        Value::Bool(_) => "Boolean",
        Value::Number(_) => "Number",
        Value::String(_) => "String",
        Value::Array(_) => "JSONArray",
        Value::Object(_) => "JSONObject",
    }
}
