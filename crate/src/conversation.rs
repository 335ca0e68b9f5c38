//! A multi-turn conversation: history, system prompt, model and settings, shown as a transcript.

use std::fmt;

use crate::display::{escape_html, markdown_to_html, print_evcxr_html};
use crate::message::{Block, Message, Role};
use crate::request::Request;

/// A conversation history that [`Bedrock::chat`](crate::Bedrock::chat) sends and extends.
///
/// ```no_run
/// # fn main() -> bedrock_kit::Result<()> {
/// use bedrock_kit::{Bedrock, Conversation};
/// let bedrock = Bedrock::local()?;
/// let mut conversation = Conversation::new()
///     .model("Amazon Nova Micro")
///     .system("You answer in one paragraph.")
///     .user("Summarise the water cycle.");
/// bedrock.chat(&mut conversation)?;
/// conversation.push_user("Make it one sentence.");
/// let shorter = bedrock.chat(&mut conversation)?;
/// # let _ = shorter; Ok(()) }
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Conversation {
    /// The model to talk to (display name or id).
    pub model: Option<String>,
    /// The system prompt.
    pub system_prompt: Option<String>,
    /// The turns so far.
    pub messages: Vec<Message>,
    /// Inference settings applied to every turn (temperature, topP, max tokens).
    pub(crate) settings: Request,
}

impl Conversation {
    /// An empty conversation.
    pub fn new() -> Self {
        Conversation::default()
    }

    /// Sets the model (display name or id).
    pub fn model(mut self, model: &str) -> Self {
        self.model = Some(model.to_string());
        self
    }

    /// Sets the system prompt.
    pub fn system(mut self, system: &str) -> Self {
        self.system_prompt = Some(system.to_string());
        self
    }

    /// Adds a user turn.
    pub fn user(mut self, text: &str) -> Self {
        self.push_user(text);
        self
    }

    /// Adds an assistant turn.
    pub fn assistant(mut self, text: &str) -> Self {
        self.push_assistant(text);
        self
    }

    /// Sets the temperature for every turn.
    pub fn temperature(mut self, temperature: f32) -> Self {
        self.settings.temperature = Some(temperature);
        self
    }

    /// Sets topP for every turn.
    pub fn top_p(mut self, top_p: f32) -> Self {
        self.settings.top_p = Some(top_p);
        self
    }

    /// Sets the output token limit for every turn.
    pub fn max_tokens(mut self, max_tokens: u32) -> Self {
        self.settings.max_tokens = Some(max_tokens);
        self
    }

    /// Adds a user turn in place.
    pub fn push_user(&mut self, text: &str) {
        self.messages.push(Message::user(text));
    }

    /// Adds an assistant turn in place.
    pub fn push_assistant(&mut self, text: &str) {
        self.messages.push(Message::assistant(text));
    }

    /// Adds any message in place.
    pub fn push(&mut self, message: Message) {
        self.messages.push(message);
    }

    /// The text of the last assistant turn.
    pub fn last_answer(&self) -> Option<String> {
        self.messages
            .iter()
            .rev()
            .find(|m| m.role == Role::Assistant)
            .map(Message::text)
    }

    /// The number of turns.
    pub fn len(&self) -> usize {
        self.messages.len()
    }

    /// Whether there are no turns yet.
    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }

    /// The history as HTML, one labelled block per turn.
    pub fn to_html(&self) -> String {
        let mut html = String::from("<div class=\"bedrock-conversation\">");
        if let Some(model) = &self.model {
            html.push_str(&format!(
                "<p><b>model</b> <code>{}</code></p>",
                escape_html(model)
            ));
        }
        if let Some(system) = &self.system_prompt {
            html.push_str(&format!(
                "<p><b>system</b>: <em>{}</em></p>",
                escape_html(system)
            ));
        }
        for message in &self.messages {
            let (label, colour) = match message.role {
                Role::User => ("🧑 user", "#eef4ff"),
                Role::Assistant => ("🤖 assistant", "#f4f4f4"),
            };
            html.push_str(&format!(
                "<div style=\"background:{colour};padding:4px 10px;margin:4px 0;border-radius:6px\"><b>{label}</b>{}</div>",
                blocks_html(&message.content)
            ));
        }
        html.push_str("</div>");
        html
    }

    /// Shows the history in a notebook.
    pub fn evcxr_display(&self) {
        print_evcxr_html(&self.to_html());
    }
}

/// Content blocks as HTML: text through Markdown, tool traffic as code.
fn blocks_html(blocks: &[Block]) -> String {
    blocks
        .iter()
        .map(|block| match block {
            Block::Text(text) => markdown_to_html(text),
            Block::Reasoning { text, .. } => format!(
                "<details><summary>reasoning</summary><pre>{}</pre></details>",
                escape_html(text)
            ),
            Block::ToolUse(tool) => format!(
                "<p>🔧 <code>{}({})</code></p>",
                escape_html(&tool.name),
                escape_html(&tool.input.to_string())
            ),
            Block::ToolResult(result) => format!(
                "<p>↩ result{}: <code>{}</code></p>",
                if result.status == Some(crate::message::ToolStatus::Error) {
                    " (error)"
                } else {
                    ""
                },
                escape_html(&result.content.to_string())
            ),
            Block::GuardContent(text) => format!("<p>🛡 {}</p>", escape_html(text)),
            Block::CachePoint(ttl) => format!(
                "<p style=\"color:#666\">⏸ cache point ({})</p>",
                ttl.as_str()
            ),
        })
        .collect()
}

impl fmt::Display for Conversation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(system) = &self.system_prompt {
            writeln!(f, "system: {system}")?;
        }
        for message in &self.messages {
            for block in &message.content {
                let role = message.role.as_str();
                match block {
                    Block::Text(text) => writeln!(f, "{role}: {text}")?,
                    Block::Reasoning { text, .. } => writeln!(f, "{role} (reasoning): {text}")?,
                    Block::ToolUse(tool) => writeln!(f, "{role} → {}({})", tool.name, tool.input)?,
                    Block::ToolResult(result) => writeln!(f, "{role} ← {}", result.content)?,
                    Block::CachePoint(ttl) => writeln!(f, "{role} [cache point {}]", ttl.as_str())?,
                    Block::GuardContent(text) => writeln!(f, "{role} (guarded): {text}")?,
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests state expectations
mod tests {
    use super::*;

    #[test]
    fn builder_and_in_place_turns_keep_order() {
        let mut conversation = Conversation::new().system("s").user("a").assistant("b");
        conversation.push_user("c");
        let roles: Vec<Role> = conversation.messages.iter().map(|m| m.role).collect();
        assert_eq!(roles, vec![Role::User, Role::Assistant, Role::User]);
        assert_eq!(conversation.last_answer().as_deref(), Some("b"));
        assert_eq!(
            conversation.to_string(),
            "system: s\nuser: a\nassistant: b\nuser: c\n"
        );
    }

    #[test]
    fn html_labels_each_turn() {
        let html = Conversation::new()
            .user("hi <there>")
            .assistant("**yes**")
            .to_html();
        assert!(html.contains("🧑 user"));
        assert!(html.contains("hi &lt;there&gt;"), "{html}");
        assert!(html.contains("<strong>yes</strong>"), "{html}");
    }

    #[test]
    fn request_from_conversation_carries_settings() {
        let conversation = Conversation::new().system("s").user("a").temperature(0.2);
        let request = Request::from_conversation(&conversation);
        assert_eq!(request.temperature, Some(0.2));
        assert_eq!(request.system.as_deref(), Some("s"));
        assert_eq!(request.messages.len(), 1);
    }
}
