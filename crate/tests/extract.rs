//! Structured output from the kit: a typed value from a model with native structured output,
//! the forced-tool-call fallback for one without, and an answer that does not fit shown as text.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests state expectations

mod common;

use bedrock_kit::{Error, ExtractionRoute, Request};
use schemars::JsonSchema;
use serde::Deserialize;

#[derive(Debug, Deserialize, JsonSchema)]
struct Person {
    name: String,
    occupation: String,
    cases: Vec<Case>,
}

#[derive(Debug, Deserialize, JsonSchema)]
struct Case {
    title: String,
    // Not read: parsing them is the check (a missing or mistyped field fails the extraction).
    #[allow(dead_code)]
    solved: bool,
    #[allow(dead_code)]
    year: u32,
}

const PASSAGE: &str = "Sherlock Holmes, a consulting detective, solved the case of the \
                       Red-Headed League in 1890 but did not solve A Scandal in Bohemia in 1888.";

#[test]
fn a_nested_struct_comes_back_from_native_structured_output() {
    let bedrock = common::local();
    let request = Request::new(PASSAGE);
    let person: Person = bedrock.extract("Claude Haiku 4.5", &request).unwrap();
    assert!(!person.name.is_empty() && !person.occupation.is_empty());
    assert!(!person.cases.is_empty());
    assert!(person.cases.iter().all(|c| !c.title.is_empty()));
    let schema = serde_json::to_value(schemars::schema_for!(Person)).unwrap();
    let extracted = bedrock
        .extract_json("Claude Haiku 4.5", &request, "Person", &schema)
        .unwrap();
    assert_eq!(extracted.route, ExtractionRoute::NativeSchema);
    let json = bedrock
        .to_json(
            "Claude Haiku 4.5",
            &Request::new("x").json_schema("Person", schema),
        )
        .unwrap();
    assert_eq!(json["outputConfig"]["textFormat"]["type"], "json_schema");
}

#[test]
fn a_model_without_structured_output_is_asked_for_a_forced_tool_call() {
    let bedrock = common::local();
    let schema = serde_json::to_value(schemars::schema_for!(Person)).unwrap();
    let extracted = bedrock
        .extract_json("Amazon Nova Pro", &Request::new(PASSAGE), "Person", &schema)
        .unwrap();
    assert_eq!(extracted.route, ExtractionRoute::ForcedToolCall);
    let person: Person = serde_json::from_value(extracted.value).unwrap();
    assert!(!person.name.is_empty());
}

#[test]
fn an_answer_that_does_not_fit_is_an_error_that_shows_it() {
    let bedrock = common::with_rules(
        r#"
[[rule]]
name = "wrong shape"
match = { tool = "Person" }
reply = { tool_use = [{ name = "Person", input = { nom = "Holmes" } }] }
"#,
    );
    let outcome = bedrock.extract::<Person>("Amazon Nova Pro", &Request::new(PASSAGE));
    match outcome {
        Err(Error::Extraction { wanted, text, .. }) => {
            assert!(wanted.ends_with("Person"), "{wanted}");
            assert!(text.contains("nom"), "{text}");
        }
        other => panic!("expected an extraction error, got {other:?}"),
    }
}
