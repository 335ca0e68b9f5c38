//! The fallback's tool choice: which offered tool fits a question, and arguments from its text.

use serde_json::{Map, Value};

use super::words::topic_words;
use crate::turn::ToolSpec;

/// Least score for a tool to count as fitting (one name word, or two description words).
const MIN_SCORE: usize = 2;

/// Words that start a question or sentence and are capitalised without being names.
const NOT_NAMES: &[&str] = &[
    "What", "What's", "Whats", "How", "Is", "Are", "Will", "Should", "Could", "Can", "Do", "Does",
    "Tell", "Give", "Please", "Show", "Find", "Get", "Look", "I", "I'm", "The", "A", "An", "And",
    "In", "At", "For", "To", "Today", "Tomorrow", "Now", "Hi", "Hello", "Hey", "Thanks", "When",
    "Where", "Which", "Who", "Why", "My", "Me", "It", "It's", "There", "This", "That", "Any",
    "Also", "Then", "Use", "Call", "Check",
];

/// The offered tool that best fits `question`, if any fits well enough.
///
/// Score: 2 per word of the tool's name found in the question, 1 per word of its description
/// (stop words and generic verbs such as `get` are ignored). The first tool wins a tie.
pub(crate) fn pick_tool<'a>(tools: &'a [ToolSpec], question: &str) -> Option<&'a ToolSpec> {
    let asked: Vec<String> = topic_words(question);
    let mut best: Option<(&ToolSpec, usize)> = None;
    for tool in tools {
        let name_words = topic_words(&split_identifier(&tool.name));
        let mut seen = Vec::new();
        let mut score = 0;
        for word in &name_words {
            if asked.contains(word) && !seen.contains(word) {
                score += 2;
                seen.push(word.clone());
            }
        }
        for word in topic_words(&tool.description) {
            if asked.contains(&word) && !seen.contains(&word) {
                score += 1;
                seen.push(word);
            }
        }
        if score >= MIN_SCORE && best.is_none_or(|(_, s)| score > s) {
            best = Some((tool, score));
        }
    }
    best.map(|(tool, _)| tool)
}

/// `get_weatherForecast` → `get weather Forecast`.
fn split_identifier(name: &str) -> String {
    let mut out = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if c == '_' || c == '-' {
            out.push(' ');
            previous_lower = false;
            continue;
        }
        if c.is_uppercase() && previous_lower {
            out.push(' ');
        }
        previous_lower = c.is_lowercase();
        out.push(c);
    }
    out
}

/// Arguments for `tool` taken from `question`, guided by the input schema.
///
/// Every required property gets a value (every property when none is marked required): an enum
/// value mentioned in the text (else the first), a number found in the text, or for a string a
/// capitalised place or name for location-like properties (`location`, `city`, ...), a quoted
/// phrase, `today`/`tomorrow` for date-like ones, and otherwise the question itself.
pub(crate) fn guess_arguments(tool: &ToolSpec, question: &str) -> Value {
    let schema = tool.input_schema.get("json").unwrap_or(&tool.input_schema);
    let properties = schema.get("properties").and_then(Value::as_object);
    let mut names: Vec<String> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if names.is_empty() {
        names = properties
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default();
    }
    let mut args = Map::new();
    for name in names {
        let property = properties
            .and_then(|p| p.get(&name))
            .unwrap_or(&Value::Null);
        args.insert(name.clone(), argument(&name, property, question));
    }
    Value::Object(args)
}

/// One argument value.
fn argument(name: &str, property: &Value, question: &str) -> Value {
    let lower = question.to_lowercase();
    if let Some(choices) = property.get("enum").and_then(Value::as_array) {
        let mentioned = choices.iter().find(|c| {
            c.as_str()
                .is_some_and(|s| lower.contains(&s.to_lowercase()))
        });
        return mentioned
            .or(choices.first())
            .cloned()
            .unwrap_or(Value::Null);
    }
    match property.get("type").and_then(Value::as_str) {
        Some("integer") => {
            return first_number(question)
                .map_or(Value::from(0), |n| Value::from(n.trunc() as i64));
        }
        Some("number") => return first_number(question).map_or(Value::from(0), Value::from),
        Some("boolean") => return Value::Bool(false),
        _ => {}
    }
    let key = name.to_lowercase();
    let place_like = [
        "location",
        "city",
        "place",
        "country",
        "destination",
        "town",
        "region",
        "where",
    ]
    .iter()
    .any(|k| key.contains(k));
    let date_like = ["date", "day", "when", "time"]
        .iter()
        .any(|k| key.contains(k));
    let text = if place_like {
        place_name(question).or_else(|| quoted(question))
    } else if date_like {
        ["tomorrow", "today", "tonight"]
            .iter()
            .find(|d| lower.contains(*d))
            .map(|d| d.to_string())
            .or_else(|| Some("today".into()))
    } else {
        quoted(question).or_else(|| {
            (key.contains("name"))
                .then(|| place_name(question))
                .flatten()
        })
    };
    Value::String(text.unwrap_or_else(|| question.trim().to_string()))
}

