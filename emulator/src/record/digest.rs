//! The digest that identifies one conversation: what a recording is matched on at replay.
//!
//! It is the SHA-256 of the request body as canonical JSON (object keys sorted, no whitespace),
//! whatever the operation: messages, system prompt, tools, tool choice, `maxTokens`, stop
//! sequences, `additionalModelRequestFields` (extended thinking), guardrails and native bodies
//! all count. Left out are the sampling settings (`temperature`, `topP`/`top_p`, `topK`/`top_k`)
//! and Converse's `requestMetadata`: they change which answer a model happens to give, never what
//! an answer may contain, and a notebook whose temperature slider moved should still replay.
//! A request that differs from a recorded one only there replays the answer recorded first.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// The prefix of every digest, so that a file says which hash it holds.
pub const DIGEST_PREFIX: &str = "sha256:";

/// Sampling keys left out of the digest.
const SAMPLING: &[&str] = &["temperature", "topP", "top_p", "topK", "top_k"];

/// Objects under these keys hold inference settings (Converse, Nova, Titan, the native
/// `additionalModelRequestFields`); sampling keys are left out of them as of the root.
const SETTINGS: &[&str] = &[
    "inferenceConfig",
    "textGenerationConfig",
    "additionalModelRequestFields",
];

/// `sha256:<64 hex digits>` of `body`'s conversation (see the module documentation). A body that
/// is not JSON is hashed byte for byte: such a request is still told apart from every other.
///
/// ```
/// use bedrock_local::record::conversation_digest;
/// let cold = br#"{"messages":[{"role":"user","content":[{"text":"hi"}]}],"inferenceConfig":{"temperature":0.1}}"#;
/// let warm = br#"{"inferenceConfig":{"temperature":0.9},"messages":[{"content":[{"text":"hi"}],"role":"user"}]}"#;
/// assert_eq!(conversation_digest(cold), conversation_digest(warm));
/// assert!(conversation_digest(cold).starts_with("sha256:"));
/// ```
pub fn conversation_digest(body: &[u8]) -> String {
    let canonical = match serde_json::from_slice::<Value>(body) {
        Ok(value) => canonical(&without_sampling(value)),
        Err(_) => return format!("{DIGEST_PREFIX}{}", hex::encode(Sha256::digest(body))),
    };
    format!(
        "{DIGEST_PREFIX}{}",
        hex::encode(Sha256::digest(canonical.as_bytes()))
    )
}

/// Whether `text` has the shape of a digest (`sha256:` and 64 lower-case hex digits).
pub(crate) fn is_digest(text: &str) -> bool {
    text.strip_prefix(DIGEST_PREFIX).is_some_and(|hex| {
        hex.len() == 64
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// The body without sampling settings at the root, in its settings objects, and in
/// CountTokens' `input.converse`.
fn without_sampling(mut value: Value) -> Value {
    if let Value::Object(root) = &mut value {
        strip(root);
        if let Some(Value::Object(converse)) = root
            .get_mut("input")
            .and_then(Value::as_object_mut)
            .and_then(|input| input.get_mut("converse"))
        {
            strip(converse);
        }
    }
    value
}

fn strip(object: &mut Map<String, Value>) {
    object.remove("requestMetadata");
    for key in SAMPLING {
        object.remove(*key);
    }
    for settings in SETTINGS {
        if let Some(Value::Object(inner)) = object.get_mut(*settings) {
            for key in SAMPLING {
                inner.remove(*key);
            }
        }
    }
}

/// Compact JSON with every object's keys sorted (the workspace keeps insertion order).
fn canonical(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let fields: Vec<String> = keys
                .into_iter()
                .map(|key| {
                    let value = map.get(key).map(canonical).unwrap_or_default();
                    format!("{}:{value}", Value::String(key.clone()))
                })
                .collect();
            format!("{{{}}}", fields.join(","))
        }
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(canonical).collect();
            format!("[{}]", items.join(","))
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_ignores_key_order_whitespace_and_sampling_but_not_the_conversation() {
        let a = conversation_digest(
            br#"{"messages":[{"role":"user","content":[{"text":"hi"}]}],"inferenceConfig":{"maxTokens":50,"topP":0.2},"requestMetadata":{"team":"a"}}"#,
        );
        let b = conversation_digest(
            br#"{ "inferenceConfig": {"maxTokens": 50, "temperature": 1},
                 "messages": [{"content": [{"text": "hi"}], "role": "user"}] }"#,
        );
        let other_text = conversation_digest(
            br#"{"messages":[{"role":"user","content":[{"text":"hi!"}]}],"inferenceConfig":{"maxTokens":50}}"#,
        );
        let other_max = conversation_digest(
            br#"{"messages":[{"role":"user","content":[{"text":"hi"}]}],"inferenceConfig":{"maxTokens":51}}"#,
        );
        assert_eq!(a, b);
        assert_ne!(a, other_text);
        assert_ne!(a, other_max);
        assert!(is_digest(&a), "{a}");
    }

    #[test]
    fn native_sampling_and_count_tokens_input_are_left_out_too() {
        let native = |t: &str| {
            conversation_digest(
                format!(r#"{{"max_tokens":10,"temperature":{t},"top_k":5,"messages":[]}}"#)
                    .as_bytes(),
            )
        };
        assert_eq!(native("0"), native("0.7"));
        let count = |t: &str| {
            conversation_digest(
                format!(r#"{{"input":{{"converse":{{"messages":[],"inferenceConfig":{{"temperature":{t}}}}}}}}}"#)
                    .as_bytes(),
            )
        };
        assert_eq!(count("0"), count("1"));
    }

    #[test]
    fn a_body_that_is_not_json_is_hashed_as_bytes() {
        assert_ne!(
            conversation_digest(b"not json"),
            conversation_digest(b"not json!")
        );
        assert!(is_digest(&conversation_digest(b"")));
        assert!(!is_digest("sha256:ABC"));
        assert!(!is_digest("md5:0123"));
    }
}
