//! GFM Markdown tables, the shape every tabular value renders through.

/// A Markdown table under construction.
#[derive(Debug, Clone, Default)]
pub(crate) struct MarkdownTable {
    header: Vec<String>,
    right_aligned: Vec<bool>,
    rows: Vec<Vec<String>>,
}

impl MarkdownTable {
    /// A table with these column titles; a title starting with `>` is right-aligned.
    pub fn new(columns: &[&str]) -> Self {
        MarkdownTable {
            header: columns
                .iter()
                .map(|c| c.trim_start_matches('>').to_string())
                .collect(),
            right_aligned: columns.iter().map(|c| c.starts_with('>')).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row of already escaped cells.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// The table as GFM Markdown.
    pub fn render(&self) -> String {
        let mut out = format!("| {} |\n|", self.header.join(" | "));
        for right in &self.right_aligned {
            out.push_str(if *right { "---:|" } else { "---|" });
        }
        out.push('\n');
        for row in &self.rows {
            out.push_str(&format!("| {} |\n", row.join(" | ")));
        }
        out
    }
}

/// Text made safe for one table cell: pipes escaped, line breaks flattened.
pub(crate) fn cell(text: &str) -> String {
    text.replace('|', "\\|")
        .replace("\r\n", " ")
        .replace('\n', " ")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests state expectations
mod tests {
    use super::*;

    #[test]
    fn cells_with_pipes_and_newlines_stay_in_their_column() {
        let mut table = MarkdownTable::new(&["a", ">b"]);
        table.row(vec![cell("x|y"), cell("1\n2")]);
        assert_eq!(table.render(), "| a | b |\n|---|---:|\n| x\\|y | 1 2 |\n");
    }
}
