//! The endpoint's own outbound HTTPS (the recorder's upstream, a model server) trusts the
//! certificates of a CA bundle, as the AWS CLI does with `AWS_CA_BUNDLE`, and only with it: a
//! company's TLS inspection proxy or a self-signed model server is reached, an unknown CA is not.
//!
//! Each server sits behind a TLS terminator whose certificate a test CA signed; the system's roots
//! do not hold that CA, so only the bundle can make the handshake succeed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "../../tests/support/tls.rs"]
mod tls;

use std::net::SocketAddr;
use std::path::Path;

use aws_sdk_bedrockruntime::Client;
use aws_sdk_bedrockruntime::types::{ContentBlock, ConversationRole, Message};
use aws_smithy_types::error::display::DisplayErrorContext;
use bedrock_local::record::{RecordConfig, Recorder, Upstream};
use bedrock_local::{Backend, Config, Credentials};
use common::{sdk_client, sdk_credentials};

const MODEL: &str = "us.anthropic.claude-haiku-4-5-20251001-v1:0";
/// What the fake model server says to every request, so an answer proves it was reached.
const FAKE_SERVER_SAYS: &str = "the fake model server was reached over TLS";

/// Converse once: the reply's text, or the error with its message.
async fn ask(client: &Client) -> Result<String, String> {
    let message = Message::builder()
        .role(ConversationRole::User)
        .content(ContentBlock::Text("Say hello.".into()))
        .build()
        .unwrap();
    let output = client
        .converse()
        .model_id(MODEL)
        .messages(message)
        .send()
        .await
        .map_err(|e| DisplayErrorContext(e).to_string())?;
    let reply = output.output().unwrap().as_message().unwrap();
    Ok(reply
        .content()
        .iter()
        .filter_map(|block| block.as_text().ok())
        .cloned()
        .collect())
}

fn recorder(url: &str, keys: &Credentials, out: &Path, bundle: Option<&Path>) -> Recorder {
    let mut config = RecordConfig::new(Upstream::Url(url.to_string()), out)
        .upstream_credentials(sdk_credentials(keys, "test upstream"));
    if let Some(bundle) = bundle {
        config = config.ca_bundle(bundle);
    }
    Recorder::start(config).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_recorder_reaches_an_https_upstream_only_with_the_bundle_that_trusts_its_ca() {
    let dir = tempfile::tempdir().unwrap();
    tls::make_certificates(dir.path());
    let upstream = bedrock_local::start(Config::default()).unwrap();
    let (url, accepted) = tls::start_terminator(dir.path(), upstream.addr());
    let keys = upstream.credentials().clone();

    let out = dir.path().join("trusted.toml");
    let trusted = recorder(&url, &keys, &out, Some(&dir.path().join("ca.pem")));
    let text = ask(&sdk_client(&trusted.endpoint_url(), trusted.credentials()).await)
        .await
        .unwrap_or_else(|e| panic!("with the bundle the upstream must answer: {e}"));
    assert!(!text.is_empty());
    trusted.stop();
    assert!(
        accepted.load(std::sync::atomic::Ordering::Relaxed) >= 1,
        "the answer must have come through the TLS terminator"
    );
    let recording = std::fs::read_to_string(&out).unwrap();
    assert!(recording.contains("[[rule]]"), "{recording}");

    let untrusted = recorder(&url, &keys, &dir.path().join("untrusted.toml"), None);
    let error = ask(&sdk_client(&untrusted.endpoint_url(), untrusted.credentials()).await)
        .await
        .expect_err("without the bundle the test CA must not be trusted");
    assert!(
        error.contains("could not forward this request") && error.contains("certificate"),
        "{error}"
    );
    untrusted.stop();
}

#[test]
fn a_bundle_that_cannot_be_read_or_holds_no_certificate_stops_the_recorder_at_start_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let keys = Credentials::random();
    let start = |bundle: &Path| {
        let config = RecordConfig::new(
            Upstream::Url("https://127.0.0.1:9".into()),
            dir.path().join("out.toml"),
        )
        .upstream_credentials(sdk_credentials(&keys, "test upstream"))
        .ca_bundle(bundle);
        match Recorder::start(config) {
            Ok(_) => panic!("a recorder with the bundle {} started", bundle.display()),
            Err(e) => e.to_string(),
        }
    };

    let missing = dir.path().join("missing.pem");
    let error = start(&missing);
    assert!(
        error.contains("cannot read the certificates in") && error.contains("missing.pem"),
        "{error}"
    );

    let empty = dir.path().join("empty.pem");
    std::fs::write(&empty, "not a certificate\n").unwrap();
    let error = start(&empty);
    assert!(
        error.contains("empty.pem holds no PEM certificate"),
        "{error}"
    );
}

/// A model server that answers every request with a 500 carrying [`FAKE_SERVER_SAYS`].
fn fake_model_server() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let app = axum::Router::new().fallback(|| async {
                (
                    axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                    axum::Json(serde_json::json!({ "error": { "message": FAKE_SERVER_SAYS } })),
                )
            });
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    addr
}

#[tokio::test(flavor = "multi_thread")]
async fn a_model_server_over_https_is_reached_only_with_the_bundle_that_trusts_its_ca() {
    let dir = tempfile::tempdir().unwrap();
    tls::make_certificates(dir.path());
    let (url, _) = tls::start_terminator(dir.path(), fake_model_server());
    let answer = |backend: Backend| async move {
        let endpoint = bedrock_local::start(Config::default().backend(backend)).unwrap();
        let answer = ask(&sdk_client(&endpoint.endpoint_url(), endpoint.credentials()).await).await;
        endpoint.stop();
        answer.expect_err("the fake model server only answers errors")
    };

    let trusted = answer(
        Backend::openai(&url)
            .unwrap()
            .ca_bundle(dir.path().join("ca.pem")),
    )
    .await;
    assert!(trusted.contains(FAKE_SERVER_SAYS), "{trusted}");

    let untrusted = answer(Backend::openai(&url).unwrap()).await;
    assert!(
        untrusted.contains("is not reachable") && untrusted.contains("certificate"),
        "{untrusted}"
    );
    assert!(!untrusted.contains(FAKE_SERVER_SAYS), "{untrusted}");
}
