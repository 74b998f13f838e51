//! Images: tag, size, age, base image (lineage) and the environments running each; from
//! the engine's list on Docker, else the images the services reference.

use crate::app::state::State;
use crate::domain::image::{ImageInfo, from_snapshot};
use crate::ui::theme::Theme;
use crate::ui::widgets::{ago, fit, truncate};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

fn size(bytes: Option<u64>) -> String {
    match bytes {
        None => "-".into(),
        Some(b) if b >= 1_000_000_000 => format!("{:.1} GB", b as f64 / 1e9),
        Some(b) if b >= 1_000_000 => format!("{:.1} MB", b as f64 / 1e6),
        Some(b) => format!("{:.0} kB", b as f64 / 1e3),
    }
}

/// A reference without its registry and repository path when space is short (where it
/// runs says which product line it is).
fn short(reference: &str, narrow: bool) -> String {
    if narrow {
        reference
            .rsplit('/')
            .next()
            .unwrap_or(reference)
            .to_string()
    } else {
        reference.to_string()
    }
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let derived;
    let images: &[ImageInfo] = match &state.images {
        Some(list) => list,
        None => {
            derived = from_snapshot(&state.snapshot);
            &derived
        }
    };
    if images.is_empty() {
        return super::placeholder(frame, area, theme, "no images");
    }
    let w = area.width as usize;
    let narrow = w < 140;
    // Size and age only where the platform knows them (an engine's image list).
    let engine = images.iter().any(|i| i.size_bytes.is_some());
    let columns = if engine { 21 } else { 1 };
    // As wide as the longest name needs, within limits, so that where each image runs
    // gets the rest.
    let longest = images
        .iter()
        .map(|i| short(i.name(), narrow).chars().count() + 4)
        .max()
        .unwrap_or(16);
    let name_w = (w * 2 / 5)
        .clamp(16, 56)
        .max(w.saturating_sub(columns + 30).min(40))
        .min(longest.max(16));
    let mut lines = vec![Line::from(Span::styled(
        if engine {
            format!(
                "{} {:>9} {:>8}  {}",
                fit("image", name_w),
                "size",
                "age",
                truncate("base ⇢ runs in", w.saturating_sub(name_w + columns))
            )
        } else {
            format!(
                "{} {}",
                fit("image", name_w),
                truncate("base ⇢ runs in", w.saturating_sub(name_w + columns))
            )
        },
        theme.muted,
    ))];
    let skip = state.scroll as usize;
    for i in images
        .iter()
        .skip(skip)
        .take(area.height.saturating_sub(1) as usize)
    {
        let mut tags = short(i.name(), narrow);
        if i.tags.len() > 1 {
            tags.push_str(&format!(" +{}", i.tags.len() - 1));
        }
        let age = i.created.map_or("-".to_string(), |c| ago(state.now, c));
        let base = if i.base.is_empty() {
            "?".to_string()
        } else {
            short(&i.base, narrow)
        };
        let runs = if i.used_by.is_empty() {
            "unused".to_string()
        } else {
            i.used_by.join(", ")
        };
        let rest = w.saturating_sub(name_w + columns);
        let middle = if engine {
            format!(" {:>9} {:>8}  ", size(i.size_bytes), age)
        } else {
            " ".to_string()
        };
        lines.push(Line::from(vec![
            Span::styled(
                fit(&tags, name_w),
                if i.used_by.is_empty() {
                    theme.muted
                } else {
                    theme.base
                },
            ),
            Span::raw(middle),
            Span::styled(truncate(&format!("{base} ⇢ {runs}"), rest), theme.muted),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), area);
}
