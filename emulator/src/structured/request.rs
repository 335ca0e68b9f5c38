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
use crate::scenario::tool_use_id;
use crate::turn::{Answer, AnswerBlock, Role, Source, StopReason, Turn};

/// The keywords Claude's constrained decoding refuses, per type, as far as a refusal was seen:
/// vercel/ai#17197 quotes Bedrock refusing `maxItems`. 567-labs/instructor#2530 reports numeric
/// and length bounds (`minimum`, `maxLength`, ...) refused too, without a quoted answer, so they
/// are accepted here.
const UNSUPPORTED_KEYWORDS: [(&str, &str); 1] = [("array", "maxItems")];

/// The structured-output parts of one Converse request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Request {
    /// The schema of `outputConfig.textFormat`, parsed.
    output: Option<Value>,
    /// Tools with `strict: true`, by name, with their input schema.
    strict_tools: Vec<(String, Value)>,
    /// The tool `toolChoice` forces (`any`: the first one), with its input schema.
    forced_tool: Option<(String, Value)>,
}

impl Request {
    /// A request without structured outputs (native bodies).
    pub fn none() -> Request {
        Request::default()
    }

    /// The schema `outputConfig.textFormat` asks the answer text to fit, when it asks.
    pub fn output_schema(&self) -> Option<&Value> {
        self.output.as_ref()
    }

    /// Whether the tool `name` was offered with `strict: true`.
    pub fn is_strict(&self, name: &str) -> bool {
        self.strict_tools.iter().any(|(n, _)| n == name)
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
            forced_tool: forced_tool(root),
        })
    }

    /// `answer` made to fit: a call of the tool `toolChoice` forces when the answer calls none
    /// (its input generated from the tool's schema, no text before it), the text a valid JSON
    /// value of the output schema (a scenario's own when it parses and fits, else generated from
    /// the schema and the conversation), no free text beside a tool call, and each strict tool's
    /// input fitting its schema.
    pub fn apply(&self, mut answer: Answer, turn: &Turn) -> Answer {
        if self.output.is_none() && self.strict_tools.is_empty() && self.forced_tool.is_none() {
            return answer;
        }
        let prompt = conversation_text(turn);
        let calls_any = answer
            .blocks
            .iter()
            .any(|b| matches!(b, AnswerBlock::ToolUse { .. }));
        if let (Some((name, schema)), false) = (&self.forced_tool, calls_any) {
            answer
                .blocks
                .retain(|b| matches!(b, AnswerBlock::Reasoning(_)));
            answer.blocks.push(AnswerBlock::ToolUse {
                id: tool_use_id(turn, 0, name),
                name: name.clone(),
                input: generate(schema, &prompt),
            });
            answer.stop_reason = StopReason::ToolUse;
        }
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
            let types = types_of(schema);
            let refused = UNSUPPORTED_KEYWORDS
                .into_iter()
                .find(|(kind, keyword)| types.contains(kind) && map.contains_key(*keyword));
            refused.or_else(|| map.values().find_map(unsupported_keyword))
        }
        Value::Array(list) => list.iter().find_map(unsupported_keyword),
        _ => None,
    }
}

/// The tool `toolConfig.toolChoice` forces: the named one for `tool`, the first for `any`.
fn forced_tool(root: &Map<String, Value>) -> Option<(String, Value)> {
    let config = root.get("toolConfig")?;
    let choice = config.get("toolChoice")?;
    let specs: Vec<&Value> = config
        .get("tools")
        .and_then(Value::as_array)?
        .iter()
        .filter_map(|t| t.get("toolSpec"))
        .collect();
    let spec = if let Some(tool) = choice.get("tool") {
        let wanted = tool.get("name").and_then(Value::as_str)?;
        specs
            .into_iter()
            .find(|s| s.get("name").and_then(Value::as_str) == Some(wanted))?
    } else if choice.get("any").is_some() {
        specs.into_iter().next()?
    } else {
        return None;
    };
    let name = spec.get("name").and_then(Value::as_str)?.to_string();
    let schema = spec
        .get("inputSchema")
        .and_then(|s| s.get("json"))
        .cloned()
        .unwrap_or(Value::Bool(true));
    Some((name, schema))
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
    fn a_forced_tool_is_called_with_input_from_its_schema_when_the_answer_calls_none() {
        let body = json!({
            "messages": [{ "role": "user", "content": [{ "text": "Extract: name Holmes" }] }],
            "toolConfig": {
                "tools": [{ "toolSpec": { "name": "Person", "inputSchema": { "json": {
                    "type": "object", "properties": { "name": { "type": "string" }, "year": { "type": "integer", "minimum": 0 } }, "required": ["name", "year"]
                } } } }],
                "toolChoice": { "tool": { "name": "Person" } }
            }
        });
        let nova = model("Amazon Nova Pro");
        let turn =
            crate::validate::converse(&body, &nova.id, nova, crate::turn::Operation::Converse)
                .unwrap();
        let request = Request::parse(&body, nova).unwrap();
        let answer = Answer {
            blocks: vec![AnswerBlock::Text("[bedrock-local] no rule".into())],
            stop_reason: StopReason::EndTurn,
            usage: crate::turn::UsageOverride::default(),
            latency: std::time::Duration::ZERO,
            stream: crate::turn::StreamShape {
                tokens_per_chunk: 3,
                tokens_per_second: None,
            },
            source: Source::Fallback,
        };
        let answered = request.apply(answer, &turn);
        assert_eq!(answered.stop_reason, StopReason::ToolUse);
        let [AnswerBlock::ToolUse { name, input, id }] = answered.blocks.as_slice() else {
            panic!("{:?}", answered.blocks);
        };
        assert_eq!(
            (name.as_str(), input),
            ("Person", &json!({ "name": "Holmes", "year": 1 }))
        );
        assert!(id.starts_with("tooluse_"));
    }

    #[test]
    fn numeric_bounds_are_accepted_on_claude() {
        let schema = r#"{"type":"object","properties":{"year":{"type":"integer","format":"uint32","minimum":0}}}"#;
        assert!(Request::parse(&body(schema), model("Claude Haiku 4.5")).is_ok());
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
