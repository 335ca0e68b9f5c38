//! A recording replayed: the kit calls a recorder in front of an upstream endpoint, then a
//! local endpoint serving the recording, and shows the replayed answer as a model's recorded
//! words (not as a script), with the same text.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests state expectations

mod common;

use bedrock_kit::{Bedrock, Request};
use bedrock_local::ScenarioSet;
use bedrock_local::record::{RecordConfig, Recorder, Upstream};

const MODEL: &str = "Amazon Nova Micro";

fn handle_at(url: &str, region: &str, keys: &bedrock_local::Credentials) -> Bedrock {
    Bedrock::at_endpoint(url, region, &keys.access_key_id, &keys.secret_access_key)
        .unwrap()
        .with_settings(common::quick())
}

#[test]
fn a_replayed_answer_is_shown_as_recorded_with_the_recorded_text() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("class.toml");
    let upstream = bedrock_local::start(common::config().scenarios(
        ScenarioSet::from_toml_str(
            "upstream.toml",
            "[[rule]]\nname = \"upstream\"\nmatch = { contains = \"tides\" }\nreply = { text = \"The Moon pulls the sea.\" }\n",
        )
        .unwrap(),
    ))
    .unwrap();
    let keys = upstream.credentials();
    let recorder = Recorder::start(
        RecordConfig::new(Upstream::Url(upstream.endpoint_url()), &file)
            .upstream_region(upstream.region())
            .upstream_credentials(aws_credential_types::Credentials::new(
                keys.access_key_id.clone(),
                keys.secret_access_key.clone(),
                None,
                None,
                "test",
            )),
    )
    .unwrap();
    let through = handle_at(
        &recorder.endpoint_url(),
        recorder.region(),
        recorder.credentials(),
    );
    let live = through
        .send(MODEL, &Request::new("What causes tides?"))
        .unwrap();
    assert!(
        live.local && !live.recorded,
        "the upstream here is a local endpoint too"
    );
    drop(through);
    recorder.stop();

    let replaying =
        bedrock_local::start(common::config().scenarios(ScenarioSet::from_file(&file).unwrap()))
            .unwrap();
    let bedrock = handle_at(
        &replaying.endpoint_url(),
        replaying.region(),
        replaying.credentials(),
    );
    let replayed = bedrock
        .send(MODEL, &Request::new("What causes tides?"))
        .unwrap();
    assert_eq!(replayed.text, live.text);
    assert!(replayed.local && replayed.recorded);
    assert!(
        replayed.summary().contains("from a recording of Bedrock"),
        "{}",
        replayed.summary()
    );
    let missed = bedrock
        .send(MODEL, &Request::new("Why is the sky blue?"))
        .unwrap();
    assert!(
        !missed.recorded,
        "an unrecorded prompt is the endpoint's own answer"
    );
    assert!(
        missed.text.contains("No recording matched"),
        "{}",
        missed.text
    );
}
