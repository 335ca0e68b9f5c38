//! Credentials that expire while a handle lives, as SSO, container and instance roles hand out.
//!
//! A `credential_process` (in an AWS config file the test writes) hands out a new key valid for
//! [`VALID_SECONDS`] each time the SDK asks, and lists it in the endpoint's credentials file; the
//! endpoint refuses every key after its expiration. One handle then calls for longer than several
//! keys live. The handle reads the AWS configuration from the environment, which a test may not
//! change for its own process, so the calls run in a child process: this test binary again,
//! running only the ignored test [`child_calls_through_one_handle`].

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests state expectations

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// How long each key the process hands out stays valid.
const VALID_SECONDS: u64 = 18;
/// Calls the child makes, one every [`EVERY`]: 30 s in all, past the expiry of the first keys.
const CALLS: usize = 60;
const EVERY: Duration = Duration::from_millis(500);

/// Set for the child; the child refuses to run without it.
const CHILD: &str = "BEDROCK_KIT_REFRESH_CHILD";

/// The credential_process: a new key per run, listed in the endpoint's file before it is printed.
const ISSUE_KEY: &str = r#"#!/bin/sh
set -eu
n=$(( $(cat "$KEYS_DIR/issued" 2>/dev/null || echo 0) + 1 ))
echo "$n" > "$KEYS_DIR/issued"
now=$(date +%s)
expires=$(date -u -d "@$(( now + VALID_SECONDS ))" +%Y-%m-%dT%H:%M:%SZ)
entry="\"AccessKeyId\":\"ASIAREFRESH$(printf %08d "$n")\",\"SecretAccessKey\":\"secret-$n\",\"SessionToken\":\"token-$n\",\"Expiration\":\"$expires\""
echo "{$entry}" >> "$KEYS_DIR/entries"
echo "$now" >> "$KEYS_DIR/issued-at"
printf '{"credentials":[%s]}' "$(paste -sd, "$KEYS_DIR/entries")" > "$KEYS_DIR/keys.json.tmp"
mv "$KEYS_DIR/keys.json.tmp" "$KEYS_DIR/keys.json"
printf '{"Version":1,%s}' "$entry"
"#;

fn write_executable(path: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text).expect("write script");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

#[test]
fn calls_through_one_handle_outlive_several_expiring_keys() {
    let dir = tempfile::tempdir().expect("temp dir");
    let keys = dir.path().join("keys.json");
    std::fs::write(&keys, r#"{"credentials": []}"#).expect("keys file");
    let script = dir.path().join("issue-key.sh");
    write_executable(&script, ISSUE_KEY);
    let aws_config = dir.path().join("config");
    std::fs::write(
        &aws_config,
        format!(
            "[profile refresh]\nregion = us-east-1\ncredential_process = {}\n",
            script.display()
        ),
    )
    .expect("aws config");
    let config = common::config()
        .credentials_file(&keys)
        .expect("credentials file");
    let endpoint = bedrock_local::start(config).expect("endpoint");

    let started = Instant::now();
    let mut child = Command::new(std::env::current_exe().expect("test binary"));
    child.args([
        "--exact",
        "child_calls_through_one_handle",
        "--ignored",
        "--nocapture",
    ]);
    for name in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_BEARER_TOKEN_BEDROCK",
        "AWS_DEFAULT_PROFILE",
        "AWS_ENDPOINT_URL",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    ] {
        child.env_remove(name);
    }
    let output = child
        .env(CHILD, "1")
        .env("BEDROCK_BACKEND", "aws")
        .env("AWS_CONFIG_FILE", &aws_config)
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.path().join("none"))
        .env("AWS_PROFILE", "refresh")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", endpoint.endpoint_url())
        .env("KEYS_DIR", dir.path())
        .env("VALID_SECONDS", VALID_SECONDS.to_string())
        .output()
        .expect("run the child");
    let elapsed = started.elapsed();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the child failed:\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("credentials from credential_process of profile refresh"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("{CALLS} calls answered")),
        "{stdout}"
    );

    let issued_at: Vec<u64> = std::fs::read_to_string(dir.path().join("issued-at"))
        .expect("issued-at")
        .lines()
        .map(|l| l.parse().expect("a time"))
        .collect();
    let expired_during_the_run = issued_at
        .iter()
        .filter(|&&at| at + VALID_SECONDS < issued_at[0] + elapsed.as_secs())
        .count();
    assert!(
        expired_during_the_run >= 2,
        "only {expired_during_the_run} keys expired while the child called ({} issued)",
        issued_at.len()
    );
    assert!(
        issued_at.len() < CALLS,
        "the process ran for every call ({} keys for {CALLS} calls): nothing was cached",
        issued_at.len()
    );
    let stats = endpoint.stats();
    assert_eq!(stats.requests, CALLS as u64);
    assert_eq!(stats.errors, 0, "a call was refused (an expired key?)");
    assert!(stats.connections_accepted <= 2, "{stats:?}");
}

/// The child's half: one handle, [`CALLS`] calls spread over 30 s.
#[test]
#[ignore = "the child process of calls_through_one_handle_outlive_several_expiring_keys"]
fn child_calls_through_one_handle() {
    assert!(
        std::env::var_os(CHILD).is_some(),
        "run calls_through_one_handle_outlive_several_expiring_keys instead: this test needs the \
         environment that test sets up"
    );
    let bedrock = bedrock_kit::Bedrock::connect()
        .expect("connect")
        .with_settings(common::quick().max_attempts(1));
    assert_eq!(bedrock.backend(), bedrock_kit::Backend::Aws);
    for n in 0..CALLS {
        bedrock
            .ask("Amazon Nova Micro", &format!("call {n}"))
            .unwrap_or_else(|e| panic!("call {n} failed: {e}"));
        std::thread::sleep(EVERY);
    }
    println!("{CALLS} calls answered");
}
