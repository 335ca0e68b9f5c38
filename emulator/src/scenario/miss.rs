//! The honest answer when a set holds recorded exchanges and none of them (nor any other rule)
//! matches: it says no recording matched and names the nearest recorded prompt, so a learner who
//! changed a prompt sees which one the recording knows.
//!
//! "Nearest" is the recorded prompt sharing the most topic words with the question (stop words
//! left out, crude stems compared: `cities` = `city`), relative to both sizes (Jaccard); ties go
//! to the earlier rule. A recorded prompt is a recorded rule's `contains` text.

use std::collections::BTreeSet;

use super::fallback::{MARK, quote, text_answer};
use super::rule::Rule;
use super::values::user_text;
use super::words::topic_words;
use crate::turn::{Answer, Turn};

/// The miss answer for `turn`, or `None` when `rules` hold no recorded exchange (the ordinary
/// fallback answers then).
pub(crate) fn answer(turn: &Turn, rules: &[Rule]) -> Option<Answer> {
    let recorded: Vec<&Rule> = rules
        .iter()
        .filter(|r| r.matcher.conversation.is_some())
        .collect();
    if recorded.is_empty() {
        return None;
    }
    let question = user_text(turn).unwrap_or_default();
    let prompts: Vec<(String, &Rule)> = recorded
        .iter()
        .filter(|r| !r.matcher.contains.is_empty())
        .map(|r| (r.matcher.contains.join(" "), *r))
        .collect();
    let mut text = format!(
        "{MARK} No recording matched this request ({} on `{}`: \"{}\"): the {} recorded \
         exchange{} answer only the exact conversations they were recorded with (operation, model, \
         messages, system prompt, tools and settings other than sampling).",
        turn.operation.name(),
        turn.model_id,
        quote(&question),
        recorded.len(),
        if recorded.len() == 1 { "" } else { "s" },
    );
    match nearest(&question, &prompts) {
        Some((prompt, rule, shared)) => {
            let operations: Vec<&str> = rule.matcher.operations.iter().map(|o| o.name()).collect();
            let how = if shared == 0 {
                "none shares a word with yours; the first recorded prompt is"
            } else {
                "the nearest recorded prompt is"
            };
            text.push_str(&format!(
                " Of the recorded prompts, {how} \"{}\" ({}).",
                quote(prompt),
                if operations.is_empty() {
                    "any operation".to_string()
                } else {
                    operations.join(", ")
                }
            ));
        }
        None => text.push_str(" None of them records a prompt to compare with."),
    }
    text.push_str(
        " Ask a recorded prompt to replay its answer, or record this one with \
         `bedrock-local record --upstream aws --out FILE`.",
    );
    Some(text_answer(text))
}

/// The prompt sharing most topic words with `question` (ties: the first), with the number of
/// words shared.
fn nearest<'a>(
    question: &str,
    prompts: &'a [(String, &'a Rule)],
) -> Option<(&'a str, &'a Rule, usize)> {
    let asked: BTreeSet<String> = topic_words(question).into_iter().collect();
    let mut best: Option<(&str, &Rule, usize, f64)> = None;
    for (prompt, rule) in prompts {
        let words: BTreeSet<String> = topic_words(prompt).into_iter().collect();
        let shared = asked.intersection(&words).count();
        let union = asked.union(&words).count().max(1);
        // Both counts are tiny (words of two prompts), so the division is exact enough.
        #[allow(clippy::cast_precision_loss)]
        let score = shared as f64 / union as f64;
        if best.is_none_or(|(_, _, _, top)| score > top) {
            best = Some((prompt.as_str(), *rule, shared, score));
        }
    }
    best.map(|(prompt, rule, shared, _)| (prompt, rule, shared))
}
