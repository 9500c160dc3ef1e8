//! The demo shop's `/merchant` page: the merchant's figures as charts, each with its
//! definition next to it and the same figures as a table. The shop's server reads them
//! from `GET /api/v1/merchant/metrics` with the merchant key, as a merchant's back office
//! would; the key never reaches the browser.

use super::charts::{bar_chart, percent, Bar, BarChart, Scale, Series};
use super::pages::layout;
use crate::html::escape;
use cadence_contract::{
    Engagement, MerchantMetrics, ReasonCode, RepurchaseRate, SubscriptionCounts,
};
use std::fmt::Write;

const WINDOW_COLORS: [&str; 3] = ["#b5651d", "#8a4a16", "#4e2a0e"];

const SUBSCRIPTION_SERIES: [Series; 5] = [
    Series {
        name: "Started",
        color: "#2f6b3a",
    },
    Series {
        name: "Paused",
        color: "#1f5f8b",
    },
    Series {
        name: "Skipped",
        color: "#8a6d00",
    },
    Series {
        name: "Cancelled",
        color: "#a1262b",
    },
    Series {
        name: "Kept instead of cancel",
        color: "#6b3fa0",
    },
];

const ENGAGEMENT_SERIES: [Series; 2] = [
    Series {
        name: "Click-through",
        color: "#1f5f8b",
    },
    Series {
        name: "Conversion",
        color: "#2f6b3a",
    },
];

/// One series per `CancelReasonCounts::named` entry, in that order.
const CANCEL_REASON_SERIES: [Series; 6] = [
    Series {
        name: "Too much product",
        color: "#b5651d",
    },
    Series {
        name: "Too expensive",
        color: "#a1262b",
    },
    Series {
        name: "No longer needed",
        color: "#1f5f8b",
    },
    Series {
        name: "Trying something else",
        color: "#6b3fa0",
    },
    Series {
        name: "Other",
        color: "#8a6d00",
    },
    Series {
        name: "Not given",
        color: "#5c5c5c",
    },
];

fn reason_label(reason: Option<ReasonCode>) -> &'static str {
    match reason {
        Some(ReasonCode::DueSoon) => "Due soon",
        Some(ReasonCode::FitsWhatYouOwn) => "Fits what you own",
        Some(ReasonCode::BoughtTogether) => "Bought together",
        Some(ReasonCode::BetterValue) => "Better value",
        Some(ReasonCode::Unknown) => "Other reason",
        None => "All recommendations",
    }
}

fn rate_text(rate: &RepurchaseRate) -> String {
    match rate.rate {
        Some(r) => format!("{} ({} of {})", percent(r), rate.repurchased, rate.observed),
        None => "not observed long enough yet".to_owned(),
    }
}

fn counts(c: &SubscriptionCounts) -> [u32; 5] {
    [
        c.started,
        c.paused,
        c.skipped,
        c.cancelled,
        c.kept_instead_of_cancel,
    ]
}

fn optional_percent(share: Option<f64>) -> String {
    share.map_or_else(|| "no impressions".to_owned(), percent)
}

/// One figure: heading, chart beside its definition, then the table.
fn section(id: &str, heading: &str, chart: &str, definition: &str, table: &str) -> String {
    format!(
        r#"<section class="metric" aria-labelledby="{id}-heading">
<h2 id="{id}-heading">{heading}</h2>
<div class="figure">
<div class="figure-chart">{chart}</div>
<div class="definition"><h3>How it is counted</h3><p>{definition}</p></div>
</div>
<details><summary>The figures as a table</summary>
<div class="table-scroll" tabindex="0" role="region" aria-label="{heading}: table">{table}</div>
</details>
</section>
"#,
        id = escape(id),
        heading = escape(heading),
        definition = escape(definition),
    )
}

