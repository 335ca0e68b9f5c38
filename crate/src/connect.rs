//! Choosing and opening a backend: `connect`, `aws`, `local`.

use std::sync::Arc;

use crate::backend::{Backend, Bedrock};
use crate::error::{Error, Result};
use crate::session::{Keys, Session, Setup, wait};
use crate::settings::Settings;

/// Environment variable that forces a backend (`aws` or `local`).
pub const BACKEND_ENV: &str = "BEDROCK_BACKEND";

impl Bedrock {
    /// Opens the backend the environment asks for and prints one line saying which.
    ///
    /// `BEDROCK_BACKEND=aws|local` decides when set. Otherwise, with `BEDROCK_LOCAL_MODEL_URL`
    /// set (a local model server such as Ollama's `http://localhost:11434`), the local endpoint
    /// starts in-process and that server answers what its scripts do not; else the standard AWS
    /// chain is tried (environment, profile, SSO, ...; `AWS_ENDPOINT_URL_BEDROCK_RUNTIME`
    /// honoured), and when it finds no credentials, the local endpoint starts in-process.
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
            "" if local_model_asked() => open_local_default()?,
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
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let endpoint = bedrock_local::start(bedrock_local::Config::default())?;
    /// let keys = endpoint.credentials();
    /// let bedrock = bedrock_kit::Bedrock::at_endpoint(
    ///     &endpoint.endpoint_url(), endpoint.region(), &keys.access_key_id, &keys.secret_access_key,
    /// )?;
    /// assert!(!bedrock.ask("Amazon Nova Micro", "Hi")?.text.is_empty());
    /// # Ok(()) }
    /// ```
    pub fn at_endpoint(
        url: &str,
        region: &str,
        access_key_id: &str,
        secret_access_key: &str,
    ) -> Result<Bedrock> {
        let keys = Keys {
            access_key_id: access_key_id.to_string(),
            secret_access_key: secret_access_key.to_string(),
            session_token: None,
        };
        let bedrock = fixed(url, region, keys, None)?;
        Ok(Bedrock {
            credential_source: format!("given keys ({access_key_id})"),
            ..bedrock
        })
    }
}

/// Whether `BEDROCK_LOCAL_MODEL_URL` names a local model server.
#[cfg(feature = "local")]
fn local_model_asked() -> bool {
    std::env::var(bedrock_local::MODEL_URL_ENV).is_ok_and(|url| !url.trim().is_empty())
}

/// Without the local endpoint there is no model server to put behind it.
#[cfg(not(feature = "local"))]
fn local_model_asked() -> bool {
    false
}

/// A handle on a fixed endpoint with fixed keys (the local backend).
fn fixed(
    url: &str,
    region: &str,
    keys: Keys,
    keep_alive: Option<Arc<dyn std::any::Any + Send + Sync>>,
) -> Result<Bedrock> {
    let (session, _) = Session::start(Setup::Fixed {
        region: region.to_string(),
        endpoint: url.to_string(),
        keys,
    })?;
    Ok(Bedrock {
        backend: Backend::Local,
        region: region.to_string(),
        endpoint: Some(url.to_string()),
        credential_source: String::new(),
        settings: Settings::default(),
        date: bedrock_catalog::today(),
        session: Arc::new(session),
        keep_alive,
        ledger: Arc::default(),
        response_cache: None,
        local_model_url: None,
    })
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
    let local_model_url = config.model_backend().map(|b| b.url().to_string());
    let endpoint = bedrock_local::start(config).map_err(|error| Error::LocalEndpoint {
        message: error.to_string(),
    })?;
    let credentials = endpoint.credentials().clone();
    let (url, region) = (endpoint.endpoint_url(), endpoint.region().to_string());
    let keys = Keys {
        access_key_id: credentials.access_key_id.clone(),
        secret_access_key: credentials.secret_access_key,
        session_token: None,
    };
    let bedrock = fixed(&url, &region, keys, Some(Arc::new(endpoint)))?;
    Ok(Bedrock {
        credential_source: format!(
            "the in-process local endpoint ({})",
            credentials.access_key_id
        ),
        date,
        local_model_url,
        ..bedrock
    })
}

/// Opens the AWS configuration in a session's worker and asks its credential chain once, so
/// that `connect` can fall back to the local endpoint when there are none.
fn open_aws() -> Result<Bedrock> {
    let (session, connected) = Session::start(Setup::Aws)?;
    let source = if connected.bearer {
        "AWS_BEARER_TOKEN_BEDROCK (Bedrock API key)".to_string()
    } else {
        wait(session.probe_credentials())?
    };
    let region_note = if connected.region_defaulted {
        " (no region configured: default)"
    } else {
        ""
    };
    Ok(Bedrock {
        backend: Backend::Aws,
        region: connected.region,
        endpoint: connected.endpoint,
        credential_source: format!("{source}{region_note}"),
        settings: Settings::default(),
        date: bedrock_catalog::today(),
        session: Arc::new(session),
        keep_alive: None,
        ledger: Arc::default(),
        response_cache: None,
        local_model_url: None,
    })
}
