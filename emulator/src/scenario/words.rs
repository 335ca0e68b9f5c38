//! The little text analysis the fallback needs: words, stop words, sentences.

/// Words too common to say anything about a topic (and generic verbs of tool names).
const STOP_WORDS: &[&str] = &[
    "a", "about", "above", "after", "again", "all", "also", "am", "an", "and", "any", "are", "as",
    "at", "be", "because", "been", "before", "being", "below", "between", "both", "but", "by",
    "call", "can", "could", "current", "did", "do", "does", "doing", "down", "during", "each",
    "fetch", "few", "find", "for", "from", "further", "get", "give", "had", "has", "have",
    "having", "he", "her", "here", "hers", "him", "his", "how", "i", "if", "in", "into", "is",
    "it", "its", "just", "know", "let", "like", "list", "look", "lookup", "me", "more", "most",
    "my", "need", "no", "nor", "not", "now", "of", "off", "on", "once", "only", "or", "other",
    "our", "out", "over", "own", "please", "return", "returns", "run", "same", "set", "she",
    "should", "so", "some", "specific", "such", "tell", "than", "that", "the", "their", "them",
    "then", "there", "these", "they", "this", "those", "through", "to", "too", "tool", "under",
    "until", "up", "use", "very", "want", "was", "we", "were", "what", "when", "where", "which",
    "while", "who", "whom", "why", "will", "with", "would", "you", "your",
];

/// Lower-cased words (runs of letters and digits) of `text`, in order.
pub(crate) fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Whether a lower-cased word carries no topic.
pub(crate) fn is_stop_word(word: &str) -> bool {
    word.len() < 2 || STOP_WORDS.contains(&word)
}

/// A crude stem so that `cities`/`city` and `forecasts`/`forecast` compare equal.
pub(crate) fn stem(word: &str) -> String {
    if let Some(base) = word.strip_suffix("ies")
        && base.len() >= 2
    {
        return format!("{base}y");
    }
    match word.strip_suffix('s') {
        Some(base) if base.len() >= 3 && !base.ends_with('s') => base.to_string(),
        _ => word.to_string(),
    }
}

/// Topic words of `text`: lower-cased, stemmed, stop words removed, in order.
pub(crate) fn topic_words(text: &str) -> Vec<String> {
    words(text)
        .into_iter()
        .filter(|w| !is_stop_word(w))
        .map(|w| stem(&w))
        .collect()
}

/// Abbreviations whose full stop does not end a sentence (lower-cased, without the stop).
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "cf", "approx", "e.g", "i.e",
];

/// Splits prose into sentences: after `.`, `!` or `?` followed by whitespace, and at blank
/// lines; a full stop after an abbreviation (`Dr.`, `e.g.`, `U.S.`) or followed by a lower-case
/// word does not end a sentence.
pub(crate) fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for paragraph in text.split("\n\n") {
        let chars: Vec<(usize, char)> = paragraph.char_indices().collect();
        let mut start = 0;
        for (i, &(at, c)) in chars.iter().enumerate() {
            let after = chars.get(i + 1..).unwrap_or_default();
            let ends = matches!(c, '.' | '!' | '?')
                && after.first().is_none_or(|&(_, next)| next.is_whitespace())
                && !(c == '.'
                    && (abbreviation_before(&paragraph[start..at])
                        || after
                            .iter()
                            .find(|(_, next)| !next.is_whitespace())
                            .is_some_and(|(_, next)| next.is_lowercase())));
            if ends {
                let end = at + c.len_utf8();
                push_sentence(&mut out, &paragraph[start..end]);
                start = end;
            }
        }
        push_sentence(&mut out, &paragraph[start..]);
    }
    out
}

/// Whether the text before a full stop ends in an abbreviation: one of [`ABBREVIATIONS`], or
/// letters with inner stops and short parts (`U.S`, `Ph.D`; not `example.com`).
fn abbreviation_before(before: &str) -> bool {
    let Some(word) = before.split_whitespace().next_back() else {
        return false;
    };
    let word = word
        .trim_start_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase();
    ABBREVIATIONS.contains(&word.as_str())
        || (word.contains('.')
            && word.split('.').all(|part| {
                (1..=2).contains(&part.chars().count()) && part.chars().all(char::is_alphabetic)
            }))
}

/// Adds a trimmed, whitespace-normalised sentence unless it is empty.
fn push_sentence(out: &mut Vec<String>, raw: &str) {
    let sentence = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if sentence.chars().any(char::is_alphanumeric) {
        out.push(sentence);
    }
}

/// Reads a small count written as digits or as an English word (`3`, `three`).
pub(crate) fn small_number(word: &str) -> Option<usize> {
    const NAMES: &[&str] = &[
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    ];
    let word = word.to_lowercase();
    word.parse::<usize>()
        .ok()
        .or_else(|| NAMES.iter().position(|n| *n == word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_lower_cased_alphanumeric_runs() {
        assert_eq!(
            words("What's the Weather, in S.F.?"),
            ["what", "s", "the", "weather", "in", "s", "f"]
        );
    }

    #[test]
    fn topic_words_drop_stop_words_and_stem_plurals() {
        assert_eq!(
            topic_words("Get the forecasts for cities"),
            ["forecast", "city"]
        );
        assert_eq!(stem("class"), "class");
    }

    #[test]
    fn sentences_split_at_terminal_punctuation_and_blank_lines() {
        let text = "First one. Second one?  Third, with 3.5 values!\n\nA heading\n\nLast";
        assert_eq!(
            sentences(text),
            [
                "First one.",
                "Second one?",
                "Third, with 3.5 values!",
                "A heading",
                "Last"
            ]
        );
    }

    #[test]
    fn abbreviations_and_lower_case_continuations_do_not_end_sentences() {
        let text = "Dr. Smith met Ms. Jones in the U.S. Capitol, e.g. on Monday. They talked \
            approx. an hour. See example.com. Then it rained.";
        assert_eq!(
            sentences(text),
            [
                "Dr. Smith met Ms. Jones in the U.S. Capitol, e.g. on Monday.",
                "They talked approx. an hour.",
                "See example.com.",
                "Then it rained."
            ]
        );
    }

    #[test]
    fn small_numbers_read_digits_and_words() {
        assert_eq!(small_number("3"), Some(3));
        assert_eq!(small_number("Two"), Some(2));
        assert_eq!(small_number("many"), None);
    }
}
