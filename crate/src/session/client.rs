//! The worker's one SDK client, the per-call settings laid over it, and the marker that tells a
//! local endpoint's answer from a model's.

use std::sync::{Arc, Mutex};

use aws_config::BehaviorVersion;
use aws_credential_types::credential_feature::AwsCredentialFeature;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_sdk_bedrockruntime::config::{
    Builder, ConfigBag, Credentials, Region, RuntimeComponents, Token, retry::RetryConfig,
    timeout::TimeoutConfig,
};
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeDeserializationInterceptorContextRef;
use aws_smithy_types::retry::RetryMode as SdkRetryMode;
use bedrock_catalog::messages::{LOCAL_ANSWER_HEADER, RECORDED_ANSWER, local_model_of};

use super::worker::{Connected, Setup};
use crate::error::{Error, Result};
use crate::settings::{RetryMode, Settings};

/// The region used when the AWS configuration names none.
const FALLBACK_REGION: &str = "us-east-1";

/// The variable the AWS CLI and boto3 read for extra trusted certificates (a company's TLS
/// inspection proxy, a test CA); the Rust SDK does not read it, so the session does.
const CA_BUNDLE_ENV: &str = "AWS_CA_BUNDLE";

/// The SDK's default HTTPS client with the certificates of `AWS_CA_BUNDLE` trusted besides the
/// system's roots; `None` (the SDK's default client) when the variable is not set.
fn http_client() -> Result<Option<SharedHttpClient>> {
    let Some(path) = env_nonempty(CA_BUNDLE_ENV) else {
        return Ok(None);
    };
    let pem = std::fs::read(&path).map_err(|error| {
        Error::io(
            format!("cannot read the certificates {CA_BUNDLE_ENV} names ({path})"),
            error,
        )
    })?;
    let context = TlsContext::builder()
        .with_trust_store(TrustStore::default().with_pem_certificate(pem))
        .build()
        .map_err(|error| Error::invalid(format!("{CA_BUNDLE_ENV}={path}: {error}")))?;
    Ok(Some(
        aws_smithy_http_client::Builder::new()
            .tls_provider(tls::Provider::Rustls(
                tls::rustls_provider::CryptoMode::AwsLc,
            ))
            .tls_context(context)
            .build_https(),
    ))
}

/// What every job of a worker shares: the client, and what error messages name.
pub(crate) struct Scope {
    /// The session-long client: one connection pool, one identity cache.
    pub client: aws_sdk_bedrockruntime::Client,
    /// The region the client signs for.
    pub region: String,
    /// The endpoint URL as errors name it.
    pub endpoint_label: String,
    /// The chain's credential provider (AWS only), for the connect-time probe.
    pub credentials: Option<SharedCredentialsProvider>,
}

/// Builds the client for `setup`; for AWS this reads the shared config files and environment.
pub(super) async fn open(setup: Setup) -> Result<(Scope, Connected)> {
    match setup {
        Setup::Aws => open_aws().await,
        Setup::Fixed {
            region,
            endpoint,
            keys,
        } => {
            let mut builder = aws_sdk_bedrockruntime::Config::builder();
            if let Some(client) = http_client()? {
                builder = builder.http_client(client);
            }
            let config = builder
                .behavior_version(BehaviorVersion::latest())
                .region(Region::new(region.clone()))
                .endpoint_url(endpoint.clone())
                .credentials_provider(Credentials::new(
                    keys.access_key_id,
                    keys.secret_access_key,
                    keys.session_token,
                    None,
                    "bedrock-kit",
                ))
                .build();
            let scope = Scope {
                client: aws_sdk_bedrockruntime::Client::from_conf(config),
                region: region.clone(),
                endpoint_label: endpoint.clone(),
                credentials: None,
            };
            let connected = Connected {
                region,
                region_defaulted: false,
                endpoint: Some(endpoint),
                bearer: false,
            };
            Ok((scope, connected))
        }
    }
}

async fn open_aws() -> Result<(Scope, Connected)> {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    // The credential providers (SSO, STS, containers) go through the same trust store.
    if let Some(client) = http_client()? {
        loader = loader.http_client(client);
    }
    let sdk_config = loader.load().await;
    let mut builder = Builder::from(&sdk_config);
    let (region, region_defaulted) = match sdk_config.region() {
        Some(region) => (region.to_string(), false),
        None => {
            builder = builder.region(Region::new(FALLBACK_REGION));
            (FALLBACK_REGION.to_string(), true)
        }
    };
    let endpoint = env_nonempty("AWS_ENDPOINT_URL_BEDROCK_RUNTIME")
        .or_else(|| env_nonempty("AWS_ENDPOINT_URL"))
        .or_else(|| sdk_config.endpoint_url().map(str::to_string));
    if let Some(endpoint) = &endpoint {
        builder = builder.endpoint_url(endpoint.clone());
    }
    let bearer = env_nonempty("AWS_BEARER_TOKEN_BEDROCK");
    if let Some(token) = &bearer {
        builder = builder
            .bearer_token(Token::new(token.clone(), None))
            .auth_scheme_preference([
                aws_smithy_runtime_api::client::auth::http::HTTP_BEARER_AUTH_SCHEME_ID,
            ]);
    }
    let endpoint_label = endpoint
        .clone()
        .unwrap_or_else(|| format!("https://bedrock-runtime.{region}.amazonaws.com"));
    let scope = Scope {
        client: aws_sdk_bedrockruntime::Client::from_conf(builder.build()),
        region: region.clone(),
        endpoint_label,
        credentials: sdk_config.credentials_provider(),
    };
    let connected = Connected {
        region,
        region_defaulted,
        endpoint,
        bearer: bearer.is_some(),
    };
    Ok((scope, connected))
}

