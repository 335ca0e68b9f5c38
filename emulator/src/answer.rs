//! Turning a scenario [`Answer`] into what goes on the wire: the `maxTokens` cut, stop
//! sequences, token usage, and the split into stream chunks.

use std::time::Duration;

use crate::prompt_cache::CacheUsage;
use crate::tokens;
use crate::turn::{Answer, AnswerBlock, StopReason, StreamShape, Turn};

/// The longest pause between two stream chunks, whatever the pace.
const MAX_PAUSE: Duration = Duration::from_secs(60);

/// An answer after the server's own rules, ready to render in any format.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// Blocks as sent (cut to `maxTokens`).
    pub blocks: Vec<AnswerBlock>,
    /// Final stop reason (`max_tokens` when cut, `stop_sequence` when a stop sequence hit).
    pub stop_reason: StopReason,
    /// Input tokens reported.
    pub input_tokens: u32,
    /// Output tokens reported.
    pub output_tokens: u32,
    /// Time before the first byte.
    pub latency: Duration,
    /// Streaming pace (the endpoint's default pace filled in).
    pub stream: StreamShape,
    /// What the prompt cache read and wrote, when the request carried a `cachePoint`.
    pub cache: Option<CacheUsage>,
    /// The answer's `trace` (`{"guardrail": ...}`), when a guardrail with a trace applied.
    pub trace: Option<serde_json::Value>,
    /// Whether `latency` was measured on a model server's answer, already waited: nothing
    /// waits it again (a scripted answer's latency is simulated when it is sent).
    pub measured: bool,
}

impl Reply {
    /// Take the prompt cache's numbers for `turn`: `inputTokens` becomes what was neither read
    /// nor written. The cache's numbers are facts of the request, so when it read or wrote, a
    /// scenario's input override gives way to the request's own count (a model server's count,
    /// when it answered).
    pub fn account_cache(&mut self, usage: CacheUsage, turn: &Turn) {
        let cached = usage.read.saturating_add(usage.write);
        if cached > 0 {
            let prompt = if self.measured {
                self.input_tokens
            } else {
                tokens::count_turn(turn)
            };
            self.input_tokens = prompt.saturating_sub(cached);
        }
        self.cache = Some(usage);
    }

    /// The wait before the first byte: the simulated latency, or none for a latency measured
    /// on a model's answer (already waited).
    pub fn first_wait(&self) -> Duration {
        if self.measured {
            Duration::ZERO
        } else {
            self.latency
        }
    }

    /// Input tokens the model had to process: neither read from the cache nor free.
    pub fn uncached_input_tokens(&self) -> u32 {
        let written = self.cache.as_ref().map_or(0, |c| c.write);
        self.input_tokens.saturating_add(written)
    }

