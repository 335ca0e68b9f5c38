//! What comes back: the model's answer with its stop reason, usage, timing and ids.

use std::fmt;
use std::io::IsTerminal;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::cost::Cost;
use crate::display::{escape_html, markdown_to_html, print_evcxr_html};
use crate::guardrail::{GuardrailReport, report_html};
use crate::message::{Block, Message, Role, ToolUse, tool_uses_in};

/// Tokens counted by Bedrock for one call.
///
/// With prompt caching, `input` counts only the tokens neither read from nor written to the
/// cache, as Bedrock reports them; [`Usage::prompt`] is the whole prompt.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Usage {
    /// Input tokens billed at the input price (cache reads and writes excluded).
    pub input: u32,
    /// Output tokens.
    pub output: u32,
    /// All tokens of the call, as Bedrock counts them.
    pub total: u32,
    /// Prompt tokens read from the prompt cache (`cacheReadInputTokens`).
    pub cache_read: u32,
    /// Prompt tokens written to the prompt cache (`cacheWriteInputTokens`), all TTLs.
    pub cache_write: u32,
    /// The part of `cache_write` written with the one-hour TTL (billed higher than five minutes).
    pub cache_write_1h: u32,
}

impl Usage {
    /// Every prompt token: uncached input plus cache reads and writes.
    pub fn prompt(&self) -> u32 {
        self.input
            .saturating_add(self.cache_read)
            .saturating_add(self.cache_write)
    }
}

/// A model's answer to one call.
///
/// ```no_run
/// # fn main() -> bedrock_kit::Result<()> {
/// let bedrock = bedrock_kit::Bedrock::local()?;
/// let reply = bedrock.ask("Amazon Nova Micro", "Say hello")?;
/// println!("{} ({} tokens, {:?})", reply.text, reply.usage.total, reply.latency);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Reply {
    /// The answer text (all text blocks joined).
    pub text: String,
    /// Reasoning text, for models that return it.
    pub reasoning: Option<String>,
    /// What the request's guardrail made of the call (with a guardrail on the request).
    pub guardrail: Option<GuardrailReport>,
    /// Why the model stopped (`end_turn`, `tool_use`, `max_tokens`, ...).
    pub stop_reason: String,
    /// Token counts.
    pub usage: Usage,
    /// Wall time of the call, retries included.
    pub latency: Duration,
    /// Time until the first text arrived (streaming only).
    pub time_to_first_token: Option<Duration>,
    /// Output tokens per second after the first token (streaming only).
    pub tokens_per_second: Option<f64>,
    /// The model id (or profile id) that answered.
    pub model_id: String,
    /// Bedrock's request id, to quote to AWS support.
    pub request_id: Option<String>,
    /// Changes made to the request to fit the model's rules.
    pub adjustments: Vec<String>,
    /// Every content block of the answer (text, reasoning, tool calls), in order.
    pub content: Vec<Block>,
    /// True when the local endpoint answered: a scripted scenario or its marked fallback, never
    /// a model. Shown with the reply so that no one takes it for a model's words.
    pub local: bool,
    /// True when the local endpoint replayed a recording of real Bedrock (`bedrock-local
    /// record`): a model's words, from the day they were recorded (`local` is true too).
    pub recorded: bool,
    /// The local model that generated the answer behind the local endpoint, as `NAME via URL`
    /// (`llama3.2 via http://localhost:11434`): a model's words, but not the Bedrock model's
    /// (`local` is true too).
    pub local_model: Option<String>,
    /// What the call cost at Bedrock's on-demand prices, when the catalog has the model's prices.
    pub cost: Option<Cost>,
    /// True when the kit's response cache answered and no call was made.
    pub from_cache: bool,
}

impl Reply {
    /// The tool calls in the answer.
    pub fn tool_uses(&self) -> Vec<&ToolUse> {
        tool_uses_in(&self.content)
    }

    /// The answer as an assistant message, ready to append to a history.
    pub fn to_message(&self) -> Message {
        let content = if self.content.is_empty() {
            vec![Block::Text(self.text.clone())]
        } else {
            self.content.clone()
        };
        Message {
            role: Role::Assistant,
            content,
        }
    }

