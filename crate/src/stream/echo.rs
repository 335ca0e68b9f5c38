//! Printing a stream as it arrives, a whole line at a time.

use std::io::Write;

use super::StreamEvent;

/// Prints text a whole line at a time: a notebook only shows complete lines, and each flushed
/// line becomes its own output message while the cell runs.
pub(super) struct LineEcho {
    enabled: bool,
    prefix: &'static str,
    pending: String,
}

impl LineEcho {
    fn new(enabled: bool, prefix: &'static str) -> Self {
        LineEcho {
            enabled,
            prefix,
            pending: String::new(),
        }
    }

    fn push(&mut self, delta: &str) {
        if !self.enabled {
            return;
        }
        self.pending.push_str(delta);
        while let Some(end) = self.pending.find('\n') {
            let line: String = self.pending.drain(..=end).collect();
            emit(&format!("{}{line}", self.prefix));
        }
    }

    fn finish(&mut self) {
        if self.enabled && !self.pending.is_empty() {
            let line = std::mem::take(&mut self.pending);
            emit(&format!("{}{line}\n", self.prefix));
        }
    }
}

/// The answer's text and its reasoning (marked 💭), each echoed on lines of its own.
pub(super) struct Echo {
    text: LineEcho,
    reasoning: LineEcho,
}

impl Echo {
    /// An echo that prints when `enabled`.
    pub(super) fn new(enabled: bool) -> Self {
        Echo {
            text: LineEcho::new(enabled, ""),
            reasoning: LineEcho::new(enabled, "💭 "),
        }
    }

    /// Prints what `event` adds; a change of kind first ends the other kind's open line.
    pub(super) fn show(&mut self, event: &StreamEvent) {
        match event {
            StreamEvent::Text { text, .. } => {
                self.reasoning.finish();
                self.text.push(text);
            }
            StreamEvent::Reasoning { text, .. } => {
                self.text.finish();
                self.reasoning.push(text);
            }
            StreamEvent::ToolStart { .. } => self.finish(),
            _ => {}
        }
    }

    /// Prints whatever is left of an open line.
    pub(super) fn finish(&mut self) {
        self.reasoning.finish();
        self.text.finish();
    }
}

pub(super) fn emit(line: &str) {
    let mut out = std::io::stdout().lock();
    // Output is a convenience: a closed stdout must not fail the call.
    let _ = out.write_all(line.as_bytes());
    let _ = out.flush();
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests state expectations
mod tests {
    use super::*;

    #[test]
    fn echo_keeps_partial_lines_until_the_newline() {
        let mut echo = LineEcho::new(true, "");
        echo.push("hel");
        assert_eq!(echo.pending, "hel");
        echo.push("lo\nwor");
        assert_eq!(echo.pending, "wor");
        echo.finish();
        assert!(echo.pending.is_empty());
    }

    #[test]
    fn a_disabled_echo_keeps_nothing() {
        let mut echo = LineEcho::new(false, "");
        echo.push("hello\nworld");
        assert!(echo.pending.is_empty());
    }
}
