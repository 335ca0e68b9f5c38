//! Structured outputs through the Rust SDK: `outputConfig.textFormat` with a nested schema
//! (`$defs`, `$ref`, enums, nullable fields, lists), a scenario's JSON kept only when it fits,
//! the refusals (a model without structured outputs, a schema that is not JSON, a keyword Claude
//! cannot constrain), and `toolSpec.strict` tool input made to fit.

use aws_sdk_bedrockruntime::error::ProvideErrorMetadata;
use aws_sdk_bedrockruntime::operation::converse::builders::ConverseFluentBuilder;
use aws_sdk_bedrockruntime::types::{
    ContentBlock, JsonSchemaDefinition, OutputConfig, OutputFormat, OutputFormatStructure,
    OutputFormatType, Tool, ToolConfiguration, ToolInputSchema, ToolSpecification,
};
use bedrock_catalog::messages::{INVALID_OUTPUT_SCHEMA, STRUCTURED_OUTPUT_UNSUPPORTED};
use serde_json::{Value, json};

use crate::messages::{answer_text, from_document, to_document, user};
use crate::{HAIKU, NOVA, TestError, TestResult, client, endpoint};

/// `outputConfig` asking for JSON that fits `schema` (sent as the JSON string Bedrock takes).
fn output_config(schema: &str) -> Result<OutputConfig, TestError> {
    let definition = JsonSchemaDefinition::builder()
        .schema(schema)
        .name("answer")
        .description("The shape of the answer")
        .build()?;
    Ok(OutputConfig::builder()
        .text_format(
            OutputFormat::builder()
                .r#type(OutputFormatType::JsonSchema)
                .structure(OutputFormatStructure::JsonSchema(definition))
                .build()?,
        )
        .build())
}

/// A trip as schemars writes nested Rust types: `$defs`, `$ref`, an enum, an optional field,
/// a list of structs, `additionalProperties: false` everywhere.
fn trip_schema() -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Trip",
        "type": "object",
        "properties": {
            "traveller": { "$ref": "#/$defs/Person" },
            "city": { "type": "string" },
            "stops": { "type": "array", "items": { "$ref": "#/$defs/Stop" } },
            "note": { "type": ["string", "null"] }
        },
        "required": ["traveller", "city", "stops", "note"],
        "additionalProperties": false,
        "$defs": {
            "Person": {
                "type": "object",
                "properties": { "name": { "type": "string" }, "age": { "type": "integer" } },
                "required": ["name", "age"],
                "additionalProperties": false
            },
            "Stop": {
                "type": "object",
                "properties": {
                    "place": { "type": "string" },
                    "kind": { "type": "string", "enum": ["museum", "park", "cafe"] }
                },
                "required": ["place", "kind"],
                "additionalProperties": false
            }
        }
    })
}

async fn refused(request: ConverseFluentBuilder) -> String {
    match request.send().await {
        Ok(out) => format!("accepted: {}", answer_text(&out)),
        Err(e) => {
            let e = e.into_service_error();
            format!(
                "{}: {}",
                e.code().unwrap_or("?"),
                e.message().unwrap_or_default()
            )
        }
    }
}

#[tokio::test]
async fn a_nested_schema_gets_json_that_fits_it_with_values_from_the_prompt() -> TestResult {
    let ep = endpoint()?;
    let c = client(&ep).await;
    let schema = trip_schema();
    let out = c
        .converse()
        .model_id(HAIKU)
        .messages(user(
            "Plan a trip for name Ada Lovelace, age 36, to city Lisbon.",
        )?)
        .output_config(output_config(&schema.to_string())?)
        .send()
        .await?;
    let content = out
        .output()
        .and_then(|o| o.as_message().ok())
        .map(|m| m.content().to_vec())
        .unwrap_or_default();
    assert_eq!(content.len(), 1, "one text block: {content:?}");
    let value: Value = serde_json::from_str(&answer_text(&out))?;
    assert_eq!(
        value,
        json!({
            "traveller": { "name": "Ada Lovelace", "age": 36 },
            "city": "Lisbon",
            "stops": [{ "place": "[bedrock-local] place", "kind": "museum" }],
            "note": "[bedrock-local] note"
        })
    );
    assert_eq!(bedrock_local::structured::conforms(&schema, &value), Ok(()));
    Ok(())
}

