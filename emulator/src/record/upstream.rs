//! The upstream a recorder forwards to: where it is, the credentials and region it is signed
//! for, and the HTTP(S) client that sends each request, SigV4-signed afresh.

use std::path::Path;
use std::time::SystemTime;

use aws_credential_types::Credentials as AwsCredentials;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Request, Uri};
use http_body_util::Full;
use hyper::body::Incoming;

use super::RecordError;
use crate::auth::SIGNING_SERVICE;
use crate::http_client::{OutboundClient, client_for, error_chain};

/// Where a recorder sends what it receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Upstream {
    /// Amazon Bedrock itself: `https://bedrock-runtime.{region}.amazonaws.com`, the region from
    /// the AWS configuration (`AWS_REGION`, the profile's `region`) unless one is given.
    Aws,
    /// Any Bedrock Runtime endpoint by URL (`http://127.0.0.1:PORT` for a second bedrock-local).
    Url(String),
}

impl Upstream {
    /// `aws`, or an `http://` / `https://` URL.
    ///
    /// ```
    /// use bedrock_local::record::Upstream;
    /// assert_eq!(Upstream::parse("aws")?, Upstream::Aws);
    /// assert_eq!(Upstream::parse("http://127.0.0.1:8080/")?, Upstream::Url("http://127.0.0.1:8080".into()));
    /// assert!(Upstream::parse("bedrock").is_err());
    /// # Ok::<(), bedrock_local::record::RecordError>(())
    /// ```
    pub fn parse(text: &str) -> Result<Upstream, RecordError> {
        if text.eq_ignore_ascii_case("aws") {
            return Ok(Upstream::Aws);
        }
        let url = text.trim_end_matches('/');
        let uri: Uri = url
            .parse()
            .map_err(|_| RecordError::Upstream(format!("`{text}` is not a URL")))?;
        match (uri.scheme_str(), uri.authority()) {
            (Some("http" | "https"), Some(_)) if uri.path().is_empty() || uri.path() == "/" => {
                Ok(Upstream::Url(url.to_string()))
            }
            _ => Err(RecordError::Upstream(format!(
                "`{text}` is neither `aws` nor an endpoint URL like https://bedrock-runtime.us-east-1.amazonaws.com (scheme and host, no path)"
            ))),
        }
    }
}

/// The resolved upstream: base URL, signing region and credentials, and the client.
#[derive(Clone)]
pub(crate) struct UpstreamClient {
    /// `https://host[:port]`, no trailing slash.
    pub base: String,
    /// Region the requests are signed for.
    pub region: String,
    credentials: SharedCredentialsProvider,
    client: OutboundClient,
}

/// Request headers passed on to the upstream; everything else (the local signature, the local
/// host, hop-by-hop headers) stays behind, and the upstream signature is made afresh.
fn forwarded(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    matches!(
        name.as_str(),
        "content-type" | "accept" | "user-agent" | "x-amz-user-agent" | "amz-sdk-request"
    ) || name.starts_with("x-amzn-bedrock-")
        || name == "amz-sdk-invocation-id"
}

/// How long the recorder lets the AWS chain look for a region and credentials at start.
const CREDENTIAL_LOOKUP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

impl UpstreamClient {
    /// Resolves `upstream`: explicit credentials win, else the AWS default chain (environment,
    /// profiles, SSO, roles); the region is `region`, else the AWS configuration's, else (for a
    /// URL only) `us-east-1`.
    pub async fn resolve(
        upstream: &Upstream,
        credentials: Option<AwsCredentials>,
        region: Option<String>,
        ca_bundle: Option<&Path>,
    ) -> Result<UpstreamClient, RecordError> {
        let needs_config =
            credentials.is_none() || (region.is_none() && *upstream == Upstream::Aws);
        // Off AWS, the chain's last resort (instance metadata) can keep asking for a long time:
        // a bound keeps a recorder without credentials from looking hung.
        let config = if needs_config {
            let load = aws_config::defaults(aws_config::BehaviorVersion::latest()).load();
            Some(
                tokio::time::timeout(CREDENTIAL_LOOKUP_TIMEOUT, load)
                    .await
                    .map_err(|_| {
                        RecordError::Upstream(format!(
                            "the AWS configuration did not load within {CREDENTIAL_LOOKUP_TIMEOUT:?}: set AWS_REGION and credentials (aws configure, aws sso login, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)"
                        ))
                    })?,
            )
        } else {
            None
        };
        let region = region.or_else(|| {
            config
                .as_ref()
                .and_then(|c| c.region())
                .map(|r| r.as_ref().to_string())
        });
        let (base, region) = match upstream {
            Upstream::Aws => {
                let region = region.ok_or_else(|| {
                    RecordError::Upstream(
                        "no AWS region is configured: set AWS_REGION (or a profile's `region`) to the region whose Bedrock should answer".into(),
                    )
                })?;
                (
                    format!("https://bedrock-runtime.{region}.amazonaws.com"),
                    region,
                )
            }
            Upstream::Url(url) => (
                url.clone(),
                region.unwrap_or_else(|| crate::DEFAULT_REGION.to_string()),
            ),
        };
        let credentials = match credentials {
            Some(fixed) => SharedCredentialsProvider::new(fixed),
            None => config
                .as_ref()
                .and_then(|c| c.credentials_provider())
                .ok_or_else(|| {
                    RecordError::Upstream(
                        "no AWS credentials provider is configured: run `aws configure` or `aws sso login`, or set AWS_PROFILE or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY".into(),
                    )
                })?,
        };
        // Ask once now, so missing or expired credentials stop the recorder at start with the
        // chain's own explanation instead of failing the first request.
        tokio::time::timeout(CREDENTIAL_LOOKUP_TIMEOUT, credentials.provide_credentials())
            .await
            .map_err(|_| {
                RecordError::Upstream(format!(
                    "no AWS credentials found within {CREDENTIAL_LOOKUP_TIMEOUT:?} (environment, profiles, SSO, container and instance roles were tried): run `aws configure` or `aws sso login`, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
                ))
            })?
            .map_err(|e| {
                RecordError::Upstream(format!(
                    "cannot get AWS credentials for the upstream: {}",
                    error_chain(&e)
                ))
            })?;
        Ok(UpstreamClient {
            client: client_for(&base, ca_bundle).map_err(RecordError::Upstream)?,
            base,
            region,
            credentials,
        })
    }

