//! The checkpoints of one Converse request: for each `cachePoint`, its section and TTL, the input
//! tokens before it and a digest of the exact content before it.

use bedrock_catalog::prompt_cache::{CachePoint, CacheSection};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::tokens;
use crate::turn::Turn;
use crate::validate;

/// A SHA-256 of a prefix's canonical content.
pub(crate) type PrefixDigest = [u8; 32];

/// One `cachePoint` of a request and the prefix it closes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Checkpoint {
    /// Where it sits and its TTL, as `check` judges it.
    pub point: CachePoint,
    /// Input tokens before it, counted as `usage.inputTokens` counts them.
    pub prefix_tokens: u32,
    /// The content before it.
    pub digest: PrefixDigest,
}

/// The checkpoints of a validated Converse body, in Bedrock's order (tools → system →
/// messages). Empty, without hashing anything, when the body has no `cachePoint`.
///
/// `turn` must be what `validate::converse` made of `body`: its tools and message blocks are
/// counted in place of the JSON they came from.
pub(crate) fn checkpoints(body: &Value, turn: &Turn) -> Vec<Checkpoint> {
    let Some(root) = body.as_object() else {
        return Vec::new();
    };
    let tools = root
        .get("toolConfig")
        .and_then(|c| c.get("tools"))
        .and_then(Value::as_array);
    let system = root.get("system").and_then(Value::as_array);
    let messages = root.get("messages").and_then(Value::as_array);
    let contents = || {
        messages
            .into_iter()
            .flatten()
            .filter_map(|m| m.get("content").and_then(Value::as_array))
    };
    let any = tools
        .into_iter()
        .chain(system)
        .flatten()
        .any(is_cache_point)
        || contents().flatten().any(is_cache_point);
    if !any {
        return Vec::new();
    }
    let mut walk = Walk::default();
    let mut specs = turn.tools.iter();
    for entry in tools.into_iter().flatten() {
        if is_cache_point(entry) {
            walk.checkpoint(CacheSection::Tools, entry);
        } else if entry.get("toolSpec").is_some() {
            walk.unit(b"tool", entry, specs.next().map_or(0, tokens::count_tool));
        }
    }
    for entry in system.into_iter().flatten() {
        if is_cache_point(entry) {
            walk.checkpoint(CacheSection::System, entry);
        } else {
            let text = entry.get("text").and_then(Value::as_str);
            walk.unit(b"system", entry, text.map_or(0, tokens::count));
        }
    }
    for (message, parsed) in messages.into_iter().flatten().zip(&turn.messages) {
        let role = message.get("role").unwrap_or(&Value::Null);
        walk.unit(b"role", role, 0);
        let content = message.get("content").and_then(Value::as_array);
        for (block, parsed) in content.into_iter().flatten().zip(&parsed.blocks) {
            if is_cache_point(block) {
                walk.checkpoint(CacheSection::Messages, block);
            } else {
                walk.unit(b"block", block, tokens::count_block(parsed));
            }
        }
    }
    walk.found
}

/// A tools entry, system entry or content block that is a `cachePoint`.
fn is_cache_point(entry: &Value) -> bool {
    entry.get("cachePoint").is_some_and(|p| !p.is_null())
}

/// The running state of a walk over a request's prefix.
#[derive(Default)]
struct Walk {
    hasher: Sha256,
    tokens: u32,
    found: Vec<Checkpoint>,
}

impl Walk {
    /// One unit of content: part of every later checkpoint's prefix.
    fn unit(&mut self, kind: &[u8], value: &Value, tokens: u32) {
        self.hasher.update(kind);
        canonical(&mut self.hasher, value);
        self.tokens = self.tokens.saturating_add(tokens);
    }

    fn checkpoint(&mut self, section: CacheSection, entry: &Value) {
        // The body was validated, so the TTL parses; a bad one could not have got here.
        let ttl = entry
            .get("cachePoint")
            .and_then(|p| validate::parse_cache_point(p, "cachePoint").ok())
            .flatten();
        self.found.push(Checkpoint {
            point: CachePoint::new(section, ttl),
            prefix_tokens: self.tokens,
            digest: self.hasher.clone().finalize().into(),
        });
    }
}

