//! A value that fits a JSON schema, built deterministically from the schema and the prompt.

use serde_json::{Map, Number, Value, json};

/// How deep values are filled generously; deeper, objects get only their required properties and
/// arrays only their `minItems`, so that a recursive schema ends.
const GENEROUS_DEPTH: usize = 12;

/// How deep `$ref`s and nesting are followed at all before the smallest value is used (a schema
/// that requires its own recursion cannot be met).
const MAX_DEPTH: usize = 48;

/// The placeholder a string gets when the prompt holds no value for it.
const PLACEHOLDER: &str = "[bedrock-local]";

/// A value that fits `schema` (the root, against which `$ref`s resolve), with strings and
/// numbers taken from `prompt` where a property's name occurs in it.
///
/// ```
/// use serde_json::json;
/// let schema = json!({"type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer", "minimum": 1}}, "required": ["city"]});
/// let value = bedrock_local::structured::generate(&schema, "Forecast for city Lisbon over days 3");
/// assert_eq!(value, json!({"city": "Lisbon", "days": 3}));
/// assert!(bedrock_local::structured::conforms(&schema, &value).is_ok());
/// ```
pub fn generate(schema: &Value, prompt: &str) -> Value {
    Generator {
        root: schema,
        prompt,
    }
    .value(schema, "", 0)
}

struct Generator<'a> {
    root: &'a Value,
    prompt: &'a str,
}

/// `node` with a `$ref` replaced by what it points to (`#`, `#/$defs/X`, `#/definitions/X`, any
/// JSON pointer into the root); `None` for a reference that points nowhere.
pub(super) fn resolve<'a>(root: &'a Value, node: &'a Value) -> Option<&'a Value> {
    let Some(reference) = node.get("$ref").and_then(Value::as_str) else {
        return Some(node);
    };
    let pointer = reference.strip_prefix('#')?;
    root.pointer(pointer)
}

/// The types a schema allows, in its order (`type` may be a string or a list); inferred from its
/// keywords when it names none.
pub(super) fn types_of(node: &Value) -> Vec<&str> {
    match node.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
        _ if node.get("properties").is_some() => vec!["object"],
        _ if node.get("items").is_some() || node.get("prefixItems").is_some() => vec!["array"],
        _ => Vec::new(),
    }
}

