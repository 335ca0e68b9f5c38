//! The tool loop: ask, run every requested tool, answer with results, until the model ends
//! its turn or the round limit is reached.

use std::fmt;
use std::time::Instant;

use serde_json::{Value, json};

use super::toolbox::ToolBox;
use super::transcript::{ToolCall, ToolRound, ToolRun};
use crate::backend::Bedrock;
use crate::error::{Error, Result};
use crate::message::{Block, Message, Role, ToolResult, ToolStatus};
use crate::request::Request;
use crate::session::wait;

/// Why a tool run stopped; every stop reason Bedrock documents has its own variant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToolRunEnd {
    /// The model finished its answer.
    EndTurn,
    /// The answer hit the output token limit.
    MaxTokens,
    /// A stop sequence ended the answer.
    StopSequence,
    /// A guardrail intervened.
    GuardrailIntervened,
    /// Content filters blocked the answer.
    ContentFiltered,
    /// The model produced output Bedrock could not parse.
    MalformedModelOutput,
    /// The model produced a tool call Bedrock could not parse.
    MalformedToolUse,
    /// The conversation no longer fits the context window.
    ContextWindowExceeded,
    /// The model still wanted tools after this many rounds (`Settings::max_tool_rounds`).
    RoundLimit(usize),
    /// The stop reason was `tool_use` but no toolUse block came with it.
    ToolUseWithoutCalls,
    /// A stop reason this crate does not know yet.
    Other(String),
}

impl fmt::Display for ToolRunEnd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ToolRunEnd::EndTurn => f.write_str("finished (end_turn)"),
            ToolRunEnd::MaxTokens => {
                f.write_str("stopped: output token limit reached (max_tokens)")
            }
            ToolRunEnd::StopSequence => f.write_str("stopped: stop sequence (stop_sequence)"),
            ToolRunEnd::GuardrailIntervened => f.write_str("stopped: a guardrail intervened"),
            ToolRunEnd::ContentFiltered => f.write_str("stopped: content filtered"),
            ToolRunEnd::MalformedModelOutput => f.write_str("stopped: malformed model output"),
            ToolRunEnd::MalformedToolUse => f.write_str("stopped: malformed tool use"),
            ToolRunEnd::ContextWindowExceeded => f.write_str("stopped: context window exceeded"),
            ToolRunEnd::RoundLimit(rounds) => write!(
                f,
                "stopped: the model still wanted tools after {rounds} rounds (Settings::max_tool_rounds)"
            ),
            ToolRunEnd::ToolUseWithoutCalls => {
                f.write_str("stopped: tool_use without any tool call")
            }
            ToolRunEnd::Other(reason) => write!(f, "stopped: {reason}"),
        }
    }
}

/// What to do after a model turn with this stop reason.
enum Next {
    RunTools,
    Stop(ToolRunEnd),
}

fn next_step(stop_reason: &str) -> Next {
    match stop_reason {
        "tool_use" => Next::RunTools,
        "end_turn" => Next::Stop(ToolRunEnd::EndTurn),
        "max_tokens" => Next::Stop(ToolRunEnd::MaxTokens),
        "stop_sequence" => Next::Stop(ToolRunEnd::StopSequence),
        "guardrail_intervened" => Next::Stop(ToolRunEnd::GuardrailIntervened),
        "content_filtered" => Next::Stop(ToolRunEnd::ContentFiltered),
        "malformed_model_output" => Next::Stop(ToolRunEnd::MalformedModelOutput),
        "malformed_tool_use" => Next::Stop(ToolRunEnd::MalformedToolUse),
        "model_context_window_exceeded" => Next::Stop(ToolRunEnd::ContextWindowExceeded),
        other => Next::Stop(ToolRunEnd::Other(other.to_string())),
    }
}

impl Bedrock {
    /// Lets the model use `tools` until it ends its turn: every toolUse of a turn is run, tool
    /// errors and panics go back as results with `status: error` (where the model accepts
    /// status), and the loop stops after `Settings::max_tool_rounds` rounds with a stated reason.
    ///
    /// ```
    /// # fn main() -> bedrock_kit::Result<()> {
    /// use bedrock_kit::{Bedrock, Request, tools::{ToolBox, Weather}};
    /// let bedrock = Bedrock::local()?;
    /// let tools = ToolBox::new().with(Weather);
    /// let run = bedrock.run_tools("Claude Haiku 4.5",
    ///     &Request::new("What's the weather in San Francisco? What should I wear?").temperature(0.0), &tools)?;
    /// println!("{run}");
    /// # Ok(()) }
    /// ```
    pub fn run_tools(&self, model: &str, request: &Request, tools: &ToolBox) -> Result<ToolRun> {
        wait(self.run_tools_async(model, request, tools))
    }