    /// All text blocks joined.
    pub fn text(&self) -> String {
        self.blocks
            .iter()
            .filter_map(|b| match b {
                AnswerBlock::Text(t) => Some(t.as_str()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("")
    }

    /// All reasoning blocks joined.
    pub fn reasoning(&self) -> Option<String> {
        let parts: Vec<&str> = self
            .blocks
            .iter()
            .filter_map(|b| match b {
                AnswerBlock::Reasoning(t) => Some(t.as_str()),
                _ => None,
            })
            .collect();
        (!parts.is_empty()).then(|| parts.join(""))
    }

    /// `text` in stream chunks of the reply's chunk size, each with its token count.
    pub fn text_pieces(&self, text: &str) -> Vec<(String, u32)> {
        text_chunks(text, self.stream.tokens_per_chunk)
            .into_iter()
            .map(|chunk| {
                let n = tokens::count(&chunk);
                (chunk, n)
            })
            .collect()
    }

    /// The pause before a chunk of `chunk_tokens` tokens at the reply's pace.
    pub fn pause_for(&self, chunk_tokens: u32) -> Duration {
        match self.stream.tokens_per_second {
            Some(tps) if tps.is_finite() && tps > 0.0 => {
                // A pace so slow that the pause would overflow is capped like any long pause.
                Duration::try_from_secs_f64(f64::from(chunk_tokens) / tps)
                    .unwrap_or(MAX_PAUSE)
                    .min(MAX_PAUSE)
            }
            _ => Duration::ZERO,
        }
    }
}

/// Apply stop sequences and the `maxTokens` budget (`default_max` when the request set none),
/// then compute usage (a scenario's usage override wins).
pub fn finish(answer: Answer, turn: &Turn, default_max: u32, default_tps: Option<f64>) -> Reply {
    let mut stop_reason = answer.stop_reason;
    let mut blocks = apply_stop_sequences(answer.blocks, &turn.stop_sequences, &mut stop_reason);
    let budget = turn.max_tokens.unwrap_or(default_max);
    let mut used = 0u32;
    let mut kept = Vec::with_capacity(blocks.len());
    for block in blocks.drain(..) {
        let remaining = budget.saturating_sub(used);
        match block {
            AnswerBlock::Text(text) if tokens::count(&text) > remaining => {
                let (cut, _) = tokens::truncate(&text, remaining);
                used = used.saturating_add(tokens::count(&cut));
                if !cut.is_empty() {
                    kept.push(AnswerBlock::Text(cut));
                }
                stop_reason = StopReason::MaxTokens;
                break;
            }
            AnswerBlock::Reasoning(text) if tokens::count(&text) > remaining => {
                let (cut, _) = tokens::truncate(&text, remaining);
                used = used.saturating_add(tokens::count(&cut));
                if !cut.is_empty() {
                    kept.push(AnswerBlock::Reasoning(cut));
                }
                stop_reason = StopReason::MaxTokens;
                break;
            }
            AnswerBlock::ToolUse { .. } if block_tokens(&block) > remaining => {
                stop_reason = StopReason::MaxTokens;
                break;
            }
            other => {
                used = used.saturating_add(block_tokens(&other));
                kept.push(other);
            }
        }
    }
    let input_tokens = answer
        .usage
        .input_tokens
        .unwrap_or_else(|| tokens::count_turn(turn));
    let output_tokens = answer.usage.output_tokens.unwrap_or(used);
    Reply {
        blocks: kept,
        stop_reason,
        input_tokens,
        output_tokens,
        latency: answer.latency,
        stream: StreamShape {
            tokens_per_chunk: answer.stream.tokens_per_chunk.max(1),
            tokens_per_second: answer.stream.tokens_per_second.or(default_tps),
        },
        cache: None,
        trace: None,
        measured: false,
    }
}

/// Tokens one answer block costs.
pub fn block_tokens(block: &AnswerBlock) -> u32 {
    match block {
        AnswerBlock::Text(t) | AnswerBlock::Reasoning(t) => tokens::count(t),
        AnswerBlock::ToolUse { name, input, .. } => {
            tokens::count(name).saturating_add(tokens::count(&input.to_string()))
        }
    }
}

fn apply_stop_sequences(
    blocks: Vec<AnswerBlock>,
    stop_sequences: &[String],
    stop_reason: &mut StopReason,
) -> Vec<AnswerBlock> {
    if stop_sequences.iter().all(String::is_empty) {
        return blocks;
    }
    let mut kept = Vec::with_capacity(blocks.len());
    for block in blocks {
        if let AnswerBlock::Text(text) = &block {
            let hit = stop_sequences
                .iter()
                .filter(|s| !s.is_empty())
                .filter_map(|s| text.find(s.as_str()))
                .min();
            if let Some(at) = hit {
                let cut = text[..at].to_string();
                if !cut.is_empty() {
                    kept.push(AnswerBlock::Text(cut));
                }
                *stop_reason = StopReason::StopSequence;
                return kept;
            }
        }
        kept.push(block);
    }
    kept
}

/// Split `text` into pieces of about `tokens_per_chunk` tokens at word boundaries; the pieces
/// concatenate back to `text` exactly.
pub fn text_chunks(text: &str, tokens_per_chunk: usize) -> Vec<String> {
    let target = u32::try_from(tokens_per_chunk.max(1)).unwrap_or(u32::MAX);
    let mut chunks = Vec::new();
    let mut current = String::new();
    for piece in text.split_inclusive(char::is_whitespace) {
        current.push_str(piece);
        if tokens::count(&current) >= target {
            chunks.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        chunks.push(current);
    }
    chunks
}

/// Split a tool input's JSON text into several fragments (at least two when it has two or more
/// characters), as Bedrock streams tool input.
pub fn json_fragments(json: &str) -> Vec<String> {
    const FRAGMENTS: usize = 3;
    let chars: Vec<char> = json.chars().collect();
    if chars.len() < 2 {
        return vec![json.to_string()];
    }
    let size = chars.len().div_ceil(FRAGMENTS).max(1);
    chars.chunks(size).map(|c| c.iter().collect()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::turn::{Source, UsageOverride};

    fn answer(blocks: Vec<AnswerBlock>) -> Answer {
        Answer {
            blocks,
            stop_reason: StopReason::EndTurn,
            usage: UsageOverride::default(),
            latency: Duration::ZERO,
            stream: StreamShape {
                tokens_per_chunk: 2,
                tokens_per_second: None,
            },
            source: Source::Fallback,
        }
    }

    fn turn(max_tokens: Option<u32>) -> Turn {
        Turn {
            model_id: "m".into(),
            base_model_id: "m".into(),
            operation: crate::turn::Operation::Converse,
            system: None,
            messages: Vec::new(),
            tools: Vec::new(),
            max_tokens,
            stop_sequences: Vec::new(),
            sampling: crate::turn::Sampling::default(),
        }
    }

    #[test]
    fn text_chunks_concatenate_back_to_the_text() {
        let text = "The quick brown fox, jumping over   the lazy dog.\nAgain!";
        let chunks = text_chunks(text, 2);
        assert!(chunks.len() > 2);
        assert_eq!(chunks.concat(), text);
    }

    #[test]
    fn json_fragments_split_into_several_pieces() {
        let json = r#"{"location":"Paris"}"#;
        let fragments = json_fragments(json);
        assert!(fragments.len() >= 2);
        assert_eq!(fragments.concat(), json);
    }

    #[test]
    fn tool_use_that_does_not_fit_max_tokens_is_dropped_with_max_tokens() {
        let reply = finish(
            answer(vec![
                AnswerBlock::Text("ok".into()),
                AnswerBlock::ToolUse {
                    id: "t".into(),
                    name: "get_weather".into(),
                    input: serde_json::json!({"location": "a very long place name indeed"}),
                },
            ]),
            &turn(Some(2)),
            100,
            None,
        );
        assert_eq!(reply.stop_reason, StopReason::MaxTokens);
        assert_eq!(reply.blocks, vec![AnswerBlock::Text("ok".into())]);
    }

    #[test]
    fn default_pace_fills_in_and_absurd_paces_do_not_panic() {
        let reply = finish(
            answer(vec![AnswerBlock::Text("hi".into())]),
            &turn(None),
            100,
            Some(1e-300),
        );
        assert_eq!(reply.pause_for(5), MAX_PAUSE);
        assert_eq!(reply.stream.tokens_per_second, Some(1e-300));
    }
}