impl Generator<'_> {
    fn value(&self, node: &Value, name: &str, depth: usize) -> Value {
        let Some(node) = resolve(self.root, node) else {
            return Value::Null;
        };
        if let Some(constant) = node.get("const") {
            return constant.clone();
        }
        if let Some(first) = node
            .get("enum")
            .and_then(Value::as_array)
            .and_then(|e| e.first())
        {
            return first.clone();
        }
        for key in ["anyOf", "oneOf"] {
            if let Some(branches) = node.get(key).and_then(Value::as_array) {
                let branch = branches
                    .iter()
                    .find(|b| resolve(self.root, b).is_some_and(|b| types_of(b) != ["null"]))
                    .or_else(|| branches.first());
                if let Some(branch) = branch {
                    return self.value(branch, name, depth + 1);
                }
            }
        }
        if let Some(parts) = node.get("allOf").and_then(Value::as_array) {
            return self.value(&merged(self.root, node, parts), name, depth + 1);
        }
        let types = types_of(node);
        let kind = types
            .iter()
            .copied()
            .find(|t| *t != "null")
            .or(types.first().copied())
            .unwrap_or("string");
        if depth >= MAX_DEPTH {
            return smallest(kind, types.contains(&"null"));
        }
        match kind {
            "object" => self.object(node, depth),
            "array" => self.array(node, name, depth),
            "integer" => self.number(node, name, true),
            "number" => self.number(node, name, false),
            "boolean" => Value::Bool(true),
            "null" => Value::Null,
            _ => self.string(node, name),
        }
    }

    fn object(&self, node: &Value, depth: usize) -> Value {
        let mut out = Map::new();
        let required: Vec<&str> = node
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        if let Some(properties) = node.get("properties").and_then(Value::as_object) {
            for (key, property) in properties {
                if depth >= GENEROUS_DEPTH && !required.contains(&key.as_str()) {
                    continue;
                }
                out.insert(key.clone(), self.value(property, key, depth + 1));
            }
        }
        // Required names without a property schema still have to be there.
        for key in required {
            if !out.contains_key(key) {
                out.insert(
                    key.to_string(),
                    Value::String(format!("{PLACEHOLDER} {key}")),
                );
            }
        }
        Value::Object(out)
    }

    fn array(&self, node: &Value, name: &str, depth: usize) -> Value {
        let min = node.get("minItems").and_then(Value::as_u64).unwrap_or(0);
        let max = node
            .get("maxItems")
            .and_then(Value::as_u64)
            .unwrap_or(u64::MAX);
        let least = if depth >= GENEROUS_DEPTH {
            min
        } else {
            min.max(1)
        };
        let count = least.min(max).min(16);
        let prefix = node.get("prefixItems").and_then(Value::as_array);
        let items = node.get("items").filter(|i| i.is_object());
        let item_name = singular(name);
        let mut out = Vec::new();
        for i in 0..usize::try_from(count).unwrap_or(1) {
            let schema = prefix.and_then(|p| p.get(i)).or(items);
            out.push(match schema {
                Some(schema) => self.value(schema, &item_name, depth + 1),
                None => Value::String(format!("{PLACEHOLDER} {item_name}")),
            });
        }
        Value::Array(out)
    }

    fn number(&self, node: &Value, name: &str, integer: bool) -> Value {
        let bound = |key: &str| node.get(key).and_then(Value::as_f64);
        let mut low = bound("minimum");
        let mut high = bound("maximum");
        let step = if integer { 1.0 } else { 0.5 };
        if let Some(x) = bound("exclusiveMinimum") {
            low = Some(low.map_or(x + step, |l| l.max(x + step)));
        }
        if let Some(x) = bound("exclusiveMaximum") {
            high = Some(high.map_or(x - step, |h| h.min(x - step)));
        }
        let wanted = find_after(self.prompt, name)
            .and_then(|word| word.trim_end_matches(['.', ',', ';']).parse::<f64>().ok())
            .unwrap_or(1.0);
        let mut value = wanted;
        if let Some(l) = low {
            value = value.max(l);
        }
        if let Some(h) = high {
            value = value.min(h);
        }
        if integer {
            let rounded = value.round();
            let rounded = if low.is_some_and(|l| rounded < l) {
                value.ceil()
            } else {
                rounded
            };
            let rounded = if high.is_some_and(|h| rounded > h) {
                value.floor()
            } else {
                rounded
            };
            // Clamped to the schema's own bounds, so the cast keeps the value (saturating).
            #[allow(clippy::cast_possible_truncation)]
            return json!(rounded as i64);
        }
        Number::from_f64(value).map_or(json!(0), Value::Number)
    }

    fn string(&self, node: &Value, name: &str) -> Value {
        let formatted = match node.get("format").and_then(Value::as_str) {
            Some("date") => Some("2026-12-02"),
            Some("date-time") => Some("2026-12-02T00:00:00Z"),
            Some("time") => Some("00:00:00Z"),
            Some("email") => Some("bedrock-local@example.com"),
            Some("uri" | "url") => Some("https://example.com/bedrock-local"),
            Some("uuid") => Some("00000000-0000-4000-8000-000000000000"),
            _ => None,
        };
        let mut text = match formatted {
            Some(fixed) => fixed.to_string(),
            None => find_value(self.prompt, name).unwrap_or_else(|| {
                let label = if name.is_empty() { "value" } else { name };
                format!("{PLACEHOLDER} {label}")
            }),
        };
        let length = |key: &str| {
            node.get(key)
                .and_then(Value::as_u64)
                .and_then(|n| usize::try_from(n).ok())
        };
        if let Some(max) = length("maxLength") {
            text = text.chars().take(max).collect();
        }
        if let Some(min) = length("minLength") {
            while text.chars().count() < min {
                text.push('.');
            }
        }
        Value::String(text)
    }
}

