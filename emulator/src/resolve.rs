//! Which catalog model a request's `modelId` names, as Bedrock decides it on the endpoint's
//! date: unknown or not-yet-launched ids, retired models, Legacy models the account has not used,
//! bare ids of profile-only models, and CountTokens' own rules each get Bedrock's answer.

use bedrock_catalog::{Date, Model, ModelId, State, find_by_id, messages};

use crate::error::ApiError;
use crate::turn::Operation;

/// What the endpoint's account sees of the model lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Calendar {
    /// The day the endpoint answers as of.
    pub date: Date,
    /// Whether the account has used its Legacy models recently (then they still answer).
    pub legacy_in_use: bool,
}

/// The catalog model `model_id` names on `calendar`'s date, or Bedrock's refusal.
pub(crate) fn resolve(
    model_id: &str,
    operation: Operation,
    calendar: Calendar,
) -> Result<&'static Model, ApiError> {
    let invalid = || ApiError::validation(messages::INVALID_MODEL);
    let parsed = ModelId::parse(model_id).map_err(|_| invalid())?;
    let model = find_by_id(parsed.base()).ok_or_else(invalid)?;
    if parsed
        .geography()
        .is_some_and(|geo| !model.has_profile(geo))
    {
        return Err(invalid());
    }
    match model.state_on(calendar.date) {
        State::NotLaunched => return Err(invalid()),
        State::EndOfLife => return Err(ApiError::not_found(messages::END_OF_LIFE)),
        state if state.is_legacy() && !calendar.legacy_in_use => {
            return Err(ApiError::not_found(messages::LEGACY_NOT_RECENTLY_USED));
        }
        _ => {}
    }
    if operation == Operation::CountTokens {
        // CountTokens does no inference: it takes the foundation-model id even of a model that
        // can only be invoked through a profile, and refuses profiles and models it cannot count.
        if parsed.is_profile() || !model.count_tokens {
            return Err(ApiError::validation(messages::COUNT_TOKENS_UNSUPPORTED));
        }
        return Ok(model);
    }
    if !parsed.is_profile() && !model.on_demand {
        return Err(ApiError::validation(messages::on_demand_refusal(
            parsed.base(),
        )));
    }
    Ok(model)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests state expectations
mod tests {
    use super::*;

    const HAIKU_3_5: &str = "anthropic.claude-3-5-haiku-20241022-v1:0";

    fn on(date: &str, legacy_in_use: bool) -> Calendar {
        Calendar {
            date: bedrock_catalog::parse_date(date).unwrap(),
            legacy_in_use,
        }
    }

    fn code_and_message(result: Result<&Model, ApiError>) -> (u16, String) {
        let error = result.unwrap_err();
        (error.status, error.message)
    }

    #[test]
    fn profile_ids_and_arns_resolve_to_the_base_model() {
        let day = on("2025-04-15", true);
        let id = format!("us.{HAIKU_3_5}");
        assert_eq!(
            resolve(&id, Operation::Converse, day).unwrap().id,
            HAIKU_3_5
        );
        let arn = format!("arn:aws:bedrock:us-east-1:123456789012:inference-profile/{id}");
        assert_eq!(
            resolve(&arn, Operation::Converse, day).unwrap().id,
            HAIKU_3_5
        );
        assert_eq!(
            code_and_message(resolve(HAIKU_3_5, Operation::Converse, day)),
            (400, messages::on_demand_refusal(HAIKU_3_5))
        );
    }

    #[test]
    fn the_lifecycle_decides_before_the_on_demand_rule() {
        let id = format!("us.{HAIKU_3_5}");
        assert_eq!(
            code_and_message(resolve(&id, Operation::Converse, on("2024-10-01", true))),
            (400, messages::INVALID_MODEL.to_string())
        );
        assert!(resolve(&id, Operation::Converse, on("2026-01-10", true)).is_ok());
        assert_eq!(
            code_and_message(resolve(&id, Operation::Converse, on("2026-01-10", false))),
            (404, messages::LEGACY_NOT_RECENTLY_USED.to_string())
        );
        for operation in [Operation::ConverseStream, Operation::CountTokens] {
            assert_eq!(
                code_and_message(resolve(HAIKU_3_5, operation, on("2026-07-01", true))),
                (404, messages::END_OF_LIFE.to_string())
            );
        }
    }

    #[test]
    fn count_tokens_takes_the_bare_id_of_a_profile_only_model_and_refuses_profiles() {
        let day = on("2025-04-15", true);
        assert!(resolve(HAIKU_3_5, Operation::CountTokens, day).is_ok());
        let profile = format!("us.{HAIKU_3_5}");
        assert_eq!(
            code_and_message(resolve(&profile, Operation::CountTokens, day)),
            (400, messages::COUNT_TOKENS_UNSUPPORTED.to_string())
        );
        assert_eq!(
            code_and_message(resolve(
                "amazon.nova-micro-v1:0",
                Operation::CountTokens,
                day
            )),
            (400, messages::COUNT_TOKENS_UNSUPPORTED.to_string())
        );
    }
}
