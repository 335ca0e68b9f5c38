//! Whether a value fits a JSON schema (the subset structured outputs use).

use serde_json::Value;

use super::generate::{resolve, types_of};

/// How deep `$ref`s are followed while checking (a recursive schema against a deep value).
const MAX_DEPTH: usize = 64;

/// `Ok` when `value` fits `schema`, else the first misfit with its JSON path (`$.stops[0].kind:
/// "zoo" is not one of ["museum","park"]`).
///
/// Checks `$ref` (into the root), `type` (one or a list; an integer is a number), `const`,
/// `enum`, `properties`, `required`, `additionalProperties` (false or a schema), `items`,
/// `prefixItems`, `minItems`/`maxItems`, `minLength`/`maxLength`, `minimum`/`maximum` and their
/// exclusive forms, `anyOf`, `oneOf` (exactly one), `allOf` and `not`. Other keywords (`pattern`,
/// `format`, ...) are not checked.
///
/// ```
/// use serde_json::json;
/// let schema = json!({"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]});
/// assert!(bedrock_local::structured::conforms(&schema, &json!({"n": 3})).is_ok());
/// assert_eq!(
///     bedrock_local::structured::conforms(&schema, &json!({"n": "3"})),
///     Err("$.n: \"3\" is not of type integer".to_string())
/// );
/// ```
pub fn conforms(schema: &Value, value: &Value) -> Result<(), String> {
    check(schema, schema, value, "$", 0)
}

fn check(
    root: &Value,
    node: &Value,
    value: &Value,
    path: &str,
    depth: usize,
) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err(format!(
            "{path}: the schema nests deeper than {MAX_DEPTH} levels"
        ));
    }
    if node == &Value::Bool(true) {
        return Ok(());
    }
    if node == &Value::Bool(false) {
        return Err(format!("{path}: no value is allowed here"));
    }
    let Some(node) = resolve(root, node) else {
        return Err(format!("{path}: the schema's $ref points nowhere"));
    };
    let fail = |what: String| Err(format!("{path}: {what}"));
    if let Some(constant) = node.get("const")
        && constant != value
    {
        return fail(format!("{value} is not {constant}"));
    }
    if let Some(options) = node.get("enum").and_then(Value::as_array)
        && !options.contains(value)
    {
        return fail(format!(
            "{value} is not one of {}",
            Value::Array(options.clone())
        ));
    }
    let types = types_of(node);
    if !types.is_empty() && !types.iter().any(|t| is_type(value, t)) {
        return fail(format!("{value} is not of type {}", types.join(" or ")));
    }
    if let Some(branches) = node.get("anyOf").and_then(Value::as_array)
        && !branches
            .iter()
            .any(|b| check(root, b, value, path, depth + 1).is_ok())
    {
        return fail(format!("{value} fits none of the anyOf branches"));
    }
    if let Some(branches) = node.get("oneOf").and_then(Value::as_array) {
        let fitting = branches
            .iter()
            .filter(|b| check(root, b, value, path, depth + 1).is_ok())
            .count();
        if fitting != 1 {
            return fail(format!(
                "{value} fits {fitting} oneOf branches, not exactly one"
            ));
        }
    }
    for part in node
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        check(root, part, value, path, depth + 1)?;
    }
    if let Some(not) = node.get("not")
        && check(root, not, value, path, depth + 1).is_ok()
    {
        return fail(format!("{value} fits the schema under not"));
    }
    match value {
        Value::Object(map) => {
            let properties = node.get("properties").and_then(Value::as_object);
            for key in node
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(key) = key.as_str()
                    && !map.contains_key(key)
                {
                    return fail(format!("required property `{key}` is missing"));
                }
            }
            for (key, item) in map {
                let item_path = format!("{path}.{key}");
                match properties.and_then(|p| p.get(key)) {
                    Some(schema) => check(root, schema, item, &item_path, depth + 1)?,
                    None => match node.get("additionalProperties") {
                        Some(Value::Bool(false)) => {
                            return fail(format!("property `{key}` is not allowed"));
                        }
                        Some(schema) if schema.is_object() => {
                            check(root, schema, item, &item_path, depth + 1)?;
                        }
                        _ => {}
                    },
                }
            }
        }
        Value::Array(items) => {
            let count = items.len() as u64;
            if node
                .get("minItems")
                .and_then(Value::as_u64)
                .is_some_and(|n| count < n)
            {
                return fail(format!("{count} items are fewer than minItems"));
            }
            if node
                .get("maxItems")
                .and_then(Value::as_u64)
                .is_some_and(|n| count > n)
            {
                return fail(format!("{count} items are more than maxItems"));
            }
            let prefix = node.get("prefixItems").and_then(Value::as_array);
            for (i, item) in items.iter().enumerate() {
                let item_path = format!("{path}[{i}]");
                let schema = prefix.and_then(|p| p.get(i)).or_else(|| node.get("items"));
                if let Some(schema) = schema {
                    check(root, schema, item, &item_path, depth + 1)?;
                }
            }
        }
        Value::String(text) => {
            let chars = text.chars().count() as u64;
            if node
                .get("minLength")
                .and_then(Value::as_u64)
                .is_some_and(|n| chars < n)
            {
                return fail(format!("{value} is shorter than minLength"));
            }
            if node
                .get("maxLength")
                .and_then(Value::as_u64)
                .is_some_and(|n| chars > n)
            {
                return fail(format!("{value} is longer than maxLength"));
            }
        }
        Value::Number(number) => {
            let x = number.as_f64().unwrap_or(f64::NAN);
            let bound = |key: &str| node.get(key).and_then(Value::as_f64);
            let out_of_range = bound("minimum").is_some_and(|m| x < m)
                || bound("maximum").is_some_and(|m| x > m)
                || bound("exclusiveMinimum").is_some_and(|m| x <= m)
                || bound("exclusiveMaximum").is_some_and(|m| x >= m);
            if out_of_range {
                return fail(format!("{value} is out of the schema's bounds"));
            }
        }
        Value::Bool(_) | Value::Null => {}
    }
    Ok(())
}