    /// [`run_tools`](Self::run_tools) for async code.
    pub async fn run_tools_async(
        &self,
        model: &str,
        request: &Request,
        tools: &ToolBox,
    ) -> Result<ToolRun> {
        let started = Instant::now();
        let id = self.resolve(model)?;
        // Models unknown to the catalog get `status`: every current tool-capable model accepts it.
        let with_status = bedrock_catalog::find(&id).is_none_or(|m| m.tool_result_status);
        let mut request = request.clone();
        if request.tools.is_empty() {
            request.tools = tools.specs();
        }
        if request.tools.is_empty() {
            return Err(Error::invalid(
                "run_tools needs at least one tool in the ToolBox",
            ));
        }
        let max_rounds = self.settings.max_tool_rounds;
        let mut run = ToolRun {
            model_id: id.clone(),
            turns: Vec::new(),
            answer: String::new(),
            rounds: 0,
            end: ToolRunEnd::EndTurn,
            messages: Vec::new(),
            usage: Default::default(),
            latency: Default::default(),
        };
        loop {
            let reply = self.send_async(&id, &request).await?;
            run.model_id = reply.model_id.clone();
            run.usage.input += reply.usage.input;
            run.usage.output += reply.usage.output;
            run.usage.total += reply.usage.total;
            request.messages.push(reply.to_message());
            let mut turn = ToolRound {
                text: reply.text.clone(),
                stop_reason: reply.stop_reason.clone(),
                calls: Vec::new(),
            };
            let end = match next_step(&reply.stop_reason) {
                Next::Stop(end) => Some(end),
                Next::RunTools if reply.tool_uses().is_empty() => {
                    Some(ToolRunEnd::ToolUseWithoutCalls)
                }
                Next::RunTools if run.rounds >= max_rounds => {
                    Some(ToolRunEnd::RoundLimit(run.rounds))
                }
                Next::RunTools => {
                    let mut results = Vec::new();
                    for call in reply.tool_uses() {
                        let (output, ok) = match tools.call(&call.name, call.input.clone()) {
                            Ok(value) => (value, true),
                            Err(error) => (json!(format!("error: {}", error.message)), false),
                        };
                        results.push(Block::ToolResult(ToolResult {
                            tool_use_id: call.id.clone(),
                            content: result_content(&output),
                            status: with_status.then_some(if ok {
                                ToolStatus::Success
                            } else {
                                ToolStatus::Error
                            }),
                        }));
                        turn.calls.push(ToolCall {
                            id: call.id.clone(),
                            name: call.name.clone(),
                            input: call.input.clone(),
                            output,
                            ok,
                        });
                    }
                    request.messages.push(Message {
                        role: Role::User,
                        content: results,
                    });
                    run.rounds += 1;
                    None
                }
            };
            run.turns.push(turn);
            if let Some(end) = end {
                run.answer = reply.text.clone();
                run.end = end;
                break;
            }
        }
        run.messages = request.messages;
        run.latency = started.elapsed();
        Ok(run)
    }
}

/// Tool output as toolResult content: objects go as `json`, anything else wrapped so that
/// Bedrock (which wants a JSON object) accepts it; strings go as text.
fn result_content(output: &Value) -> Value {
    match output {
        Value::Object(_) | Value::String(_) => output.clone(),
        other => json!({ "result": other }),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests state expectations
mod tests {
    use super::*;

    #[test]
    fn every_documented_stop_reason_has_its_own_end() {
        let reasons = [
            "end_turn",
            "max_tokens",
            "stop_sequence",
            "guardrail_intervened",
            "content_filtered",
            "malformed_model_output",
            "malformed_tool_use",
            "model_context_window_exceeded",
        ];
        for reason in reasons {
            match next_step(reason) {
                Next::Stop(ToolRunEnd::Other(_)) | Next::RunTools => panic!("{reason} not matched"),
                Next::Stop(_) => {}
            }
        }
        assert!(matches!(next_step("tool_use"), Next::RunTools));
    }

    #[test]
    fn non_object_results_are_wrapped() {
        assert_eq!(result_content(&json!(3)), json!({"result": 3}));
        assert_eq!(result_content(&json!("x")), json!("x"));
    }
}
