//! The workshop notebooks, executed through the real Rust kernel (evcxr) against the local backend.
//!
//! Run everything with `./workshop test`, or after `./workshop setup`:
//! `cargo test --test notebooks -- --include-ignored`.
//!
//! The kernel tests are `#[ignore]`d so that plain `cargo test` works on a machine without Jupyter;
//! when they do run and the kernel is missing they fail and say how to install it. The checks on the
//! committed notebook files need nothing and always run.
//!
//! All kernel tests share one execution of both notebooks and of the kernel check
//! `tests/kernel/session.ipynb` (`./workshop exec`, the same executor as `./workshop run`), then
//! each asserts on the outputs of the cells it cares about, found by tag.

use std::collections::HashMap;
use std::error::Error;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

type TestResult = Result<(), Box<dyn Error>>;

const NOTEBOOKS: [&str; 4] = [
    "01_text_generation.ipynb",
    "02_beyond_the_basics.ipynb",
    "03_caching_and_cost.ipynb",
    "04_guardrails_reasoning_structure.ipynb",
];

/// Not workshop material: a notebook that checks what the workshop's notebooks rely on in the
/// kernel (one handle across cells, a panicking cell, an interrupt), run in the same execution.
const KERNEL_CHECK: &str = "tests/kernel/session.ipynb";

/// The day the local endpoint answers as of in these runs, so the notebooks' lifecycle cells
/// (three seed models retired, one Legacy) mean the same whenever the test runs.
const RUN_DATE: &str = "2026-12-02";

fn repo_root() -> PathBuf {
    // tests/ is a direct child of the repository root.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from(".."), Path::to_path_buf)
}

fn read_json(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{} is not JSON: {e}", path.display()))
}

/// The executed notebooks (by file name) and the executor's summary.
struct Executed {
    summary: Value,
    notebooks: HashMap<String, Value>,
}

/// Runs both notebooks once per test binary; every kernel test reads the same result.
fn executed() -> Result<&'static Executed, String> {
    static RUN: OnceLock<Result<Executed, String>> = OnceLock::new();
    RUN.get_or_init(execute_notebooks)
        .as_ref()
        .map_err(Clone::clone)
}

fn missing_setup(root: &Path) -> Vec<String> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap_or_default();
    [
        home.join("bin/evcxr_jupyter"),
        root.join(".workshop/venv/bin/python"),
        root.join(".workshop/jupyter/kernels/rust/kernel.json"),
    ]
    .into_iter()
    .filter(|p| !p.exists())
    .map(|p| p.display().to_string())
    .collect()
}

fn execute_notebooks() -> Result<Executed, String> {
    let root = repo_root();
    let missing = missing_setup(&root);
    if !missing.is_empty() {
        return Err(format!(
            "the Rust Jupyter kernel is not set up (missing: {}). Run `./workshop setup` once \
             (it installs evcxr_jupyter and a local Jupyter venv), or run `./workshop test`.",
            missing.join(", ")
        ));
    }
    let out = root.join(".workshop/test-out");
    let summary_path = out.join("summary.json");
    let _ = std::fs::remove_dir_all(&out);
    let mut command = Command::new(root.join("workshop"));
    command
        .arg("exec")
        .arg("--out")
        .arg(&out)
        .arg("--summary")
        .arg(&summary_path)
        .args(
            NOTEBOOKS
                .iter()
                .map(|name| root.join("notebooks").join(name)),
        )
        .arg(root.join(KERNEL_CHECK))
        .env("BEDROCK_BACKEND", "local")
        .env(bedrock_local::DATE_ENV, RUN_DATE);
    // A non-zero exit means failed cells: the summary says which, and `no_cell_failed` reports it,
    // while the other tests still check their own cells.
    let status = command
        .status()
        .map_err(|e| format!("cannot start ./workshop exec: {e}"))?;
    let summary = read_json(&summary_path)
        .map_err(|e| format!("./workshop exec ({status}) wrote no summary: {e}"))?;
    let mut notebooks = HashMap::new();
    for name in NOTEBOOKS.into_iter().chain([file_name(KERNEL_CHECK)]) {
        notebooks.insert(name.to_string(), read_json(&out.join(name))?);
    }
    Ok(Executed { summary, notebooks })
}

