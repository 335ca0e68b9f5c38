//! Comparing models: the same request to several models at once, every outcome kept.

use std::fmt;
use std::time::{Duration, Instant};

use futures::{StreamExt, stream};

use crate::backend::Bedrock;
use crate::display::{
    MarkdownTable, bar_chart_svg, cell, escape_html, markdown_to_html, print_evcxr_html,
};
use crate::error::{Error, Result};
use crate::reply::Reply;
use crate::request::Request;
use crate::session::wait;

/// Characters of each answer shown in the comparison table.
const PREVIEW_CHARS: usize = 160;

/// One model's outcome in a [`Comparison`].
#[derive(Debug)]
pub struct CompareEntry {
    /// The model as asked for (display name or id).
    pub model: String,
    /// Its reply, or why it failed.
    pub outcome: Result<Reply>,
}

/// The outcomes of [`Bedrock::compare`], in the order the models were given.
#[derive(Debug)]
pub struct Comparison {
    /// One entry per model.
    pub entries: Vec<CompareEntry>,
    /// Wall time of the whole comparison.
    pub wall_time: Duration,
}

impl Bedrock {
    /// Sends the same request to every model, a few at a time; one failure never stops the others.
    ///
    /// ```
    /// # fn main() -> bedrock_kit::Result<()> {
    /// use bedrock_kit::{Bedrock, Request};
    /// let bedrock = Bedrock::local()?;
    /// let comparison = bedrock.compare(&["Amazon Nova Micro", "Claude Haiku 4.5", "nonsense"], &Request::new("Hi"));
    /// assert_eq!(comparison.replies().len(), 2);
    /// assert_eq!(comparison.failures().len(), 1);
    /// # Ok(()) }
    /// ```
    pub fn compare(&self, models: &[&str], request: &Request) -> Comparison {
        wait(self.compare_async(models, request))
    }

    /// [`compare`](Self::compare) for async code.
    pub async fn compare_async(&self, models: &[&str], request: &Request) -> Comparison {
        let started = Instant::now();
        // `buffered` keeps the models' order and at most `concurrency` calls in flight; the
        // calls themselves run side by side on the session's worker.
        let outcomes: Vec<Result<Reply>> = stream::iter(models)
            .map(|model| self.send_async(model, request))
            .buffered(self.settings.concurrency.max(1))
            .collect()
            .await;
        let entries = models
            .iter()
            .zip(outcomes)
            .map(|(model, outcome)| CompareEntry {
                model: model.to_string(),
                outcome,
            })
            .collect();
        Comparison {
            entries,
            wall_time: started.elapsed(),
        }
    }
}

impl Comparison {
    /// The successful replies, with the model as asked.
    pub fn replies(&self) -> Vec<(&str, &Reply)> {
        self.entries
            .iter()
            .filter_map(|e| e.outcome.as_ref().ok().map(|r| (e.model.as_str(), r)))
            .collect()
    }

    /// The failures, with the model as asked.
    pub fn failures(&self) -> Vec<(&str, &Error)> {
        self.entries
            .iter()
            .filter_map(|e| e.outcome.as_ref().err().map(|r| (e.model.as_str(), r)))
            .collect()
    }

    /// The reply of one model, by the name it was asked with.
    pub fn reply(&self, model: &str) -> Option<&Reply> {
        self.entries
            .iter()
            .find(|e| e.model.eq_ignore_ascii_case(model))
            .and_then(|e| e.outcome.as_ref().ok())
    }

    /// The table as Markdown: model, latency, tokens, stop reason, start of answer or error.
    pub fn to_markdown(&self) -> String {
        let mut table = MarkdownTable::new(&[
            "model",
            ">latency ms",
            ">in",
            ">out",
            ">cost",
            "stop",
            "answer",
        ]);
        for entry in &self.entries {
            match &entry.outcome {
                Ok(reply) => table.row(vec![
                    cell(&entry.model),
                    reply.latency.as_millis().to_string(),
                    reply.usage.input.to_string(),
                    reply.usage.output.to_string(),
                    reply.cost.map_or("–".into(), |cost| cost.dollars()),
                    cell(&reply.stop_reason),
                    cell(&preview(&reply.text)),
                ]),
                Err(error) => {
                    let (stop, why) = match retirement(error) {
                        Some(refusal) => ("refused", format!("🚫 {}", cell(&refusal))),
                        None => (
                            "error",
                            format!("❌ {}", cell(&preview(&error.to_string()))),
                        ),
                    };
                    table.row(vec![
                        cell(&entry.model),
                        "–".into(),
                        "–".into(),
                        "–".into(),
                        "–".into(),
                        stop.into(),
                        why,
                    ])
                }
            }
        }
        format!("{}\n{}\n", table.render(), self.answered_line())
    }

    /// "4 of 5 models answered in 310 ms", saying when the answers were scripted.
    fn answered_line(&self) -> String {
        let replies = self.replies();
        let all = |answered: fn(&Reply) -> bool| {
            !replies.is_empty() && replies.iter().all(|(_, r)| answered(r))
        };
        let scripted = if all(|r| r.local_model.is_some()) {
            " (by local models behind the local endpoint, not by Bedrock's)"
        } else if all(|r| r.recorded) {
            " (replayed by the local endpoint from a recording of Bedrock)"
        } else if all(|r| r.local) {
            " (by the local endpoint: scripted, not by models)"
        } else {
            ""
        };
        format!(
            "{} of {} models answered{scripted} in {} ms",
            replies.len(),
            self.entries.len(),
            self.wall_time.as_millis()
        )
    }

