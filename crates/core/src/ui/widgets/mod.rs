//! Small drawing helpers shared by the views.

pub mod chart;
pub mod graph;

use ratatui::layout::Rect;

/// A text input as typed: the text with the cursor (▏) where it is; a pre-filled value
/// that typing will replace is shown selected. `width` keeps the cursor in sight (the
/// start of a long text gives way).
pub fn input_spans(
    input: &crate::app::text_input::TextInput,
    style: ratatui::style::Style,
    selected: ratatui::style::Style,
    width: usize,
) -> Vec<ratatui::text::Span<'static>> {
    use ratatui::text::Span;
    let (before, after) = input.split();
    let room = width.saturating_sub(1);
    let shown_before: String = if before.chars().count() > room {
        let skip = before.chars().count() - room;
        before.chars().skip(skip).collect()
    } else {
        before.to_string()
    };
    let left = room.saturating_sub(shown_before.chars().count());
    let shown_after: String = after.chars().take(left).collect();
    let text_style = if input.is_selected() { selected } else { style };
    vec![
        Span::styled(shown_before, text_style),
        Span::styled("▏", style),
        Span::styled(shown_after, text_style),
    ]
}

/// A one-line prompt: its mark (`> `, `: `) in the key colour, then the input as typed.
pub fn prompt_line(
    mark: &'static str,
    input: &crate::app::text_input::TextInput,
    theme: &crate::ui::theme::Theme,
    width: usize,
) -> ratatui::text::Line<'static> {
    let mut spans = vec![ratatui::text::Span::styled(mark, theme.key)];
    spans.extend(input_spans(
        input,
        theme.base,
        theme.selected,
        width.saturating_sub(mark.chars().count()),
    ));
    ratatui::text::Line::from(spans)
}

/// Cuts text to `width` columns, ending with '…' when cut.
pub fn truncate(text: &str, width: usize) -> String {
    let count = text.chars().count();
    if count <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut s: String = text.chars().take(width - 1).collect();
    s.push('…');
    s
}

/// Left-pads or cuts to exactly `width` columns.
pub fn fit(text: &str, width: usize) -> String {
    let t = truncate(text, width);
    format!("{t:<width$}")
}

pub fn rps(value: f64) -> String {
    // An empty sum of floats is -0.0; it reads as 0.
    let value = value + 0.0;
    if value >= 10_000.0 {
        format!("{:.1}k", value / 1000.0)
    } else if value >= 100.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}

pub fn percent(ratio: f64) -> String {
    if !ratio.is_finite() {
        return "∞".into();
    }
    let p = ratio * 100.0 + 0.0;
    if p >= 10.0 {
        format!("{p:.0}%")
    } else {
        format!("{p:.1}%")
    }
}

/// A text bar of `width` cells filled to `ratio` (over 1 shown full).
pub fn bar(ratio: f64, width: usize) -> String {
    let r = if ratio.is_finite() {
        ratio.clamp(0.0, 1.0)
    } else {
        1.0
    };
    let full = (r * width as f64).round() as usize;
    format!(
        "{}{}",
        "█".repeat(full),
        "░".repeat(width.saturating_sub(full))
    )
}

const SPARK: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// A one-line sparkline of the newest `width` values scaled to `max`.
pub fn sparkline(values: &[f64], width: usize, max: f64) -> String {
    let start = values.len().saturating_sub(width);
    values[start..]
        .iter()
        .map(|v| {
            if max <= 0.0 {
                SPARK[0]
            } else {
                let i = ((v / max) * 7.0).round().clamp(0.0, 7.0) as usize;
                SPARK[i]
            }
        })
        .collect()
}

/// "3m ago", "2h ago", "4d ago".
pub fn ago(now: i64, then: i64) -> String {
    let d = (now - then).max(0);
    if d < 60 {
        format!("{d}s ago")
    } else if d < 3600 {
        format!("{}m ago", d / 60)
    } else if d < 86_400 {
        format!("{}h ago", d / 3600)
    } else {
        format!("{}d ago", d / 86_400)
    }
}

/// UTC date and time of unix seconds.
pub fn datetime(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|| "?".into())
}

pub fn clock(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .map(|t| t.format("%H:%M UTC").to_string())
        .unwrap_or_default()
}

/// A rectangle of at most `w`×`h` centered in `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(fit("ab", 4), "ab  ");
        assert_eq!(bar(0.5, 4), "██░░");
        assert_eq!(bar(f64::INFINITY, 2), "██");
        assert_eq!(sparkline(&[0.0, 1.0], 5, 1.0), "▁█");
        assert_eq!(ago(100, 40), "1m ago");
        assert_eq!(percent(0.004), "0.4%");
        assert_eq!(rps(12345.0), "12.3k");
    }
}

#[cfg(test)]
mod zero_tests {
    #[test]
    fn negative_zero_reads_as_zero() {
        let empty: f64 = Vec::<f64>::new().into_iter().sum();
        assert_eq!(super::rps(empty), "0.0");
        assert_eq!(super::percent(empty), "0.0%");
    }
}