/// The last part of a path.
fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn notebook(name: &str) -> Result<&'static Value, String> {
    executed()?
        .notebooks
        .get(name)
        .ok_or_else(|| format!("{name} was not executed"))
}

fn code_cells(nb: &Value) -> impl Iterator<Item = &Value> {
    nb["cells"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["cell_type"] == "code")
}

/// The code cell carrying `tag` in its metadata.
fn tagged<'a>(nb: &'a Value, tag: &str) -> Result<&'a Value, String> {
    code_cells(nb)
        .find(|c| {
            c["metadata"]["tags"]
                .as_array()
                .is_some_and(|tags| tags.iter().any(|t| t == tag))
        })
        .ok_or_else(|| format!("no code cell tagged {tag:?}"))
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(lines) => lines.iter().filter_map(Value::as_str).collect(),
        _ => String::new(),
    }
}

/// Everything a cell showed: stream text, plain text and the visible text of its HTML.
fn shown(cell: &Value) -> String {
    let mut all = String::new();
    for out in cell["outputs"].as_array().into_iter().flatten() {
        all.push_str(&text(&out["text"]));
        for mime in ["text/plain", "text/markdown"] {
            all.push_str(&text(&out["data"][mime]));
        }
        all.push_str(&visible_text(&text(&out["data"]["text/html"])));
    }
    all
}

/// HTML without its tags and with the common entities decoded: what a reader sees (syntax
/// highlighting splits `fn get_weather` into several spans).
fn visible_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn html(cell: &Value) -> String {
    cell["outputs"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|out| text(&out["data"]["text/html"]))
        .collect()
}

fn assert_shows(cell_tag: &str, nb: &Value, needles: &[&str]) -> TestResult {
    let cell = tagged(nb, cell_tag)?;
    let shown = shown(cell);
    for needle in needles {
        assert!(
            shown.to_lowercase().contains(&needle.to_lowercase()),
            "cell {cell_tag:?} should show {needle:?}; it showed:\n{shown}"
        );
    }
    Ok(())
}

#[test]
fn committed_notebooks_are_nbformat_4_and_carry_no_outputs() -> TestResult {
    for name in NOTEBOOKS {
        let nb = read_json(&repo_root().join("notebooks").join(name))?;
        assert_eq!(nb["nbformat"], 4, "{name}: nbformat");
        assert!(
            nb["nbformat_minor"].as_u64().is_some(),
            "{name}: nbformat_minor"
        );
        assert_eq!(
            nb["metadata"]["kernelspec"]["name"], "rust",
            "{name}: kernel"
        );
        let cells = nb["cells"].as_array().ok_or(format!("{name}: no cells"))?;
        assert!(cells.len() > 10, "{name}: only {} cells", cells.len());
        for (index, cell) in cells.iter().enumerate() {
            let kind = cell["cell_type"].as_str().unwrap_or_default();
            assert!(
                ["markdown", "code", "raw"].contains(&kind),
                "{name} cell {index}: type {kind:?}"
            );
            assert!(cell["id"].is_string(), "{name} cell {index}: no id");
            assert!(
                cell["source"].is_string() || cell["source"].is_array(),
                "{name} cell {index}: source"
            );
            if kind == "code" {
                assert_eq!(
                    cell["outputs"],
                    Value::Array(vec![]),
                    "{name} cell {index} has outputs"
                );
                assert!(
                    cell["execution_count"].is_null(),
                    "{name} cell {index} has an execution count"
                );
            }
        }
        let first_code = code_cells(&nb)
            .next()
            .map(|c| text(&c["source"]))
            .unwrap_or_default();
        assert!(
            first_code.starts_with(":dep bedrock-kit"),
            "{name}: the first code cell should be the :dep line, found {first_code:?}"
        );
        for (index, cell) in code_cells(&nb).enumerate() {
            let source = text(&cell["source"]);
            assert!(
                !source.contains(".await"),
                "{name}: top-level .await breaks later cells"
            );
            if index > 0 {
                assert!(
                    !source.contains(":dep "),
                    "{name}: :dep belongs in the first code cell only"
                );
            }
        }
    }
    Ok(())
}