    /// The latency bar chart (failed models marked).
    pub fn chart_svg(&self) -> String {
        let bars: Vec<(String, Option<f64>)> = self
            .entries
            .iter()
            .map(|e| {
                let ms = e
                    .outcome
                    .as_ref()
                    .ok()
                    .map(|r| r.latency.as_secs_f64() * 1000.0);
                (e.model.clone(), ms)
            })
            .collect();
        bar_chart_svg("Latency", "ms", &bars)
    }

    /// Table, chart and every full answer as HTML.
    pub fn to_html(&self) -> String {
        let mut html = format!(
            "<div class=\"bedrock-comparison\">{}{}",
            markdown_to_html(&self.to_markdown()),
            self.chart_svg()
        );
        for (model, reply) in self.replies() {
            html.push_str(&format!(
                "<details><summary>{}</summary>{}</details>",
                escape_html(model),
                markdown_to_html(&reply.text)
            ));
        }
        html.push_str("</div>");
        html
    }

    /// Shows the comparison in a notebook.
    pub fn evcxr_display(&self) {
        print_evcxr_html(&self.to_html());
    }
}

/// For a model Bedrock no longer serves: since when, Bedrock's own words, and what replaces
/// it, in full (the point of the row is the reason, so it is not cut like an answer).
fn retirement(error: &Error) -> Option<String> {
    let (what, since, replacement, message) = match error {
        Error::EndOfLife {
            since,
            replacement,
            message,
            ..
        } => ("end of life", since, replacement, message),
        Error::Legacy {
            since,
            replacement,
            message,
            ..
        } => ("Legacy, not used recently", since, replacement, message),
        _ => return None,
    };
    let since = since.map(|d| format!(" since {d}")).unwrap_or_default();
    let instead = replacement
        .as_deref()
        .map(|r| format!(" → use {r}"))
        .unwrap_or_default();
    Some(format!("{what}{since}: “{message}”{instead}"))
}

fn preview(text: &str) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > PREVIEW_CHARS {
        format!("{}…", flat.chars().take(PREVIEW_CHARS).collect::<String>())
    } else {
        flat
    }
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = self
            .entries
            .iter()
            .map(|e| e.model.len())
            .max()
            .unwrap_or(0);
        for entry in &self.entries {
            match &entry.outcome {
                Ok(r) => writeln!(
                    f,
                    "{:width$}  {:>6} ms  {:>5} in {:>5} out  {:<10}  {}",
                    entry.model,
                    r.latency.as_millis(),
                    r.usage.input,
                    r.usage.output,
                    r.stop_reason,
                    preview(&r.text)
                )?,
                Err(e) => match retirement(e) {
                    Some(refusal) => writeln!(f, "{:width$}  refused: {refusal}", entry.model)?,
                    None => writeln!(f, "{:width$}  error: {e}", entry.model)?,
                },
            }
        }
        write!(f, "{}", self.answered_line())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests state expectations
mod tests {
    use super::*;
    use crate::reply::Usage;

    fn sample() -> Comparison {
        Comparison {
            entries: vec![
                CompareEntry {
                    model: "A".into(),
                    outcome: Ok(Reply {
                        text: "fine | ok".into(),
                        stop_reason: "end_turn".into(),
                        usage: Usage {
                            input: 5,
                            output: 7,
                            total: 12,
                            ..Usage::default()
                        },
                        latency: Duration::from_millis(300),
                        ..Reply::default()
                    }),
                },
                CompareEntry {
                    model: "B".into(),
                    outcome: Err(Error::AccessDenied {
                        model: "b".into(),
                        message: "no".into(),
                        request_id: None,
                        source: None,
                    }),
                },
                CompareEntry {
                    model: "C".into(),
                    outcome: Err(Error::EndOfLife {
                        model: "c".into(),
                        since: bedrock_catalog::parse_date("2026-06-19").ok(),
                        replacement: Some("Claude Haiku 4.5".into()),
                        message: bedrock_catalog::messages::END_OF_LIFE.into(),
                        request_id: None,
                        source: None,
                    }),
                },
            ],
            wall_time: Duration::from_millis(310),
        }
    }

    #[test]
    fn table_keeps_answers_and_errors_side_by_side() {
        let markdown = sample().to_markdown();
        assert!(
            markdown.contains("| A | 300 | 5 | 7 | – | end_turn | fine \\| ok |"),
            "{markdown}"
        );
        assert!(
            markdown.contains("| B | – | – | – | – | error | ❌ access denied"),
            "{markdown}"
        );
        assert!(
            markdown.contains(&format!(
                "| C | – | – | – | – | refused | 🚫 end of life since 2026-06-19: “{}” → use Claude Haiku 4.5 |",
                bedrock_catalog::messages::END_OF_LIFE
            )),
            "{markdown}"
        );
        assert!(markdown.contains("1 of 3 models answered"), "{markdown}");
        let text = sample().to_string();
        assert!(
            text.contains("C  refused: end of life since 2026-06-19"),
            "{text}"
        );
    }

    #[test]
    fn html_has_table_and_latency_chart() {
        let html = sample().to_html();
        assert!(html.contains("<table>"));
        assert!(html.contains("<svg"));
        assert!(html.contains(">failed<"));
    }
}