#[tokio::test]
async fn a_scenarios_json_is_kept_when_it_fits_and_replaced_when_it_does_not() -> TestResult {
    let ep = endpoint()?;
    let c = client(&ep).await;
    let ask = |schema: Value| -> Result<ConverseFluentBuilder, TestError> {
        Ok(c.converse()
            .model_id(HAIKU)
            .messages(user("The weather as json, city Paris")?)
            .output_config(output_config(&schema.to_string())?))
    };
    let fitting = json!({
        "type": "object",
        "properties": { "city": { "type": "string" }, "temperature": { "type": "integer" } },
        "required": ["city", "temperature"],
        "additionalProperties": false
    });
    let kept = ask(fitting)?.send().await?;
    assert_eq!(
        answer_text(&kept),
        r#"{"city": "Paris", "temperature": 21}"#
    );
    let other = json!({
        "type": "object",
        "properties": { "city": { "type": "string" }, "sky": { "type": "string", "enum": ["clear", "cloudy"] } },
        "required": ["city", "sky"],
        "additionalProperties": false
    });
    let replaced = ask(other)?.send().await?;
    let value: Value = serde_json::from_str(&answer_text(&replaced))?;
    assert_eq!(value, json!({ "city": "Paris", "sky": "clear" }));
    Ok(())
}

#[tokio::test]
async fn structured_output_is_refused_where_bedrock_refuses_it() -> TestResult {
    let ep = endpoint()?;
    let c = client(&ep).await;
    let schema = trip_schema().to_string();
    let nova = c
        .converse()
        .model_id(NOVA)
        .messages(user("hello there")?)
        .output_config(output_config(&schema)?);
    assert_eq!(
        refused(nova).await,
        format!("ValidationException: {STRUCTURED_OUTPUT_UNSUPPORTED}")
    );
    let broken = c
        .converse()
        .model_id(HAIKU)
        .messages(user("hello there")?)
        .output_config(output_config("{\"type\": ")?);
    assert_eq!(
        refused(broken).await,
        format!("ValidationException: {INVALID_OUTPUT_SCHEMA}")
    );
    let bounded = json!({ "type": "object", "properties": { "tags": { "type": "array", "items": { "type": "string" }, "maxItems": 3 } } });
    let limited = c
        .converse()
        .model_id(HAIKU)
        .messages(user("hello there")?)
        .output_config(output_config(&bounded.to_string())?);
    assert_eq!(
        refused(limited).await,
        "ValidationException: The model returned the following errors: output_config.format.schema: For 'array' type, property 'maxItems' is not supported"
    );
    Ok(())
}

#[tokio::test]
async fn a_strict_tools_input_fits_its_schema() -> TestResult {
    let ep = endpoint()?;
    let c = client(&ep).await;
    // The scenario calls get_weather with {location, unit}; this strict schema wants {city}.
    let schema = json!({
        "type": "object",
        "properties": { "city": { "type": "string" } },
        "required": ["city"],
        "additionalProperties": false
    });
    let spec = ToolSpecification::builder()
        .name("get_weather")
        .description("Get current weather for a city")
        .input_schema(ToolInputSchema::Json(to_document(&schema)))
        .strict(true)
        .build()?;
    let tools = ToolConfiguration::builder()
        .tools(Tool::ToolSpec(spec))
        .build()?;
    let out = c
        .converse()
        .model_id(HAIKU)
        .messages(user("Weather in city Paris?")?)
        .tool_config(tools)
        .send()
        .await?;
    let input = out
        .output()
        .and_then(|o| o.as_message().ok())
        .and_then(|m| {
            m.content().iter().find_map(|b| match b {
                ContentBlock::ToolUse(t) => Some(from_document(t.input())),
                _ => None,
            })
        })
        .ok_or("no tool call")?;
    assert_eq!(input, json!({ "city": "Paris" }));
    Ok(())
}