#[test]
#[ignore = "executes the notebooks with the Rust kernel: run ./workshop test"]
fn committed_notebooks_pass_the_nbformat_schema() -> TestResult {
    let root = repo_root();
    let python = root.join(".workshop/venv/bin/python");
    assert!(
        python.exists(),
        "{} missing: run ./workshop setup",
        python.display()
    );
    let check = "import sys, nbformat\nfor p in sys.argv[1:]: nbformat.validate(nbformat.read(p, as_version=nbformat.NO_CONVERT))";
    let status = Command::new(python)
        .args(["-c", check])
        .args(NOTEBOOKS.iter().map(|n| root.join("notebooks").join(n)))
        .status()?;
    assert!(
        status.success(),
        "nbformat.validate rejected a committed notebook"
    );
    Ok(())
}

#[test]
#[ignore = "executes the notebooks with the Rust kernel: run ./workshop test"]
fn no_cell_failed_or_panicked() -> TestResult {
    let run = executed()?;
    let failures: Vec<&Value> = run.summary["notebooks"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|nb| nb["failures"].as_array().into_iter().flatten())
        .collect();
    assert!(
        failures.is_empty(),
        "failed cells:\n{}",
        serde_json::to_string_pretty(&failures)?
    );
    // An independent look at the outputs, in case the executor's own scan missed something.
    for (name, nb) in &run.notebooks {
        for (index, cell) in code_cells(nb).enumerate() {
            assert!(
                !cell["execution_count"].is_null(),
                "{name}: code cell {} never ran",
                index + 1
            );
            // A kernel check's cell may be meant to panic or to be interrupted; the executor
            // checked that it did.
            if !cell["metadata"]["workshop"]["expect"].is_null() {
                continue;
            }
            for out in cell["outputs"].as_array().into_iter().flatten() {
                let what = format!("{name} code cell {}: {out}", index + 1);
                assert_ne!(out["output_type"], "error", "{what}");
                assert_ne!(out["name"], "stderr", "{what}");
                assert!(!text(&out["text"]).contains("panicked at"), "{what}");
            }
        }
    }
    Ok(())
}

#[test]
#[ignore = "executes the notebooks with the Rust kernel: run ./workshop test"]
fn summary_renders_as_html() -> TestResult {
    let nb = notebook(NOTEBOOKS[0])?;
    let html = html(tagged(nb, "summary")?);
    assert!(html.contains('<'), "the Converse summary shows no HTML");
    assert!(
        html.to_lowercase().contains("tree"),
        "the summary should be about trees and heat:\n{html}"
    );
    Ok(())
}

#[test]
#[ignore = "executes the notebooks with the Rust kernel: run ./workshop test"]
fn the_working_model_is_the_catalog_default() -> TestResult {
    let nb = notebook(NOTEBOOKS[0])?;
    let default = bedrock_kit::default_model();
    assert_shows("setup", nb, &[&format!("working model {default}")])?;
    // Every call of notebook 01 goes to `model`, never to a hard-coded name.
    for cell in code_cells(nb) {
        let source = text(&cell["source"]);
        for name in bedrock_kit::model_names() {
            assert!(
                !source.contains(&format!("\"{name}\"")),
                "a cell names {name:?} instead of using `model`:\n{source}"
            );
        }
    }
    assert_shows(
        "models",
        nb,
        &[default, "working model", "end of life since"],
    )
}

#[test]
#[ignore = "executes the notebooks with the Rust kernel: run ./workshop test"]
fn the_request_json_names_the_profile_the_session_calls() -> TestResult {
    let haiku = bedrock_kit::find_model(bedrock_kit::default_model()).ok_or("default model")?;
    let profile = format!("\"modelId\": \"us.{}\"", haiku.id);
    assert_shows(
        "converse-json",
        notebook(NOTEBOOKS[0])?,
        &[
            &profile,
            "\"temperature\": 0.4000000059604645",
            "\"maxTokens\": 500",
        ],
    )
}

#[test]
#[ignore = "executes the notebooks with the Rust kernel: run ./workshop test"]
fn comparison_of_the_current_list_answers_for_every_model() -> TestResult {
    let cell = tagged(notebook(NOTEBOOKS[0])?, "comparison")?;
    let html = html(cell);
    assert!(!html.is_empty(), "the comparison shows no HTML table");
    let names = bedrock_kit::workshop_model_names();
    for name in &names {
        assert!(html.contains(name), "the comparison does not list {name}");
    }
    let shown = shown(cell);
    let all = format!("{n} of {n} models answered", n = names.len());
    assert!(shown.contains(&all), "expected {all:?}:\n{shown}");
    Ok(())
}

