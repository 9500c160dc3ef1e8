//! Server-rendered inline SVG bar charts for the demo shop's `/merchant` page: grouped
//! bars per category, a y axis in percent or counts, a `<title>`/`<desc>` for screen
//! readers and an HTML legend. Colours are presentation attributes (the shop's CSP allows
//! no inline `style`); every text goes through `escape`.

use crate::html::escape;
use std::fmt::Write;

/// One series of bars: its name in the legend and its fill (3:1 or more on white).
pub(super) struct Series {
    pub name: &'static str,
    pub color: &'static str,
}

/// How values read on the y axis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Scale {
    /// Values are shares from 0 to 1, shown as 0–100 %.
    Percent,
    /// Values are counts, shown on a rounded-up axis.
    Count,
}

/// One bar: its value (none: nothing to show yet) and the tooltip saying it in words.
pub(super) struct Bar {
    pub value: Option<f64>,
    pub label: String,
}

pub(super) struct BarChart<'a> {
    /// Unique on the page: the ids of the title and description derive from it.
    pub id: &'a str,
    pub title: &'a str,
    /// What the chart shows, in a sentence or two, for those who cannot see it.
    pub desc: &'a str,
    pub categories: Vec<String>,
    pub series: &'a [Series],
    /// `bars[category][series]`.
    pub bars: Vec<Vec<Bar>>,
    pub scale: Scale,
}

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 260.0;
const LEFT: f64 = 52.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 30.0;
const INK: &str = "#2b1d14";
const GRID: &str = "#d9cfc3";

/// Percent axes: the smallest top that holds the highest bar, with its tick step.
const PERCENT_AXES: [(f64, f64); 6] = [
    (0.02, 0.005),
    (0.05, 0.01),
    (0.1, 0.025),
    (0.2, 0.05),
    (0.5, 0.1),
    (1.0, 0.25),
];

/// The axis top and the tick step: percent axes stop at the first of 2, 5, 10, 20, 50 or
/// 100 % that holds the highest bar; counts round up to a step of 1, 2 or 5 × 10ⁿ with
/// at most about four steps.
pub(super) fn axis(scale: Scale, max: f64) -> (f64, f64) {
    match scale {
        Scale::Percent => PERCENT_AXES
            .into_iter()
            .find(|(top, _)| max <= *top)
            .unwrap_or((1.0, 0.25)),
        Scale::Count => {
            let raw = (max / 4.0).max(1.0);
            let magnitude = 10f64.powf(raw.log10().floor());
            let step = [1.0, 2.0, 5.0, 10.0]
                .iter()
                .map(|m| m * magnitude)
                .find(|s| *s >= raw)
                .unwrap_or(10.0 * magnitude);
            let top = (max / step).ceil().max(1.0) * step;
            (top, step)
        }
    }
}

fn tick_label(scale: Scale, value: f64) -> String {
    match scale {
        Scale::Percent => percent(value),
        Scale::Count => format!("{value:.0}"),
    }
}

/// A share as a percentage: whole numbers without decimals, others with one.
pub(super) fn percent(share: f64) -> String {
    let p = share * 100.0;
    if (p - p.round()).abs() < 1e-9 {
        format!("{p:.0}%")
    } else {
        format!("{p:.1}%")
    }
}