/// The handle's settings as an override of one call's config: the client is shared, the
/// settings belong to the handle (or clone) that made the call.
pub(super) fn call_config(settings: &Settings) -> Builder {
    let mode = match settings.retry_mode {
        RetryMode::Standard => SdkRetryMode::Standard,
        RetryMode::Adaptive => SdkRetryMode::Adaptive,
    };
    let retry = RetryConfig::standard()
        .with_retry_mode(mode)
        .with_max_attempts(settings.max_attempts)
        .with_initial_backoff(settings.initial_backoff);
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(settings.connect_timeout)
        .operation_timeout(settings.operation_timeout)
        .build();
    aws_sdk_bedrockruntime::Config::builder()
        .retry_config(retry)
        .timeout_config(timeouts)
}

/// Who answered, as the answer's marker header says.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Origin {
    /// The local endpoint answered (scripted, replayed or from a local model), not Bedrock.
    pub local: bool,
    /// A recording of real Bedrock was replayed.
    pub recorded: bool,
    /// The local model server that generated the answer: `NAME via URL`.
    pub local_model: Option<String>,
}

impl Origin {
    /// The origin a marker header value says (`None`: no header, Bedrock answered).
    fn from_marker(value: Option<&str>) -> Origin {
        let Some(value) = value else {
            return Origin::default();
        };
        Origin {
            local: true,
            recorded: value == RECORDED_ANSWER,
            local_model: local_model_of(value).map(str::to_string),
        }
    }

    /// Writes who answered into `reply`.
    pub(crate) fn stamp(&self, reply: &mut crate::Reply) {
        reply.local = self.local;
        reply.recorded = self.recorded;
        reply.local_model.clone_from(&self.local_model);
    }
}

/// Notes whether an answer carried the local endpoint's marker header, and which value.
#[derive(Debug, Default)]
pub(super) struct AnswerMarker {
    seen: Arc<Mutex<Origin>>,
}

impl AnswerMarker {
    /// A handle on what was seen, to read after the call with [`origin`].
    pub(super) fn flag(&self) -> Arc<Mutex<Origin>> {
        Arc::clone(&self.seen)
    }
}

/// The origin a marker's flag recorded.
pub(super) fn origin(flag: &Mutex<Origin>) -> Origin {
    // A poisoned lock holds a plain value that is still whole.
    match flag.lock() {
        Ok(seen) => seen.clone(),
        Err(poisoned) => poisoned.into_inner().clone(),
    }
}

impl Intercept for AnswerMarker {
    fn name(&self) -> &'static str {
        "bedrock-kit AnswerMarker"
    }

    fn read_after_transmit(
        &self,
        context: &BeforeDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> std::result::Result<(), BoxError> {
        let seen = Origin::from_marker(context.response().headers().get(LOCAL_ANSWER_HEADER.0));
        // The last attempt's answer is the one the call returns.
        match self.seen.lock() {
            Ok(mut origin) => *origin = seen,
            Err(poisoned) => *poisoned.into_inner() = seen,
        }
        Ok(())
    }
}

/// Names the provider that produced the credentials, from the features the chain records, and
/// the first characters of the key id (never the secret).
pub(super) fn describe_source(credentials: &Credentials) -> String {
    let features = credentials
        .get_property::<Vec<AwsCredentialFeature>>()
        .cloned()
        .unwrap_or_default();
    let profile = std::env::var("AWS_PROFILE").unwrap_or_else(|_| "default".into());
    let has = |wanted: &[AwsCredentialFeature]| features.iter().any(|f| wanted.contains(f));
    // The chain records every provider that took part (a profile that runs a process records
    // both), so the most specific one names the source.
    use AwsCredentialFeature as F;
    let described = if has(&[F::CredentialsSso, F::CredentialsProfileSso]) {
        format!("SSO via profile {profile}")
    } else if has(&[F::CredentialsProfileProcess, F::CredentialsProcess]) {
        format!("credential_process of profile {profile}")
    } else if has(&[
        F::CredentialsEnvVarsStsWebIdToken,
        F::CredentialsProfileStsWebIdToken,
        F::CredentialsStsAssumeRoleWebId,
    ]) {
        "web identity token".to_string()
    } else if has(&[F::CredentialsStsAssumeRole]) {
        format!("assumed role (profile {profile})")
    } else if has(&[F::CredentialsLogin, F::CredentialsProfileLogin]) {
        format!("aws login (profile {profile})")
    } else if has(&[F::CredentialsHttp]) {
        "container credentials endpoint".to_string()
    } else if has(&[F::CredentialsImds]) {
        "instance metadata (IMDS)".to_string()
    } else if has(&[F::CredentialsEnvVars]) {
        "environment variables (AWS_ACCESS_KEY_ID)".to_string()
    } else if has(&[
        F::CredentialsProfile,
        F::CredentialsProfileSourceProfile,
        F::CredentialsProfileNamedProvider,
    ]) {
        format!("profile {profile}")
    } else {
        "the AWS credential chain".to_string()
    };
    let key = credentials.access_key_id();
    described + &format!(" ({}…)", key.get(..8).unwrap_or(key))
}

fn env_nonempty(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}
