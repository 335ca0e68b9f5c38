//! A horizontal SVG bar chart, self-contained so it renders inside any HTML output.

use super::escape_html;

const BAR_HEIGHT: usize = 22;
const GAP: usize = 6;
const LABEL_WIDTH: usize = 210;
const BAR_WIDTH: usize = 360;
const VALUE_WIDTH: usize = 90;

/// An SVG chart with one horizontal bar per `(label, value)`; `None` marks a failed entry.
///
/// ```
/// let svg = bedrock_kit::display::bar_chart_svg("latency", "ms", &[("Nova".into(), Some(120.0))]);
/// assert!(svg.starts_with("<svg"));
/// ```
pub fn bar_chart_svg(title: &str, unit: &str, bars: &[(String, Option<f64>)]) -> String {
    bar_chart_svg_with(title, bars, |v| format!("{v:.0} {unit}"))
}

/// [`bar_chart_svg`] with each value written by `value_label` (for amounts a whole unit would hide,
/// such as fractions of a cent).
///
/// ```
/// let svg = bedrock_kit::display::bar_chart_svg_with("cost", &[("Nova".into(), Some(0.004))], |v| format!("${v:.3}"));
/// assert!(svg.contains("$0.004"));
/// ```
pub fn bar_chart_svg_with(
    title: &str,
    bars: &[(String, Option<f64>)],
    value_label: impl Fn(f64) -> String,
) -> String {
    let max = bars
        .iter()
        .filter_map(|(_, v)| *v)
        .filter(|v| v.is_finite())
        .fold(0.0_f64, f64::max);
    let width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH;
    let height = 28 + bars.len() * (BAR_HEIGHT + GAP);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"13\">\
         <text x=\"0\" y=\"16\" font-weight=\"bold\">{}</text>",
        escape_html(title)
    );
    for (index, (label, value)) in bars.iter().enumerate() {
        let y = 28 + index * (BAR_HEIGHT + GAP);
        let text_y = y + BAR_HEIGHT / 2 + 5;
        svg.push_str(&format!(
            "<text x=\"{}\" y=\"{text_y}\" text-anchor=\"end\">{}</text>",
            LABEL_WIDTH - 8,
            escape_html(label)
        ));
        match value {
            Some(v) if v.is_finite() && max > 0.0 => {
                // At least one pixel, so a very fast model still shows a bar.
                let length = ((v / max) * BAR_WIDTH as f64).round().max(1.0) as usize;
                svg.push_str(&format!(
                    "<rect x=\"{LABEL_WIDTH}\" y=\"{y}\" width=\"{length}\" height=\"{BAR_HEIGHT}\" fill=\"#4e79a7\"/>\
                     <text x=\"{}\" y=\"{text_y}\">{}</text>",
                    LABEL_WIDTH + length + 6,
                    escape_html(&value_label(*v))
                ));
            }
            Some(v) => svg.push_str(&format!(
                "<text x=\"{LABEL_WIDTH}\" y=\"{text_y}\">{}</text>",
                escape_html(&value_label(*v))
            )),
            None => svg.push_str(&format!(
                "<text x=\"{LABEL_WIDTH}\" y=\"{text_y}\" fill=\"#b22222\">failed</text>"
            )),
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests state expectations
mod tests {
    use super::*;

    #[test]
    fn the_slowest_entry_gets_the_full_bar_and_failures_are_marked() {
        let svg = bar_chart_svg(
            "latency",
            "ms",
            &[
                ("a".into(), Some(100.0)),
                ("b<c".into(), Some(50.0)),
                ("d".into(), None),
            ],
        );
        assert!(svg.contains(&format!("width=\"{BAR_WIDTH}\"")), "{svg}");
        assert!(
            svg.contains(&format!("width=\"{}\"", BAR_WIDTH / 2)),
            "{svg}"
        );
        assert!(svg.contains("b&lt;c"), "{svg}");
        assert!(svg.contains(">failed<"), "{svg}");
    }
}
