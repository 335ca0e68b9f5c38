//! What a handle's response cache has done, for a terminal and a notebook.

use std::fmt;

use crate::display::{MarkdownTable, cell, markdown_to_html, print_evcxr_html};

/// What the cache has done for a handle: hits, misses, and the tokens and seconds they saved.
///
/// ```
/// let stats = bedrock_kit::CacheStats { hits: 3, misses: 1, tokens_saved: 1200, ..Default::default() };
/// assert_eq!(stats.hit_rate(), Some(0.75));
/// assert!(stats.to_string().contains("hits 3 · misses 1"));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CacheStats {
    /// Lookups answered from the cache.
    pub hits: u64,
    /// Lookups that found nothing fresh, so the call was made.
    pub misses: u64,
    /// Calls the cache did not look up or keep: sampled requests (temperature above 0 or the
    /// model's default) without `cache_sampled`, and cut-off answers (no stop reason). Errors
    /// never reach the cache.
    pub skipped: u64,
    /// Tokens of the replies served from the cache (input, output, prompt-cache reads and writes).
    pub tokens_saved: u64,
    /// The original latency of the replies served from the cache, added up.
    pub seconds_saved: f64,
    /// Replies kept now.
    pub entries: usize,
    /// Bytes of the replies kept (serialised JSON; a disk file is somewhat larger).
    pub bytes: u64,
    /// `memory`, or the path of the cache file.
    pub location: String,
}

impl CacheStats {
    /// Hits out of lookups, `None` before the first lookup.
    pub fn hit_rate(&self) -> Option<f64> {
        let lookups = self.hits + self.misses;
        (lookups > 0).then(|| self.hits as f64 / lookups as f64)
    }

    fn hit_rate_text(&self) -> String {
        self.hit_rate()
            .map_or_else(|| "–".to_string(), |rate| format!("{:.0}%", rate * 100.0))
    }

    /// The figures as a GFM table under a heading.
    pub fn to_markdown(&self) -> String {
        let mut table = MarkdownTable::new(&[
            ">hits",
            ">misses",
            ">skipped",
            ">hit rate",
            ">tokens saved",
            ">seconds saved",
            ">entries",
            ">size",
        ]);
        table.row(vec![
            self.hits.to_string(),
            self.misses.to_string(),
            self.skipped.to_string(),
            self.hit_rate_text(),
            self.tokens_saved.to_string(),
            format!("{:.1}", self.seconds_saved),
            self.entries.to_string(),
            human_bytes(self.bytes),
        ]);
        format!(
            "**Response cache** ({})\n\n{}",
            cell(&self.location),
            table.render()
        )
    }

    /// The figures as an HTML table.
    pub fn to_html(&self) -> String {
        markdown_to_html(&self.to_markdown())
    }

    /// Shows the figures in a notebook.
    pub fn evcxr_display(&self) {
        print_evcxr_html(&self.to_html());
    }
}

impl fmt::Display for CacheStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Response cache ({}): hits {} · misses {} · skipped {} · hit rate {}",
            self.location,
            self.hits,
            self.misses,
            self.skipped,
            self.hit_rate_text()
        )?;
        write!(
            f,
            "saved {} tokens and {:.1} s of calls · entries {} · size {}",
            self.tokens_saved,
            self.seconds_saved,
            self.entries,
            human_bytes(self.bytes)
        )
    }
}

/// Bytes in the largest unit that keeps a number of at least 1.
fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests state expectations
mod tests {
    use super::*;

    fn sample() -> CacheStats {
        CacheStats {
            hits: 3,
            misses: 1,
            skipped: 2,
            tokens_saved: 1234,
            seconds_saved: 4.56,
            entries: 4,
            bytes: 5 * 1024 + 512,
            location: "/tmp/a|b/responses.redb".into(),
        }
    }

    #[test]
    fn terminal_text_has_every_figure() {
        let text = sample().to_string();
        assert_eq!(
            text,
            "Response cache (/tmp/a|b/responses.redb): hits 3 · misses 1 · skipped 2 · hit rate 75%\n\
             saved 1234 tokens and 4.6 s of calls · entries 4 · size 5.5 KiB"
        );
    }

    #[test]
    fn html_is_a_table_of_every_figure() {
        let html = sample().to_html();
        assert!(html.contains("<strong>Response cache</strong>"), "{html}");
        assert!(html.contains("/tmp/a|b/responses.redb"), "{html}");
        assert!(html.contains("<table>"), "{html}");
        for header in [
            "hits",
            "misses",
            "skipped",
            "hit rate",
            "tokens saved",
            "seconds saved",
            "entries",
            "size",
        ] {
            assert!(
                html.contains(&format!(">{header}</th>")),
                "{header}: {html}"
            );
        }
        for figure in ["3", "1", "2", "75%", "1234", "4.6", "4", "5.5 KiB"] {
            assert!(
                html.contains(&format!(">{figure}</td>")),
                "{figure}: {html}"
            );
        }
    }

    #[test]
    fn before_any_lookup_the_hit_rate_is_a_dash() {
        let stats = CacheStats {
            location: "memory".into(),
            ..CacheStats::default()
        };
        assert_eq!(stats.hit_rate(), None);
        assert!(stats.to_string().contains("hit rate –"));
        assert!(stats.to_string().contains("entries 0 · size 0 B"));
    }

    #[test]
    fn sizes_use_binary_units() {
        assert_eq!(human_bytes(1023), "1023 B");
        assert_eq!(human_bytes(1024), "1.0 KiB");
        assert_eq!(human_bytes(3 * 1024 * 1024), "3.0 MiB");
    }
}
