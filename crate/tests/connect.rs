//! connect(), display and streaming output, checked in child processes with a controlled
//! environment (the parent cannot change its own environment safely).

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests state expectations

use std::process::Command;

use bedrock_kit::{Bedrock, Demo, Request, Settings};
use bedrock_local::{Config, Credentials};

/// Runs one ignored test of this binary in a clean environment; returns (success, stdout).
fn child(test: &str, envs: &[(&str, &str)]) -> (bool, String) {
    let home = tempfile::tempdir().expect("temp home");
    let exe = std::env::current_exe().expect("test binary");
    let mut command = Command::new(exe);
    command
        .args([
            "--ignored",
            "--exact",
            test,
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home.path())
        // Off AWS, the metadata service would only add seconds of probing.
        .env("AWS_EC2_METADATA_DISABLED", "true");
    for (key, value) in envs {
        command.env(key, value);
    }
    let output = command.output().expect("child runs");
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    let stderr = String::from_utf8_lossy(&output.stderr);
    (
        output.status.success(),
        format!("{stdout}\n--- stderr ---\n{stderr}"),
    )
}

/// The connect lines (the test harness may print its own text before one on the same line).
fn connect_lines(stdout: &str) -> Vec<&str> {
    stdout
        .lines()
        .filter_map(|l| l.find("bedrock: backend").map(|at| &l[at..]))
        .collect()
}

#[test]
#[ignore = "child process of the connect tests"]
fn child_connect_and_ask() {
    let bedrock = Bedrock::connect().expect("connect");
    let reply = bedrock.ask("Amazon Nova Micro", "hello").expect("ask");
    assert!(!reply.text.is_empty());
}

#[test]
#[ignore = "child process of the connect tests"]
fn child_connect_fails() {
    let error = Bedrock::connect().expect_err("bad backend");
    println!("ERROR: {error}");
}

#[test]
#[ignore = "child process of the display tests"]
fn child_display_and_stream() {
    let bedrock = Bedrock::local()
        .expect("local")
        .with_settings(Settings::default());
    let reply = bedrock
        .stream("Amazon Nova Micro", &Request::new(Demo::Slow.marker()))
        .expect("stream");
    reply.evcxr_display();
    bedrock.models().evcxr_display();
    bedrock
        .compare(&["Amazon Nova Micro"], &Request::new("hello"))
        .evcxr_display();
}

#[test]
fn a_bad_local_date_is_a_clear_error_naming_the_variable() {
    let (ok, out) = child(
        "child_connect_fails",
        &[
            ("BEDROCK_BACKEND", "local"),
            (bedrock_local::DATE_ENV, "2/12/2026"),
        ],
    );
    assert!(ok, "{out}");
    assert!(
        out.contains("BEDROCK_LOCAL_DATE: \"2/12/2026\" is not a date: write it as YYYY-MM-DD"),
        "{out}"
    );
}

#[test]
fn backend_local_and_its_date_are_chosen_by_the_environment_and_said_in_one_line() {
    let (ok, out) = child(
        "child_connect_and_ask",
        &[
            ("BEDROCK_BACKEND", "local"),
            (bedrock_local::DATE_ENV, "2025-04-15"),
        ],
    );
    assert!(ok, "{out}");
    let lines = connect_lines(&out);
    assert_eq!(lines.len(), 1, "{out}");
    assert!(
        lines[0].contains(
            "backend local · region us-east-1 · answering as of 2025-04-15 · endpoint http://127.0.0.1:"
        ),
        "{}",
        lines[0]
    );
}

#[test]
fn no_credentials_falls_back_to_the_local_endpoint_and_says_so() {
    let (ok, out) = child("child_connect_and_ask", &[]);
    assert!(ok, "{out}");
    let lines = connect_lines(&out);
    assert_eq!(lines.len(), 1, "{out}");
    assert!(lines[0].contains("backend local"), "{}", lines[0]);
    assert!(
        lines[0].contains("no AWS credentials found"),
        "{}",
        lines[0]
    );
}

#[test]
fn aws_chain_reads_env_credentials_and_the_endpoint_override() {
    let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    let endpoint = bedrock_local::start(
        Config::default().credentials(Credentials::new("AKIAIOSFODNN7EXAMPLE", secret)),
    )
    .expect("endpoint");
    let url = endpoint.endpoint_url();
    let (ok, out) = child(
        "child_connect_and_ask",
        &[
            ("BEDROCK_BACKEND", "aws"),
            ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", secret),
            ("AWS_REGION", "us-east-1"),
            ("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", &url),
        ],
    );
    assert!(ok, "{out}");
    let lines = connect_lines(&out);
    assert_eq!(lines.len(), 1, "{out}");
    assert!(lines[0].contains("backend aws"), "{}", lines[0]);
    assert!(lines[0].contains(&url), "{}", lines[0]);
    assert!(lines[0].contains("environment variables"), "{}", lines[0]);
    assert!(!out.contains(secret), "the secret must never be printed");
}

#[test]
fn an_unknown_backend_is_refused_with_the_choices() {
    let (ok, out) = child("child_connect_fails", &[("BEDROCK_BACKEND", "azure")]);
    assert!(ok, "{out}");
    assert!(out.contains("is not a backend: use aws or local"), "{out}");
}

#[test]
fn evcxr_display_prints_html_blocks_and_streams_whole_lines() {
    let (ok, out) = child("child_display_and_stream", &[]);
    assert!(ok, "{out}");
    assert!(
        out.contains("EVCXR_BEGIN_CONTENT text/html\n<div class=\"bedrock-reply\">"),
        "{out}"
    );
    assert!(
        out.contains("EVCXR_BEGIN_CONTENT text/html\n<p><strong>Models for us-east-1 on "),
        "{out}"
    );
    assert!(out.contains("<svg"), "{out}");
    assert_eq!(out.matches("EVCXR_END_CONTENT").count(), 3, "{out}");
    // The slow stream's text arrived on its own line before the display blocks.
    let streamed = out
        .find("[bedrock-local] This reply is streamed slowly")
        .expect("streamed text");
    assert!(
        streamed < out.find("EVCXR_BEGIN_CONTENT").unwrap_or(0),
        "{out}"
    );
}
