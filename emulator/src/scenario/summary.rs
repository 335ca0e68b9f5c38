//! The fallback's extractive summary: detect the request, find the text, pick sentences.

use std::collections::HashMap;

use super::words::{is_stop_word, sentences, small_number, topic_words, words};

/// Sentences in a summary when the request gives no number.
const DEFAULT_SENTENCES: usize = 2;

/// Words that ask for a summary (or a shorter version of the previous answer).
const CUES: &[&str] = &[
    "summarise",
    "summarize",
    "summary",
    "summarised",
    "summarized",
    "summarising",
    "summarizing",
    "tl;dr",
    "tldr",
    "shorter",
    "shorten",
    "condense",
    "recap",
    "gist",
];

/// Whether `request` asks for a summary.
pub(crate) fn is_summary_request(request: &str) -> bool {
    let lower = request.to_lowercase();
    lower.contains("tl;dr") || words(&lower).iter().any(|w| CUES.contains(&w.as_str()))
}

/// How many sentences the request asks for: `one sentence`, `3 sentences`, `three short
/// sentences`, `2-3 sentences` (the lower bound: the shortest answer that respects the
/// request), else a default. A count in the instruction itself (a sentence that asks for the
/// summary) wins over one elsewhere, such as in the text to summarise.
pub(crate) fn requested_sentences(request: &str) -> usize {
    sentences(request)
        .iter()
        .filter(|s| is_summary_request(s))
        .find_map(|s| sentence_count(s))
        .or_else(|| sentence_count(request))
        .unwrap_or(DEFAULT_SENTENCES)
}

/// The sentence count `text` names, if any.
fn sentence_count(text: &str) -> Option<usize> {
    let tokens = words(&text.replace(['-', '–'], " - "));
    for (i, word) in tokens.iter().enumerate() {
        if !(word == "sentence" || word == "sentences") {
            continue;
        }
        // Walk back over the number, an `N-M` / `N to M` / `N or M` range, and up to two words
        // that describe the sentences (`3 short sentences`).
        let mut best = None;
        let mut describing = 0;
        for back in tokens[..i].iter().rev().take(6) {
            match small_number(back) {
                Some(n) if n > 0 => best = Some(n),
                Some(_) => {}
                None if best.is_some() && matches!(back.as_str(), "to" | "or" | "and") => {}
                None if best.is_none() && describing < 2 && !is_stop_word(back) => {
                    describing += 1;
                }
                None => break,
            }
        }
        if best.is_some() {
            return best;
        }
        if word == "sentence" {
            return Some(1); // "in a sentence", "a single sentence"
        }
    }
    None
}

