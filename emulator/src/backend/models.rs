//! Which local model answers for which Bedrock model: a default, and glob routes matched in
//! order against the model id as called and the catalog's base model id.

use std::fmt;
use std::path::Path;

use globset::{Glob, GlobMatcher};
use serde::Deserialize;

use super::BackendError;

/// The local model every Bedrock model maps to when nothing else is said: Ollama's small
/// general model, which `ollama pull llama3.2` fetches.
pub const DEFAULT_LOCAL_MODEL: &str = "llama3.2";

/// Bedrock model ids to local model names.
///
/// A file (TOML) holds the same: the first route whose glob matches wins, else the default.
///
/// ```
/// let map = bedrock_local::ModelMap::from_toml_str("models.toml", r#"
///     default = "llama3.2"
///     [[route]]
///     bedrock = "deepseek.*"
///     local = "deepseek-r1:1.5b"
///     [[route]]
///     bedrock = "*.anthropic.claude-haiku-*"
///     local = "qwen2.5:3b"
/// "#)?;
/// assert_eq!(map.local_model("deepseek.r1-v1:0", "us.deepseek.r1-v1:0"), "deepseek-r1:1.5b");
/// assert_eq!(
///     map.local_model("anthropic.claude-haiku-4-5-20251001-v1:0", "us.anthropic.claude-haiku-4-5-20251001-v1:0"),
///     "qwen2.5:3b"
/// );
/// assert_eq!(map.local_model("amazon.nova-micro-v1:0", "amazon.nova-micro-v1:0"), "llama3.2");
/// # Ok::<(), bedrock_local::BackendError>(())
/// ```
#[derive(Clone)]
pub struct ModelMap {
    default: String,
    routes: Vec<Route>,
}

#[derive(Clone)]
struct Route {
    pattern: String,
    glob: GlobMatcher,
    local: String,
}

/// The file's shape.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    default: Option<String>,
    #[serde(default)]
    route: Vec<FileRoute>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileRoute {
    bedrock: String,
    local: String,
}

impl Default for ModelMap {
    fn default() -> Self {
        ModelMap::new(DEFAULT_LOCAL_MODEL)
    }
}

impl fmt::Debug for ModelMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let routes: Vec<String> = self
            .routes
            .iter()
            .map(|r| format!("{} -> {}", r.pattern, r.local))
            .collect();
        f.debug_struct("ModelMap")
            .field("default", &self.default)
            .field("routes", &routes)
            .finish()
    }
}

impl ModelMap {
    /// Every model to `default`.
    pub fn new(default: impl Into<String>) -> ModelMap {
        ModelMap {
            default: default.into(),
            routes: Vec::new(),
        }
    }

    /// Also: models whose id matches the glob `bedrock` (`anthropic.*`, `*.nova-*`) to
    /// `local`, after the routes already added.
    pub fn route(
        mut self,
        bedrock: &str,
        local: impl Into<String>,
    ) -> Result<ModelMap, BackendError> {
        let glob = Glob::new(bedrock).map_err(|e| BackendError::ModelMap {
            path: "route".into(),
            message: format!("`{bedrock}` is not a glob: {e}"),
        })?;
        self.routes.push(Route {
            pattern: bedrock.to_string(),
            glob: glob.compile_matcher(),
            local: local.into(),
        });
        Ok(self)
    }

    /// Reads a model map file (TOML: `default = "NAME"` and `[[route]]` tables with
    /// `bedrock = "GLOB"` and `local = "NAME"`).
    pub fn from_file(path: impl AsRef<Path>) -> Result<ModelMap, BackendError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| BackendError::ModelMap {
            path: path.to_path_buf(),
            message: format!("cannot read it: {e}"),
        })?;
        ModelMap::from_toml_str(&path.display().to_string(), &text)
    }

    /// A model map from its TOML text; `name` is what errors call it.
    pub fn from_toml_str(name: &str, text: &str) -> Result<ModelMap, BackendError> {
        let error = |message: String| BackendError::ModelMap {
            path: name.into(),
            message,
        };
        let file: File = toml::from_str(text).map_err(|e| {
            error(format!(
                "{} (write `default = \"NAME\"` and [[route]] tables with `bedrock = \"GLOB\"` and `local = \"NAME\"`)",
                e.message()
            ))
        })?;
        let mut map = ModelMap::new(file.default.unwrap_or_else(|| DEFAULT_LOCAL_MODEL.into()));
        if map.default.trim().is_empty() {
            return Err(error("`default` is empty: name a local model".into()));
        }
        for (i, route) in file.route.into_iter().enumerate() {
            if route.local.trim().is_empty() {
                return Err(error(format!(
                    "route #{}: `local` is empty: name a local model",
                    i + 1
                )));
            }
            map = map
                .route(&route.bedrock, route.local)
                .map_err(|e| match e {
                    BackendError::ModelMap { message, .. } => {
                        error(format!("route #{}: {message}", i + 1))
                    }
                    other => other,
                })?;
        }
        Ok(map)
    }

    /// The local model for a call to `model_id` that resolved to the catalog's `base_model_id`.
    pub fn local_model(&self, base_model_id: &str, model_id: &str) -> &str {
        self.routes
            .iter()
            .find(|r| r.glob.is_match(base_model_id) || r.glob.is_match(model_id))
            .map_or(self.default.as_str(), |r| r.local.as_str())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests state expectations
mod tests {
    use super::*;

    #[test]
    fn the_first_matching_route_wins_over_later_ones_and_the_default() {
        let map = ModelMap::new("d")
            .route("anthropic.*", "a")
            .unwrap()
            .route("*claude*", "never")
            .unwrap();
        assert_eq!(
            map.local_model("anthropic.claude-3-haiku-20240307-v1:0", ""),
            "a"
        );
        assert_eq!(
            map.local_model(
                "x",
                "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude"
            ),
            "never"
        );
        assert_eq!(
            map.local_model(
                "amazon.titan-text-express-v1",
                "amazon.titan-text-express-v1"
            ),
            "d"
        );
    }

    #[test]
    fn a_bad_file_says_where_and_what_to_write() {
        let unknown = ModelMap::from_toml_str("m.toml", "defualt = \"x\"").unwrap_err();
        assert!(
            unknown
                .to_string()
                .starts_with("model map `m.toml`: unknown field `defualt`"),
            "{unknown}"
        );
        assert!(unknown.to_string().contains("[[route]]"), "{unknown}");
        let glob = ModelMap::from_toml_str("m.toml", "[[route]]\nbedrock = \"a[\"\nlocal = \"x\"")
            .unwrap_err();
        assert!(
            glob.to_string().contains("route #1: `a[` is not a glob"),
            "{glob}"
        );
        let empty = ModelMap::from_toml_str("m.toml", "default = \" \"").unwrap_err();
        assert!(empty.to_string().contains("`default` is empty"), "{empty}");
        assert_eq!(
            ModelMap::from_toml_str("m.toml", "")
                .unwrap()
                .local_model("x", "x"),
            DEFAULT_LOCAL_MODEL
        );
    }
}
