//! Choosing and opening a backend: `connect`, `aws`, `local`.

use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_credential_types::credential_feature::AwsCredentialFeature;
use aws_credential_types::provider::ProvideCredentials;

use crate::backend::{Auth, Backend, Bedrock};
use crate::error::{Error, Result};
use crate::runtime::block_on;
use crate::settings::Settings;

/// Environment variable that forces a backend (`aws` or `local`).
pub const BACKEND_ENV: &str = "BEDROCK_BACKEND";

/// The region used when the AWS configuration names none.
const FALLBACK_REGION: &str = "us-east-1";

/// How long the credential chain may search (instance metadata probes can be slow off AWS).
const CREDENTIAL_LOOKUP_TIMEOUT: Duration = Duration::from_secs(10);

impl Bedrock {
    /// Opens the backend the environment asks for and prints one line saying which.
    ///
    /// `BEDROCK_BACKEND=aws|local` decides when set. Otherwise the standard AWS chain is tried
    /// (environment, profile, SSO, ...; `AWS_ENDPOINT_URL_BEDROCK_RUNTIME` honoured); when it
    /// finds no credentials, the local endpoint starts in-process.
    ///
    /// ```no_run
    /// # fn main() -> bedrock_kit::Result<()> {
    /// let bedrock = bedrock_kit::Bedrock::connect()?;
    /// // bedrock: backend aws · region us-west-2 · endpoint https://... · credentials from profile
    /// # Ok(()) }
    /// ```
    pub fn connect() -> Result<Bedrock> {
        let choice = std::env::var(BACKEND_ENV).unwrap_or_default();
        let bedrock = match choice.trim().to_ascii_lowercase().as_str() {
            "local" => open_local_default()?,
            "aws" => open_aws()?,
            "" => match open_aws() {
                Ok(bedrock) => bedrock,
                Err(Error::Credentials { message }) => {
                    let mut local = open_local_default()?;
                    local.credential_source = format!(
                        "{} (no AWS credentials found: {message}; started the local endpoint)",
                        local.credential_source
                    );
                    local
                }
                Err(other) => return Err(other),
            },
            other => {
                return Err(Error::invalid(format!(
                    "{BACKEND_ENV}={other:?} is not a backend: use aws or local"
                )));
            }
        };
        println!("{}", bedrock.describe());
        Ok(bedrock)
    }

    /// Opens Amazon Bedrock through the standard AWS credential chain and prints one line.
    pub fn aws() -> Result<Bedrock> {
        let bedrock = open_aws()?;
        println!("{}", bedrock.describe());
        Ok(bedrock)
    }

    /// Starts the local endpoint in-process (built-in scenarios) and prints one line.
    ///
    /// ```
    /// # fn main() -> bedrock_kit::Result<()> {
    /// let bedrock = bedrock_kit::Bedrock::local()?;
    /// assert_eq!(bedrock.backend(), bedrock_kit::Backend::Local);
    /// # Ok(()) }
    /// ```
    pub fn local() -> Result<Bedrock> {
        let bedrock = open_local_default()?;
        println!("{}", bedrock.describe());
        Ok(bedrock)
    }

    /// Starts the local endpoint in-process with this configuration (scenarios, pace, ...).
    #[cfg(feature = "local")]
    pub fn local_with(config: bedrock_local::Config) -> Result<Bedrock> {
        let bedrock = open_local(config)?;
        println!("{}", bedrock.describe());
        Ok(bedrock)
    }

    /// A handle to an endpoint already running at `url` (for example `bedrock-local` started
    /// in a terminal), signing with the given keys.
    pub fn at_endpoint(
        url: &str,
        region: &str,
        access_key_id: &str,
        secret_access_key: &str,
    ) -> Bedrock {
        Bedrock {
            backend: Backend::Local,
            region: region.to_string(),
            endpoint: Some(url.to_string()),
            auth: Auth::Keys {
                access_key_id: access_key_id.to_string(),
                secret_access_key: secret_access_key.to_string(),
                session_token: None,
            },
            credential_source: format!("given keys ({access_key_id})"),
            settings: Settings::default(),
            date: bedrock_catalog::today(),
            keep_alive: None,
        }
    }
}

#[cfg(feature = "local")]
fn open_local_default() -> Result<Bedrock> {
    // BEDROCK_LOCAL_DATE and BEDROCK_LOCAL_PACE reach the in-process endpoint as they reach the
    // `bedrock-local` binary.
    let config = bedrock_local::Config::default()
        .with_env()
        .map_err(|error| Error::LocalEndpoint {
            message: error.to_string(),
        })?;
    open_local(config)
}

#[cfg(not(feature = "local"))]
fn open_local_default() -> Result<Bedrock> {
    Err(Error::LocalEndpoint {
        message: "bedrock-kit was built without the `local` feature".into(),
    })
}