/// The first run of capitalised words that is not a question word, preferring one after a
/// preposition (`in`, `at`, `for`, `to`, `from`, `near`): "weather in San Francisco" → San Francisco.
pub(crate) fn place_name(text: &str) -> Option<String> {
    let tokens: Vec<&str> = text.split_whitespace().collect();
    let mut runs: Vec<(bool, String)> = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let word = clean(tokens[i]);
        if is_name_word(&word) {
            let after_preposition = i > 0
                && ["in", "at", "for", "to", "from", "near", "of"]
                    .contains(&clean(tokens[i - 1]).to_lowercase().as_str());
            let mut run = vec![word];
            // A run stops at punctuation that ends a clause ("Paris, and ...").
            let mut j = i + 1;
            while j < tokens.len() && !ends_clause(tokens[j - 1]) && is_name_word(&clean(tokens[j]))
            {
                run.push(clean(tokens[j]));
                j += 1;
            }
            runs.push((after_preposition, run.join(" ")));
            i = j;
        } else {
            i += 1;
        }
    }
    runs.iter()
        .find(|(after, _)| *after)
        .or(runs.first())
        .map(|(_, run)| run.clone())
}

/// A word without surrounding punctuation (keeps inner `'`, `-` and `.` as in `St. Louis`).
fn clean(token: &str) -> String {
    token
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_string()
}

/// Whether a token ends with clause punctuation.
fn ends_clause(token: &str) -> bool {
    token.ends_with([',', '.', '?', '!', ';', ':'])
}

/// A capitalised word that is not a common sentence starter.
fn is_name_word(word: &str) -> bool {
    word.chars().next().is_some_and(char::is_uppercase) && !NOT_NAMES.contains(&word)
}

/// The first phrase in straight or curly double quotes.
fn quoted(text: &str) -> Option<String> {
    let start = text.find(['"', '“'])?;
    let rest = &text[start..];
    let open_len = rest.chars().next().map_or(1, char::len_utf8);
    let inner = &rest[open_len..];
    let end = inner.find(['"', '”'])?;
    let phrase = inner[..end].trim();
    (!phrase.is_empty()).then(|| phrase.to_string())
}

/// The first number in the text.
fn first_number(text: &str) -> Option<f64> {
    text.split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
        .filter_map(|t| t.trim_matches('.').parse::<f64>().ok())
        .next()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn weather() -> ToolSpec {
        ToolSpec {
            name: "get_weather".into(),
            description: "Get current weather for a specific location".into(),
            input_schema: json!({"type": "object", "properties": {
                "location": {"type": "string", "description": "The city name to get weather for"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}
            }, "required": ["location"]}),
        }
    }

    fn stocks() -> ToolSpec {
        ToolSpec {
            name: "stock_price".into(),
            description: "Look up the latest share price of a company by ticker".into(),
            input_schema: json!({"json": {"type": "object", "properties": {
                "ticker": {"type": "string"}, "days": {"type": "integer"}
            }}}),
        }
    }

    #[test]
    fn the_tool_whose_name_fits_the_question_is_picked() {
        let tools = [stocks(), weather()];
        let picked = pick_tool(&tools, "What's the weather like in San Francisco today?");
        assert_eq!(picked.map(|t| t.name.as_str()), Some("get_weather"));
        let picked = pick_tool(&tools, "What is the share price of \"AMZN\" over 5 days?");
        assert_eq!(picked.map(|t| t.name.as_str()), Some("stock_price"));
    }

    #[test]
    fn no_tool_is_picked_for_an_unrelated_question() {
        assert!(pick_tool(&[weather()], "Write a haiku about autumn.").is_none());
        assert!(pick_tool(&[], "What's the weather?").is_none());
    }

    #[test]
    fn location_arguments_take_the_capitalised_place_name() {
        let args = guess_arguments(
            &weather(),
            "What's the weather in San Francisco, and what should I wear?",
        );
        assert_eq!(args, json!({"location": "San Francisco"}));
        let args = guess_arguments(&weather(), "Is it raining in Seattle?");
        assert_eq!(args, json!({"location": "Seattle"}));
    }

    #[test]
    fn place_names_prefer_those_after_a_preposition() {
        assert_eq!(
            place_name("Tell me, Bob, about the weather in New York City").as_deref(),
            Some("New York City")
        );
        assert_eq!(place_name("no names here"), None);
    }

    #[test]
    fn without_required_fields_every_property_is_filled_from_the_text() {
        let args = guess_arguments(
            &stocks(),
            "What is the share price of \"AMZN\" over 5 days?",
        );
        assert_eq!(args, json!({"ticker": "AMZN", "days": 5}));
    }

    #[test]
    fn enum_arguments_take_the_mentioned_choice() {
        let mut tool = weather();
        tool.input_schema["required"] = json!(["location", "unit"]);
        let args = guess_arguments(&tool, "Weather in Paris in Fahrenheit please");
        assert_eq!(args, json!({"location": "Paris", "unit": "fahrenheit"}));
    }

    #[test]
    fn identifiers_split_on_underscores_and_case() {
        assert_eq!(
            split_identifier("get_weatherForecast"),
            "get weather Forecast"
        );
    }
}
