//! The cache key: SHA-256 of a canonical form of everything that decides the answer.

use std::fmt;

use serde_json::Value;
use sha2::{Digest, Sha256};

/// Bumped when the key's input or the stored entry changes shape, so old entries miss instead of
/// answering wrongly.
pub(crate) const FORMAT_VERSION: u32 = 1;

/// The identity of one cacheable request.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct CacheKey(pub(crate) [u8; 32]);

impl CacheKey {
    /// The key of `request` sent by `operation` to the resolved `model_id`.
    ///
    /// Every part is length-prefixed, so no two different inputs share a byte string.
    pub(crate) fn new(operation: &str, model_id: &str, request: &Value) -> CacheKey {
        let mut hasher = Sha256::new();
        hasher.update(b"bedrock-kit response cache");
        hasher.update(FORMAT_VERSION.to_le_bytes());
        for part in [operation.as_bytes(), model_id.as_bytes()] {
            hasher.update((part.len() as u64).to_le_bytes());
            hasher.update(part);
        }
        let mut canonical = String::new();
        write_canonical(request, &mut canonical);
        hasher.update((canonical.len() as u64).to_le_bytes());
        hasher.update(canonical.as_bytes());
        CacheKey(hasher.finalize().into())
    }

    /// The key as 64 hex digits, for logs.
    pub(crate) fn to_hex(self) -> String {
        hex::encode(self.0)
    }
}

impl fmt::Debug for CacheKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CacheKey({})", &self.to_hex()[..12])
    }
}

/// JSON with every object's keys sorted, at every depth: serde_json keeps insertion order here
/// (the workspace enables `preserve_order`), so its own output depends on how the request was built.
fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (index, (name, member)) in entries.into_iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                // A string always serialises; the fallback keeps the function total.
                out.push_str(&serde_json::to_string(name).unwrap_or_default());
                out.push(':');
                write_canonical(member, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        // Scalars have one spelling each in serde_json's output.
        scalar => out.push_str(&scalar.to_string()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests state expectations
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn the_same_request_with_fields_in_another_order_has_the_same_key() {
        let one = json!({"messages": [{"role": "user", "content": [{"text": "hi"}]}],
                         "inferenceConfig": {"temperature": 0.0, "maxTokens": 10}});
        let other = json!({"inferenceConfig": {"maxTokens": 10, "temperature": 0.0},
                           "messages": [{"content": [{"text": "hi"}], "role": "user"}]});
        assert_eq!(
            CacheKey::new("converse", "m", &one),
            CacheKey::new("converse", "m", &other)
        );
    }

    #[test]
    fn model_operation_and_every_field_change_the_key() {
        let request = json!({"messages": ["hi"], "inferenceConfig": {"maxTokens": 10}});
        let base = CacheKey::new("converse", "m", &request);
        assert_ne!(base, CacheKey::new("converse", "m2", &request));
        assert_ne!(base, CacheKey::new("stream", "m", &request));
        assert_ne!(
            base,
            CacheKey::new(
                "converse",
                "m",
                &json!({"messages": ["hi"], "inferenceConfig": {"maxTokens": 11}})
            )
        );
        assert_ne!(
            base,
            CacheKey::new(
                "converse",
                "m",
                &json!({"messages": ["hi", "again"], "inferenceConfig": {"maxTokens": 10}})
            )
        );
        // The order of array items is meaning (the turns of a conversation), so it counts.
        assert_ne!(
            CacheKey::new("converse", "m", &json!(["a", "b"])),
            CacheKey::new("converse", "m", &json!(["b", "a"]))
        );
    }

    #[test]
    fn operation_and_model_cannot_run_into_each_other() {
        let request = json!({});
        assert_ne!(
            CacheKey::new("convers", "em", &request),
            CacheKey::new("converse", "m", &request)
        );
    }

    #[test]
    fn the_key_shows_as_hex() {
        let key = CacheKey::new("converse", "m", &json!({}));
        assert_eq!(key.to_hex().len(), 64);
        assert!(key.to_hex().chars().all(|c| c.is_ascii_hexdigit()));
    }

    /// A JSON object with the same members as `value`, inserted in reverse order at every depth.
    fn reversed(value: &Value) -> Value {
        match value {
            Value::Object(map) => Value::Object(
                map.iter()
                    .rev()
                    .map(|(name, member)| (name.clone(), reversed(member)))
                    .collect(),
            ),
            Value::Array(items) => Value::Array(items.iter().map(reversed).collect()),
            scalar => scalar.clone(),
        }
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            "[a-z ]{0,8}".prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map("[a-z]{1,4}", inner, 0..4)
                    .prop_map(|map| Value::Object(map.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn member_order_never_changes_the_key(value in json_value()) {
            prop_assert_eq!(
                CacheKey::new("converse", "m", &value),
                CacheKey::new("converse", "m", &reversed(&value))
            );
        }

        #[test]
        fn an_added_member_always_changes_the_key(value in json_value(), extra in "[A-Z]{1,4}") {
            let mut map = serde_json::Map::new();
            map.insert("request".into(), value.clone());
            let with_extra = {
                let mut grown = map.clone();
                grown.insert(extra, Value::Null);
                Value::Object(grown)
            };
            prop_assert_ne!(
                CacheKey::new("converse", "m", &Value::Object(map)),
                CacheKey::new("converse", "m", &with_extra)
            );
        }
    }
}
