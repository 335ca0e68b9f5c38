//! Checking generated Rust code: extract it from a reply, `cargo test` it in a temporary
//! project (offline, no dependencies), and report compiler errors or test results.

use std::fmt;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::display::{MarkdownTable, cell, escape_html, markdown_to_html, print_evcxr_html};

/// How long a check may run (build + tests) before it is stopped.
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(180);

/// Lines of cargo output kept in the report.
const OUTPUT_LINES: usize = 60;

/// How a code check ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeOutcome {
    /// The code compiled and every test passed (or there were none).
    Passed,
    /// The code compiled and some tests failed.
    TestsFailed,
    /// The code did not compile.
    CompileError,
    /// The reply held no code.
    NoCode,
    /// The check itself could not run (cargo missing, timeout, temp dir).
    CheckFailed(String),
}

/// One test and whether it passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestResult {
    /// Test path (`tests::it_works`).
    pub name: String,
    /// Whether it passed.
    pub passed: bool,
}

/// The report of [`check_rust`].
#[derive(Debug, Clone, PartialEq)]
pub struct CodeCheck {
    /// The code that was built.
    pub code: String,
    /// How it ended.
    pub outcome: CodeOutcome,
    /// Compiler error headlines (`error[E0308]: mismatched types`, with location).
    pub errors: Vec<String>,
    /// Each test's result.
    pub tests: Vec<TestResult>,
    /// The end of cargo's output.
    pub output: String,
    /// Time taken.
    pub duration: Duration,
}

/// Extracts the Rust code of a reply: its ```rust fences (joined), else untagged fences, else
/// the whole text.
///
/// ```
/// let code = bedrock_kit::code::extract_rust("Here:\n```rust\nfn a() {}\n```\n```bash\ncargo run\n```");
/// assert_eq!(code, "fn a() {}\n");
/// ```
pub fn extract_rust(reply: &str) -> String {
    let mut rust = Vec::new();
    let mut untagged = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in reply.lines() {
        let trimmed = line.trim_start();
        match current.take() {
            None if trimmed.starts_with("```") => {
                let tag = trimmed.trim_start_matches('`').trim().to_lowercase();
                current = Some((tag, String::new()));
            }
            None => {}
            Some((tag, body)) if trimmed.starts_with("```") => {
                let language = tag.split([',', ' ']).next().unwrap_or("").to_string();
                match language.as_str() {
                    "rust" | "rs" => rust.push(body),
                    "" => untagged.push(body),
                    _ => {}
                }
            }
            Some((tag, mut body)) => {
                body.push_str(line);
                body.push('\n');
                current = Some((tag, body));
            }
        }
    }
    if !rust.is_empty() {
        rust.join("\n")
    } else if !untagged.is_empty() {
        untagged.join("\n")
    } else if reply.contains("```") {
        String::new()
    } else {
        reply.to_string()
    }
}

/// Builds and tests the Rust code in `reply` (a model's answer, fenced or bare) in a temporary
/// cargo project, offline and without dependencies; prints progress while it works.
///
/// ```no_run
/// let check = bedrock_kit::code::check_rust("```rust\npub fn two() -> i32 { 2 }\n#[test]\nfn t() { assert_eq!(two(), 2); }\n```");
/// assert!(check.passed());
/// ```
pub fn check_rust(reply: &str) -> CodeCheck {
    let started = Instant::now();
    let code = extract_rust(reply);
    let mut check = CodeCheck {
        code: code.clone(),
        outcome: CodeOutcome::NoCode,
        errors: Vec::new(),
        tests: Vec::new(),
        output: String::new(),
        duration: Duration::ZERO,
    };
    if code.trim().is_empty() {
        return check;
    }
    progress(&format!(
        "code check: {} lines of Rust, building with cargo test (offline)…",
        code.lines().count()
    ));
    match run_cargo_test(&code) {
        Ok((success, output)) => {
            check.errors = compiler_errors(&output);
            check.tests = test_results(&output);
            check.outcome = if success {
                CodeOutcome::Passed
            } else if !output.contains("Compiling generated") {
                // cargo stopped before compiling (toolchain missing, offline registry, ...).
                CodeOutcome::CheckFailed(first_line(&output))
            } else if !check.errors.is_empty() || !output.contains("test result:") {
                CodeOutcome::CompileError
            } else {
                CodeOutcome::TestsFailed
            };
            check.output = tail(&output, OUTPUT_LINES);
        }
        Err(reason) => check.outcome = CodeOutcome::CheckFailed(reason),
    }
    check.duration = started.elapsed();
    progress(&format!(
        "code check: {} in {:.1} s",
        check.headline(),
        check.duration.as_secs_f64()
    ));
    check
}

