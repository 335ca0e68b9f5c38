//! What calls cost at Bedrock's on-demand prices: one reply's [`Cost`], and a handle's running
//! [`CostTable`].
//!
//! Prices are data (`catalog/prices.json`, with the page and the day they were read). Bedrock
//! bills four kinds of prompt token differently, and so does this module: uncached input at the
//! input price, cache writes at the write price of their TTL (five minutes or one hour), cache
//! reads at the read price, and output at the output price.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Mutex, PoisonError};

use bedrock_catalog::{ModelId, Rates};
use serde::{Deserialize, Serialize};

use crate::display::{MarkdownTable, bar_chart_svg_with, cell, markdown_to_html, print_evcxr_html};
use crate::reply::{Reply, Usage};

const PER_MILLION: f64 = 1_000_000.0;

/// What one call cost, in US dollars, by kind of token.
///
/// ```
/// use bedrock_kit::{Cost, Usage};
/// let haiku = bedrock_kit::prices_for("Claude Haiku 4.5").unwrap();
/// let usage = Usage { input: 1_000, output: 500, ..Usage::default() };
/// let cost = Cost::of(&usage, &haiku.regional);
/// assert!((cost.total() - 0.00385).abs() < 1e-12); // 1,000 × $1.10/M + 500 × $5.50/M
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Cost {
    /// Uncached input tokens.
    pub input: f64,
    /// Output tokens.
    pub output: f64,
    /// Tokens written to the prompt cache.
    pub cache_write: f64,
    /// Tokens read from the prompt cache.
    pub cache_read: f64,
}

impl Cost {
    /// The cost of `usage` at `rates`.
    ///
    /// A kind of token the rates do not price is billed at the input price: Amazon Nova bills
    /// cache writes as plain input, and a model without the one-hour TTL never writes with it.
    pub fn of(usage: &Usage, rates: &Rates) -> Cost {
        let per_token = |tokens: u32, price: f64| f64::from(tokens) * price / PER_MILLION;
        let write_5m = rates.cache_write_5m.unwrap_or(rates.input);
        let write_1h = rates.cache_write_1h.unwrap_or(write_5m);
        let written_for_an_hour = usage.cache_write_1h.min(usage.cache_write);
        Cost {
            input: per_token(usage.input, rates.input),
            output: per_token(usage.output, rates.output),
            cache_write: per_token(usage.cache_write - written_for_an_hour, write_5m)
                + per_token(written_for_an_hour, write_1h),
            cache_read: per_token(usage.cache_read, rates.cache_read.unwrap_or(rates.input)),
        }
    }

    /// The whole cost.
    pub fn total(&self) -> f64 {
        self.input + self.output + self.cache_write + self.cache_read
    }

    /// The whole cost as text, with as many decimals as a fraction of a cent needs (`$0.00385`).
    pub fn dollars(&self) -> String {
        dollars(self.total())
    }
}

impl std::ops::AddAssign for Cost {
    fn add_assign(&mut self, other: Cost) {
        self.input += other.input;
        self.output += other.output;
        self.cache_write += other.cache_write;
        self.cache_read += other.cache_read;
    }
}

impl std::iter::Sum for Cost {
    fn sum<I: Iterator<Item = Cost>>(costs: I) -> Cost {
        let mut total = Cost::default();
        for cost in costs {
            total += cost;
        }
        total
    }
}

/// Dollars with enough decimals to show three significant digits of a small amount.
pub(crate) fn dollars(amount: f64) -> String {
    if amount == 0.0 {
        return "$0".into();
    }
    let decimals = if amount >= 1.0 {
        2
    } else {
        // Three significant digits: 0.00385 → 5 decimals.
        (2 - amount.log10().floor() as i32).clamp(2, 9) as usize
    };
    format!("${amount:.decimals$}")
}

/// The cost of a reply from the catalog's prices for the id that answered; `None` for a model
/// the price file does not list.
pub(crate) fn cost_of(reply: &Reply) -> Option<Cost> {
    let model = bedrock_catalog::find(&reply.model_id)?;
    let prices = bedrock_catalog::prices_for(&model.name)?;
    let id = ModelId::parse(&reply.model_id).ok()?;
    Some(Cost::of(&reply.usage, prices.rates_for(&id)))
}

