//! Tools the model can call: the [`Tool`] trait, typed tools with generated schemas, a
//! [`ToolBox`], the loop behind [`Bedrock::run_tools`](crate::Bedrock::run_tools), and the
//! workshop's [`Weather`] example.

mod run;
mod tool;
mod toolbox;
mod transcript;
mod weather;

pub use run::ToolRunEnd;
pub use tool::{Tool, ToolError, TypedTool, schema_for};
pub use toolbox::ToolBox;
pub use transcript::{ToolCall, ToolRound, ToolRun};
pub use weather::{Weather, WeatherArgs, WeatherReport};