/// The smallest value of a kind, for schemas nested past [`MAX_DEPTH`].
fn smallest(kind: &str, nullable: bool) -> Value {
    if nullable {
        return Value::Null;
    }
    match kind {
        "object" => json!({}),
        "array" => json!([]),
        "integer" | "number" => json!(0),
        "boolean" => json!(false),
        "null" => Value::Null,
        _ => json!(""),
    }
}

/// The schemas of an `allOf` merged into one (properties and required lists joined).
fn merged(root: &Value, node: &Value, parts: &[Value]) -> Value {
    let mut properties = Map::new();
    let mut required: Vec<Value> = Vec::new();
    let mut out = Map::new();
    for part in parts.iter().filter_map(|p| resolve(root, p)).chain([node]) {
        let Some(map) = part.as_object() else {
            continue;
        };
        for (key, value) in map {
            match key.as_str() {
                "allOf" => {}
                "properties" => {
                    if let Some(p) = value.as_object() {
                        properties.extend(p.clone());
                    }
                }
                "required" => required.extend(value.as_array().cloned().unwrap_or_default()),
                _ => {
                    out.insert(key.clone(), value.clone());
                }
            }
        }
    }
    if !properties.is_empty() {
        out.insert("properties".into(), Value::Object(properties));
        out.entry("type").or_insert(json!("object"));
    }
    if !required.is_empty() {
        out.insert("required".into(), Value::Array(required));
    }
    Value::Object(out)
}

/// `tags` → `tag`, `cities` → `city`: the name an item of a list property goes by.
fn singular(name: &str) -> String {
    if let Some(stem) = name.strip_suffix("ies") {
        format!("{stem}y")
    } else if let Some(stem) = name.strip_suffix('s').filter(|s| !s.is_empty()) {
        stem.to_string()
    } else {
        name.to_string()
    }
}

/// The words of a property name: `firstName`, `first_name`, `first-name` → `first name`.
fn words_of(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    for c in name.chars() {
        if (c == '_' || c == '-' || c == ' ' || c.is_uppercase()) && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        if c.is_alphanumeric() {
            current.extend(c.to_lowercase());
        }
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// The prompt's tokens after the property name's words, skipping `:`, `=`, `is`, `are`, `of`.
fn after_name<'p>(prompt: &'p str, name: &str) -> Option<Vec<&'p str>> {
    let wanted = words_of(name);
    if wanted.is_empty() {
        return None;
    }
    let tokens: Vec<&str> = prompt.split_whitespace().collect();
    let bare = |t: &str| {
        t.trim_matches(|c: char| !c.is_alphanumeric())
            .to_lowercase()
    };
    let at = (0..tokens.len()).find(|&i| {
        wanted
            .iter()
            .enumerate()
            .all(|(k, w)| tokens.get(i + k).is_some_and(|t| bare(t) == *w))
    })?;
    let mut rest: Vec<&str> = tokens.get(at + wanted.len()..)?.to_vec();
    while let Some(first) = rest.first() {
        let skip = matches!(*first, ":" | "=" | "-" | "is" | "are" | "of" | "was");
        if !skip {
            break;
        }
        rest.remove(0);
    }
    // A name written `city:` carries its colon.
    Some(rest)
}

/// The first token after the name (numbers use it).
fn find_after<'p>(prompt: &'p str, name: &str) -> Option<&'p str> {
    after_name(prompt, name)?
        .first()
        .copied()
        .map(|t| t.trim_start_matches([':', '=']))
}

