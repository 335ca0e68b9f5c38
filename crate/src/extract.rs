//! Structured output: an answer as a typed value. The schema comes from the type (schemars); a
//! model with native structured output gets it as `outputConfig.textFormat`, any other model
//! that takes tools is asked for one forced tool call whose input is the value.

use std::any::type_name;

use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::backend::Bedrock;
use crate::call::announce;
use crate::error::{Error, Result};
use crate::request::{OutputSchema, Request, ToolChoice, ToolSpec};
use crate::session::wait;

/// How an [`Bedrock::extract_json`] answer was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExtractionRoute {
    /// `outputConfig.textFormat`: the model's text is JSON that fits the schema.
    NativeSchema,
    /// A tool whose input schema is the schema, with the model made to call it.
    ForcedToolCall,
}

/// A JSON value extracted from a model's answer, and how.
#[derive(Debug, Clone, PartialEq)]
pub struct Extracted {
    /// The value.
    pub value: Value,
    /// How it was asked for.
    pub route: ExtractionRoute,
    /// The reply it came from (usage, cost, latency, whether it was scripted).
    pub reply: crate::Reply,
}

impl Bedrock {
    /// The answer as a `T`: the schema is `T`'s (schemars), the text or tool input is parsed
    /// into it, and an answer that does not fit is an [`Error::Extraction`] showing the text.
    ///
    /// ```
    /// # fn main() -> bedrock_kit::Result<()> {
    /// #[derive(serde::Deserialize, schemars::JsonSchema)]
    /// struct City { name: String, country: String }
    /// let bedrock = bedrock_kit::Bedrock::local()?;
    /// let request = bedrock_kit::Request::new("Lisbon is the capital of Portugal.");
    /// let city: City = bedrock.extract("Claude Haiku 4.5", &request)?;
    /// assert!(!city.name.is_empty());
    /// # Ok(()) }
    /// ```
    pub fn extract<T: JsonSchema + DeserializeOwned>(
        &self,
        model: &str,
        request: &Request,
    ) -> Result<T> {
        let schema = serde_json::to_value(schemars::schema_for!(T))
            .map_err(|e| Error::invalid(format!("the schema of {}: {e}", type_name::<T>())))?;
        let extracted = self.extract_json(model, request, &schema_name::<T>(), &schema)?;
        serde_json::from_value(extracted.value.clone()).map_err(|error| Error::Extraction {
            model: extracted.reply.model_id.clone(),
            wanted: type_name::<T>().to_string(),
            problem: error.to_string(),
            text: extracted.value.to_string(),
        })
    }

    /// The answer as JSON fitting `schema`, by the route the model supports; the work behind
    /// [`extract`](Self::extract), without generics (so a notebook cell compiles it once).
    pub fn extract_json(
        &self,
        model: &str,
        request: &Request,
        name: &str,
        schema: &Value,
    ) -> Result<Extracted> {
        wait(self.extract_json_async(model, request, name, schema))
    }

    /// [`extract_json`](Self::extract_json) for async code.
    pub async fn extract_json_async(
        &self,
        model: &str,
        request: &Request,
        name: &str,
        schema: &Value,
    ) -> Result<Extracted> {
        let id = self.resolve(model)?;
        let catalog_model = bedrock_catalog::find(&id);
        if catalog_model.is_none_or(|m| m.structured_output) {
            let mut asked = request.clone();
            asked.output_schema = Some(OutputSchema {
                name: name.to_string(),
                description: None,
                schema: schema.clone(),
            });
            let reply = self.send_async(model, &asked).await?;
            let value =
                serde_json::from_str(reply.text.trim()).map_err(|error| Error::Extraction {
                    model: reply.model_id.clone(),
                    wanted: name.to_string(),
                    problem: format!("not JSON: {error}"),
                    text: reply.text.clone(),
                })?;
            return Ok(Extracted {
                value,
                route: ExtractionRoute::NativeSchema,
                reply,
            });
        }
        let Some(model_info) = catalog_model.filter(|m| m.tool_use) else {
            return Err(Error::invalid(format!(
                "{model} has neither structured output nor tool use: pick a model that has one \
                 (Claude Haiku 4.5 has both)"
            )));
        };
        announce(&format!(
            "{} has no native structured output: asking for a forced call of a tool `{name}` \
             whose input is the answer",
            model_info.name
        ));
        let asked = request
            .clone()
            .tool(ToolSpec {
                name: name.to_string(),
                description: format!("Record the answer as a {name}, exactly in this structure."),
                input_schema: schema.clone(),
            })
            .tool_choice(ToolChoice::Tool(name.to_string()));
        let reply = self.send_async(model, &asked).await?;
        let value = reply
            .tool_uses()
            .into_iter()
            .find(|tool| tool.name == name)
            .map(|tool| tool.input.clone())
            .ok_or_else(|| Error::Extraction {
                model: reply.model_id.clone(),
                wanted: name.to_string(),
                problem: format!("the model did not call the tool `{name}`"),
                text: reply.text.clone(),
            })?;
        Ok(Extracted {
            value,
            route: ExtractionRoute::ForcedToolCall,
            reply,
        })
    }
}

/// A schema name Bedrock accepts (`^[a-zA-Z0-9_-]{1,64}$`) from a Rust type's name.
fn schema_name<T>() -> String {
    let full = type_name::<T>();
    // `alloc::vec::Vec<my::City>` → `Vec_City`: path segments dropped, the rest kept readable.
    let mut name = String::new();
    for part in full.split(|c: char| !(c.is_ascii_alphanumeric() || c == ':' || c == '_')) {
        if let Some(last) = part.rsplit("::").next().filter(|s| !s.is_empty()) {
            if !name.is_empty() {
                name.push('_');
            }
            name.push_str(last);
        }
    }
    name.chars().take(64).collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests state expectations
mod tests {
    use super::*;

    #[allow(dead_code)]
    struct City;

    #[test]
    fn schema_names_keep_the_type_and_drop_the_paths() {
        assert_eq!(schema_name::<City>(), "City");
        assert_eq!(schema_name::<Vec<City>>(), "Vec_City");
        assert!(
            schema_name::<Vec<City>>()
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        );
    }
}
