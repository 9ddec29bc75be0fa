//! Geometry for server-rendered SVG bar charts (`templates/reports/charts.html`).
//! Everything is integer SVG user units in a fixed viewBox that the browser
//! scales; values stay integers (thousandths, cents, counts) and are scaled
//! with integer arithmetic. Colours come from CSS classes (the CSP forbids
//! inline styles), labels from a formatter the caller passes. The value
//! axis ends at [`nice_axis_max`] of the data.

use crate::domain::axis::{axis_ticks, nice_axis_max};

/// One bar, ready to draw.
#[derive(Debug, Clone)]
pub struct Bar {
    pub x: i64,
    pub y: i64,
    pub w: i64,
    pub h: i64,
    /// Axis label (may be empty when labels are thinned out).
    pub label: String,
    /// Full label for the tooltip and screen readers.
    pub title: String,
    pub value: String,
    /// Where the value text goes (horizontal charts).
    pub value_x: i64,
    pub label_x: i64,
    pub label_y: i64,
}

/// A horizontal grid line with its value label.
#[derive(Debug, Clone)]
pub struct Tick {
    pub y: i64,
    pub x: i64,
    pub label: String,
}

/// A vertical or horizontal bar chart.
#[derive(Debug, Clone)]
pub struct BarChart {
    pub id: String,
    pub title: String,
    pub description: String,
    pub width: i64,
    pub height: i64,
    pub plot_left: i64,
    pub plot_right: i64,
    pub plot_top: i64,
    pub plot_bottom: i64,
    pub bars: Vec<Bar>,
    pub ticks: Vec<Tick>,
    pub horizontal: bool,
    pub empty: bool,
    /// What an empty chart says instead of an axis ("No usage in this period").
    pub empty_text: String,
}

/// What an empty chart says unless the caller says otherwise.
pub const NO_USAGE: &str = "No usage in this period";

impl BarChart {
    /// The text an empty chart shows in place of its axis and bars.
    pub fn saying_when_empty(mut self, text: &str) -> BarChart {
        self.empty_text = text.into();
        self
    }
}

/// A column chart: one bar per (label, value), left to right.
pub fn columns(
    id: &str,
    title: &str,
    description: &str,
    data: &[(String, i64)],
    fmt: &dyn Fn(i64) -> String,
) -> BarChart {
    let (width, height) = (640, 240);
    let (left, right, top, bottom) = (64, 628, 12, 200);
    let empty = data.iter().all(|(_, v)| *v <= 0);
    let tick_values = axis_ticks(data.iter().map(|(_, v)| *v).max().unwrap_or(0));
    let top_value = nice_axis_max(data.iter().map(|(_, v)| *v).max().unwrap_or(0));
    let plot_h = bottom - top;
    let n = i64::try_from(data.len()).unwrap_or(1).max(1);
    let slot = ((right - left) / n).max(1);
    let bar_w = (slot * 7 / 10).max(1);
    // Thin labels out so that they never overlap (about 44 units each).
    let every = usize::try_from((44 + slot - 1) / slot).unwrap_or(1).max(1);
    let bars = data
        .iter()
        .enumerate()
        .map(|(i, (label, value))| {
            let v = (*value).max(0);
            let h = scale(v, top_value, plot_h);
            let x = left + i64::try_from(i).unwrap_or(0) * slot + (slot - bar_w) / 2;
            Bar {
                x,
                y: bottom - h,
                w: bar_w,
                h,
                label: if i % every == 0 {
                    label.clone()
                } else {
                    String::new()
                },
                title: format!("{label}: {}", fmt(*value)),
                value: fmt(*value),
                value_x: 0,
                label_x: x + bar_w / 2,
                label_y: bottom + 16,
            }
        })
        .collect();
    // An empty chart draws no axis (a "0.01" scale means nothing): it says so.
    let ticks = if empty {
        Vec::new()
    } else {
        tick_values
            .into_iter()
            .map(|v| Tick {
                y: bottom - scale(v, top_value, plot_h),
                x: left - 6,
                label: fmt(v),
            })
            .collect()
    };
    BarChart {
        id: id.into(),
        title: title.into(),
        description: description.into(),
        width,
        height,
        plot_left: left,
        plot_right: right,
        plot_top: top,
        plot_bottom: bottom,
        bars,
        ticks,
        horizontal: false,
        empty,
        empty_text: NO_USAGE.into(),
    }
}

