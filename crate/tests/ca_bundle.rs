//! `AWS_CA_BUNDLE`: extra certificates the session trusts, as the AWS CLI and boto3 read them (a
//! company's TLS inspection proxy, a test CA). The variable is read from the environment, which a
//! test may not change for its own process, so each case runs this binary again as a child with
//! the environment it needs, running only [`child_asks_over_tls`].

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests state expectations

mod common;

use std::path::Path;
use std::process::{Command, Output};

/// Set for the child: the endpoint to call.
const CHILD_URL: &str = "BEDROCK_KIT_CA_BUNDLE_CHILD_URL";

/// Runs the child against `url` with `AWS_CA_BUNDLE` set to `bundle` (or unset).
fn child(url: &str, keys: &bedrock_local::Credentials, bundle: Option<&Path>) -> Output {
    let mut command = Command::new(std::env::current_exe().expect("test binary"));
    command
        .args(["--exact", "child_asks_over_tls", "--ignored", "--nocapture"])
        .env(CHILD_URL, url)
        .env("CHILD_KEY", &keys.access_key_id)
        .env("CHILD_SECRET", &keys.secret_access_key)
        .env_remove("AWS_CA_BUNDLE");
    if let Some(bundle) = bundle {
        command.env("AWS_CA_BUNDLE", bundle);
    }
    command.output().expect("run the child")
}

#[test]
fn the_session_trusts_the_certificates_aws_ca_bundle_names_and_only_with_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    common::tls::make_certificates(dir.path());
    let endpoint = bedrock_local::start(common::config()).expect("endpoint");
    let (url, accepted) = common::tls::start_terminator(dir.path(), endpoint.addr());
    let keys = endpoint.credentials().clone();

    let trusted = child(&url, &keys, Some(&dir.path().join("ca.pem")));
    let stdout = String::from_utf8_lossy(&trusted.stdout);
    assert!(
        trusted.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&trusted.stderr)
    );
    assert!(stdout.contains("answered over TLS"), "{stdout}");

    let untrusted = child(&url, &keys, None);
    let stdout = String::from_utf8_lossy(&untrusted.stdout);
    assert!(
        stdout.contains("refused: cannot reach the Bedrock endpoint"),
        "without the bundle the test CA must not be trusted: {stdout}"
    );

    let missing = child(&url, &keys, Some(&dir.path().join("no-such.pem")));
    let stdout = String::from_utf8_lossy(&missing.stdout);
    assert!(
        stdout.contains("cannot read the certificates AWS_CA_BUNDLE names"),
        "{stdout}"
    );
    assert!(accepted.load(std::sync::atomic::Ordering::Relaxed) >= 2);
    assert_eq!(
        endpoint.stats().requests,
        1,
        "only the trusting child got through"
    );
}

/// The child's half: one call to the URL it is given, reporting the outcome on stdout.
#[test]
#[ignore = "the child process of the_session_trusts_the_certificates_aws_ca_bundle_names_and_only_with_them"]
fn child_asks_over_tls() {
    let url = std::env::var(CHILD_URL)
        .expect("run the_session_trusts_the_certificates_aws_ca_bundle_names_and_only_with_them");
    let key = std::env::var("CHILD_KEY").expect("key");
    let secret = std::env::var("CHILD_SECRET").expect("secret");
    let bedrock = match bedrock_kit::Bedrock::at_endpoint(&url, "us-east-1", &key, &secret) {
        Ok(bedrock) => bedrock.with_settings(common::quick().max_attempts(1)),
        Err(error) => {
            println!("no handle: {error}");
            return;
        }
    };
    match bedrock.ask("Amazon Nova Micro", "over TLS") {
        Ok(reply) => println!("answered over TLS: {}", reply.stop_reason),
        Err(error) => println!("refused: {error}"),
    }
}