#[test]
#[ignore = "executes the notebooks with the Rust kernel: run ./workshop test"]
fn seed_comparison_shows_the_retired_models_with_bedrock_s_reason() -> TestResult {
    let cell = tagged(notebook(NOTEBOOKS[0])?, "comparison-seed")?;
    // The table's cells, as a reader sees them, one space apart.
    let shown = shown(cell).split_whitespace().collect::<Vec<_>>().join(" ");
    let day = bedrock_kit::parse_date(RUN_DATE)?;
    let seed = bedrock_kit::seed_model_names();
    let retired: Vec<&bedrock_kit::Model> = seed
        .iter()
        .filter_map(|name| bedrock_kit::find_model(name))
        .filter(|m| m.state_on(day) == bedrock_kit::State::EndOfLife)
        .collect();
    assert_eq!(
        retired.len(),
        3,
        "three seed models are retired on {RUN_DATE}"
    );
    for model in &retired {
        let since = model
            .lifecycle
            .end_of_life
            .ok_or("an EOL model has its date")?;
        let instead = model.lifecycle.replacement.as_deref().unwrap_or_default();
        let row = format!(
            "{} – – – – refused 🚫 end of life since {since}: “{}” → use {instead}",
            model.name,
            bedrock_catalog::messages::END_OF_LIFE
        );
        assert!(shown.contains(&row), "no row {row:?} in:\n{shown}");
    }
    let answered = format!("{} of {} models answered", seed.len() - 3, seed.len());
    assert!(shown.contains(&answered), "expected {answered:?}:\n{shown}");
    Ok(())
}

#[test]
#[ignore = "executes the notebooks with the Rust kernel: run ./workshop test"]
fn cross_region_compares_us_and_global_and_shows_the_bare_id_refusal() -> TestResult {
    let nb = notebook(NOTEBOOKS[0])?;
    let haiku = bedrock_kit::find_model(bedrock_kit::default_model()).ok_or("default model")?;
    let us = format!("us.{}", haiku.id);
    let global = format!("global.{}", haiku.id);
    assert_shows(
        "cross-region-profiles",
        nb,
        &[&us, &global, "2 of 2 models answered"],
    )?;
    assert_shows(
        "bare-id-refusal",
        nb,
        &[
            "[ValidationException]",
            &bedrock_catalog::messages::on_demand_refusal(&haiku.id),
        ],
    )
}

#[test]
#[ignore = "executes the notebooks with the Rust kernel: run ./workshop test"]
fn streaming_prints_several_messages() -> TestResult {
    let cell = tagged(notebook(NOTEBOOKS[0])?, "streaming")?;
    let messages = cell["outputs"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|o| o["output_type"] == "stream" && o["name"] == "stdout")
        .count();
    assert!(
        messages >= 3,
        "streaming produced {messages} stdout messages; expected several"
    );
    assert_shows(
        "streaming",
        notebook(NOTEBOOKS[0])?,
        &["stop: end_turn", "first token"],
    )
}

#[test]
#[ignore = "executes the notebooks with the Rust kernel: run ./workshop test"]
fn tool_loop_shows_the_call_its_result_and_the_answer() -> TestResult {
    let nb = notebook(NOTEBOOKS[0])?;
    assert_shows(
        "tool-raw",
        nb,
        &["toolUse", "get_weather", "San Francisco", "tool_use"],
    )?;
    assert_shows(
        "tool-loop",
        nb,
        &["get_weather", "San Francisco", "Foggy", "58", "layers"],
    )
}

