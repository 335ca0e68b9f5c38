//! Markdown → HTML with comrak, and the block evcxr turns into rich output.

use std::sync::OnceLock;

use comrak::options::Plugins;
use comrak::plugins::syntect::SyntectAdapter;
use comrak::{Options, markdown_to_html_with_plugins};

/// A light theme that ships with syntect's defaults (a missing theme would make syntect panic).
const THEME: &str = "InspiredGitHub";

/// The highlighter is costly to build (it loads every syntax), so each compiled copy of the
/// crate builds it once.
fn highlighter() -> &'static SyntectAdapter {
    static ADAPTER: OnceLock<SyntectAdapter> = OnceLock::new();
    ADAPTER.get_or_init(|| SyntectAdapter::new(Some(THEME)))
}

/// Markdown (GFM tables, strikethrough, autolinks, task lists) to HTML, code blocks highlighted.
///
/// Raw HTML inside the Markdown is escaped (shown as text), so model output cannot inject markup.
///
/// ```
/// let html = bedrock_kit::display::markdown_to_html("| a |\n|---|\n| 1 |");
/// assert!(html.contains("<table>"));
/// ```
pub fn markdown_to_html(markdown: &str) -> String {
    let mut options = Options::default();
    options.extension.table = true;
    options.extension.strikethrough = true;
    options.extension.autolink = true;
    options.extension.tasklist = true;
    // Raw HTML is shown as text, not dropped: model prose like `Vec<String>` outside backticks
    // must stay visible, and nothing a model writes can inject markup.
    options.render.escape = true;
    let mut plugins = Plugins::default();
    plugins.render.codefence_syntax_highlighter = Some(highlighter());
    markdown_to_html_with_plugins(markdown, &options, &plugins)
}

/// The text evcxr reads from stdout to show `html` as rich output.
///
/// ```
/// let block = bedrock_kit::display::evcxr_block("<b>hi</b>");
/// assert_eq!(block, "EVCXR_BEGIN_CONTENT text/html\n<b>hi</b>\nEVCXR_END_CONTENT\n");
/// ```
pub fn evcxr_block(html: &str) -> String {
    format!("EVCXR_BEGIN_CONTENT text/html\n{html}\nEVCXR_END_CONTENT\n")
}

/// Prints an evcxr HTML block in one write so no other output lands inside it.
pub(crate) fn print_evcxr_html(html: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    // A closed stdout leaves nothing to show the block on, so the error is dropped.
    let _ = out.write_all(evcxr_block(html).as_bytes());
    let _ = out.flush();
}

/// Escapes text for HTML element content and attribute values.
pub(crate) fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests state expectations
mod tests {
    use super::*;

    #[test]
    fn tables_render_as_html_tables() {
        let html = markdown_to_html("| model | ms |\n|---|---:|\n| Nova | 12 |\n");
        assert!(html.contains("<table>"), "{html}");
        assert!(html.contains("<td align=\"right\">12</td>"), "{html}");
    }

    #[test]
    fn rust_code_blocks_are_highlighted() {
        let html = markdown_to_html("```rust\nfn main() {}\n```\n");
        assert!(html.contains("<pre"), "{html}");
        assert!(html.contains("style=\"color:"), "{html}");
    }

    #[test]
    fn raw_html_from_a_model_is_not_passed_through() {
        let html = markdown_to_html("<script>alert(1)</script> and Vec<String>");
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("Vec&lt;String&gt;"), "{html}");
    }

    #[test]
    fn escaping_covers_markup_characters() {
        assert_eq!(
            escape_html("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