/// A string value for `name` in the prompt: a quoted phrase right after it, else a run of
/// capitalised words, else one word; `None` when the name does not occur.
fn find_value(prompt: &str, name: &str) -> Option<String> {
    let rest = after_name(prompt, name)?;
    let first = rest.first()?;
    for quote in ['"', '\''] {
        if first.starts_with(quote) {
            let joined = rest.join(" ");
            let inner = joined.strip_prefix(quote)?;
            if let Some(end) = inner.find(quote) {
                return Some(inner[..end].to_string()).filter(|s| !s.is_empty());
            }
        }
    }
    let clean = |t: &str| t.trim_matches(|c: char| !c.is_alphanumeric()).to_string();
    let capitalised = |t: &str| clean(t).chars().next().is_some_and(char::is_uppercase);
    if capitalised(first) {
        let mut words = Vec::new();
        for token in rest.iter().take_while(|t| capitalised(t)) {
            words.push(clean(token));
            // A word that ends a clause ends the name.
            if token.ends_with([',', '.', ';', ':']) {
                break;
            }
        }
        return Some(words.join(" ")).filter(|s| !s.is_empty());
    }
    Some(clean(first)).filter(|s| !s.is_empty())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests state expectations
mod tests {
    use super::*;
    use crate::structured::conforms;

    /// What schemars emits for nested Rust types: `$defs` and `$ref`, an optional field as
    /// `["string", "null"]`, an enum as `enum`, a list of structs.
    fn nested() -> Value {
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "Trip",
            "type": "object",
            "properties": {
                "traveller": { "$ref": "#/$defs/Person" },
                "city": { "type": "string" },
                "nights": { "type": "integer", "format": "uint8", "minimum": 1, "maximum": 30 },
                "stops": { "type": "array", "items": { "$ref": "#/$defs/Stop" } },
                "budget": { "anyOf": [{ "type": "null" }, { "type": "number", "exclusiveMinimum": 0 }] },
                "note": { "type": ["string", "null"] }
            },
            "required": ["traveller", "city", "nights", "stops"],
            "additionalProperties": false,
            "$defs": {
                "Person": {
                    "type": "object",
                    "properties": { "name": { "type": "string" }, "age": { "type": "integer" } },
                    "required": ["name", "age"],
                    "additionalProperties": false
                },
                "Stop": {
                    "type": "object",
                    "properties": {
                        "place": { "type": "string" },
                        "kind": { "type": "string", "enum": ["museum", "park", "cafe"] },
                        "tags": { "type": "array", "items": { "type": "string" }, "minItems": 2 }
                    },
                    "required": ["place", "kind", "tags"],
                    "additionalProperties": false
                }
            }
        })
    }

    #[test]
    fn a_nested_schema_with_defs_gets_a_value_that_fits_from_the_prompt() {
        let prompt = "Plan a trip for name Ada Lovelace, age 36, to city Lisbon for nights 45.";
        let value = generate(&nested(), prompt);
        assert_eq!(
            value,
            json!({
                "traveller": { "name": "Ada Lovelace", "age": 36 },
                "city": "Lisbon",
                "nights": 30,
                "stops": [{ "place": "[bedrock-local] place", "kind": "museum", "tags": ["[bedrock-local] tag", "[bedrock-local] tag"] }],
                "budget": 1.0,
                "note": "[bedrock-local] note"
            })
        );
        assert_eq!(conforms(&nested(), &value), Ok(()));
    }

    #[test]
    fn the_same_schema_and_prompt_always_give_the_same_value() {
        assert_eq!(generate(&nested(), "x"), generate(&nested(), "x"));
    }

    #[test]
    fn a_recursive_schema_ends_and_still_fits() {
        let tree = json!({
            "type": "object",
            "properties": { "label": { "type": "string" }, "children": { "type": "array", "items": { "$ref": "#" } } },
            "required": ["label", "children"]
        });
        let value = generate(&tree, "");
        assert_eq!(conforms(&tree, &value), Ok(()));
    }

    #[test]
    fn formats_lengths_consts_all_of_and_quoted_values_are_honoured() {
        let schema = json!({
            "allOf": [
                { "type": "object", "properties": { "when": { "type": "string", "format": "date" } }, "required": ["when"] },
                { "properties": { "code": { "type": "string", "minLength": 20, "maxLength": 24 }, "v": { "const": 2 }, "title": { "type": "string" } } }
            ]
        });
        let value = generate(&schema, "Use the title \"A Tale of Two Cities\" please");
        assert_eq!(value["when"], "2026-12-02");
        assert_eq!(value["v"], 2);
        assert_eq!(value["title"], "A Tale of Two Cities");
        let code = value["code"].as_str().unwrap();
        assert!((20..=24).contains(&code.chars().count()), "{code}");
        assert_eq!(conforms(&schema, &value), Ok(()));
    }
}
