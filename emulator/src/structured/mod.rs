//! Structured outputs as Bedrock does them: `outputConfig.textFormat` with a JSON schema the
//! answer text must fit, and `toolSpec.strict`, which makes a tool's input fit its schema.
//!
//! - [`Request`] reads both from a Converse request (the schema must be a JSON object serialized
//!   to a string; Claude refuses the keywords its constrained decoding cannot honour; a model
//!   without structured outputs in the catalog refuses `outputConfig`).
//! - [`Request::apply`] makes an answer fit: a scenario's text is kept when it parses and fits
//!   the schema, any other is replaced by a value [`generate`]d from the schema and the prompt;
//!   a strict tool's input that does not fit is generated the same way.
//! - [`generate`] builds a value deterministically: objects with every property, strings from
//!   the prompt where a property name occurs in it (else a `[bedrock-local]` placeholder, so a
//!   scripted value says it is scripted), enums' first value, numbers within bounds, arrays of
//!   `minItems` (at least one) items, `$ref` into `$defs`/`definitions`, the first branch of
//!   `anyOf`/`oneOf` that is not `null`.
//! - [`conforms`] checks a value against a schema (the subset above plus bounds, lengths,
//!   `additionalProperties: false`).

mod conform;
mod generate;
mod request;

pub use conform::conforms;
pub use generate::generate;
pub use request::Request;