    /// Sends `body` to `path_and_query` upstream with the forwarded `headers`, signed now.
    pub async fn send(
        &self,
        method: &Method,
        path_and_query: &str,
        headers: &HeaderMap,
        body: Bytes,
    ) -> Result<http::Response<Incoming>, String> {
        let uri = format!("{}{path_and_query}", self.base);
        let parsed: Uri = uri
            .parse()
            .map_err(|e| format!("bad upstream URL {uri}: {e}"))?;
        let host = parsed
            .authority()
            .map(|a| a.as_str().to_string())
            .unwrap_or_default();
        let mut request = Request::builder()
            .method(method.clone())
            .uri(parsed)
            .body(Full::new(body.clone()))
            .map_err(|e| format!("cannot build the upstream request: {e}"))?;
        let out = request.headers_mut();
        for (name, value) in headers {
            if forwarded(name.as_str()) {
                out.append(name.clone(), value.clone());
            }
        }
        if let Ok(host) = HeaderValue::from_str(&host) {
            out.insert(http::header::HOST, host);
        }
        let credentials = self
            .credentials
            .provide_credentials()
            .await
            .map_err(|e| format!("cannot get AWS credentials: {}", error_chain(&e)))?;
        self.sign(&mut request, &credentials, &body)?;
        self.client
            .request(request)
            .await
            .map_err(|e| format!("cannot reach {}: {}", self.base, error_chain(&e)))
    }

    /// Adds the SigV4 headers for service `bedrock` in the upstream's region.
    fn sign(
        &self,
        request: &mut Request<Full<Bytes>>,
        credentials: &AwsCredentials,
        body: &[u8],
    ) -> Result<(), String> {
        let identity = credentials.clone().into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name(SIGNING_SERVICE)
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| format!("cannot sign for the upstream: {e}"))?
            .into();
        let uri = request.uri().to_string();
        let headers: Vec<(&str, &str)> = request
            .headers()
            .iter()
            .filter_map(|(n, v)| Some((n.as_str(), v.to_str().ok()?)))
            .collect();
        let signable = SignableRequest::new(
            request.method().as_str(),
            &uri,
            headers.into_iter(),
            SignableBody::Bytes(body),
        )
        .map_err(|e| format!("cannot sign for the upstream: {e}"))?;
        let (instructions, _signature) = sign(signable, &params)
            .map_err(|e| format!("cannot sign for the upstream: {e}"))?
            .into_parts();
        instructions.apply_to_request_http1x(request);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_content_and_sdk_headers_are_forwarded_never_credentials() {
        for name in [
            "Content-Type",
            "accept",
            "X-Amzn-Bedrock-Trace",
            "user-agent",
            "amz-sdk-invocation-id",
        ] {
            assert!(forwarded(name), "{name}");
        }
        for name in [
            "authorization",
            "x-amz-date",
            "x-amz-security-token",
            "x-amz-content-sha256",
            "host",
            "connection",
        ] {
            assert!(!forwarded(name), "{name}");
        }
    }

    #[test]
    fn upstream_is_aws_or_a_bare_endpoint_url() {
        assert!(Upstream::parse("AWS").is_ok_and(|u| u == Upstream::Aws));
        assert!(Upstream::parse("https://bedrock-runtime.eu-west-1.amazonaws.com").is_ok());
        assert!(Upstream::parse("ftp://x").is_err());
        assert!(Upstream::parse("http://127.0.0.1:9/model").is_err());
    }
}
