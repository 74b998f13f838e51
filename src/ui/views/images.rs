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
    let name_w = (w / 3).clamp(16, 44);
    let mut lines = vec![Line::from(Span::styled(
        format!(
            "{} {:>9} {:>8}  {}",
            fit("image", name_w),
            "size",
            "age",
            truncate("base ⇢ runs in", w.saturating_sub(name_w + 20))
        ),
        theme.muted,
    ))];
    let skip = state.scroll as usize;
    for i in images
        .iter()
        .skip(skip)
        .take(area.height.saturating_sub(1) as usize)
    {
        let mut tags = i.name().to_string();
        if i.tags.len() > 1 {
            tags.push_str(&format!(" +{}", i.tags.len() - 1));
        }
        let age = i.created.map_or("-".to_string(), |c| ago(state.now, c));
        let base = if i.base.is_empty() {
            "?"
        } else {
            i.base.as_str()
        };
        let runs = if i.used_by.is_empty() {
            "unused".to_string()
        } else {
            i.used_by.join(", ")
        };
        let rest = w.saturating_sub(name_w + 20);
        lines.push(Line::from(vec![
            Span::styled(
                fit(&tags, name_w),
                if i.used_by.is_empty() {
                    theme.muted
                } else {
                    theme.base
                },
            ),
            Span::raw(format!(" {:>9} {:>8}  ", size(i.size_bytes), age)),
            Span::styled(truncate(&format!("{base} ⇢ {runs}"), rest), theme.muted),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), area);
}
