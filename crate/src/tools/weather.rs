//! The workshop's `get_weather` tool, with its mock data.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::tool::{ToolError, TypedTool};

/// Input of [`Weather`].
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct WeatherArgs {
    /// The city name to get weather for
    pub location: String,
}

/// Mock weather for one city.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeatherReport {
    /// The city asked about.
    pub location: String,
    /// Temperature in °F.
    pub temperature: i32,
    /// Sky conditions.
    pub condition: String,
    /// Relative humidity in percent.
    pub humidity: u32,
}

/// `get_weather`: mock data for New York, San Francisco, Miami and Seattle, "Unknown" elsewhere.
///
/// ```
/// use bedrock_kit::tools::{Tool, Weather};
/// let report = Weather.call(serde_json::json!({"location": "San Francisco"}))?;
/// assert_eq!(report["condition"], "Foggy");
/// assert_eq!(Weather.input_schema()["required"], serde_json::json!(["location"]));
/// # Ok::<(), bedrock_kit::tools::ToolError>(())
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Weather;

impl TypedTool for Weather {
    const NAME: &'static str = "get_weather";
    type Args = WeatherArgs;
    type Output = WeatherReport;

    fn description(&self) -> String {
        "Get current weather for a specific location".into()
    }

    fn call(&self, args: WeatherArgs) -> Result<WeatherReport, ToolError> {
        let key = args.location.trim().to_lowercase();
        // Match on the city name so "San Francisco, CA" still finds San Francisco.
        let (temperature, condition, humidity) = if key.starts_with("new york") {
            (72, "Partly Cloudy", 65)
        } else if key.starts_with("san francisco") {
            (58, "Foggy", 80)
        } else if key.starts_with("miami") {
            (85, "Sunny", 75)
        } else if key.starts_with("seattle") {
            (52, "Rainy", 90)
        } else {
            (0, "Unknown", 0)
        };
        Ok(WeatherReport {
            location: args.location,
            temperature,
            condition: condition.into(),
            humidity,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests state expectations
mod tests {
    use super::*;
    use crate::tools::Tool;
    use serde_json::json;

    #[test]
    fn known_cities_get_their_mock_weather_and_others_unknown() {
        let seattle = Tool::call(&Weather, json!({"location": "Seattle"})).ok();
        assert_eq!(
            seattle.as_ref().map(|v| v["temperature"].clone()),
            Some(json!(52))
        );
        let paris = Tool::call(&Weather, json!({"location": "Paris"})).ok();
        assert_eq!(
            paris.map(|v| v["condition"].clone()),
            Some(json!("Unknown"))
        );
    }

    #[test]
    fn schema_describes_the_location_argument() {
        let schema = Weather.input_schema();
        assert_eq!(schema["type"], "object");
        assert_eq!(
            schema["properties"]["location"]["description"],
            "The city name to get weather for"
        );
        assert!(schema.get("$schema").is_none());
    }

    #[test]
    fn missing_location_is_an_error_not_a_panic() {
        assert!(Tool::call(&Weather, json!({})).is_err());
    }
}
