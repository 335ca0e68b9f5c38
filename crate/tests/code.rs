//! code::check_rust builds and tests generated code in a temporary cargo project.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests state expectations

use bedrock_kit::code::{CodeOutcome, check_rust};

const GOOD: &str = r#"Here is the function:

```rust
pub fn get_weather(location: &str) -> (&'static str, i32) {
    match location {
        "Seattle" => ("Rainy", 52),
        _ => ("Unknown", 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn seattle_is_rainy() { assert_eq!(get_weather("Seattle").0, "Rainy"); }
    #[test]
    fn elsewhere_is_unknown() { assert_eq!(get_weather("Paris").1, 0); }
}
```

Run it with `cargo test`."#;

#[test]
fn passing_code_reports_each_test() {
    let check = check_rust(GOOD);
    assert_eq!(check.outcome, CodeOutcome::Passed, "{check}");
    assert_eq!(check.tests.len(), 2, "{check}");
    assert!(check.tests.iter().all(|t| t.passed));
    assert!(check.to_html().contains("2 test(s) passed"));
}

#[test]
fn failing_tests_are_reported_by_name() {
    let check = check_rust(&GOOD.replace("(\"Rainy\", 52)", "(\"Sunny\", 52)"));
    assert_eq!(check.outcome, CodeOutcome::TestsFailed, "{check}");
    let failed: Vec<&str> = check
        .tests
        .iter()
        .filter(|t| !t.passed)
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(failed, vec!["tests::seattle_is_rainy"]);
}

#[test]
fn compiler_errors_are_reported_with_their_location() {
    let check = check_rust("fn broken() -> i32 { \"not a number\" }");
    assert_eq!(check.outcome, CodeOutcome::CompileError, "{check}");
    assert!(
        check
            .errors
            .iter()
            .any(|e| e.contains("E0308") && e.contains("src/lib.rs")),
        "{:?}",
        check.errors
    );
    assert!(check.to_string().contains("does not compile"));
}

#[test]
fn a_program_with_main_is_built_as_a_binary() {
    let check = check_rust("```rust\nfn main() { println!(\"hi\"); }\n```");
    assert_eq!(check.outcome, CodeOutcome::Passed, "{check}");
    assert!(check.tests.is_empty());
}
