//! Reply templates: `{{tool_result.temperature}}` and the like, parsed when a file loads and
//! filled from each request (syntax in `scenarios/README.md`, values read by `values.rs`).
//!
//! A placeholder whose value the request does not carry makes the whole reply unfillable
//! ([`Template::render`] returns `None`): the rule then does not apply, and the next rule or the
//! fallback answers. Nothing is ever made up to fill a gap.

use serde_json::{Map, Value};

use super::values::{ToolResult, at_path, display, model_name, user_text};
use crate::turn::Turn;

/// The placeholders a template may use, as listed in load errors.
const KNOWN: &str = "{{tool_result}}, {{tool_result.<field>}}, {{tool_input}}, \
    {{tool_input.<field>}}, {{model.name}}, {{model.id}}, {{user_text}}";

/// One value a reply can insert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Placeholder {
    /// `{{tool_result}}` (empty path: the whole content) or `{{tool_result.a.b}}`.
    ToolResult(Vec<String>),
    /// `{{tool_input}}` or `{{tool_input.a.b}}`: the input of the call the result answers.
    ToolInput(Vec<String>),
    /// `{{model.name}}`: the catalog's display name (the base id for a model it lacks).
    ModelName,
    /// `{{model.id}}`: the base model id.
    ModelId,
    /// `{{user_text}}`: the latest user text.
    UserText,
}

impl Placeholder {
    /// Parses the inside of `{{ ... }}` (already trimmed).
    fn parse(name: &str) -> Result<Placeholder, String> {
        if name.is_empty() {
            return Err(format!(
                "empty placeholder `{{{{}}}}`; expected one of {KNOWN}"
            ));
        }
        let mut segments = name.split('.');
        let head = segments.next().unwrap_or_default();
        let path: Vec<String> = segments.map(str::to_string).collect();
        let unknown = || {
            format!(
                "unknown placeholder `{{{{{name}}}}}`, expected one of {KNOWN} \
                 (write `\\{{{{` for literal braces)"
            )
        };
        let placeholder = match (head, path.as_slice()) {
            ("tool_result", _) => Placeholder::ToolResult(path.clone()),
            ("tool_input", _) => Placeholder::ToolInput(path.clone()),
            ("model", [field]) if field == "name" => Placeholder::ModelName,
            ("model", [field]) if field == "id" => Placeholder::ModelId,
            ("user_text", []) => Placeholder::UserText,
            _ => return Err(unknown()),
        };
        if let Some(bad) = path.iter().find(|s| !valid_segment(s)) {
            return Err(format!(
                "placeholder `{{{{{name}}}}}` has an invalid field name `{bad}`: fields are \
                 non-empty, without spaces or braces, joined by dots (`{{{{tool_result.a.b}}}}`)"
            ));
        }
        Ok(placeholder)
    }

    /// The value with its JSON type; `None` when the request does not carry it.
    fn value(&self, turn: &Turn) -> Option<Value> {
        match self {
            Placeholder::ToolResult(path) => {
                let result = ToolResult::last(turn)?;
                match (path.is_empty(), result.json()) {
                    (true, Some(json)) => Some(json.into_owned()),
                    (true, None) => result.text().map(Value::String),
                    (false, json) => at_path(json?.as_ref(), path).cloned(),
                }
            }
            Placeholder::ToolInput(path) => {
                let input = ToolResult::last(turn)?.input(turn)?;
                at_path(input, path).cloned()
            }
            other => other.text(turn).map(Value::String),
        }
    }

    /// The value as text; `None` when the request does not carry it.
    fn text(&self, turn: &Turn) -> Option<String> {
        match self {
            Placeholder::ToolResult(path) if path.is_empty() => ToolResult::last(turn)?.text(),
            Placeholder::ToolResult(_) | Placeholder::ToolInput(_) => display(&self.value(turn)?),
            Placeholder::ModelName => Some(model_name(turn)),
            Placeholder::ModelId => Some(turn.base_model_id.clone()),
            Placeholder::UserText => user_text(turn),
        }
    }
}

/// A field name inside a placeholder path.
fn valid_segment(segment: &str) -> bool {
    !segment.is_empty()
        && !segment
            .chars()
            .any(|c| c.is_whitespace() || c == '{' || c == '}')
}

/// One piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    /// Text copied as it is (escapes already resolved).
    Literal(String),
    /// A value from the request.
    Value(Placeholder),
}

/// A text with placeholders, parsed once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Template {
    /// Literal text and placeholders in order.
    parts: Vec<Part>,
}