/// One model's line of a [`CostTable`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CostRow {
    /// The id that answered.
    pub model_id: String,
    /// Calls made to Bedrock.
    pub calls: u32,
    /// Answers served by the response cache instead (no call, no cost).
    pub cached_answers: u32,
    /// Tokens of the calls made.
    pub usage: Usage,
    /// What the calls cost; `None` when the model has no listed prices.
    pub cost: Option<Cost>,
}

/// A handle's spending so far, by model: calls, tokens by kind, dollars.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CostTable {
    /// One row per model, in id order.
    pub rows: Vec<CostRow>,
}

impl CostTable {
    /// Dollars of every priced call.
    pub fn total(&self) -> Cost {
        self.rows.iter().filter_map(|row| row.cost).sum()
    }

    /// The table as GFM Markdown, with a total line and where the prices come from.
    pub fn to_markdown(&self) -> String {
        let mut table = MarkdownTable::new(&[
            "model",
            ">calls",
            ">from cache",
            ">input",
            ">cache read",
            ">cache write",
            ">output",
            ">cost",
        ]);
        let mut sum = Usage::default();
        for row in &self.rows {
            sum = add_usage(sum, &row.usage);
            table.row(vec![
                cell(&row.model_id),
                row.calls.to_string(),
                row.cached_answers.to_string(),
                row.usage.input.to_string(),
                row.usage.cache_read.to_string(),
                row.usage.cache_write.to_string(),
                row.usage.output.to_string(),
                row.cost.map_or("no price listed".into(), |c| c.dollars()),
            ]);
        }
        table.row(vec![
            "**total**".into(),
            self.rows.iter().map(|r| r.calls).sum::<u32>().to_string(),
            self.rows
                .iter()
                .map(|r| r.cached_answers)
                .sum::<u32>()
                .to_string(),
            sum.input.to_string(),
            sum.cache_read.to_string(),
            sum.cache_write.to_string(),
            sum.output.to_string(),
            format!("**{}**", self.total().dollars()),
        ]);
        let (source, read_on) = bedrock_catalog::price_source();
        format!(
            "{}\nOn-demand prices from {source}, read {read_on} (catalog/prices.json).\n",
            table.render()
        )
    }

    /// The table and a bar chart of dollars by model, as HTML.
    pub fn to_html(&self) -> String {
        let bars: Vec<(String, Option<f64>)> = self
            .rows
            .iter()
            .map(|row| (row.model_id.clone(), row.cost.map(|c| c.total())))
            .collect();
        format!(
            "<div class=\"bedrock-costs\">{}{}</div>",
            markdown_to_html(&self.to_markdown()),
            bar_chart_svg_with("cost by model", &bars, dollars)
        )
    }

    /// Shows the table in a notebook.
    pub fn evcxr_display(&self) {
        print_evcxr_html(&self.to_html());
    }
}

impl fmt::Display for CostTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_markdown())
    }
}

fn add_usage(sum: Usage, usage: &Usage) -> Usage {
    Usage {
        input: sum.input.saturating_add(usage.input),
        output: sum.output.saturating_add(usage.output),
        total: sum.total.saturating_add(usage.total),
        cache_read: sum.cache_read.saturating_add(usage.cache_read),
        cache_write: sum.cache_write.saturating_add(usage.cache_write),
        cache_write_1h: sum.cache_write_1h.saturating_add(usage.cache_write_1h),
    }
}

/// Calls side by side: each one's tokens by kind, latency and cost (to see what a cache point
/// or the response cache changes).
///
/// ```
/// # fn main() -> bedrock_kit::Result<()> {
/// use bedrock_kit::{Bedrock, CallTable};
/// let bedrock = Bedrock::local()?;
/// let table = CallTable::new("two questions")
///     .row("first", &bedrock.ask("Amazon Nova Micro", "Hi")?)
///     .row("second", &bedrock.ask("Amazon Nova Micro", "Hello")?);
/// assert!(table.to_string().contains("| second |"));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CallTable {
    title: String,
    rows: Vec<(String, Reply)>,
}

impl CallTable {
    /// An empty table with a title.
    pub fn new(title: &str) -> Self {
        CallTable {
            title: title.to_string(),
            rows: Vec::new(),
        }
    }