fn progress(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// Writes the project and runs `cargo test`; returns success and the combined output.
fn run_cargo_test(code: &str) -> Result<(bool, String), String> {
    let dir = tempfile::Builder::new()
        .prefix("bedrock-kit-check-")
        .tempdir()
        .map_err(|e| format!("cannot create a temporary directory: {e}"))?;
    write_project(dir.path(), code).map_err(|e| format!("cannot write the project: {e}"))?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut child = Command::new(cargo)
        .args(["test", "--offline", "--color", "never"])
        .current_dir(dir.path())
        .env("CARGO_TARGET_DIR", dir.path().join("target"))
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET_DIR")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    // Readers on threads so a chatty build cannot fill a pipe and block.
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    let out_reader = std::thread::spawn(move || read_all(stdout.as_mut()));
    let err_reader = std::thread::spawn(move || read_all(stderr.as_mut()));
    let started = Instant::now();
    let mut last_note = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > CHECK_TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "cargo test did not finish within {CHECK_TIMEOUT:?}"
                ));
            }
            Ok(None) => {
                if last_note.elapsed() > Duration::from_secs(5) {
                    progress(&format!(
                        "code check: still building ({} s)…",
                        started.elapsed().as_secs()
                    ));
                    last_note = Instant::now();
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(e) => return Err(format!("cannot wait for cargo: {e}")),
        }
    };
    let stderr_text = err_reader.join().unwrap_or_default();
    let stdout_text = out_reader.join().unwrap_or_default();
    Ok((status.success(), format!("{stderr_text}{stdout_text}")))
}

fn read_all<R: Read>(reader: Option<&mut R>) -> String {
    let mut text = String::new();
    if let Some(reader) = reader {
        let _ = reader.read_to_string(&mut text);
    }
    text
}

fn write_project(dir: &Path, code: &str) -> std::io::Result<()> {
    std::fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"generated\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n\n[workspace]\n",
    )?;
    std::fs::create_dir_all(dir.join("src"))?;
    let file = if code.contains("fn main(") {
        "main.rs"
    } else {
        "lib.rs"
    };
    // Generated examples often leave helpers unused; that is not what the check is about.
    std::fs::write(
        dir.join("src").join(file),
        format!("#![allow(dead_code, unused)]\n{code}"),
    )
}

/// Error headlines with their location line.
fn compiler_errors(output: &str) -> Vec<String> {
    let lines: Vec<&str> = output.lines().collect();
    lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.starts_with("error") && !l.starts_with("error: could not compile"))
        .filter(|(_, l)| !l.starts_with("error: test failed"))
        .map(|(i, l)| match lines.get(i + 1).map(|n| n.trim_start()) {
            Some(next) if next.starts_with("-->") => {
                format!("{l} ({})", next.trim_start_matches("-->").trim())
            }
            _ => l.to_string(),
        })
        .collect()
}

/// `test name ... ok|FAILED` lines.
fn test_results(output: &str) -> Vec<TestResult> {
    output
        .lines()
        .filter_map(|line| line.strip_prefix("test "))
        .filter_map(|rest| {
            let (name, status) = rest.rsplit_once(" ... ")?;
            match status.trim() {
                "ok" => Some(TestResult {
                    name: name.to_string(),
                    passed: true,
                }),
                "FAILED" => Some(TestResult {
                    name: name.to_string(),
                    passed: false,
                }),
                _ => None,
            }
        })
        .collect()
}

fn first_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("cargo failed without output")
        .to_string()
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    // Cannot panic: the start, `len - lines` saturated at 0, is never past the end.
    all[all.len().saturating_sub(lines)..].join("\n")
}

impl CodeCheck {
    /// Whether the code compiled and all tests passed.
    pub fn passed(&self) -> bool {
        self.outcome == CodeOutcome::Passed
    }

