//! What a Converse request asks of structured outputs, and making an answer fit it.

use serde_json::{Map, Value};

use bedrock_catalog::messages::{
    INVALID_OUTPUT_SCHEMA, STRUCTURED_OUTPUT_UNSUPPORTED, unsupported_schema_keyword,
};
use bedrock_catalog::{Model, Provider};

use super::generate::types_of;
use super::{conforms, generate};
use crate::error::ApiError;
use crate::json::{self, constraint, join};
use crate::turn::{Answer, AnswerBlock, Role, Source, Turn};

/// The keywords Claude's constrained decoding refuses, per type (vercel/ai#17197 quotes the
/// refusal of `maxItems`; 567-labs/instructor#2530 lists the numeric and length ones).
const UNSUPPORTED_KEYWORDS: [(&str, &[&str]); 4] = [
    (
        "number",
        &[
            "minimum",
            "maximum",
            "exclusiveMinimum",
            "exclusiveMaximum",
            "multipleOf",
        ],
    ),
    (
        "integer",
        &[
            "minimum",
            "maximum",
            "exclusiveMinimum",
            "exclusiveMaximum",
            "multipleOf",
        ],
    ),
    ("string", &["minLength", "maxLength"]),
    ("array", &["maxItems"]),
];

/// The structured-output parts of one Converse request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Request {
    /// The schema of `outputConfig.textFormat`, parsed.
    output: Option<Value>,
    /// Tools with `strict: true`, by name, with their input schema.
    strict_tools: Vec<(String, Value)>,
}

impl Request {
    /// A request without structured outputs (native bodies).
    pub fn none() -> Request {
        Request::default()
    }

    /// Read `outputConfig.textFormat` and the strict tools of a validated Converse `body` for
    /// `model`, with Bedrock's refusals.
    pub fn parse(body: &Value, model: &Model) -> Result<Request, ApiError> {
        let root = json::object(body, "")?;
        let output = match json::optional(root, "outputConfig") {
            Some(config) => output_schema(json::object(config, "outputConfig")?, model)?,
            None => None,
        };
        Ok(Request {
            output,
            strict_tools: strict_tools(root)?,
        })
    }

    /// `answer` made to fit: the text a valid JSON value of the output schema (a scenario's own
    /// when it parses and fits, else generated from the schema and the conversation), no free
    /// text beside a tool call, and each strict tool's input fitting its schema.
    pub fn apply(&self, mut answer: Answer, turn: &Turn) -> Answer {
        if self.output.is_none() && self.strict_tools.is_empty() {
            return answer;
        }
        let prompt = conversation_text(turn);
        for block in &mut answer.blocks {
            if let AnswerBlock::ToolUse { name, input, .. } = block
                && let Some((_, schema)) = self.strict_tools.iter().find(|(n, _)| n == name)
                && conforms(schema, input).is_err()
            {
                *input = generate(schema, &prompt);
            }
        }
        let Some(schema) = &self.output else {
            return answer;
        };
        let calls_tool = answer
            .blocks
            .iter()
            .any(|b| matches!(b, AnswerBlock::ToolUse { .. }));
        let text: String = answer
            .blocks
            .iter()
            .filter_map(|b| match b {
                AnswerBlock::Text(t) => Some(t.as_str()),
                _ => None,
            })
            .collect();
        let scripted_fits = matches!(answer.source, Source::Scenario(_))
            && serde_json::from_str::<Value>(text.trim())
                .is_ok_and(|v| conforms(schema, &v).is_ok());
        let fitted = if scripted_fits {
            text.trim().to_string()
        } else {
            generate(schema, &prompt).to_string()
        };
        let mut blocks: Vec<AnswerBlock> = answer
            .blocks
            .into_iter()
            .filter(|b| !matches!(b, AnswerBlock::Text(_)))
            .collect();
        if !calls_tool {
            let at = blocks
                .iter()
                .position(|b| !matches!(b, AnswerBlock::Reasoning(_)))
                .unwrap_or(blocks.len());
            blocks.insert(at, AnswerBlock::Text(fitted));
        }
        answer.blocks = blocks;
        answer
    }
}

/// The user's words of the whole conversation, where values for the schema are looked for.
fn conversation_text(turn: &Turn) -> String {
    let mut parts: Vec<String> = turn.system.iter().cloned().collect();
    parts.extend(
        turn.messages
            .iter()
            .filter(|m| m.role == Role::User)
            .map(|m| m.text()),
    );
    parts.join("\n")
}

fn output_schema(config: &Map<String, Value>, model: &Model) -> Result<Option<Value>, ApiError> {
    let Some(format) = json::optional(config, "textFormat") else {
        return Ok(None);
    };
    let path = "outputConfig.textFormat";
    let format = json::object(format, path)?;
    let kind_path = join(path, "type");
    match json::string(json::required(format, "type", path)?, &kind_path)? {
        "json_schema" => {}
        other => {
            return Err(constraint(
                &format!("'{other}'"),
                &kind_path,
                "Member must satisfy enum value set: [json_schema]",
            ));
        }
    }
    let structure_path = join(path, "structure");
    let structure = json::object(json::required(format, "structure", path)?, &structure_path)?;
    let schema_path = join(&structure_path, "jsonSchema");
    let definition = json::object(
        json::required(structure, "jsonSchema", &structure_path)?,
        &schema_path,
    )?;
    let text = json::string(
        json::required(definition, "schema", &schema_path)?,
        &join(&schema_path, "schema"),
    )?;
    json::optional_string(definition, "name", &schema_path)?;
    json::optional_string(definition, "description", &schema_path)?;
    if !model.structured_output {
        return Err(ApiError::validation(STRUCTURED_OUTPUT_UNSUPPORTED));
    }
    let schema: Value = serde_json::from_str(text)
        .ok()
        .filter(Value::is_object)
        .ok_or_else(|| ApiError::validation(INVALID_OUTPUT_SCHEMA))?;
    if model.provider == Provider::Anthropic
        && let Some((kind, keyword)) = unsupported_keyword(&schema)
    {
        return Err(ApiError::validation(unsupported_schema_keyword(
            kind, keyword,
        )));
    }
    Ok(Some(schema))
}

