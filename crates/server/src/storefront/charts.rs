//! Server-rendered inline SVG bar charts for the demo shop's `/merchant` page: grouped
//! bars per category, a y axis in percent or counts, a `<title>`/`<desc>` for screen
//! readers and an HTML legend, as maud templates (every text and attribute escaped).
//! Colours are presentation attributes (the shop's CSP allows no inline `style`).

use maud::{html, Markup};

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

/// A coordinate as the chart writes it: one decimal.
fn coord(v: f64) -> String {
    format!("{v:.1}")
}

/// Where the plot area maps values: its height and the axis top.
struct Plot {
    top: f64,
    height: f64,
}

impl Plot {
    /// The y coordinate of a value.
    fn y(&self, v: f64) -> f64 {
        TOP + self.height * (1.0 - (v / self.top).clamp(0.0, 1.0))
    }

    /// The y coordinate of the x axis (a value of zero).
    fn base(&self) -> f64 {
        TOP + self.height
    }
}

/// The chart's `<svg>` followed by its legend.
pub(super) fn bar_chart(chart: &BarChart<'_>) -> Markup {
    let max = chart
        .bars
        .iter()
        .flatten()
        .filter_map(|b| b.value)
        .fold(0.0, f64::max);
    let (top, step) = axis(chart.scale, max);
    let plot = Plot {
        top,
        height: HEIGHT - TOP - BOTTOM,
    };
    let id = chart.id;
    // Narrow screens scroll the chart sideways rather than shrink its text to nothing.
    html! {
        div class="chart-scroll" tabindex="0" role="group"
            aria-label={ (chart.title) ": scroll sideways to see it all" } {
            svg class="chart" viewBox={ "0 0 " (WIDTH) " " (HEIGHT) } role="img"
                aria-labelledby={ (id) "-title " (id) "-desc" }
                xmlns="http://www.w3.org/2000/svg" {
                title id={ (id) "-title" } { (chart.title) }
                desc id={ (id) "-desc" } { (chart.desc) }
                (grid(chart.scale, &plot, step))
                (bars(chart, &plot))
                line x1=(LEFT) x2=(WIDTH - RIGHT) y1=(plot.base()) y2=(plot.base())
                    stroke=(INK) stroke-width="1" {}
            }
        }
        (legend(chart.series))
    }
}

/// Grid lines and y labels. SVG elements are closed explicitly (`{}`): inline SVG is
/// foreign content to the HTML parser, where a start tag without `/>` or its end tag
/// would hold the next element as a child.
fn grid(scale: Scale, plot: &Plot, step: f64) -> Markup {
    let ticks = (plot.top / step).round() as usize;
    html! {
        @for i in 0..=ticks {
            @let v = step * i as f64;
            @let y = plot.y(v);
            line x1=(LEFT) x2=(WIDTH - RIGHT) y1=(coord(y)) y2=(coord(y))
                stroke=(GRID) stroke-width="1" {}
            text x=(LEFT - 6.0) y=(coord(y + 4.0)) font-size="12" text-anchor="end" fill=(INK) {
                (tick_label(scale, v))
            }
        }
    }
}

/// Each category's group of bars, then its label under the axis.
fn bars(chart: &BarChart<'_>, plot: &Plot) -> Markup {
    let plot_w = WIDTH - LEFT - RIGHT;
    let band = plot_w / chart.categories.len().max(1) as f64;
    let group = band * 0.8;
    let bar_w = group / chart.series.len().max(1) as f64;
    html! {
        @for (c, category) in chart.categories.iter().enumerate() {
            @let x0 = LEFT + band * c as f64 + (band - group) / 2.0;
            @for (s, series) in chart.series.iter().enumerate() {
                @if let Some(bar) = chart.bars.get(c).and_then(|bars| bars.get(s)) {
                    @if let Some(value) = bar.value {
                        // A zero stays visible as a hairline, so "none" differs from "not
                        // measured".
                        @let height = (plot.base() - plot.y(value)).max(1.0);
                        rect x=(coord(x0 + bar_w * s as f64 + 0.5)) y=(coord(plot.base() - height))
                            width=(coord((bar_w - 1.0).max(1.0))) height=(coord(height))
                            fill=(series.color) {
                            title { (bar.label) }
                        }
                    }
                }
            }
            text x=(coord(LEFT + band * (c as f64 + 0.5))) y=(HEIGHT - 10.0) font-size="12"
                text-anchor="middle" fill=(INK) {
                (category)
            }
        }
    }
}

/// The series' names beside their colours, as HTML under the chart.
fn legend(series: &[Series]) -> Markup {
    html! {
        ul class="legend" {
            @for s in series {
                li {
                    svg width="12" height="12" aria-hidden="true" {
                        rect width="12" height="12" fill=(s.color) {}
                    }
                    (s.name)
                }
            }
        }
    }
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
        })
        .into_string();
        assert!(svg.contains(r#"role="img" aria-labelledby="t-title t-desc""#));
        assert!(svg.contains("<title id=\"t-title\">Title &amp; co</title>"));
        assert!(svg.contains("x&lt;y") && svg.contains("A &lt;1&gt;"));
        assert_eq!(svg.matches("<rect x=").count(), 1, "{svg}");
        assert!(svg.contains("<title>half</title>"));
        assert!(!svg.contains("style="), "the CSP forbids inline styles");
    }
}