/// Feeds `value` to `hasher` so that equal JSON gives equal bytes whatever the key order, and
/// different JSON different bytes (every string and list is length-prefixed, every kind tagged).
/// Null members are left out, as an absent member.
fn canonical(hasher: &mut Sha256, value: &Value) {
    match value {
        Value::Null => hasher.update(b"z"),
        Value::Bool(b) => hasher.update(if *b { b"t" } else { b"f" }),
        Value::Number(n) => {
            hasher.update(b"n");
            text(hasher, &n.to_string());
        }
        Value::String(s) => {
            hasher.update(b"s");
            text(hasher, s);
        }
        Value::Array(items) => {
            hasher.update(b"a");
            length(hasher, items.len());
            for item in items {
                canonical(hasher, item);
            }
        }
        Value::Object(map) => {
            hasher.update(b"o");
            let members = sorted_members(map);
            length(hasher, members.len());
            for (key, member) in members {
                text(hasher, key);
                canonical(hasher, member);
            }
        }
    }
}

fn sorted_members(map: &Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut members: Vec<(&String, &Value)> = map.iter().filter(|(_, v)| !v.is_null()).collect();
    members.sort_unstable_by(|a, b| a.0.cmp(b.0));
    members
}

fn text(hasher: &mut Sha256, s: &str) {
    length(hasher, s.len());
    hasher.update(s.as_bytes());
}

fn length(hasher: &mut Sha256, n: usize) {
    hasher.update(u64::try_from(n).unwrap_or(u64::MAX).to_be_bytes());
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)] // tests state expectations
mod tests {
    use super::*;
    use crate::turn::Operation;
    use bedrock_catalog::prompt_cache::CacheTtl;
    use serde_json::json;

    fn walk(body: &Value) -> (Turn, Vec<Checkpoint>) {
        let model = bedrock_catalog::find("Claude Haiku 4.5").unwrap();
        let turn = validate::converse(body, &model.id, model, Operation::Converse).unwrap();
        let found = checkpoints(body, &turn);
        (turn, found)
    }

    fn body(system: &str, question: &str) -> Value {
        json!({
            "toolConfig": {"tools": [
                {"toolSpec": {"name": "get_weather", "description": "Weather now", "inputSchema": {"json": {"type": "object"}}}},
                {"cachePoint": {"type": "default", "ttl": "1h"}}
            ]},
            "system": [{"text": system}, {"cachePoint": {"type": "default"}}],
            "messages": [{"role": "user", "content": [
                {"text": question}, {"cachePoint": {"type": "default", "ttl": "5m"}}, {"text": "Thanks."}
            ]}]
        })
    }

    #[test]
    fn each_checkpoint_closes_the_tokens_and_content_before_it_in_bedrocks_order() {
        let (turn, found) = walk(&body("Be brief.", "What is the weather in Paris?"));
        let sections: Vec<(CacheSection, CacheTtl)> = found
            .iter()
            .map(|c| (c.point.section, c.point.ttl))
            .collect();
        assert_eq!(
            sections,
            [
                (CacheSection::Tools, CacheTtl::OneHour),
                (CacheSection::System, CacheTtl::FiveMinutes),
                (CacheSection::Messages, CacheTtl::FiveMinutes)
            ]
        );
        let tool = tokens::count_tool(&turn.tools[0]);
        let system = tokens::count("Be brief.");
        let question = tokens::count("What is the weather in Paris?");
        let prefixes: Vec<u32> = found.iter().map(|c| c.prefix_tokens).collect();
        assert_eq!(prefixes, [tool, tool + system, tool + system + question]);
        // The last block is after every checkpoint: the whole request is the last prefix plus it.
        assert_eq!(
            tokens::count_turn(&turn),
            tool + system + question + tokens::count("Thanks.")
        );
    }

    #[test]
    fn the_digest_changes_with_the_prefix_and_not_with_what_follows_or_key_order() {
        let (_, first) = walk(&body("Be brief.", "What is the weather in Paris?"));
        let (_, other_question) = walk(&body("Be brief.", "And in Rome?"));
        let (_, other_system) = walk(&body("Be long.", "What is the weather in Paris?"));
        assert_eq!(first[0].digest, other_question[0].digest);
        assert_eq!(first[1].digest, other_question[1].digest);
        assert_ne!(first[2].digest, other_question[2].digest);
        assert_eq!(first[0].digest, other_system[0].digest);
        assert_ne!(first[1].digest, other_system[1].digest);
        let mut reordered = body("Be brief.", "What is the weather in Paris?");
        reordered["toolConfig"]["tools"][0] = json!({"toolSpec": {
            "inputSchema": {"json": {"type": "object"}}, "description": "Weather now", "name": "get_weather"
        }});
        let (_, reordered) = walk(&reordered);
        assert_eq!(first, reordered);
    }

    #[test]
    fn a_request_without_cache_points_yields_none() {
        let (_, found) = walk(&json!({
            "system": [{"text": "Be brief."}],
            "messages": [{"role": "user", "content": [{"text": "Hi"}]}]
        }));
        assert!(found.is_empty());
    }
}