/// The text a summary request is about: what follows the instruction (after its `:` or on the
/// next lines) and what precedes it; empty when the request holds only the instruction.
pub(crate) fn source_text(request: &str) -> String {
    let mut kept = Vec::new();
    for line in without_tags(request).lines() {
        let one_instruction = line.contains(':') || sentences(line).len() <= 1;
        if one_instruction && is_summary_request(line) && instruction_like(line) {
            if let Some((_, after)) = line.split_once(':') {
                kept.push(after.trim().to_string());
            }
        } else {
            kept.push(line.to_string());
        }
    }
    // An instruction written as a sentence inside the prose ("Summarise this in two sentences.
    // Bedrock is...") is not part of the text either.
    kept.join("\n")
        .split("\n\n")
        .map(|paragraph| {
            sentences(paragraph)
                .into_iter()
                .filter(|s| !(is_summary_request(s) && instruction_like(s)))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// The text with XML-like tags (`<text>`, `</document>`) removed, as prompts often wrap the text.
fn without_tags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        let (before, tail) = rest.split_at(start);
        out.push_str(before);
        let is_tag = tail[1..].starts_with(|c: char| c.is_ascii_alphabetic() || c == '/');
        match tail.find('>') {
            Some(end) if is_tag && !tail[..end].contains(char::is_whitespace) => {
                rest = &tail[end + 1..]
            }
            _ => {
                out.push('<');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// A line that is mostly an instruction (short, or ending in `:`), not prose that mentions a summary.
fn instruction_like(line: &str) -> bool {
    let before_colon = line.split_once(':').map_or(line, |(before, _)| before);
    words(before_colon).len() <= 20
}

/// Picks `n` sentences of `text` by score, returned in their original order, each ending in
/// terminal punctuation (so that the summary reads as exactly `n` sentences). Headings (short
/// lines of their own without terminal punctuation) are not sentences and are left out.
///
/// Score: the mean document frequency of a sentence's topic words (sentences about what the text
/// is mostly about score high), plus a small bonus for the first sentence (it usually states the
/// topic). Ties go to the earlier sentence, so the result is fully deterministic.
pub(crate) fn summarise(text: &str, n: usize) -> Vec<String> {
    let mut all = sentences(text);
    let last = all.len().saturating_sub(1);
    // A heading: a whole line of at most six words without terminal punctuation, before the end.
    let lines: Vec<String> = text
        .lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    let heading = |i: usize, s: &str| {
        i < last && !ends_sentence(s) && words(s).len() <= 6 && lines.iter().any(|l| l == s)
    };
    let kept: Vec<String> = all
        .iter()
        .enumerate()
        .filter(|(i, s)| !heading(*i, s))
        .map(|(_, s)| s.clone())
        .collect();
    if !kept.is_empty() {
        all = kept;
    }
    if all.len() <= n {
        return all.into_iter().map(ended).collect();
    }
    let mut frequency: HashMap<String, usize> = HashMap::new();
    for word in topic_words(text) {
        *frequency.entry(word).or_default() += 1;
    }
    let mut scored: Vec<(usize, f64)> = all
        .iter()
        .enumerate()
        .map(|(i, sentence)| {
            let topic = topic_words(sentence);
            let total: usize = topic
                .iter()
                .map(|w| frequency.get(w).copied().unwrap_or(0))
                .sum();
            let mean = if topic.is_empty() {
                0.0
            } else {
                total as f64 / (topic.len() as f64).sqrt()
            };
            let lead_bonus = if i == 0 { 1.0 } else { 0.0 };
            (i, mean + lead_bonus)
        })
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut chosen: Vec<usize> = scored.iter().take(n).map(|(i, _)| *i).collect();
    chosen.sort_unstable();
    chosen
        .into_iter()
        .filter_map(|i| all.get(i).cloned())
        .map(ended)
        .collect()
}

/// Whether a sentence ends in terminal punctuation (before any closing quotes or brackets).
fn ends_sentence(sentence: &str) -> bool {
    sentence
        .trim_end_matches(['"', '\'', ')', ']', '”', '’', '*'])
        .ends_with(['.', '!', '?', '…'])
}

/// The sentence with a full stop added when it has no terminal punctuation.
fn ended(sentence: String) -> String {
    if ends_sentence(&sentence) {
        sentence
    } else {
        format!("{sentence}.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "Amazon Bedrock is a managed service for foundation models. \
        It offers models from several providers through one API. \
        The weather was pleasant on the day of the launch. \
        Developers call the models with the Converse API or with InvokeModel. \
        Bedrock also supports streaming, tool use and guardrails for models.";

    #[test]
    fn summary_requests_are_recognised() {
        assert!(is_summary_request("Summarize the following text"));
        assert!(is_summary_request("Please summarise this."));
        assert!(is_summary_request("Make it even shorter, one sentence."));
        assert!(is_summary_request("tl;dr please"));
        assert!(!is_summary_request("What is the weather in Paris?"));
    }

    #[test]
    fn the_requested_sentence_count_is_respected() {
        assert_eq!(requested_sentences("Summarize in 2-3 sentences:"), 2);
        assert_eq!(requested_sentences("Summarize in one sentence"), 1);
        assert_eq!(requested_sentences("summarise in a single sentence"), 1);
        assert_eq!(requested_sentences("Summarize in 4 sentences."), 4);
        assert_eq!(requested_sentences("Summarize in three sentences."), 3);
        assert_eq!(requested_sentences("Summarize this."), DEFAULT_SENTENCES);
        assert_eq!(requested_sentences("Summarize it in 3 short sentences."), 3);
        assert_eq!(
            requested_sentences("Summarize in two or three concise sentences."),
            2
        );
        assert_eq!(requested_sentences("Give me a 3-sentence summary."), 3);
        assert_eq!(requested_sentences("Summarize it using sentences."), 2);
    }

    #[test]
    fn the_count_in_the_instruction_wins_over_one_in_the_text() {
        let request = "The first sentence is short. Four sentences follow it.\n\n\
            Summarize the text above in two sentences.";
        assert_eq!(requested_sentences(request), 2);
    }

    #[test]
    fn headings_are_left_out_and_every_picked_sentence_ends_in_punctuation() {
        let text = "# Urban heat\n\nCities are hot. Trees cool them\n\nParks help too";
        assert_eq!(
            summarise(text, 3),
            ["Cities are hot.", "Trees cool them.", "Parks help too."]
        );
        assert_eq!(summarise("Only a heading", 1), ["Only a heading."]);
    }

    #[test]
    fn source_text_drops_the_instruction_and_keeps_the_text() {
        assert_eq!(
            source_text("Summarize this: The sky is blue. It is."),
            "The sky is blue. It is."
        );
        assert_eq!(
            source_text(
                "Summarize the text below in 2 sentences.\n\nThe sky is blue.\nGrass is green."
            ),
            "The sky is blue. Grass is green."
        );
        assert_eq!(source_text("Make it shorter, one sentence."), "");
        assert_eq!(
            source_text(
                "Please summarize the following paragraph in 2 sentences. The sky is blue. Grass is green."
            ),
            "The sky is blue. Grass is green."
        );
        assert_eq!(
            source_text("Summarize:\n<text>The sky is blue.</text> 1 < 2."),
            "The sky is blue. 1 < 2."
        );
    }

    #[test]
    fn summary_picks_the_central_sentences_in_original_order() {
        let two = summarise(TEXT, 2);
        assert_eq!(two.len(), 2);
        assert_eq!(
            two[0],
            "Amazon Bedrock is a managed service for foundation models."
        );
        assert!(!two.iter().any(|s| s.contains("weather")), "{two:?}");
        let one = summarise(TEXT, 1);
        assert_eq!(
            one,
            ["Amazon Bedrock is a managed service for foundation models."]
        );
    }

    #[test]
    fn summary_of_short_text_is_the_text() {
        assert_eq!(summarise("Only one.", 3), ["Only one."]);
    }

    #[test]
    fn summary_is_deterministic() {
        assert_eq!(summarise(TEXT, 3), summarise(TEXT, 3));
    }
}