#[cfg(feature = "local")]
fn open_local(config: bedrock_local::Config) -> Result<Bedrock> {
    let date = config.answers_as_of();
    let endpoint = bedrock_local::start(config).map_err(|error| Error::LocalEndpoint {
        message: error.to_string(),
    })?;
    let credentials = endpoint.credentials().clone();
    Ok(Bedrock {
        backend: Backend::Local,
        region: endpoint.region().to_string(),
        endpoint: Some(endpoint.endpoint_url()),
        credential_source: format!(
            "the in-process local endpoint ({})",
            credentials.access_key_id
        ),
        auth: Auth::Keys {
            access_key_id: credentials.access_key_id,
            secret_access_key: credentials.secret_access_key,
            session_token: None,
        },
        settings: Settings::default(),
        date,
        keep_alive: Some(std::sync::Arc::new(endpoint)),
    })
}

/// Resolves region, endpoint and credentials once through the standard AWS chain.
fn open_aws() -> Result<Bedrock> {
    block_on(open_aws_async())?
}

async fn open_aws_async() -> Result<Bedrock> {
    let config = aws_config::defaults(BehaviorVersion::latest()).load().await;
    let (region, region_note) = match config.region() {
        Some(region) => (region.to_string(), ""),
        None => (
            FALLBACK_REGION.to_string(),
            " (no region configured: default)",
        ),
    };
    let endpoint = env_nonempty("AWS_ENDPOINT_URL_BEDROCK_RUNTIME")
        .or_else(|| env_nonempty("AWS_ENDPOINT_URL"))
        .or_else(|| config.endpoint_url().map(str::to_string));
    let backend = Backend::Aws;
    let base = |auth: Auth, source: String| Bedrock {
        backend,
        region: region.clone(),
        endpoint: endpoint.clone(),
        auth,
        credential_source: format!("{source}{region_note}"),
        settings: Settings::default(),
        date: bedrock_catalog::today(),
        keep_alive: None,
    };
    if let Some(token) = env_nonempty("AWS_BEARER_TOKEN_BEDROCK") {
        return Ok(base(
            Auth::Bearer(token),
            "AWS_BEARER_TOKEN_BEDROCK (Bedrock API key)".into(),
        ));
    }
    let provider = config
        .credentials_provider()
        .ok_or_else(|| Error::Credentials {
            message: "the AWS configuration has no credential provider".into(),
        })?;
    let credentials =
        tokio::time::timeout(CREDENTIAL_LOOKUP_TIMEOUT, provider.provide_credentials())
            .await
            .map_err(|_| Error::Credentials {
                message: format!(
                    "the credential chain found nothing within {CREDENTIAL_LOOKUP_TIMEOUT:?}"
                ),
            })?
            .map_err(|error| {
                // The chain reports only its last provider's failure (often instance metadata),
                // which misleads more than it helps: name the places searched instead.
                tracing::debug!(
                    "credential chain: {}",
                    crate::sdk_error::source_chain(&error)
                );
                Error::Credentials {
                    message: "none in the environment, ~/.aws profiles, SSO, container or \
                              instance metadata"
                        .into(),
                }
            })?;
    let source = describe_source(&credentials);
    Ok(base(
        Auth::Keys {
            access_key_id: credentials.access_key_id().to_string(),
            secret_access_key: credentials.secret_access_key().to_string(),
            session_token: credentials.session_token().map(str::to_string),
        },
        source,
    ))
}

/// Names the provider that produced the credentials, from the features the chain records.
fn describe_source(credentials: &aws_credential_types::Credentials) -> String {
    let features = credentials
        .get_property::<Vec<AwsCredentialFeature>>()
        .cloned()
        .unwrap_or_default();
    let profile = std::env::var("AWS_PROFILE").unwrap_or_else(|_| "default".into());
    let described = features.iter().rev().find_map(|feature| {
        Some(match feature {
            AwsCredentialFeature::CredentialsEnvVars => {
                "environment variables (AWS_ACCESS_KEY_ID)".to_string()
            }
            AwsCredentialFeature::CredentialsSso | AwsCredentialFeature::CredentialsProfileSso => {
                format!("SSO via profile {profile}")
            }
            AwsCredentialFeature::CredentialsProfile
            | AwsCredentialFeature::CredentialsProfileSourceProfile
            | AwsCredentialFeature::CredentialsProfileNamedProvider => format!("profile {profile}"),
            AwsCredentialFeature::CredentialsProfileProcess
            | AwsCredentialFeature::CredentialsProcess => {
                format!("credential_process of profile {profile}")
            }
            AwsCredentialFeature::CredentialsStsAssumeRole => {
                format!("assumed role (profile {profile})")
            }
            AwsCredentialFeature::CredentialsEnvVarsStsWebIdToken
            | AwsCredentialFeature::CredentialsProfileStsWebIdToken
            | AwsCredentialFeature::CredentialsStsAssumeRoleWebId => {
                "web identity token".to_string()
            }
            AwsCredentialFeature::CredentialsHttp => "container credentials endpoint".to_string(),
            AwsCredentialFeature::CredentialsImds => "instance metadata (IMDS)".to_string(),
            AwsCredentialFeature::CredentialsLogin
            | AwsCredentialFeature::CredentialsProfileLogin => {
                format!("aws login (profile {profile})")
            }
            _ => return None,
        })
    });
    let key = credentials.access_key_id();
    described.unwrap_or_else(|| "the AWS credential chain".to_string())
        + &format!(" ({}…)", key.get(..8).unwrap_or(key))
}

fn env_nonempty(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}