impl Template {
    /// Parses `text`: `{{name}}` is a placeholder (spaces inside allowed), `\{{` a literal `{{`;
    /// every other character, single braces and `}}` included, is literal.
    pub fn parse(text: &str) -> Result<Template, String> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut rest = text;
        while let Some(at) = rest.find("{{") {
            let (before, after) = rest.split_at(at);
            // `after` starts with the two ASCII braces found, so slicing past them is safe.
            let inside = &after[2..];
            if let Some(kept) = before.strip_suffix('\\') {
                literal.push_str(kept);
                literal.push_str("{{");
                rest = inside;
                continue;
            }
            literal.push_str(before);
            let Some(end) = inside.find("}}") else {
                let start: String = after.chars().take(20).collect();
                return Err(format!(
                    "unclosed placeholder `{start}`: a `{{{{` needs its `}}}}` \
                     (write `\\{{{{` for literal braces)"
                ));
            };
            let placeholder = Placeholder::parse(inside[..end].trim())?;
            if !literal.is_empty() {
                parts.push(Part::Literal(std::mem::take(&mut literal)));
            }
            parts.push(Part::Value(placeholder));
            rest = &inside[end + 2..];
        }
        literal.push_str(rest);
        if !literal.is_empty() {
            parts.push(Part::Literal(literal));
        }
        Ok(Template { parts })
    }

    /// The text for `turn`; `None` when a placeholder's value is missing.
    pub fn render(&self, turn: &Turn) -> Option<String> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Literal(text) => out.push_str(text),
                Part::Value(placeholder) => out.push_str(&placeholder.text(turn)?),
            }
        }
        Some(out)
    }

    /// For a template that is exactly one placeholder, the value with its JSON type (a number
    /// stays a number); otherwise the rendered text as a JSON string.
    fn render_value(&self, turn: &Turn) -> Option<Value> {
        match self.parts.as_slice() {
            [Part::Value(placeholder)] => placeholder.value(turn),
            _ => self.render(turn).map(Value::String),
        }
    }
}

/// A JSON value (a tool call's input) whose strings are templates.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum JsonTemplate {
    /// A number, boolean or null, kept as it is.
    Fixed(Value),
    /// A string: a template.
    Text(Template),
    /// An array.
    Array(Vec<JsonTemplate>),
    /// An object, keys in file order.
    Object(Vec<(String, JsonTemplate)>),
}