    /// The table with one more call.
    pub fn row(mut self, label: &str, reply: &Reply) -> Self {
        self.add(label, reply);
        self
    }

    /// Adds a call.
    pub fn add(&mut self, label: &str, reply: &Reply) {
        self.rows.push((label.to_string(), reply.clone()));
    }

    /// Dollars of all its calls (those with listed prices).
    pub fn total(&self) -> Cost {
        self.rows.iter().filter_map(|(_, reply)| reply.cost).sum()
    }

    /// The table as GFM Markdown.
    pub fn to_markdown(&self) -> String {
        let mut table = MarkdownTable::new(&[
            "call",
            ">input",
            ">cache read",
            ">cache write",
            ">output",
            ">latency ms",
            ">cost",
            "note",
        ]);
        for (label, reply) in &self.rows {
            let note = if reply.from_cache {
                "from the response cache: no call"
            } else if reply.usage.cache_read > 0 {
                "prefix read from the prompt cache"
            } else if reply.usage.cache_write > 0 {
                "prefix written to the prompt cache"
            } else {
                ""
            };
            table.row(vec![
                cell(label),
                reply.usage.input.to_string(),
                reply.usage.cache_read.to_string(),
                reply.usage.cache_write.to_string(),
                reply.usage.output.to_string(),
                reply.latency.as_millis().to_string(),
                match (reply.from_cache, reply.cost) {
                    (true, _) => "$0".into(),
                    (false, Some(cost)) => cost.dollars(),
                    (false, None) => "no price listed".into(),
                },
                note.into(),
            ]);
        }
        format!(
            "**{}** · total {}\n\n{}",
            cell(&self.title),
            self.total().dollars(),
            table.render()
        )
    }

    /// The table as HTML.
    pub fn to_html(&self) -> String {
        markdown_to_html(&self.to_markdown())
    }

    /// Shows the table in a notebook.
    pub fn evcxr_display(&self) {
        print_evcxr_html(&self.to_html());
    }
}

impl fmt::Display for CallTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_markdown())
    }
}

/// The running record of a handle's calls, shared by its clones.
#[derive(Debug, Default)]
pub(crate) struct Ledger {
    rows: Mutex<BTreeMap<String, CostRow>>,
}

impl Ledger {
    /// Adds a reply: a call made, or an answer the response cache gave (which cost nothing).
    pub(crate) fn record(&self, reply: &Reply) {
        // A panic elsewhere while the lock was held leaves whole rows behind: keep counting.
        let mut rows = self.rows.lock().unwrap_or_else(PoisonError::into_inner);
        let row = rows
            .entry(reply.model_id.clone())
            .or_insert_with(|| CostRow {
                model_id: reply.model_id.clone(),
                cost: reply.cost.map(|_| Cost::default()),
                ..CostRow::default()
            });
        if reply.from_cache {
            row.cached_answers += 1;
            return;
        }
        row.calls += 1;
        row.usage = add_usage(row.usage, &reply.usage);
        if let Some(cost) = reply.cost {
            *row.cost.get_or_insert_default() += cost;
        }
    }

