//! A local model server behind the endpoint: what no scenario rule answers goes to an
//! OpenAI-compatible chat-completions server (Ollama, llama.cpp's server, LM Studio, vLLM), and
//! its answer comes back in Bedrock's wire format, for every operation.
//!
//! Bedrock's validation runs first, so a request Bedrock would refuse never reaches the model.
//! The request is translated ([`request`]): system prompt, messages, tool calls and results,
//! `inferenceConfig`, tools and `toolChoice`, structured output. The server's chunks are
//! translated back ([`translate`]) into ConverseStream events, sent as they arrive
//! ([`live`]), or gathered into one answer for Converse, the native InvokeModel bodies and any
//! stream a guardrail or the prompt cache must see whole. Every such answer carries
//! `x-bedrock-local: model NAME via URL`, and the server's failures become Bedrock errors that
//! name their local cause ([`client`]).

mod client;
mod live;
mod models;
mod request;
mod translate;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use models::{DEFAULT_LOCAL_MODEL, ModelMap};

pub(crate) use client::LocalModel;
pub(crate) use live::response as live_response;

/// Environment variable with the URL of a local model server to answer from
/// (`http://localhost:11434` for Ollama).
pub const MODEL_URL_ENV: &str = "BEDROCK_LOCAL_MODEL_URL";

/// Environment variable with the path of a model map file (see [`ModelMap::from_file`]).
pub const MODEL_MAP_ENV: &str = "BEDROCK_LOCAL_MODEL_MAP";

/// Environment variable naming the variable that holds the server's API key, for servers that
/// want one (vLLM with `--api-key`, a hosted gateway); the key itself is never printed.
pub const MODEL_KEY_ENV: &str = "BEDROCK_LOCAL_MODEL_API_KEY_ENV";

/// How long the server may stay silent (before its answer starts, or between two chunks)
/// before the request fails with `ModelTimeoutException`: a model on a laptop's CPU can take
/// a while to load and to read a long prompt.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(120);

/// A setting of the model backend that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BackendError {
    /// Not an `http://` or `https://` URL.
    #[error(
        "`{0}` is not a model server URL: give its scheme, host and port, like http://localhost:11434 (Ollama) or http://127.0.0.1:8000/v1"
    )]
    Url(String),
    /// The URL carries a user name or password.
    #[error(
        "the model server URL carries credentials, which every answer would show: give the URL without them, and the key with --api-key-env VAR"
    )]
    CredentialsInUrl,
    /// The variable that should hold the API key is not set.
    #[error(
        "the API key variable {0} is not set: export it with the model server's key, or leave out --api-key-env"
    )]
    MissingKey(String),
    /// A model map file that cannot be read or parsed.
    #[error("model map `{}`: {message}", path.display())]
    ModelMap {
        /// The file as given (or the name of the text).
        path: PathBuf,
        /// What is wrong and what to write instead.
        message: String,
    },
    /// A backend kind this endpoint does not have.
    #[error("unknown backend {0:?}: the one backend is openai (any OpenAI-compatible server)")]
    Kind(String),
}

/// Where the answers no scenario rule gives come from: an OpenAI-compatible server, the local
/// model names each Bedrock model maps to, its API key and how long to wait for it.
///
/// ```
/// use bedrock_local::{Backend, Config, ModelMap};
/// let models = ModelMap::new("llama3.2").route("deepseek.*", "deepseek-r1:1.5b")?;
/// let backend = Backend::openai("http://localhost:11434")?.model_map(models);
/// assert_eq!(backend.url(), "http://localhost:11434");
/// let config = Config::new().backend(backend);
/// # Ok::<(), bedrock_local::BackendError>(())
/// ```
#[derive(Clone)]
pub struct Backend {
    /// The URL as given, without a trailing `/`: what answers name.
    url: String,
    /// The OpenAI API root: the URL, with `/v1` added when it has no path.
    api_base: String,
    api_key: Option<String>,
    models: ModelMap,
    idle_timeout: Duration,
    /// Extra trusted certificates for an `https://` server.
    ca_bundle: Option<PathBuf>,
}