fn is_type(value: &Value, kind: &str) -> bool {
    match kind {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        "number" => value.is_number(),
        "integer" => {
            value.is_i64() || value.is_u64() || value.as_f64().is_some_and(|x| x.fract() == 0.0)
        }
        _ => true,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests state expectations
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn misfits_are_named_with_their_path() {
        let schema = json!({
            "type": "object",
            "properties": { "items": { "type": "array", "items": { "$ref": "#/$defs/I" } } },
            "required": ["items"],
            "additionalProperties": false,
            "$defs": { "I": { "type": "object", "properties": { "k": { "enum": ["a", "b"] } }, "required": ["k"] } }
        });
        assert_eq!(conforms(&schema, &json!({"items": [{"k": "a"}]})), Ok(()));
        assert_eq!(
            conforms(&schema, &json!({"items": [{"k": "c"}]})),
            Err("$.items[0].k: \"c\" is not one of [\"a\",\"b\"]".into())
        );
        assert_eq!(
            conforms(&schema, &json!({"items": [], "extra": 1})),
            Err("$: property `extra` is not allowed".into())
        );
        assert_eq!(
            conforms(&schema, &json!({})),
            Err("$: required property `items` is missing".into())
        );
    }

    #[test]
    fn bounds_lengths_and_one_of_are_checked() {
        let schema = json!({ "oneOf": [{ "type": "integer", "minimum": 1, "maximum": 3 }, { "type": "string", "maxLength": 2 }] });
        assert_eq!(conforms(&schema, &json!(2)), Ok(()));
        assert_eq!(conforms(&schema, &json!("ab")), Ok(()));
        assert!(conforms(&schema, &json!(4)).is_err());
        assert!(conforms(&schema, &json!("abc")).is_err());
    }
}
