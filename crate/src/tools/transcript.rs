//! The record of a tool run: every round's text, calls and results, and why it stopped.

use std::fmt;
use std::time::Duration;

use serde_json::Value;

use super::run::ToolRunEnd;
use crate::display::{escape_html, markdown_to_html, print_evcxr_html};
use crate::message::Message;
use crate::reply::Usage;

/// One tool call and what it returned.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolCall {
    /// `toolUseId`.
    pub id: String,
    /// Tool name.
    pub name: String,
    /// Arguments the model gave.
    pub input: Value,
    /// The result (or the error message) sent back.
    pub output: Value,
    /// Whether the tool succeeded.
    pub ok: bool,
}

/// One model turn of a tool run: its text and the calls it asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolRound {
    /// Text the model wrote in this turn (kept even when it also called tools).
    pub text: String,
    /// The stop reason of this turn.
    pub stop_reason: String,
    /// Calls run in this turn (empty for the final turn).
    pub calls: Vec<ToolCall>,
}

/// The transcript returned by [`Bedrock::run_tools`](crate::Bedrock::run_tools).
#[derive(Debug, Clone, PartialEq)]
pub struct ToolRun {
    /// The model or profile id used.
    pub model_id: String,
    /// Every model turn in order.
    pub turns: Vec<ToolRound>,
    /// The final answer (the last turn's text).
    pub answer: String,
    /// Rounds of tool calls that were run.
    pub rounds: usize,
    /// Why the loop stopped.
    pub end: ToolRunEnd,
    /// The whole conversation, tool traffic included.
    pub messages: Vec<Message>,
    /// Tokens summed over every call.
    pub usage: Usage,
    /// Wall time of the whole run.
    pub latency: Duration,
}

impl ToolRun {
    /// Every tool call of the run, in order.
    pub fn calls(&self) -> Vec<&ToolCall> {
        self.turns.iter().flat_map(|t| t.calls.iter()).collect()
    }

    /// Whether the model finished its answer on its own (`end_turn`).
    pub fn finished(&self) -> bool {
        self.end == ToolRunEnd::EndTurn
    }

    /// The transcript as HTML.
    pub fn to_html(&self) -> String {
        let mut html = format!(
            "<div class=\"bedrock-tool-run\"><h4>{}</h4><ol>",
            escape_html(&self.model_id)
        );
        for turn in &self.turns {
            html.push_str("<li>");
            if !turn.text.trim().is_empty() {
                html.push_str(&markdown_to_html(&turn.text));
            }
            for call in &turn.calls {
                html.push_str(&format!(
                    "<p>🔧 <code>{}({})</code> → {} <code>{}</code></p>",
                    escape_html(&call.name),
                    escape_html(&call.input.to_string()),
                    if call.ok { "✅" } else { "❌" },
                    escape_html(&call.output.to_string())
                ));
            }
            html.push_str(&format!(
                "<small>stop: {}</small></li>",
                escape_html(&turn.stop_reason)
            ));
        }
        html.push_str(&format!(
            "</ol><p><b>{}</b> · {} tool round(s) · {} tokens · {} ms</p></div>",
            escape_html(&self.end.to_string()),
            self.rounds,
            self.usage.total,
            self.latency.as_millis()
        ));
        html
    }

    /// Shows the transcript in a notebook.
    pub fn evcxr_display(&self) {
        print_evcxr_html(&self.to_html());
    }
}

impl fmt::Display for ToolRun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "── tool run with {} ──", self.model_id)?;
        for (index, turn) in self.turns.iter().enumerate() {
            if !turn.text.trim().is_empty() {
                writeln!(f, "[{}] {}", index + 1, turn.text.trim())?;
            }
            for call in &turn.calls {
                let mark = if call.ok { "ok" } else { "error" };
                writeln!(
                    f,
                    "[{}] {}({}) → {mark}: {}",
                    index + 1,
                    call.name,
                    call.input,
                    call.output
                )?;
            }
        }
        write!(
            f,
            "[{} · {} tool round(s) · {} tokens]",
            self.end, self.rounds, self.usage.total
        )
    }
}