impl JsonTemplate {
    /// Parses every string of `value`; an error names the path below `field`
    /// (`reply.tool_use[0].input.location`).
    pub fn parse(value: Value, field: &str) -> Result<JsonTemplate, (String, String)> {
        Ok(match value {
            Value::String(text) => {
                JsonTemplate::Text(Template::parse(&text).map_err(|e| (field.to_string(), e))?)
            }
            Value::Array(items) => JsonTemplate::Array(
                items
                    .into_iter()
                    .enumerate()
                    .map(|(i, item)| JsonTemplate::parse(item, &format!("{field}[{i}]")))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Object(fields) => JsonTemplate::Object(
                fields
                    .into_iter()
                    .map(|(key, item)| {
                        let path = format!("{field}.{key}");
                        JsonTemplate::parse(item, &path).map(|t| (key, t))
                    })
                    .collect::<Result<_, _>>()?,
            ),
            fixed => JsonTemplate::Fixed(fixed),
        })
    }

    /// The value for `turn`; `None` when a placeholder's value is missing.
    pub fn render(&self, turn: &Turn) -> Option<Value> {
        Some(match self {
            JsonTemplate::Fixed(value) => value.clone(),
            JsonTemplate::Text(template) => template.render_value(turn)?,
            JsonTemplate::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|item| item.render(turn))
                    .collect::<Option<_>>()?,
            ),
            JsonTemplate::Object(fields) => Value::Object(
                fields
                    .iter()
                    .map(|(key, item)| item.render(turn).map(|v| (key.clone(), v)))
                    .collect::<Option<Map<_, _>>>()?,
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::turn::{Block, Message, Operation, Role};
    use serde_json::json;

    fn after_tool(content: Value, input: Value) -> Turn {
        Turn {
            model_id: "us.amazon.nova-micro-v1:0".into(),
            base_model_id: "amazon.nova-micro-v1:0".into(),
            operation: Operation::Converse,
            system: None,
            messages: vec![
                Message {
                    role: Role::User,
                    blocks: vec![Block::Text("Weather in Lisbon?".into())],
                },
                Message {
                    role: Role::Assistant,
                    blocks: vec![Block::ToolUse {
                        id: "t1".into(),
                        name: "get_weather".into(),
                        input,
                    }],
                },
                Message {
                    role: Role::User,
                    blocks: vec![Block::ToolResult {
                        id: "t1".into(),
                        content: vec![content],
                        is_error: false,
                    }],
                },
            ],
            tools: vec![],
            max_tokens: None,
            stop_sequences: vec![],
            sampling: crate::turn::Sampling::default(),
        }
    }

    fn render(template: &str, turn: &Turn) -> Result<Option<String>, String> {
        Ok(Template::parse(template)?.render(turn))
    }

    #[test]
    fn nested_fields_and_array_indexes_are_read_from_the_json_result() -> Result<(), String> {
        let t = after_tool(
            json!({"json": {"now": {"temp": 21.5, "tags": ["dry", "windy"]}, "ok": true}}),
            json!({"location": "Lisbon"}),
        );
        assert_eq!(
            render(
                "{{ tool_result.now.temp }} / {{tool_result.now.tags.1}} / {{tool_result.ok}}",
                &t
            )?,
            Some("21.5 / windy / true".into())
        );
        Ok(())
    }

    #[test]
    fn a_text_result_is_the_whole_tool_result_and_json_text_has_fields() -> Result<(), String> {
        let plain = after_tool(json!({"text": "Sunny, 70 F"}), json!({}));
        assert_eq!(
            render("Tool: {{tool_result}}", &plain)?,
            Some("Tool: Sunny, 70 F".into())
        );
        let json_text = after_tool(json!({"text": "{\"city\": \"Lisbon\"}"}), json!({}));
        assert_eq!(
            render("{{tool_result.city}}", &json_text)?,
            Some("Lisbon".into())
        );
        Ok(())
    }

    #[test]
    fn tool_input_is_the_call_the_result_answers() -> Result<(), String> {
        let t = after_tool(json!({"json": {}}), json!({"location": "Lisbon"}));
        assert_eq!(
            render("You asked about {{tool_input.location}}.", &t)?,
            Some("You asked about Lisbon.".into())
        );
        Ok(())
    }

    #[test]
    fn model_name_comes_from_the_catalog_and_user_text_from_the_question() -> Result<(), String> {
        let mut t = after_tool(json!({"json": {}}), json!({}));
        assert_eq!(
            render("{{model.name}} ({{model.id}}): {{user_text}}", &t)?,
            Some("Amazon Nova Micro (amazon.nova-micro-v1:0): Weather in Lisbon?".into())
        );
        t.base_model_id = "acme.unknown-v1".into();
        assert_eq!(
            render("{{model.name}}", &t)?,
            Some("acme.unknown-v1".into())
        );
        Ok(())
    }

    #[test]
    fn a_missing_value_leaves_the_template_unrendered() -> Result<(), String> {
        let t = after_tool(json!({"json": {"city": "Lisbon", "wind": null}}), json!({}));
        assert_eq!(render("{{tool_result.temperature}}", &t)?, None);
        assert_eq!(render("{{tool_result.wind}}", &t)?, None, "null is absent");
        assert_eq!(render("{{tool_result.city.name}}", &t)?, None);
        assert_eq!(render("{{tool_input.location}}", &t)?, None);
        let mut error = t.clone();
        if let Some(Block::ToolResult { is_error, .. }) =
            error.messages.last_mut().and_then(|m| m.blocks.first_mut())
        {
            *is_error = true;
        }
        assert_eq!(
            render("{{tool_result.city}}", &error)?,
            None,
            "error result"
        );
        assert_eq!(render("{{tool_result}}", &error)?, None, "error result");
        Ok(())
    }

    #[test]
    fn escaped_and_single_braces_are_literal() -> Result<(), String> {
        let t = after_tool(json!({"json": {"city": "Lisbon"}}), json!({}));
        assert_eq!(
            render(
                r#"\{{tool_result.city}} is {{tool_result.city}}; {"a": {}} }}"#,
                &t
            )?,
            Some(r#"{{tool_result.city}} is Lisbon; {"a": {}} }}"#.into())
        );
        Ok(())
    }

    #[test]
    fn bad_placeholders_are_parse_errors() {
        let error = |text: &str| Template::parse(text).err().unwrap_or_default();
        assert!(
            error("{{tool_reslt.city}}").starts_with(
                "unknown placeholder `{{tool_reslt.city}}`, expected one of {{tool_result}}"
            ),
            "{}",
            error("{{tool_reslt.city}}")
        );
        assert!(error("{{model.size}}").starts_with("unknown placeholder `{{model.size}}`"));
        assert!(error("{{user_text.x}}").starts_with("unknown placeholder"));
        assert!(error("{{ }}").starts_with("empty placeholder"));
        assert!(error("{{tool_result..city}}").contains("invalid field name ``"));
        assert!(error("It is {{tool_result.city").starts_with("unclosed placeholder"));
        assert!(error("{{{tool_result}}}").starts_with("unknown placeholder"));
    }

    #[test]
    fn a_lone_placeholder_in_tool_input_keeps_its_json_type() -> Result<(), String> {
        let t = after_tool(json!({"json": {"moons": 95, "name": "Jupiter"}}), json!({}));
        let input = JsonTemplate::parse(
            json!({"a": "{{tool_result.moons}}", "label": "{{tool_result.name}} moons", "list": ["{{tool_result.moons}}", 2], "op": "+"}),
            "input",
        )
        .map_err(|(field, e)| format!("{field}: {e}"))?;
        assert_eq!(
            input.render(&t),
            Some(json!({"a": 95, "label": "Jupiter moons", "list": [95, 2], "op": "+"}))
        );
        let bad = JsonTemplate::parse(json!({"deep": [{"x": "{{nope}}"}]}), "input").err();
        assert_eq!(bad.map(|(field, _)| field), Some("input.deep[0].x".into()));
        Ok(())
    }
}