impl fmt::Debug for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Backend")
            .field("url", &self.url)
            .field("api_key", &self.api_key.as_ref().map(|_| "** redacted **"))
            .field("models", &self.models)
            .field("idle_timeout", &self.idle_timeout)
            .field("ca_bundle", &self.ca_bundle)
            .finish()
    }
}

impl Backend {
    /// A backend of `kind` (`openai`, the one there is) at `url`.
    pub fn of_kind(kind: &str, url: &str) -> Result<Backend, BackendError> {
        match kind.trim() {
            "openai" => Backend::openai(url),
            other => Err(BackendError::Kind(other.to_string())),
        }
    }

    /// An OpenAI-compatible server at `url`: `http://localhost:11434` (Ollama) and
    /// `http://127.0.0.1:8000/v1` both work; `/v1` is added to a URL without a path.
    ///
    /// ```
    /// assert!(bedrock_local::Backend::openai("http://127.0.0.1:8000/v1").is_ok());
    /// assert!(bedrock_local::Backend::openai("localhost:11434").is_err());
    /// ```
    pub fn openai(url: &str) -> Result<Backend, BackendError> {
        let trimmed = url.trim().trim_end_matches('/');
        let uri: http::Uri = trimmed
            .parse()
            .map_err(|_| BackendError::Url(url.to_string()))?;
        let (Some("http" | "https"), Some(_)) = (uri.scheme_str(), uri.authority()) else {
            return Err(BackendError::Url(url.to_string()));
        };
        if uri.query().is_some() {
            return Err(BackendError::Url(url.to_string()));
        }
        // Every answer names the URL: a password in it would be shown to whoever reads one.
        if uri.authority().is_some_and(|a| a.as_str().contains('@')) {
            return Err(BackendError::CredentialsInUrl);
        }
        let has_path = !matches!(uri.path(), "" | "/");
        Ok(Backend {
            url: trimmed.to_string(),
            api_base: if has_path {
                trimmed.to_string()
            } else {
                format!("{trimmed}/v1")
            },
            api_key: None,
            models: ModelMap::default(),
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            ca_bundle: None,
        })
    }

    /// Sends `Authorization: Bearer KEY` to the server.
    pub fn api_key(mut self, key: impl Into<String>) -> Backend {
        self.api_key = Some(key.into());
        self
    }

    /// The API key from the environment variable `var` (an error when it is unset or empty).
    pub fn api_key_from_env(self, var: &str) -> Result<Backend, BackendError> {
        match std::env::var(var) {
            Ok(key) if !key.trim().is_empty() => Ok(self.api_key(key.trim())),
            _ => Err(BackendError::MissingKey(var.to_string())),
        }
    }

    /// Which local model answers for which Bedrock model (default: every model to
    /// [`DEFAULT_LOCAL_MODEL`]).
    pub fn model_map(mut self, models: ModelMap) -> Backend {
        self.models = models;
        self
    }

    /// How long the server may stay silent before a request fails (default
    /// [`DEFAULT_IDLE_TIMEOUT`]).
    pub fn idle_timeout(mut self, timeout: Duration) -> Backend {
        self.idle_timeout = timeout;
        self
    }

    /// Trust the PEM certificates in `path` for an `https://` server, besides the system's roots
    /// (a self-signed or company CA); [`from_env`](Self::from_env) and `bedrock-local serve` take
    /// it from `AWS_CA_BUNDLE`.
    pub fn ca_bundle(mut self, path: impl Into<PathBuf>) -> Backend {
        self.ca_bundle = Some(path.into());
        self
    }

    /// The server's URL as given.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The certificates trusted besides the system's, if any.
    pub(crate) fn ca_bundle_path(&self) -> Option<&Path> {
        self.ca_bundle.as_deref()
    }

    /// The model map.
    pub fn models(&self) -> &ModelMap {
        &self.models
    }

