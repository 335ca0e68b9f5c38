//! The Converse response body and the ConverseStream event sequence for a [`Reply`].

use std::time::Duration;

use serde_json::{Map, Value, json};

use crate::answer::{self, Reply};
use crate::eventstream;
use crate::reasoning::Signatures;
use crate::stream::Planned;
use crate::tokens;
use crate::turn::AnswerBlock;

/// `{"output":{"message":...},"stopReason":...,"usage":...,"metrics":...}`; reasoning blocks carry
/// the signature `signatures` gives them (none for models that send none).
pub fn response_body(reply: &Reply, latency: Duration, signatures: Signatures<'_>) -> Value {
    let content: Vec<Value> = reply
        .blocks
        .iter()
        .map(|b| content_block(b, signatures))
        .collect();
    let mut body = json!({
        "output": { "message": { "role": "assistant", "content": content } },
        "stopReason": reply.stop_reason.as_str(),
        "usage": usage(reply),
        "metrics": { "latencyMs": millis(latency) },
    });
    with_trace(&mut body, reply);
    body
}

/// Adds the reply's `trace` (a guardrail's assessments) to a response body or metadata event.
fn with_trace(value: &mut Value, reply: &Reply) {
    if let (Some(trace), Some(map)) = (&reply.trace, value.as_object_mut()) {
        map.insert("trace".into(), trace.clone());
    }
}

fn content_block(block: &AnswerBlock, signatures: Signatures<'_>) -> Value {
    match block {
        AnswerBlock::Text(text) => json!({ "text": text }),
        AnswerBlock::Reasoning(text) => {
            let mut reasoning = json!({ "text": text });
            if let (Some(signature), Some(map)) = (signatures.of(text), reasoning.as_object_mut()) {
                map.insert("signature".into(), signature.into());
            }
            json!({ "reasoningContent": { "reasoningText": reasoning } })
        }
        AnswerBlock::ToolUse { id, name, input } => json!({
            "toolUse": { "toolUseId": id, "name": name, "input": input }
        }),
    }
}

/// `{"inputTokens","outputTokens","totalTokens"}`, as Converse and Nova report usage; with the
/// cache's `cacheReadInputTokens`, `cacheWriteInputTokens` and (when it wrote) `cacheDetails`
/// when the request carried a `cachePoint`. `totalTokens` counts the cached tokens too, as
/// Bedrock's does (maximhq/bifrost#6942 measured input + cache write + output).
pub fn usage(reply: &Reply) -> Value {
    let mut usage = Map::new();
    let cached = reply
        .cache
        .as_ref()
        .map_or(0, |c| c.read.saturating_add(c.write));
    usage.insert("inputTokens".into(), reply.input_tokens.into());
    usage.insert("outputTokens".into(), reply.output_tokens.into());
    let total = reply
        .input_tokens
        .saturating_add(reply.output_tokens)
        .saturating_add(cached);
    usage.insert("totalTokens".into(), total.into());
    if let Some(cache) = &reply.cache {
        usage.insert("cacheReadInputTokens".into(), cache.read.into());
        usage.insert("cacheWriteInputTokens".into(), cache.write.into());
        if !cache.written.is_empty() {
            let details: Vec<Value> = cache
                .written
                .iter()
                .map(|(ttl, tokens)| json!({ "ttl": ttl.as_str(), "inputTokens": tokens }))
                .collect();
            usage.insert("cacheDetails".into(), details.into());
        }
    }
    Value::Object(usage)
}

/// Milliseconds, saturating.
pub fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// The ConverseStream frames: messageStart, per block (contentBlockStart for tool use,
/// contentBlockDelta..., contentBlockStop), messageStop, metadata. A reasoning block ends with
/// one `signature` delta when the model signs.
pub fn stream_plan(reply: &Reply, signatures: Signatures<'_>) -> Vec<Planned> {
    let mut plan = Vec::new();
    let mut push = |delay: Duration, event: &str, payload: Value| {
        plan.push(Planned {
            delay,
            frame: eventstream::event(event, &payload),
        });
    };
    push(
        reply.first_wait(),
        "messageStart",
        json!({ "role": "assistant" }),
    );
    let mut streamed = Duration::ZERO;
    for (index, block) in reply.blocks.iter().enumerate() {
        match block {
            AnswerBlock::Text(text) | AnswerBlock::Reasoning(text) => {
                let reasoning = matches!(block, AnswerBlock::Reasoning(_));
                for (chunk, n) in reply.text_pieces(text) {
                    let delay = reply.pause_for(n);
                    streamed += delay;
                    let delta = if reasoning {
                        json!({ "reasoningContent": { "text": chunk } })
                    } else {
                        json!({ "text": chunk })
                    };
                    push(
                        delay,
                        "contentBlockDelta",
                        json!({ "contentBlockIndex": index, "delta": delta }),
                    );
                }
                if let Some(signature) = reasoning.then(|| signatures.of(text)).flatten() {
                    push(
                        Duration::ZERO,
                        "contentBlockDelta",
                        json!({
                            "contentBlockIndex": index,
                            "delta": { "reasoningContent": { "signature": signature } }
                        }),
                    );
                }
            }
            AnswerBlock::ToolUse { id, name, input } => {
                push(
                    Duration::ZERO,
                    "contentBlockStart",
                    json!({
                        "contentBlockIndex": index,
                        "start": { "toolUse": { "toolUseId": id, "name": name } }
                    }),
                );
                for fragment in answer::json_fragments(&input.to_string()) {
                    let delay = reply.pause_for(tokens::count(&fragment));
                    streamed += delay;
                    push(
                        delay,
                        "contentBlockDelta",
                        json!({
                            "contentBlockIndex": index, "delta": { "toolUse": { "input": fragment } }
                        }),
                    );
                }
            }
        }
        push(
            Duration::ZERO,
            "contentBlockStop",
            json!({ "contentBlockIndex": index }),
        );
    }
    push(
        Duration::ZERO,
        "messageStop",
        json!({ "stopReason": reply.stop_reason.as_str() }),
    );
    let latency = reply.latency + streamed;
    let mut metadata = json!({
        "usage": usage(reply),
        "metrics": { "latencyMs": millis(latency) },
    });
    with_trace(&mut metadata, reply);
    push(Duration::ZERO, "metadata", metadata);
    plan
}