    /// One line of facts: stop reason, tokens, latency, speed.
    pub fn summary(&self) -> String {
        let mut line = format!(
            "stop: {} · tokens: {} in / {} out · latency: {} ms",
            self.stop_reason,
            self.usage.input,
            self.usage.output,
            self.latency.as_millis()
        );
        if let Some(first) = self.time_to_first_token {
            line.push_str(&format!(" · first token: {} ms", first.as_millis()));
        }
        if let Some(speed) = self.tokens_per_second {
            line.push_str(&format!(" · {speed:.1} tokens/s"));
        }
        if let Some(reasoning) = &self.reasoning {
            // Bedrock counts reasoning inside the output tokens without a separate figure.
            line.push_str(&format!(
                " · reasoning: {} words of the output",
                reasoning.split_whitespace().count()
            ));
        }
        if self.usage.cache_read > 0 || self.usage.cache_write > 0 {
            line.push_str(&format!(
                " · prompt cache: {} read / {} written",
                self.usage.cache_read, self.usage.cache_write
            ));
        }
        if let Some(cost) = &self.cost {
            line.push_str(&format!(" · cost: {}", cost.dollars()));
        }
        if self.from_cache {
            line.push_str(" · from the response cache (no call made)");
        }
        if let Some(local_model) = &self.local_model {
            line.push_str(&format!(
                " · answered by {local_model} (a local model standing in for {})",
                self.model_id
            ));
        } else if self.recorded {
            line.push_str(" · replayed by the local endpoint from a recording of Bedrock");
        } else if self.local {
            line.push_str(" · answered by the local endpoint (scripted, not a model)");
        }
        line
    }

    /// Who answered, for the heading: the model id, or the local model that stood in for it.
    pub fn answered_by(&self) -> String {
        match &self.local_model {
            Some(local_model) => format!("{local_model} (for {})", self.model_id),
            None => self.model_id.clone(),
        }
    }

    /// The reply as HTML: model heading, Markdown answer, reasoning folded, facts line.
    pub fn to_html(&self) -> String {
        let mut html = format!(
            "<div class=\"bedrock-reply\"><h4>{}</h4>",
            escape_html(&self.answered_by())
        );
        if let Some(reasoning) = &self.reasoning {
            html.push_str(&format!(
                "<details><summary>reasoning</summary><pre>{}</pre></details>",
                escape_html(reasoning)
            ));
        }
        html.push_str(&markdown_to_html(&self.text));
        for tool in self.tool_uses() {
            html.push_str(&format!(
                "<p>🔧 tool call <code>{}</code> <code>{}</code></p>",
                escape_html(&tool.name),
                escape_html(&tool.input.to_string())
            ));
        }
        if let Some(guardrail) = &self.guardrail {
            html.push_str(&report_html(guardrail));
        }
        for change in &self.adjustments {
            html.push_str(&format!(
                "<p><em>adjusted: {}</em></p>",
                escape_html(change)
            ));
        }
        html.push_str(&format!(
            "<p style=\"color:#666;font-size:smaller\">{}</p></div>",
            escape_html(&self.summary())
        ));
        html
    }

    /// Shows the reply in a notebook.
    pub fn evcxr_display(&self) {
        print_evcxr_html(&self.to_html());
    }
}

impl fmt::Display for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "── {} ──", self.answered_by())?;
        if let Some(reasoning) = &self.reasoning {
            // Dimmed on a terminal, so the answer stands out; plain where ANSI codes would show.
            if std::io::stdout().is_terminal() {
                writeln!(f, "\x1b[2m[reasoning] {reasoning}\x1b[0m")?;
            } else {
                writeln!(f, "[reasoning] {reasoning}")?;
            }
        }
        writeln!(f, "{}", self.text)?;
        for tool in self.tool_uses() {
            writeln!(f, "[tool call] {} {}", tool.name, tool.input)?;
        }
        if let Some(guardrail) = &self.guardrail {
            writeln!(f, "[{}]", guardrail.summary())?;
        }
        for change in &self.adjustments {
            writeln!(f, "[adjusted] {change}")?;
        }
        write!(f, "[{}]", self.summary())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests state expectations
mod tests {
    use super::*;

    fn sample() -> Reply {
        Reply {
            text: "**Paris** is foggy.\n\n| a | b |\n|---|---|\n| 1 | 2 |".into(),
            reasoning: Some("think <hard>".into()),
            stop_reason: "end_turn".into(),
            usage: Usage {
                input: 3,
                output: 4,
                total: 7,
                ..Usage::default()
            },
            latency: Duration::from_millis(120),
            model_id: "amazon.nova-micro-v1:0".into(),
            ..Reply::default()
        }
    }

    #[test]
    fn html_renders_markdown_and_escapes_reasoning() {
        let html = sample().to_html();
        assert!(html.contains("<strong>Paris</strong>"), "{html}");
        assert!(html.contains("<table>"), "{html}");
        assert!(html.contains("think &lt;hard&gt;"), "{html}");
        assert!(html.contains("3 in / 4 out"), "{html}");
    }

    #[test]
    fn terminal_text_shows_answer_and_facts() {
        let text = sample().to_string();
        assert!(text.starts_with("── amazon.nova-micro-v1:0 ──"));
        assert!(text.contains("latency: 120 ms"));
    }

    #[test]
    fn a_local_answer_says_it_is_scripted() {
        let reply = Reply {
            local: true,
            ..sample()
        };
        assert!(
            reply
                .summary()
                .contains("local endpoint (scripted, not a model)")
        );
        assert!(reply.to_html().contains("scripted, not a model"));
        assert!(!sample().summary().contains("local endpoint"));
    }
}