/// A horizontal bar chart: one row per (label, value), top to bottom.
pub fn rows(
    id: &str,
    title: &str,
    description: &str,
    data: &[(String, i64)],
    fmt: &dyn Fn(i64) -> String,
) -> BarChart {
    let row_h = 26;
    let (left, right, top) = (96, 560, 8);
    let n = i64::try_from(data.len()).unwrap_or(0);
    let bottom = top + n.max(1) * row_h;
    let max = data.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
    let bars = data
        .iter()
        .enumerate()
        .map(|(i, (label, value))| {
            let w = scale((*value).max(0), max, right - left);
            let y = top + i64::try_from(i).unwrap_or(0) * row_h;
            Bar {
                x: left,
                y: y + 4,
                w,
                h: row_h - 8,
                label: label.clone(),
                title: format!("{label}: {}", fmt(*value)),
                value: fmt(*value),
                value_x: left + w + 6,
                label_x: left - 8,
                label_y: y + row_h / 2 + 5,
            }
        })
        .collect();
    BarChart {
        id: id.into(),
        title: title.into(),
        description: description.into(),
        width: 640,
        height: bottom + 8,
        plot_left: left,
        plot_right: right,
        plot_top: top,
        plot_bottom: bottom,
        bars,
        ticks: Vec::new(),
        horizontal: true,
        empty: data.iter().all(|(_, v)| *v <= 0),
        empty_text: NO_USAGE.into(),
    }
}

/// `value / max × span`, rounded, in integers.
fn scale(value: i64, max: i64, span: i64) -> i64 {
    if max <= 0 {
        return 0;
    }
    let v = i128::from(value) * i128::from(span);
    let r = (v + i128::from(max) / 2) / i128::from(max);
    i64::try_from(r).unwrap_or(span).min(span)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_scale_to_the_top_tick() {
        let data = vec![
            ("a".to_string(), 20),
            ("b".to_string(), 10),
            ("c".to_string(), 0),
        ];
        let c = columns("x", "t", "d", &data, &|v| v.to_string());
        // top 20 (nice_axis_max) = full plot height 188
        assert_eq!(c.bars[0].h, 188);
        assert_eq!(c.bars[1].h, 94);
        assert_eq!(c.bars[2].h, 0);
        assert_eq!(c.bars[0].y + c.bars[0].h, c.plot_bottom);
        assert_eq!(c.ticks.last().map(|t| t.label.as_str()), Some("20"));
        assert!(!c.empty);
    }

    #[test]
    fn the_axis_ends_just_above_the_largest_bar() {
        let data = vec![("a".to_string(), 850), ("b".to_string(), 100)];
        let c = columns("x", "t", "d", &data, &|v| v.to_string());
        assert_eq!(c.ticks.last().map(|t| t.label.as_str()), Some("1000"));
        assert_eq!(c.bars[0].h, 160); // 850 / 1000 × 188
    }

    #[test]
    fn an_empty_chart_has_no_axis() {
        let data = vec![("a".to_string(), 0), ("b".to_string(), 0)];
        let c = columns("x", "t", "d", &data, &|v| format!("{}.00", v));
        assert!(c.empty);
        assert!(c.ticks.is_empty());
        assert_eq!(c.empty_text, NO_USAGE);
        let none = columns("x", "t", "d", &[], &|v| v.to_string());
        assert!(none.empty && none.ticks.is_empty());
    }

    #[test]
    fn rows_are_proportional() {
        let data = vec![("1 mm".to_string(), 30), ("1.5 mm".to_string(), 15)];
        let c = rows("x", "t", "d", &data, &|v| v.to_string());
        assert_eq!(c.bars[0].w, 464);
        assert_eq!(c.bars[1].w, 232);
    }
}
