//! Rendering for notebooks (HTML through `evcxr_display`) and terminals (`Display`).
//!
//! Every displayable type builds Markdown once; terminals print it as is and notebooks get it
//! as HTML through comrak (GFM tables, highlighted code blocks).

mod chart;
mod html;
mod table;

pub use chart::{bar_chart_svg, bar_chart_svg_with};
pub(crate) use html::{escape_html, print_evcxr_html};
pub use html::{evcxr_block, markdown_to_html};
pub(crate) use table::{MarkdownTable, cell};