/// The chart's `<svg>` followed by its legend.
pub(super) fn bar_chart(chart: &BarChart<'_>) -> String {
    let max = chart
        .bars
        .iter()
        .flatten()
        .filter_map(|b| b.value)
        .fold(0.0, f64::max);
    let (top, step) = axis(chart.scale, max);
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let y = |v: f64| TOP + plot_h * (1.0 - (v / top).clamp(0.0, 1.0));
    let id = escape(chart.id);
    // Narrow screens scroll the chart sideways rather than shrink its text to nothing.
    let mut svg = format!(
        r#"<div class="chart-scroll" tabindex="0" role="group" aria-label="{title}: scroll sideways to see it all">
<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{id}-title {id}-desc" xmlns="http://www.w3.org/2000/svg">
<title id="{id}-title">{title}</title>
<desc id="{id}-desc">{desc}</desc>
"#,
        title = escape(chart.title),
        desc = escape(chart.desc),
    );
    // Grid lines and y labels.
    let ticks = (top / step).round() as usize;
    for i in 0..=ticks {
        let v = step * i as f64;
        let _ = writeln!(
            svg,
            r#"<line x1="{LEFT}" x2="{x2}" y1="{yy:.1}" y2="{yy:.1}" stroke="{GRID}" stroke-width="1"/><text x="{lx}" y="{ty:.1}" font-size="12" text-anchor="end" fill="{INK}">{label}</text>"#,
            x2 = WIDTH - RIGHT,
            yy = y(v),
            lx = LEFT - 6.0,
            ty = y(v) + 4.0,
            label = escape(&tick_label(chart.scale, v)),
        );
    }
    let band = plot_w / chart.categories.len().max(1) as f64;
    let group = band * 0.8;
    let bar_w = group / chart.series.len().max(1) as f64;
    for (c, category) in chart.categories.iter().enumerate() {
        let x0 = LEFT + band * c as f64 + (band - group) / 2.0;
        for (s, series) in chart.series.iter().enumerate() {
            let Some(bar) = chart.bars.get(c).and_then(|bars| bars.get(s)) else {
                continue;
            };
            let Some(value) = bar.value else {
                continue;
            };
            let top_y = y(value);
            // A zero stays visible as a hairline, so "none" differs from "not measured".
            let height = (TOP + plot_h - top_y).max(1.0);
            let _ = writeln!(
                svg,
                r#"<rect x="{x:.1}" y="{ry:.1}" width="{w:.1}" height="{height:.1}" fill="{color}"><title>{label}</title></rect>"#,
                x = x0 + bar_w * s as f64 + 0.5,
                ry = TOP + plot_h - height,
                w = (bar_w - 1.0).max(1.0),
                color = series.color,
                label = escape(&bar.label),
            );
        }
        let _ = writeln!(
            svg,
            r#"<text x="{x:.1}" y="{ty}" font-size="12" text-anchor="middle" fill="{INK}">{label}</text>"#,
            x = LEFT + band * (c as f64 + 0.5),
            ty = HEIGHT - 10.0,
            label = escape(category),
        );
    }
    let _ = write!(
        svg,
        r#"<line x1="{LEFT}" x2="{x2}" y1="{yb}" y2="{yb}" stroke="{INK}" stroke-width="1"/>
</svg></div>
"#,
        x2 = WIDTH - RIGHT,
        yb = TOP + plot_h,
    );
    svg.push_str(r#"<ul class="legend">"#);
    for series in chart.series {
        let _ = write!(
            svg,
            r#"<li><svg width="12" height="12" aria-hidden="true"><rect width="12" height="12" fill="{}"/></svg>{}</li>"#,
            series.color,
            escape(series.name)
        );
    }
    svg.push_str("</ul>\n");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_axes_round_up_to_friendly_steps() {
        assert_eq!(axis(Scale::Count, 0.0), (1.0, 1.0));
        assert_eq!(axis(Scale::Count, 3.0), (3.0, 1.0));
        assert_eq!(axis(Scale::Count, 7.0), (8.0, 2.0));
        assert_eq!(axis(Scale::Count, 37.0), (40.0, 10.0));
        assert_eq!(axis(Scale::Count, 1234.0), (1500.0, 500.0));
        assert_eq!(axis(Scale::Percent, 0.4), (0.5, 0.1));
        assert_eq!(axis(Scale::Percent, 0.07), (0.1, 0.025));
        assert_eq!(axis(Scale::Percent, 0.0), (0.02, 0.005));
        assert_eq!(axis(Scale::Percent, 1.0), (1.0, 0.25));
        assert_eq!(
            (percent(0.025), percent(0.25)),
            ("2.5%".into(), "25%".into())
        );
    }

    #[test]
    fn bars_are_drawn_escaped_and_missing_values_skipped() {
        let series = [
            Series {
                name: "A <1>",
                color: "#1f5f8b",
            },
            Series {
                name: "B",
                color: "#2f6b3a",
            },
        ];
        let svg = bar_chart(&BarChart {
            id: "t",
            title: "Title & co",
            desc: "Desc",
            categories: vec!["x<y".into()],
            series: &series,
            bars: vec![vec![
                Bar {
                    value: Some(0.5),
                    label: "half".into(),
                },
                Bar {
                    value: None,
                    label: "none".into(),
                },
            ]],
            scale: Scale::Percent,
        });
        assert!(svg.contains(r#"role="img" aria-labelledby="t-title t-desc""#));
        assert!(svg.contains("<title id=\"t-title\">Title &amp; co</title>"));
        assert!(svg.contains("x&lt;y") && svg.contains("A &lt;1&gt;"));
        assert_eq!(svg.matches("<rect x=").count(), 1, "{svg}");
        assert!(svg.contains("<title>half</title>"));
        assert!(!svg.contains("style="), "the CSP forbids inline styles");
    }
}
