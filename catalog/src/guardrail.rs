//! Guardrails: the demo guardrail the local endpoint ships and the workshop's notebooks name, and
//! Bedrock's refusals of a guardrail, which the endpoint says and the support crate recognises.

/// The identifier of the guardrail `bedrock-local` ships (`emulator/guardrails/workshop-demo.toml`):
/// it denies the topic "Investment advice", anonymizes e-mail addresses and phone numbers and
/// blocks a small profanity list. Real guardrail ids are 10 lower-case letters and digits; the
/// local endpoint also accepts `-` so that this one reads as what it is.
pub const DEMO_ID: &str = "workshop-demo";

/// The published version of [`DEMO_ID`] the notebooks use (`DRAFT` exists too).
pub const DEMO_VERSION: &str = "1";

/// ValidationException (400) for a guardrail identifier or version that does not exist in the
/// account and region; Bedrock gives the same text for either. Quoted in BerriAI/litellm#11826
/// and in public code that captured it from real calls.
pub const NOT_FOUND: &str =
    "The guardrail identifier or version provided in the request does not exist.";

/// ValidationException (400) for a guardrail identifier that is not shaped like one (a
/// placeholder such as `REPLACE_WITH_YOUR_GUARDRAIL_ID`); quoted in openclaw/openclaw#58588.
pub const INVALID_IDENTIFIER: &str = "The provided guardrail identifier is invalid.";

/// Whether a message is one of Bedrock's refusals of the guardrail named in a request.
///
/// ```
/// assert!(bedrock_catalog::guardrail::is_guardrail_refusal(bedrock_catalog::guardrail::NOT_FOUND));
/// assert!(!bedrock_catalog::guardrail::is_guardrail_refusal("Too many requests"));
/// ```
pub fn is_guardrail_refusal(message: &str) -> bool {
    let lower = message.to_lowercase();
    lower.contains("guardrail identifier or version provided")
        || lower.contains("provided guardrail identifier is invalid")
}
