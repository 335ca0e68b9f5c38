//! The HTTP(S) client for the endpoint's own outbound calls: the recorder's upstream and a local
//! model server. One connector, so both reach `https://` and `http://` alike.

use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

/// A pooled client for requests with a whole body.
pub(crate) type OutboundClient = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// A client for `base`: HTTPS with the system's roots for an `https://` base; plain HTTP
/// otherwise (no roots are loaded, so a machine without a CA store can still reach a server on
/// loopback). The error says what to install.
pub(crate) fn client_for(base: &str) -> Result<OutboundClient, String> {
    Ok(Client::builder(TokioExecutor::new()).build(connector(base)?))
}

fn connector(base: &str) -> Result<HttpsConnector<HttpConnector>, String> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = hyper_rustls::HttpsConnectorBuilder::new();
    let builder = if base.starts_with("https://") {
        builder.with_provider_and_native_roots(provider).map_err(|e| {
            format!(
                "cannot load the system's root certificates for {base}: {e} (install the ca-certificates package)"
            )
        })?
    } else {
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("cannot set up TLS: {e}"))?
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth();
        builder.with_tls_config(config)
    };
    Ok(builder.https_or_http().enable_http1().build())
}

/// An error with its sources, one after the other (connection errors hide the cause inside).
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
