//! Area charts in text: one column per second, the newest on the right.

/// The rows (top first) of an area chart of `values`, `width` columns by `rows` rows,
/// scaled so that `top` fills the chart. Columns before the series began are blank,
/// except on the row that holds `line` (a capacity, say), drawn as ─ across the chart.
pub fn area_rows(
    values: &[f64],
    width: usize,
    rows: usize,
    top: f64,
    line: Option<f64>,
) -> Vec<String> {
    let start = values.len().saturating_sub(width);
    let shown = &values[start..];
    let pad = width - shown.len();
    let top = if top > 0.0 { top } else { 1.0 };
    (0..rows)
        .map(|row| {
            let upper = top * (rows - row) as f64 / rows as f64;
            let lower = top * (rows - row - 1) as f64 / rows as f64;
            let on_line = line.is_some_and(|l| l <= upper && l > lower);
            let empty = if on_line { '─' } else { ' ' };
            std::iter::repeat_n(empty, pad)
                .chain(shown.iter().map(|v| {
                    if *v >= upper {
                        '█'
                    } else if *v > lower {
                        '▄'
                    } else {
                        empty
                    }
                }))
                .collect()
        })
        .collect()
}

/// Which of [`area_rows`]' rows holds `line` (None when it is above the chart).
pub fn line_row(rows: usize, top: f64, line: f64) -> Option<usize> {
    let top = if top > 0.0 { top } else { 1.0 };
    (0..rows).find(|&row| {
        let upper = top * (rows - row) as f64 / rows as f64;
        let lower = top * (rows - row - 1) as f64 / rows as f64;
        line <= upper && line > lower
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_fills_to_each_value_with_the_newest_on_the_right() {
        let rows = area_rows(&[1.0, 2.0], 4, 2, 2.0, None);
        assert_eq!(rows, vec!["   █".to_string(), "  ██".to_string()]);
    }

    #[test]
    fn the_line_crosses_columns_before_the_series_began() {
        let rows = area_rows(&[0.5], 3, 2, 2.0, Some(1.5));
        assert_eq!(rows[0], "───");
        assert_eq!(rows[1], "  ▄");
        assert_eq!(line_row(2, 2.0, 1.5), Some(0));
        assert_eq!(line_row(2, 2.0, 3.0), None);
    }
}