#[test]
#[ignore = "executes the notebooks with the Rust kernel: run ./workshop test"]
fn generated_rust_code_compiles_and_its_tests_pass() -> TestResult {
    let nb = notebook(NOTEBOOKS[0])?;
    assert_shows("code-generation", nb, &["fn get_weather", "#[test]"])?;
    let shown = shown(tagged(nb, "code-check")?).to_lowercase();
    assert!(
        shown.contains("compiled"),
        "the code check did not compile the code:\n{shown}"
    );
    assert!(
        shown.contains("passed"),
        "the code check reports no passing tests:\n{shown}"
    );
    assert!(shown.contains("test(s) passed"), "no test ran:\n{shown}");
    assert!(!shown.contains("failed:"), "a test failed:\n{shown}");
    Ok(())
}

#[test]
#[ignore = "executes the notebooks with the Rust kernel: run ./workshop test"]
fn errors_are_produced_on_purpose_and_explained() -> TestResult {
    let nb = notebook(NOTEBOOKS[1])?;
    assert_shows(
        "error-on-demand",
        nb,
        &[
            "[ValidationException]",
            &bedrock_catalog::messages::on_demand_refusal("deepseek.r1-v1:0"),
            "eu.anthropic.claude-haiku-4-5",
        ],
    )?;
    assert_shows(
        "error-end-of-life",
        nb,
        &[
            "[ResourceNotFoundException]",
            "reached its end of life on 2026-06-19",
            bedrock_catalog::messages::END_OF_LIFE,
            "Use Claude Haiku 4.5 instead",
        ],
    )?;
    assert_shows(
        "error-legacy",
        nb,
        &[
            "[ResourceNotFoundException]",
            "is Legacy since 2025-12-19",
            bedrock_catalog::messages::LEGACY_NOT_RECENTLY_USED,
            "Use Claude Haiku 4.5 instead",
        ],
    )?;
    assert_shows(
        "error-validation",
        nb,
        &["ValidationException", "inferenceConfig.temperature"],
    )?;
    assert_shows("error-throttle", nb, &["ThrottlingException"])?;
    assert_shows("error-throttle-recovered", nb, &["two throttled attempts"])?;
    assert_shows(
        "error-access-denied",
        nb,
        &["AccessDeniedException", "Model access"],
    )?;
    assert_shows(
        "error-unknown-model",
        nb,
        &["ValidationException", "claude-9-opus"],
    )
}

#[test]
#[ignore = "executes the notebooks with the Rust kernel: run ./workshop test"]
fn extra_tools_answer_over_several_rounds() -> TestResult {
    let nb = notebook(NOTEBOOKS[1])?;
    assert_shows(
        "calculator",
        nb,
        &["6 * 7 -> {\"result\":42.0}", "division by zero"],
    )?;
    assert_shows("planet-facts", nb, &["Mars", "moons"])?;
    assert_shows("multi-tool-loop", nb, &["planet_facts", "calculator", "97"])
}

#[test]
#[ignore = "executes the notebooks with the Rust kernel: run ./workshop test"]
fn a_system_prompt_changes_the_answer() -> TestResult {
    let nb = notebook(NOTEBOOKS[1])?;
    assert_shows("system-reply", nb, &["Rust needs a C linker"])?;
    assert_shows("no-system-reply", nb, &["Visual Studio Build Tools"])?;
    let with = shown(tagged(nb, "system-reply")?);
    assert!(
        !with.contains("Visual Studio Build Tools"),
        "the system prompt made no difference:\n{with}"
    );
    Ok(())
}

/// The dollar amounts a cell printed, in order (`$0.0123`).
fn dollars_shown(nb: &Value, tag: &str) -> Result<Vec<f64>, String> {
    let shown = shown(tagged(nb, tag)?);
    let amounts: Vec<f64> = shown
        .split('$')
        .skip(1)
        .filter_map(|rest| {
            let number: String = rest
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.')
                .collect();
            number.parse().ok()
        })
        .collect();
    if amounts.is_empty() {
        return Err(format!("cell {tag:?} shows no dollar amount: {shown}"));
    }
    Ok(amounts)
}

#[test]
#[ignore = "executes the notebooks with the Rust kernel: run ./workshop test"]
fn every_reply_shows_its_cost() -> TestResult {
    let nb = notebook(NOTEBOOKS[2])?;
    assert_shows("setup", nb, &["words"])?;
    let cost = dollars_shown(nb, "one-call")?;
    assert!(cost[0] > 0.0, "a call cost nothing: {cost:?}");
    Ok(())
}

