//! A set of tools by name, and the one place a tool call is run (errors and panics caught).

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use serde_json::Value;

use super::tool::{Tool, ToolError};
use crate::request::ToolSpec;

/// The tools offered to a model; cheap to clone.
///
/// ```
/// use bedrock_kit::tools::{ToolBox, Weather};
/// let tools = ToolBox::new().with(Weather);
/// assert_eq!(tools.names(), vec!["get_weather"]);
/// ```
#[derive(Clone, Default)]
pub struct ToolBox {
    tools: Vec<Arc<dyn Tool>>,
}

impl fmt::Debug for ToolBox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ToolBox")
            .field("tools", &self.names())
            .finish()
    }
}

impl ToolBox {
    /// An empty toolbox.
    pub fn new() -> Self {
        ToolBox::default()
    }

    /// Adds a tool (a later tool with the same name replaces the earlier one).
    pub fn with(mut self, tool: impl Tool + 'static) -> Self {
        self.tools.retain(|t| t.name() != tool.name());
        self.tools.push(Arc::new(tool));
        self
    }

    /// The tool names.
    pub fn names(&self) -> Vec<&str> {
        self.tools.iter().map(|t| t.name()).collect()
    }

    /// The `toolSpec`s to send.
    pub fn specs(&self) -> Vec<ToolSpec> {
        self.tools.iter().map(|t| t.spec()).collect()
    }

    /// Whether there are no tools.
    pub fn is_empty(&self) -> bool {
        self.tools.is_empty()
    }

    /// Runs a call by name: unknown tools, tool errors and panics all become `Err` messages.
    pub fn call(&self, name: &str, input: Value) -> Result<Value, ToolError> {
        let tool = self
            .tools
            .iter()
            .find(|t| t.name() == name)
            .ok_or_else(|| {
                ToolError::new(format!(
                    "unknown tool {name:?}; available tools: {}",
                    self.names().join(", ")
                ))
            })?;
        // The panic hook is the process's, not this call's: it is left alone (replacing it for
        // the call raced with every other thread's panics), so the usual panic report is printed
        // and the model is told the same failure as a tool result.
        match catch_unwind(AssertUnwindSafe(|| tool.call(input))) {
            Ok(result) => result,
            Err(payload) => {
                let message = payload
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".into());
                Err(ToolError::new(format!("tool {name} panicked: {message}")))
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests state expectations
mod tests {
    use super::*;
    use serde_json::json;

    struct Boom;
    impl Tool for Boom {
        fn name(&self) -> &str {
            "boom"
        }
        fn description(&self) -> String {
            "always panics".into()
        }
        fn input_schema(&self) -> Value {
            json!({"type": "object"})
        }
        #[allow(clippy::panic)] // the point of this tool
        fn call(&self, _input: Value) -> Result<Value, ToolError> {
            panic!("kaboom")
        }
    }

    #[test]
    fn a_panicking_tool_becomes_an_error() {
        let tools = ToolBox::new().with(Boom);
        let error = tools.call("boom", json!({})).err().map(|e| e.message);
        assert_eq!(error.as_deref(), Some("tool boom panicked: kaboom"));
    }

    #[test]
    fn an_unknown_tool_names_the_available_ones() {
        let tools = ToolBox::new().with(Boom);
        let error = tools
            .call("nope", json!({}))
            .err()
            .map(|e| e.message)
            .unwrap_or_default();
        assert!(error.contains("available tools: boom"), "{error}");
    }
}