fn repurchase(m: &MerchantMetrics) -> String {
    let r = &m.repurchase;
    let series: Vec<Series> = r
        .windows
        .iter()
        .zip(WINDOW_COLORS)
        .map(|(days, color)| Series {
            name: match days {
                30 => "Within 30 days",
                60 => "Within 60 days",
                _ => "Within 90 days",
            },
            color,
        })
        .collect();
    let all: Vec<String> = r
        .all
        .iter()
        .map(|rate| format!("{} days: {}", rate.days, rate_text(rate)))
        .collect();
    let desc = format!(
        "Share of each month's new customers who ordered again within 30, 60 and 90 days of \
         their first order, one group of bars per month. All months together: {}.",
        all.join("; ")
    );
    let chart = bar_chart(&BarChart {
        id: "repurchase",
        title: "Repurchase by first-order month",
        desc: &desc,
        categories: r.cohorts.iter().map(|c| c.month.clone()).collect(),
        series: &series,
        bars: r
            .cohorts
            .iter()
            .map(|c| {
                c.rates
                    .iter()
                    .map(|rate| Bar {
                        value: rate.rate,
                        label: format!("{}, {} days: {}", c.month, rate.days, rate_text(rate)),
                    })
                    .collect()
            })
            .collect(),
        scale: Scale::Percent,
    });
    let mut table = String::from(
        r#"<table><caption>Repurchase by first-order month: share (repurchased of observed)</caption>
<thead><tr><th scope="col">First-order month</th><th scope="col">New customers</th>"#,
    );
    for days in &r.windows {
        let _ = write!(table, r#"<th scope="col">{days} days</th>"#);
    }
    table.push_str("</tr></thead><tbody>");
    for c in &r.cohorts {
        let _ = write!(
            table,
            r#"<tr><th scope="row">{}</th><td>{}</td>"#,
            escape(&c.month),
            c.customers
        );
        for rate in &c.rates {
            let _ = write!(table, "<td>{}</td>", escape(&rate_text(rate)));
        }
        table.push_str("</tr>");
    }
    let new_customers: u32 = r.cohorts.iter().map(|c| c.customers).sum();
    let _ = write!(
        table,
        r#"</tbody><tfoot><tr><th scope="row">All months</th><td>{new_customers}</td>"#
    );
    for rate in &r.all {
        let _ = write!(table, "<td>{}</td>", escape(&rate_text(rate)));
    }
    table.push_str("</tr></tfoot></table>");
    section(
        "repurchase",
        "Repurchase at 30, 60 and 90 days",
        &chart,
        &r.definition,
        &table,
    )
}

fn subscriptions(m: &MerchantMetrics) -> String {
    let s = &m.subscriptions;
    let totals = counts(&s.total);
    let desc = format!(
        "Subscription events per month, five bars per month. Over the months shown: {}.",
        SUBSCRIPTION_SERIES
            .iter()
            .zip(totals)
            .map(|(series, n)| format!("{} {n}", series.name.to_lowercase()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let chart = bar_chart(&BarChart {
        id: "subscriptions",
        title: "Subscription events per month",
        desc: &desc,
        categories: s.months.iter().map(|m| m.month.clone()).collect(),
        series: &SUBSCRIPTION_SERIES,
        bars: s
            .months
            .iter()
            .map(|month| {
                SUBSCRIPTION_SERIES
                    .iter()
                    .zip(counts(&month.counts))
                    .map(|(series, n)| Bar {
                        value: Some(f64::from(n)),
                        label: format!("{}, {}: {n}", month.month, series.name),
                    })
                    .collect()
            })
            .collect(),
        scale: Scale::Count,
    });
    let mut table = String::from(
        r#"<table><caption>Subscription events per month</caption><thead><tr><th scope="col">Month</th>"#,
    );
    for series in &SUBSCRIPTION_SERIES {
        let _ = write!(table, r#"<th scope="col">{}</th>"#, escape(series.name));
    }
    table.push_str("</tr></thead><tbody>");
    for month in &s.months {
        let _ = write!(
            table,
            r#"<tr><th scope="row">{}</th>"#,
            escape(&month.month)
        );
        for n in counts(&month.counts) {
            let _ = write!(table, "<td>{n}</td>");
        }
        table.push_str("</tr>");
    }
    table.push_str(r#"</tbody><tfoot><tr><th scope="row">Total</th>"#);
    for n in totals {
        let _ = write!(table, "<td>{n}</td>");
    }
    table.push_str("</tr></tfoot></table>");
    section(
        "subscriptions",
        "Subscriptions started, paused, skipped and cancelled",
        &chart,
        &s.definition,
        &table,
    )
}

fn engagement_row(e: &Engagement) -> String {
    format!(
        "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
        e.impressions,
        e.clicks,
        e.actions,
        escape(&optional_percent(e.click_through)),
        escape(&optional_percent(e.conversion)),
    )
}

fn recommendations(m: &MerchantMetrics) -> String {
    let r = &m.recommendations;
    let desc = format!(
        "Click-through and conversion of recommendations per reason, two bars per reason. \
         All recommendations: click-through {}, conversion {} over {} impressions.",
        optional_percent(r.all.click_through),
        optional_percent(r.all.conversion),
        r.all.impressions
    );
    let chart = bar_chart(&BarChart {
        id: "recommendations",
        title: "Recommendation click-through and conversion per reason",
        desc: &desc,
        categories: r
            .reasons
            .iter()
            .map(|e| reason_label(e.reason).to_owned())
            .collect(),
        series: &ENGAGEMENT_SERIES,
        bars: r
            .reasons
            .iter()
            .map(|e| {
                let name = reason_label(e.reason);
                vec![
                    Bar {
                        value: e.click_through,
                        label: format!(
                            "{name}, click-through: {} ({} clicks of {} impressions)",
                            optional_percent(e.click_through),
                            e.clicks,
                            e.impressions
                        ),
                    },
                    Bar {
                        value: e.conversion,
                        label: format!(
                            "{name}, conversion: {} ({} conversions of {} impressions)",
                            optional_percent(e.conversion),
                            e.actions,
                            e.impressions
                        ),
                    },
                ]
            })
            .collect(),
        scale: Scale::Percent,
    });
    let mut table = String::from(
        r#"<table><caption>Recommendations per reason</caption><thead><tr><th scope="col">Reason</th><th scope="col">Impressions</th><th scope="col">Clicks</th><th scope="col">Conversions</th><th scope="col">Click-through</th><th scope="col">Conversion</th></tr></thead><tbody>"#,
    );
    for e in &r.reasons {
        let _ = write!(
            table,
            r#"<tr><th scope="row">{}</th>{}</tr>"#,
            escape(reason_label(e.reason)),
            engagement_row(e)
        );
    }
    let _ = write!(
        table,
        r#"</tbody><tfoot><tr><th scope="row">{}</th>{}</tr></tfoot></table>"#,
        escape(reason_label(None)),
        engagement_row(&r.all)
    );
    section(
        "recommendations",
        "Recommendation click-through and conversion",
        &chart,
        &r.definition,
        &table,
    )
}

fn cancel_reasons(m: &MerchantMetrics) -> String {
    let c = &m.cancel_reasons;
    let totals = c.total.named().map(|(_, n)| n);
    let desc = format!(
        "Cancellations per month by the reason given, six bars per month. Over the months \
         shown: {}.",
        CANCEL_REASON_SERIES
            .iter()
            .zip(totals)
            .map(|(series, n)| format!("{} {n}", series.name.to_lowercase()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let chart = bar_chart(&BarChart {
        id: "cancel-reasons",
        title: "Cancellations per month by reason",
        desc: &desc,
        categories: c.months.iter().map(|m| m.month.clone()).collect(),
        series: &CANCEL_REASON_SERIES,
        bars: c
            .months
            .iter()
            .map(|month| {
                CANCEL_REASON_SERIES
                    .iter()
                    .zip(month.counts.named())
                    .map(|(series, (_, n))| Bar {
                        value: Some(f64::from(n)),
                        label: format!("{}, {}: {n}", month.month, series.name),
                    })
                    .collect()
            })
            .collect(),
        scale: Scale::Count,
    });
    let mut table = String::from(
        r#"<table><caption>Cancellations per month by reason</caption><thead><tr><th scope="col">Month</th>"#,
    );
    for series in &CANCEL_REASON_SERIES {
        let _ = write!(table, r#"<th scope="col">{}</th>"#, escape(series.name));
    }
    table.push_str(r#"<th scope="col">All cancellations</th></tr></thead><tbody>"#);
    for month in &c.months {
        let _ = write!(
            table,
            r#"<tr><th scope="row">{}</th>"#,
            escape(&month.month)
        );
        for (_, n) in month.counts.named() {
            let _ = write!(table, "<td>{n}</td>");
        }
        let _ = write!(table, "<td>{}</td></tr>", month.counts.total());
    }
    table.push_str(r#"</tbody><tfoot><tr><th scope="row">Total</th>"#);
    for n in totals {
        let _ = write!(table, "<td>{n}</td>");
    }
    let _ = write!(table, "<td>{}</td></tr></tfoot></table>", c.total.total());
    section(
        "cancel-reasons",
        "Why subscribers cancelled",
        &chart,
        &c.definition,
        &table,
    )
}

pub(super) fn page(m: &MerchantMetrics) -> String {
    let main = format!(
        r#"<h1>Merchant figures</h1>
<p class="note">What the Cadence widget changed, from {since} to {as_of}. This shop's server reads them from <code>GET /api/v1/merchant/metrics</code> with the merchant key, which never reaches the browser.</p>
{repurchase}{subscriptions}{cancel_reasons}{recommendations}"#,
        since = escape(&m.since_month),
        as_of = escape(&m.as_of.to_string()),
        repurchase = repurchase(m),
        subscriptions = subscriptions(m),
        cancel_reasons = cancel_reasons(m),
        recommendations = recommendations(m),
    );
    layout("Merchant figures", &main, None)
}

/// The page when the shop has no merchant key to read the figures with.
pub(super) fn unavailable() -> String {
    let main = r#"<h1>Merchant figures</h1>
<p>This shop has no merchant key, so it cannot read the figures. Start the server with <code>--merchant-key</code> (or <code>CADENCE_MERCHANT_KEY</code>).</p>"#;
    layout("Merchant figures", main, None)
}