    /// One line: the outcome and the counts.
    pub fn headline(&self) -> String {
        let passed = self.tests.iter().filter(|t| t.passed).count();
        let failed = self.tests.len() - passed;
        match &self.outcome {
            CodeOutcome::Passed if self.tests.is_empty() => "✅ compiled (no tests)".into(),
            CodeOutcome::Passed => format!("✅ compiled, {passed} test(s) passed"),
            CodeOutcome::TestsFailed => format!(
                "❌ compiled, {failed} of {} test(s) failed",
                self.tests.len()
            ),
            CodeOutcome::CompileError => {
                format!("❌ does not compile ({} error(s))", self.errors.len())
            }
            CodeOutcome::NoCode => "no Rust code found in the reply".into(),
            CodeOutcome::CheckFailed(reason) => format!("⚠ check could not run: {reason}"),
        }
    }

    /// The report as Markdown.
    pub fn to_markdown(&self) -> String {
        let mut md = format!(
            "**{}**\n\n```rust\n{}\n```\n",
            self.headline(),
            self.code.trim_end()
        );
        if !self.errors.is_empty() {
            md.push_str("\n**Compiler errors**\n\n");
            for error in &self.errors {
                md.push_str(&format!("- `{}`\n", error.replace('`', "'")));
            }
        }
        if !self.tests.is_empty() {
            let mut table = MarkdownTable::new(&["test", "result"]);
            for test in &self.tests {
                table.row(vec![
                    cell(&test.name),
                    if test.passed {
                        "✅ ok".into()
                    } else {
                        "❌ failed".into()
                    },
                ]);
            }
            md.push('\n');
            md.push_str(&table.render());
        }
        md
    }

    /// The report as HTML, with cargo's output folded when something failed.
    pub fn to_html(&self) -> String {
        let mut html = markdown_to_html(&self.to_markdown());
        if !self.passed() && !self.output.is_empty() {
            html.push_str(&format!(
                "<details><summary>cargo output</summary><pre>{}</pre></details>",
                escape_html(&self.output)
            ));
        }
        html
    }

    /// Shows the report in a notebook.
    pub fn evcxr_display(&self) {
        print_evcxr_html(&self.to_html());
    }
}

impl fmt::Display for CodeCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.headline())?;
        for error in &self.errors {
            writeln!(f, "  {error}")?;
        }
        for test in &self.tests {
            writeln!(
                f,
                "  {} {}",
                if test.passed { "ok    " } else { "FAILED" },
                test.name
            )?;
        }
        if matches!(
            self.outcome,
            CodeOutcome::CompileError | CodeOutcome::TestsFailed
        ) {
            writeln!(f, "{}", self.output)?;
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests state expectations
mod tests {
    use super::*;

    #[test]
    fn rust_fences_win_over_other_languages_and_bare_text() {
        let reply =
            "Intro\n```python\nprint(1)\n```\n```rust\nfn a() {}\n```\ntext\n```rs\nfn b() {}\n```";
        assert_eq!(extract_rust(reply), "fn a() {}\n\nfn b() {}\n");
    }

    #[test]
    fn bare_code_is_taken_whole_and_foreign_fences_give_nothing() {
        assert_eq!(extract_rust("fn a() {}"), "fn a() {}");
        assert_eq!(extract_rust("```python\nprint(1)\n```"), "");
    }

    #[test]
    fn test_lines_and_errors_are_parsed() {
        let output = "error[E0308]: mismatched types\n --> src/lib.rs:2:5\nerror: could not compile `generated`\n\
                      test tests::a ... ok\ntest tests::b ... FAILED\n";
        assert_eq!(
            compiler_errors(output),
            vec!["error[E0308]: mismatched types (src/lib.rs:2:5)".to_string()]
        );
        let tests = test_results(output);
        assert_eq!(tests.len(), 2);
        assert!(tests[0].passed && !tests[1].passed);
    }

    #[test]
    fn no_code_is_reported_without_running_cargo() {
        let check = check_rust("```python\nx = 1\n```");
        assert_eq!(check.outcome, CodeOutcome::NoCode);
        assert!(check.to_html().contains("no Rust code"));
    }
}
