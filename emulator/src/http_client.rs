//! The HTTP(S) client for the endpoint's own outbound calls: the recorder's upstream and a local
//! model server. One connector, so both reach `https://` and `http://` alike, and trust the same
//! certificates.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

/// The variable the AWS CLI, boto3 and the kit read for extra trusted certificates (a company's
/// TLS inspection proxy, a self-signed model server); `bedrock-local` reads it too.
pub const CA_BUNDLE_ENV: &str = "AWS_CA_BUNDLE";

/// The file `AWS_CA_BUNDLE` names, or `None` when it is unset or blank.
pub fn ca_bundle_from_env() -> Option<PathBuf> {
    ca_bundle_in(|name| std::env::var(name).ok())
}

/// [`ca_bundle_from_env`] over any source of variables: the value trimmed, a blank one unset.
pub(crate) fn ca_bundle_in(var: impl Fn(&str) -> Option<String>) -> Option<PathBuf> {
    var(CA_BUNDLE_ENV)
        .map(|path| path.trim().to_string())
        .filter(|path| !path.is_empty())
        .map(PathBuf::from)
}

/// A pooled client for requests with a whole body.
pub(crate) type OutboundClient = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// A client for `base`: for an `https://` base, HTTPS trusting the system's roots and the PEM
/// certificates in `ca_bundle`; plain HTTP otherwise (no roots are loaded, so a machine without a
/// CA store can still reach a server on loopback). The error says what to fix.
pub(crate) fn client_for(base: &str, ca_bundle: Option<&Path>) -> Result<OutboundClient, String> {
    Ok(Client::builder(TokioExecutor::new()).build(connector(base, ca_bundle)?))
}

fn connector(
    base: &str,
    ca_bundle: Option<&Path>,
) -> Result<HttpsConnector<HttpConnector>, String> {
    let roots = if base.starts_with("https://") {
        roots(base, ca_bundle)?
    } else {
        RootCertStore::empty()
    };
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| format!("cannot set up TLS: {e}"))?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(config)
        .https_or_http()
        .enable_http1()
        .build())
}

/// The system's roots and the bundle's certificates. A bundle that cannot be read or holds no
/// certificate is an error even when the system has roots: the user asked for it, and a silent
/// fallback would fail later as an unexplained certificate error.
fn roots(base: &str, ca_bundle: Option<&Path>) -> Result<RootCertStore, String> {
    let mut roots = RootCertStore::empty();
    // Certificates the system store holds but rustls cannot parse are skipped, as the SDK does.
    roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    if let Some(path) = ca_bundle {
        let shown = path.display();
        let certificates = CertificateDer::pem_file_iter(path)
            .and_then(|items| items.collect::<Result<Vec<_>, _>>())
            .map_err(|e| format!("cannot read the certificates in {shown}: {e}"))?;
        if certificates.is_empty() {
            return Err(format!(
                "{shown} holds no PEM certificate (-----BEGIN CERTIFICATE-----)"
            ));
        }
        for certificate in certificates {
            roots
                .add(certificate)
                .map_err(|e| format!("a certificate in {shown} is not usable: {e}"))?;
        }
    }
    if roots.is_empty() {
        return Err(format!(
            "no root certificates to check {base} with: install the ca-certificates package, or set {CA_BUNDLE_ENV} to a PEM file"
        ));
    }
    Ok(roots)
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