/// The first keyword Claude refuses in `schema` (at any depth), with the type it was found on.
fn unsupported_keyword(schema: &Value) -> Option<(&'static str, &'static str)> {
    match schema {
        Value::Object(map) => {
            for kind in types_of(schema) {
                for (listed, keywords) in UNSUPPORTED_KEYWORDS {
                    if listed != kind {
                        continue;
                    }
                    if let Some(keyword) = keywords.iter().find(|k| map.contains_key(**k)) {
                        return Some((listed, keyword));
                    }
                }
                // Only 0 or 1 is a minItems Claude honours.
                if kind == "array"
                    && map
                        .get("minItems")
                        .and_then(Value::as_u64)
                        .is_some_and(|n| n > 1)
                {
                    return Some(("array", "minItems"));
                }
            }
            map.values().find_map(unsupported_keyword)
        }
        Value::Array(list) => list.iter().find_map(unsupported_keyword),
        _ => None,
    }
}

fn strict_tools(root: &Map<String, Value>) -> Result<Vec<(String, Value)>, ApiError> {
    let tools = root
        .get("toolConfig")
        .and_then(|c| c.get("tools"))
        .and_then(Value::as_array);
    let mut strict = Vec::new();
    for (i, entry) in tools.into_iter().flatten().enumerate() {
        let Some(spec) = entry.get("toolSpec") else {
            continue;
        };
        let path = format!("toolConfig.tools.{i}.toolSpec.strict");
        match spec.get("strict") {
            None | Some(Value::Null) | Some(Value::Bool(false)) => {}
            Some(Value::Bool(true)) => {
                let name = spec.get("name").and_then(Value::as_str).unwrap_or_default();
                let schema = spec
                    .get("inputSchema")
                    .and_then(|s| s.get("json"))
                    .cloned()
                    .unwrap_or(Value::Bool(true));
                strict.push((name.to_string(), schema));
            }
            Some(_) => return Err(json::wrong_type(&path, "a boolean")),
        }
    }
    Ok(strict)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests state expectations
mod tests {
    use super::*;
    use serde_json::json;

    fn body(schema: &str) -> Value {
        json!({
            "messages": [{ "role": "user", "content": [{ "text": "Hi" }] }],
            "outputConfig": { "textFormat": { "type": "json_schema", "structure": { "jsonSchema": { "schema": schema, "name": "x" } } } }
        })
    }

    fn model(name: &str) -> &'static Model {
        bedrock_catalog::find(name).unwrap()
    }

    #[test]
    fn a_schema_is_parsed_for_a_model_with_structured_outputs_and_refused_elsewhere() {
        let schema = r#"{"type":"object","properties":{"a":{"type":"string"}}}"#;
        let parsed = Request::parse(&body(schema), model("Claude Haiku 4.5")).unwrap();
        assert_eq!(parsed.output, Some(serde_json::from_str(schema).unwrap()));
        assert_eq!(
            Request::parse(&body(schema), model("Claude 3.5 Haiku"))
                .unwrap_err()
                .message,
            STRUCTURED_OUTPUT_UNSUPPORTED
        );
    }

    #[test]
    fn a_schema_that_is_not_a_json_object_is_refused() {
        for bad in ["{not json", "[1, 2]", "\"text\""] {
            assert_eq!(
                Request::parse(&body(bad), model("Claude Haiku 4.5"))
                    .unwrap_err()
                    .message,
                INVALID_OUTPUT_SCHEMA,
                "{bad}"
            );
        }
    }

    #[test]
    fn claude_refuses_keywords_it_cannot_constrain_at_any_depth() {
        let schema = r#"{"type":"object","properties":{"tags":{"type":"array","items":{"type":"string"},"maxItems":3}}}"#;
        assert_eq!(
            Request::parse(&body(schema), model("Claude Sonnet 4.5"))
                .unwrap_err()
                .message,
            "The model returned the following errors: output_config.format.schema: For 'array' type, property 'maxItems' is not supported"
        );
    }

    #[test]
    fn strict_must_be_a_boolean() {
        let with = |strict: Value| {
            json!({
                "messages": [{ "role": "user", "content": [{ "text": "Hi" }] }],
                "toolConfig": { "tools": [{ "toolSpec": { "name": "t", "strict": strict, "inputSchema": { "json": { "type": "object" } } } }] }
            })
        };
        let parsed = Request::parse(&with(json!(true)), model("Claude Haiku 4.5")).unwrap();
        assert_eq!(
            parsed.strict_tools,
            vec![("t".to_string(), json!({ "type": "object" }))]
        );
        assert!(Request::parse(&with(json!("yes")), model("Claude Haiku 4.5")).is_err());
    }
}