    /// The table so far.
    pub(crate) fn table(&self) -> CostTable {
        let rows = self.rows.lock().unwrap_or_else(PoisonError::into_inner);
        CostTable {
            rows: rows.values().cloned().collect(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests state expectations
mod tests {
    use super::*;

    fn haiku_us() -> Rates {
        bedrock_catalog::prices_for("Claude Haiku 4.5")
            .unwrap()
            .regional
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn a_miss_bills_input_and_output_only() {
        let usage = Usage {
            input: 6_000,
            output: 200,
            total: 6_200,
            ..Usage::default()
        };
        let cost = Cost::of(&usage, &haiku_us());
        assert!(close(cost.input, 6_000.0 * 1.1 / 1e6));
        assert!(close(cost.output, 200.0 * 5.5 / 1e6));
        assert_eq!((cost.cache_write, cost.cache_read), (0.0, 0.0));
        assert!(close(cost.total(), 0.0066 + 0.0011));
    }

    #[test]
    fn a_cache_write_bills_the_written_tokens_at_the_write_price_of_their_ttl() {
        let usage = Usage {
            input: 20,
            output: 100,
            cache_write: 6_000,
            cache_write_1h: 0,
            ..Usage::default()
        };
        let cost = Cost::of(&usage, &haiku_us());
        assert!(close(cost.cache_write, 6_000.0 * 1.375 / 1e6));
        assert!(close(cost.input, 20.0 * 1.1 / 1e6));
        let hour = Usage {
            cache_write_1h: 6_000,
            ..usage
        };
        assert!(close(
            Cost::of(&hour, &haiku_us()).cache_write,
            6_000.0 * 2.2 / 1e6
        ));
    }

    #[test]
    fn a_cache_read_bills_a_tenth_of_the_input_price() {
        let usage = Usage {
            input: 20,
            output: 100,
            cache_read: 6_000,
            ..Usage::default()
        };
        let cost = Cost::of(&usage, &haiku_us());
        assert!(close(cost.cache_read, 6_000.0 * 0.11 / 1e6));
        assert!(
            cost.total()
                < Cost::of(
                    &Usage {
                        input: 6_020,
                        output: 100,
                        ..Usage::default()
                    },
                    &haiku_us()
                )
                .total()
        );
    }

    #[test]
    fn a_mixed_conversation_adds_up_in_the_ledger() {
        // Turn 1 writes the document to the cache, turns 2 and 3 read it; one answer came
        // from the response cache and costs nothing.
        let turn = |usage: Usage, from_cache: bool| {
            let mut reply = Reply {
                model_id: "us.anthropic.claude-haiku-4-5-20251001-v1:0".into(),
                usage,
                from_cache,
                ..Reply::default()
            };
            reply.cost = cost_of(&reply);
            reply
        };
        let ledger = Ledger::default();
        let write = Usage {
            input: 12,
            output: 80,
            cache_write: 6_000,
            ..Usage::default()
        };
        let read = Usage {
            input: 15,
            output: 90,
            cache_read: 6_000,
            ..Usage::default()
        };
        for reply in [
            turn(write, false),
            turn(read, false),
            turn(read, false),
            turn(read, true),
        ] {
            ledger.record(&reply);
        }
        let table = ledger.table();
        let row = &table.rows[0];
        assert_eq!((row.calls, row.cached_answers), (3, 1));
        assert_eq!(row.usage.cache_write, 6_000);
        assert_eq!(row.usage.cache_read, 12_000);
        assert_eq!(row.usage.input, 42);
        assert_eq!(row.usage.output, 260);
        let expected = (42.0 * 1.1 + 260.0 * 5.5 + 6_000.0 * 1.375 + 12_000.0 * 0.11) / 1e6;
        assert!(
            close(table.total().total(), expected),
            "{}",
            table.total().total()
        );
        let text = table.to_string();
        assert!(
            text.contains("| us.anthropic.claude-haiku-4-5-20251001-v1:0 | 3 | 1 |"),
            "{text}"
        );
        assert!(
            text.contains(&format!("**{}**", dollars(expected))),
            "{text}"
        );
        assert!(table.to_html().contains("<svg"));
    }

    #[test]
    fn a_global_profile_is_billed_at_global_rates() {
        let reply = Reply {
            model_id: "global.anthropic.claude-haiku-4-5-20251001-v1:0".into(),
            usage: Usage {
                input: 1_000_000,
                ..Usage::default()
            },
            ..Reply::default()
        };
        assert!(close(cost_of(&reply).unwrap().total(), 1.0));
    }

    #[test]
    fn a_model_without_prices_has_no_cost_and_says_so() {
        let reply = Reply {
            model_id: "anthropic.claude-3-7-sonnet-20250219-v1:0".into(),
            usage: Usage {
                input: 10,
                ..Usage::default()
            },
            ..Reply::default()
        };
        assert_eq!(cost_of(&reply), None);
        let ledger = Ledger::default();
        ledger.record(&reply);
        assert!(ledger.table().to_string().contains("no price listed"));
    }

    #[test]
    fn small_amounts_keep_three_significant_digits() {
        assert_eq!(dollars(0.00385), "$0.00385");
        assert_eq!(dollars(0.0425), "$0.0425");
        assert_eq!(dollars(1.5), "$1.50");
        assert_eq!(dollars(0.0), "$0");
    }
}