#[test]
#[ignore = "executes the notebooks with the Rust kernel: run ./workshop test"]
fn a_cache_point_writes_the_story_once_then_reads_it_and_costs_less() -> TestResult {
    let nb = notebook(NOTEBOOKS[2])?;
    let without = shown(tagged(nb, "no-cache-point")?);
    assert!(
        !without.contains("prompt cache"),
        "no cache point, yet the cache was used:\n{without}"
    );
    assert_shows(
        "cache-point",
        nb,
        &[
            "prefix written to the prompt cache",
            "prefix read from the prompt cache",
        ],
    )?;
    let with = shown(tagged(nb, "cache-point")?);
    assert_eq!(
        with.matches("prefix read from the prompt cache").count(),
        2,
        "the second and third questions should read the cache:\n{with}"
    );
    let totals = dollars_shown(nb, "cache-savings")?;
    assert_eq!(totals.len(), 2, "{totals:?}");
    assert!(
        totals[1] < totals[0],
        "the cache point did not save: {totals:?}"
    );
    Ok(())
}

#[test]
#[ignore = "executes the notebooks with the Rust kernel: run ./workshop test"]
fn broken_cache_rules_are_explained_before_anything_is_sent() -> TestResult {
    let nb = notebook(NOTEBOOKS[2])?;
    assert_shows("cache-rules", nb, &["5 cache checkpoints", "remove 1"])
}

#[test]
#[ignore = "executes the notebooks with the Rust kernel: run ./workshop test"]
fn the_response_cache_answers_a_repeat_without_a_call_and_replays_a_stream() -> TestResult {
    let nb = notebook(NOTEBOOKS[2])?;
    let table = shown(tagged(nb, "response-cache")?);
    assert_eq!(
        table.matches("from the response cache: no call").count(),
        1,
        "exactly the repeat comes from the cache:\n{table}"
    );
    assert_shows(
        "response-cache-stream",
        nb,
        &[
            "↺ from the response cache",
            "from the response cache (no call made)",
        ],
    )?;
    assert_shows("cache-stats", nb, &["hits", "misses", "saved"])?;
    Ok(())
}

#[test]
#[ignore = "executes the notebooks with the Rust kernel: run ./workshop test"]
fn the_session_cost_table_totals_every_call_with_a_chart() -> TestResult {
    let nb = notebook(NOTEBOOKS[2])?;
    assert_shows(
        "costs",
        nb,
        &["claude-haiku-4-5", "total", "catalog/prices.json"],
    )?;
    let total = dollars_shown(nb, "costs")?;
    assert!(total.iter().all(|d| *d >= 0.0) && total.iter().any(|d| *d > 0.0));
    assert!(html(tagged(nb, "costs")?).contains("<svg"), "no bar chart");
    Ok(())
}

#[test]
#[ignore = "executes the notebooks with the Rust kernel: run ./workshop test"]
fn the_guarded_assistant_blocks_a_denied_topic_and_masks_contact_details() -> TestResult {
    let nb = notebook(NOTEBOOKS[3])?;
    assert_shows(
        "guardrail-topic",
        nb,
        &[
            "guardrail_intervened",
            "intervened",
            "denied topic",
            "BLOCKED",
        ],
    )?;
    assert_shows("guardrail-mask", nb, &["{EMAIL}", "{PHONE}", "ANONYMIZED"])?;
    let masked = shown(tagged(nb, "guardrail-mask")?);
    assert!(
        !masked.contains("support@example.com"),
        "the address was shown:\n{masked}"
    );
    assert_shows(
        "apply-guardrail",
        nb,
        &["intervened", "{EMAIL}", "{PHONE}", "sensitive information"],
    )
}

