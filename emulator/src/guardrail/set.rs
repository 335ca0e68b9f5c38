//! [`GuardrailSet`]: the guardrails an endpoint knows, from the built-in file and the caller's.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use bedrock_catalog::guardrail::{INVALID_IDENTIFIER, NOT_FOUND};

use super::definition::Guardrail;
use super::load::{GuardrailError, parse, valid_id};
use crate::data_file::{self, Format};
use crate::error::ApiError;

/// The demo guardrail shipped with the crate (`bedrock_catalog::guardrail::DEMO_ID`).
const DEMO_FILE: (&str, &str) = (
    "workshop-demo.toml",
    include_str!("../../guardrails/workshop-demo.toml"),
);

/// Guardrail definitions by identifier; cheap to clone.
///
/// ```
/// use bedrock_local::GuardrailSet;
/// let mine = GuardrailSet::from_toml_str("mine.toml", r#"
///     [[guardrail]]
///     id = "no-secrets"
///     versions = ["DRAFT", "1"]
///     blocked_input_message = "Please leave secrets out."
///     blocked_output_message = "The answer held a secret."
///     words = { custom = ["project falcon"] }
/// "#)?;
/// let set = mine.merge(GuardrailSet::builtin());
/// assert_eq!(set.ids().collect::<Vec<_>>(), ["no-secrets", "workshop-demo"]);
/// # Ok::<(), bedrock_local::GuardrailError>(())
/// ```
#[derive(Clone, Default)]
pub struct GuardrailSet {
    guardrails: Arc<Vec<Arc<Guardrail>>>,
}

impl GuardrailSet {
    /// The guardrail shipped with the crate: `workshop-demo`, versions `DRAFT` and `1`.
    pub fn builtin() -> Self {
        // Unit tests keep the built-in file valid; should it ever break, the endpoint still
        // starts and answers the demo's id with Bedrock's "does not exist".
        Self::from_toml_str(DEMO_FILE.0, DEMO_FILE.1).unwrap_or_default()
    }

    /// No guardrails: every `guardrailConfig` names one that does not exist.
    pub fn empty() -> Self {
        GuardrailSet::default()
    }

    /// Loads a `.toml` or `.json` guardrail file.
    pub fn from_file(path: &Path) -> Result<Self, GuardrailError> {
        let name = path.display().to_string();
        let (format, text) = data_file::read(path, "guardrail")
            .map_err(|message| GuardrailError::in_file(&name, message))?;
        Self::from_guardrails(parse(&name, &text, format)?)
    }

    /// Parses TOML guardrail text; `name` is used in error messages.
    pub fn from_toml_str(name: &str, text: &str) -> Result<Self, GuardrailError> {
        Self::from_guardrails(parse(name, text, Format::Toml)?)
    }

    /// Parses JSON guardrail text (`{"guardrail": [...]}`); `name` is used in error messages.
    pub fn from_json_str(name: &str, text: &str) -> Result<Self, GuardrailError> {
        Self::from_guardrails(parse(name, text, Format::Json)?)
    }

    /// This set's guardrails, then those of `other` whose ids this set does not use (so
    /// `self` wins).
    pub fn merge(self, other: GuardrailSet) -> Self {
        let mut all: Vec<Arc<Guardrail>> = self.guardrails.iter().cloned().collect();
        for guardrail in other.guardrails.iter() {
            if !all.iter().any(|g| g.id == guardrail.id) {
                all.push(Arc::clone(guardrail));
            }
        }
        GuardrailSet {
            guardrails: Arc::new(all),
        }
    }

    /// The identifiers, in priority order.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.guardrails.iter().map(|g| g.id.as_str())
    }

    /// Number of guardrails.
    pub fn len(&self) -> usize {
        self.guardrails.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.guardrails.is_empty()
    }

    /// The guardrail a request names, by id or ARN (`arn:aws:bedrock:<region>:<account>:guardrail/<id>`),
    /// and the version, with Bedrock's refusals: an identifier of the wrong shape is "invalid", an
    /// unknown id or version "does not exist" (the same text for both, as on Bedrock).
    pub(crate) fn find(&self, identifier: &str, version: &str) -> Result<Arc<Guardrail>, ApiError> {
        let id =
            identifier_id(identifier).ok_or_else(|| ApiError::validation(INVALID_IDENTIFIER))?;
        self.guardrails
            .iter()
            .find(|g| g.id == id && g.versions.iter().any(|v| v == version))
            .cloned()
            .ok_or_else(|| ApiError::validation(NOT_FOUND))
    }

    fn from_guardrails(guardrails: Vec<Guardrail>) -> Result<Self, GuardrailError> {
        Ok(GuardrailSet {
            guardrails: Arc::new(guardrails.into_iter().map(Arc::new).collect()),
        })
    }
}

/// The id inside an identifier: the identifier itself, or the part of a guardrail ARN after
/// `guardrail/`; `None` when it is shaped like neither.
fn identifier_id(identifier: &str) -> Option<&str> {
    let id = match identifier.strip_prefix("arn:") {
        Some(rest) => {
            let parts: Vec<&str> = rest.splitn(5, ':').collect();
            let [partition, "bedrock", region, account, resource] = parts.as_slice() else {
                return None;
            };
            let valid = partition.starts_with("aws")
                && !region.is_empty()
                && account.len() == 12
                && account.chars().all(|c| c.is_ascii_digit());
            if !valid {
                return None;
            }
            resource.strip_prefix("guardrail/")?
        }
        None => identifier,
    };
    valid_id(id).then_some(id)
}

impl fmt::Debug for GuardrailSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GuardrailSet")
            .field("ids", &self.ids().collect::<Vec<_>>())
            .finish()
    }
}
