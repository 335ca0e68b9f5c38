//! Reading request JSON field by field, turning every malformed value into a
//! `ValidationException` that names the field (`messages.0.content.1.text`).

use serde_json::{Map, Value};

use crate::error::ApiError;

/// Parse a request body; malformed JSON is a `ValidationException`, never a panic.
pub fn parse_body(body: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        ApiError::validation(format!(
            "Malformed input request: {e}, please reformat your input and try again."
        ))
    })
}

/// `1 validation error detected: Value ... at 'path' failed to satisfy constraint: ...`.
pub fn constraint(value: &str, path: &str, constraint: &str) -> ApiError {
    ApiError::validation(format!(
        "1 validation error detected: Value {value} at '{path}' failed to satisfy constraint: {constraint}"
    ))
}

/// The field at `path` has the wrong JSON type.
pub fn wrong_type(path: &str, expected: &str) -> ApiError {
    constraint(
        "of the wrong type",
        path,
        &format!("Member must be {expected}"),
    )
}

/// A required field is absent (or `null`).
pub fn missing(path: &str) -> ApiError {
    constraint("null", path, "Member must not be null")
}

/// Join a parent path and a key (`""` + `messages` = `messages`).
pub fn join(parent: &str, key: impl std::fmt::Display) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

/// The value as an object.
pub fn object<'a>(value: &'a Value, path: &str) -> Result<&'a Map<String, Value>, ApiError> {
    value
        .as_object()
        .ok_or_else(|| wrong_type(display_path(path), "an object"))
}

/// The value as an array.
pub fn array<'a>(value: &'a Value, path: &str) -> Result<&'a Vec<Value>, ApiError> {
    value.as_array().ok_or_else(|| wrong_type(path, "a list"))
}

/// The value as a string.
pub fn string<'a>(value: &'a Value, path: &str) -> Result<&'a str, ApiError> {
    value.as_str().ok_or_else(|| wrong_type(path, "a string"))
}

/// The value as a number.
pub fn number(value: &Value, path: &str) -> Result<f64, ApiError> {
    value.as_f64().ok_or_else(|| wrong_type(path, "a number"))
}

/// The value as a non-negative integer that fits in 32 bits (negative values are reported with
/// Bedrock's lower-bound message by the caller, so they are accepted here as 0).
pub fn integer(value: &Value, path: &str) -> Result<i64, ApiError> {
    if let Some(i) = value.as_i64() {
        return Ok(i);
    }
    if value.as_u64().is_some() {
        return Ok(i64::MAX);
    }
    Err(wrong_type(path, "an integer"))
}

/// A member that may be absent; `null` counts as absent.
pub fn optional<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    map.get(key).filter(|v| !v.is_null())
}

/// A member that must be present.
pub fn required<'a>(
    map: &'a Map<String, Value>,
    key: &str,
    parent: &str,
) -> Result<&'a Value, ApiError> {
    optional(map, key).ok_or_else(|| missing(&join(parent, key)))
}

/// Optional string member.
pub fn optional_string<'a>(
    map: &'a Map<String, Value>,
    key: &str,
    parent: &str,
) -> Result<Option<&'a str>, ApiError> {
    optional(map, key)
        .map(|v| string(v, &join(parent, key)))
        .transpose()
}

/// Optional number member.
pub fn optional_number(
    map: &Map<String, Value>,
    key: &str,
    parent: &str,
) -> Result<Option<f64>, ApiError> {
    optional(map, key)
        .map(|v| number(v, &join(parent, key)))
        .transpose()
}

/// Optional integer member, checked to be at least `min`.
pub fn optional_integer_at_least(
    map: &Map<String, Value>,
    key: &str,
    parent: &str,
    min: i64,
) -> Result<Option<u32>, ApiError> {
    let Some(value) = optional(map, key) else {
        return Ok(None);
    };
    let path = join(parent, key);
    let n = integer(value, &path)?;
    if n < min {
        return Err(constraint(
            &format!("'{n}'"),
            &path,
            &format!("Member must have value greater than or equal to {min}"),
        ));
    }
    Ok(Some(u32::try_from(n).unwrap_or(u32::MAX)))
}

/// Optional list of strings.
pub fn optional_strings(
    map: &Map<String, Value>,
    key: &str,
    parent: &str,
) -> Result<Vec<String>, ApiError> {
    let Some(value) = optional(map, key) else {
        return Ok(Vec::new());
    };
    let path = join(parent, key);
    array(value, &path)?
        .iter()
        .enumerate()
        .map(|(i, v)| string(v, &join(&path, i)).map(str::to_string))
        .collect()
}

/// Reject a number outside `[min, max]` with Bedrock's range message; the Rust SDK sends f32
/// values (0.9 arrives as 0.8999999761581421), so the bounds allow a small tolerance.
pub fn check_range(value: f64, path: &str, min: f64, max: f64) -> Result<(), ApiError> {
    const TOLERANCE: f64 = 1e-6;
    if value < min - TOLERANCE {
        return Err(constraint(
            &format!("'{value}'"),
            path,
            &format!("Member must have value greater than or equal to {min}"),
        ));
    }
    if value > max + TOLERANCE {
        return Err(constraint(
            &format!("'{value}'"),
            path,
            &format!("Member must have value less than or equal to {max}"),
        ));
    }
    Ok(())
}

fn display_path(path: &str) -> &str {
    if path.is_empty() { "body" } else { path }
}