#[test]
#[ignore = "executes the notebooks with the Rust kernel: run ./workshop test"]
fn thinking_shows_the_reasoning_apart_from_the_answer_also_when_streamed() -> TestResult {
    let nb = notebook(NOTEBOOKS[3])?;
    assert_shows("thinking", nb, &["reasoning", "$0.05"])?;
    let split = shown(tagged(nb, "thinking-split")?);
    let reasoning_words: u64 = split
        .split("reasoning: ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("no reasoning count in {split}"))?;
    assert!(reasoning_words > 10, "{split}");
    assert_shows("thinking-stream", nb, &["💭", "$0.05"])
}

#[test]
#[ignore = "executes the notebooks with the Rust kernel: run ./workshop test"]
fn a_typed_case_is_extracted_natively_and_through_the_tool_fallback() -> TestResult {
    let nb = notebook(NOTEBOOKS[3])?;
    for tag in ["extract", "extract-fallback"] {
        assert_shows(tag, nb, &["A Scandal in Bohemia", "1888", "solved: false"])?;
    }
    assert_shows("extract-fallback", nb, &["no native structured output"])?;
    let native = shown(tagged(nb, "extract")?);
    assert!(
        !native.contains("no native structured output"),
        "Claude Haiku 4.5 has structured output:\n{native}"
    );
    Ok(())
}

/// The number a kernel check's cell printed after `label`.
fn number_after(nb: &Value, tag: &str, label: &str) -> Result<u64, String> {
    let shown = shown(tagged(nb, tag)?);
    shown
        .split(label)
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse::<u64>().ok())
        .ok_or_else(|| format!("cell {tag:?} shows no {label:?} count: {shown}"))
}

/// The counts a kernel check's call cell printed: (connections, requests).
fn counts(nb: &Value, tag: &str) -> Result<(u64, u64), String> {
    Ok((
        number_after(nb, tag, "connections ")?,
        number_after(nb, tag, "requests ")?,
    ))
}

#[test]
#[ignore = "executes the notebooks with the Rust kernel: run ./workshop test"]
fn one_handle_answers_twelve_cells_over_its_connections_through_a_panicking_cell() -> TestResult {
    let nb = notebook(file_name(KERNEL_CHECK))?;
    let mut last_requests = 0;
    for n in 1..=12 {
        let tag = format!("call-{n}");
        assert_shows(&tag, nb, &[&format!("call {n} (")])?;
        let (connections, requests) = counts(nb, &tag)?;
        // One connection for the sequential calls; compare (cell 7) calls two models at once.
        assert!(connections <= 2, "cell {tag}: {connections} connections");
        assert!(requests >= last_requests, "cell {tag}: the count went back");
        last_requests = requests;
    }
    assert_shows("panic", nb, &["panicked at", "this cell panics on purpose"])?;
    let (before_panic, _) = counts(nb, "call-10")?;
    let (after_panic, _) = counts(nb, "call-12")?;
    assert_eq!(
        before_panic, after_panic,
        "the calls after the panic opened new connections"
    );
    assert_shows("workers", nb, &["session workers in this kernel: 1"])?;
    Ok(())
}

#[test]
#[ignore = "executes the notebooks with the Rust kernel: run ./workshop test"]
fn every_cell_links_one_loaded_copy_of_the_kit_and_stays_small() -> TestResult {
    let nb = notebook(file_name(KERNEL_CHECK))?;
    assert_eq!(number_after(nb, "one-kit", "kit libraries loaded: ")?, 1);
    // The calls, the panic and the workers cell before it: each its own library, all loaded.
    let cells = number_after(nb, "one-kit", "cell libraries loaded: ")?;
    assert!(cells >= 16, "only {cells} cell libraries loaded");
    // A cell that copied the kit statically into its library weighed 2.7-36 MB.
    let largest = number_after(nb, "one-kit", "largest cell library: ")?;
    assert!(largest < 1024, "a cell's library is {largest} KiB");
    Ok(())
}

#[test]
#[ignore = "executes the notebooks with the Rust kernel: run ./workshop test"]
fn after_an_interrupt_a_fresh_connect_answers_and_nothing_of_the_old_session_is_left() -> TestResult
{
    let nb = notebook(file_name(KERNEL_CHECK))?;
    let interrupted = tagged(nb, "interrupt")?;
    assert_eq!(
        interrupted["metadata"]["workshop_interrupted"], true,
        "the executor did not interrupt the kernel"
    );
    // evcxr's own "Subprocess terminated" line may arrive after the executor moved on, so the
    // restart is judged by its effects below, not by that line.
    assert_shows("fresh", nb, &["backend local", "fresh handle answered"])?;
    assert_shows(
        "left-behind",
        nb,
        &[
            "old kernel process alive: false",
            "old endpoint port open: false",
            "session workers now: 1",
        ],
    )?;
    Ok(())
}