    /// The backend `BEDROCK_LOCAL_MODEL_URL` asks for (with `BEDROCK_LOCAL_MODEL_MAP`,
    /// `BEDROCK_LOCAL_MODEL_API_KEY_ENV` and `AWS_CA_BUNDLE`), or `None` when it is unset or blank.
    pub fn from_env() -> Result<Option<Backend>, BackendError> {
        Backend::from_vars(|name| std::env::var(name).ok())
    }

    /// [`from_env`](Self::from_env) over any source of variables.
    pub(crate) fn from_vars(
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Backend>, BackendError> {
        let set = |name: &str| var(name).filter(|v: &String| !v.trim().is_empty());
        let Some(url) = set(MODEL_URL_ENV) else {
            return Ok(None);
        };
        let mut backend = Backend::openai(&url)?;
        if let Some(path) = set(MODEL_MAP_ENV) {
            backend = backend.model_map(ModelMap::from_file(path.trim())?);
        }
        if let Some(key_var) = set(MODEL_KEY_ENV) {
            let key_var = key_var.trim();
            let key = set(key_var).ok_or_else(|| BackendError::MissingKey(key_var.into()))?;
            backend = backend.api_key(key.trim());
        }
        if let Some(path) = crate::http_client::ca_bundle_in(&var) {
            backend = backend.ca_bundle(path);
        }
        Ok(Some(backend))
    }
}

/// The first 300 characters of what a server sent, for an error message.
fn excerpt(text: &str) -> String {
    match text.char_indices().nth(300) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests state expectations
mod tests {
    use super::*;

    #[test]
    fn a_url_without_a_path_gets_v1_and_one_with_a_path_is_kept() {
        let ollama = Backend::openai("http://localhost:11434/").unwrap();
        assert_eq!(
            (ollama.url(), ollama.api_base.as_str()),
            ("http://localhost:11434", "http://localhost:11434/v1")
        );
        let llama = Backend::openai("http://127.0.0.1:8000/v1").unwrap();
        assert_eq!(llama.api_base, "http://127.0.0.1:8000/v1");
        assert_eq!(
            Backend::openai("http://user:secret@localhost:11434").unwrap_err(),
            BackendError::CredentialsInUrl
        );
        for bad in [
            "localhost:11434",
            "ftp://x",
            "http://",
            "http://h/v1?x=1",
            "",
        ] {
            assert!(
                matches!(Backend::openai(bad), Err(BackendError::Url(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            Backend::of_kind("ollama", "http://h"),
            Err(BackendError::Kind(k)) if k == "ollama"
        ));
    }

    #[test]
    fn the_environment_names_the_url_the_map_the_key_variable_and_the_ca_bundle_never_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let map = dir.path().join("models.toml");
        std::fs::write(&map, "default = \"qwen2.5\"\n").unwrap();
        let map_path = map.display().to_string();
        let vars = |pairs: Vec<(&'static str, String)>| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| v.clone())
            }
        };
        assert!(Backend::from_vars(vars(vec![])).unwrap().is_none());
        let backend = Backend::from_vars(vars(vec![
            (MODEL_URL_ENV, "http://localhost:11434".into()),
            (MODEL_MAP_ENV, map_path),
            (MODEL_KEY_ENV, "MY_KEY".into()),
            ("MY_KEY", "sk-secret".into()),
            (crate::CA_BUNDLE_ENV, " /etc/company-ca.pem ".into()),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(
            backend.ca_bundle_path(),
            Some(Path::new("/etc/company-ca.pem"))
        );
        assert_eq!(
            backend.models().local_model("amazon.nova-micro-v1:0", ""),
            "qwen2.5"
        );
        assert_eq!(backend.api_key.as_deref(), Some("sk-secret"));
        assert!(!format!("{backend:?}").contains("sk-secret"));
        let missing = Backend::from_vars(vars(vec![
            (MODEL_URL_ENV, "http://localhost:11434".into()),
            (MODEL_KEY_ENV, "MY_KEY".into()),
        ]))
        .unwrap_err();
        assert_eq!(missing, BackendError::MissingKey("MY_KEY".into()));
    }
}
