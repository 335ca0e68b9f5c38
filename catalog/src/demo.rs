//! The `[demo:*]` markers: a prompt that contains one makes the local endpoint's built-in
//! scenarios (`emulator/scenarios/default.toml`) produce that behaviour, so notebooks and tests
//! can show an error or a slow stream on purpose.

use std::fmt;

/// One behaviour the local endpoint shows on purpose when its marker is in the prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Demo {
    /// A reasoning block before the answer.
    Reasoning,
    /// A slow, steady stream.
    Slow,
    /// ThrottlingException twice, then an answer.
    Throttle,
    /// ThrottlingException on every attempt.
    ThrottleAlways,
    /// AccessDeniedException.
    AccessDenied,
    /// ResourceNotFoundException.
    NotFound,
    /// InternalServerException (500), once.
    Error500,
    /// ServiceUnavailableException (503).
    Error503,
    /// ModelTimeoutException after a wait.
    Timeout,
    /// An exception frame in the middle of a stream.
    StreamError,
    /// A stream that stops sending without closing.
    Stall,
}

impl Demo {
    /// Every demo.
    pub const ALL: [Demo; 11] = [
        Demo::Reasoning,
        Demo::Slow,
        Demo::Throttle,
        Demo::ThrottleAlways,
        Demo::AccessDenied,
        Demo::NotFound,
        Demo::Error500,
        Demo::Error503,
        Demo::Timeout,
        Demo::StreamError,
        Demo::Stall,
    ];

    /// The name inside the marker (`throttle` in `[demo:throttle]`).
    pub fn name(self) -> &'static str {
        match self {
            Demo::Reasoning => "reasoning",
            Demo::Slow => "slow",
            Demo::Throttle => "throttle",
            Demo::ThrottleAlways => "throttle-always",
            Demo::AccessDenied => "access-denied",
            Demo::NotFound => "not-found",
            Demo::Error500 => "500",
            Demo::Error503 => "503",
            Demo::Timeout => "timeout",
            Demo::StreamError => "stream-error",
            Demo::Stall => "stall",
        }
    }

    /// The demo with this name.
    pub fn from_name(name: &str) -> Option<Demo> {
        Demo::ALL.into_iter().find(|d| d.name() == name)
    }

    /// The marker text (`[demo:throttle]`).
    pub fn marker(self) -> String {
        format!("[demo:{}]", self.name())
    }

    /// A prompt carrying this marker.
    ///
    /// ```
    /// use bedrock_catalog::Demo;
    /// assert_eq!(Demo::Throttle.prompt("Status?"), "[demo:throttle] Status?");
    /// ```
    pub fn prompt(self, text: &str) -> String {
        format!("{} {text}", self.marker())
    }
}

impl fmt::Display for Demo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.marker())
    }
}
