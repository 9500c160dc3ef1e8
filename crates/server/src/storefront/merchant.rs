//! The demo shop's `/merchant` page: the merchant's figures as charts, each with its
//! definition next to it and the same figures as a table. The shop's server reads them
//! from `GET /api/v1/merchant/metrics` with the merchant key, as a merchant's back office
//! would; the key never reaches the browser. The page is a maud template: every figure
//! and text is escaped by the template engine.

use super::charts::{bar_chart, percent, Bar, BarChart, Scale, Series};
use super::pages::layout;
use cadence_contract::{
    CancelReasonCounts, Engagement, MerchantMetrics, ReasonCode, RepurchaseRate, SubscriptionCounts,
};
use maud::{html, Markup};

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
fn section(id: &str, heading: &str, chart: Markup, definition: &str, table: Markup) -> Markup {
    html! {
        section class="metric" aria-labelledby={ (id) "-heading" } {
            h2 id={ (id) "-heading" } { (heading) }
            div class="figure" {
                div class="figure-chart" { (chart) }
                div class="definition" {
                    h3 { "How it is counted" }
                    p { (definition) }
                }
            }
            details {
                summary { "The figures as a table" }
                div class="table-scroll" tabindex="0" role="region"
                    aria-label={ (heading) ": table" } {
                    (table)
                }
            }
        }
    }
}

/// A table's header row: the first column's heading, then one per column.
fn header_row<'a>(first: &str, columns: impl IntoIterator<Item = &'a str>) -> Markup {
    html! {
        tr {
            th scope="col" { (first) }
            @for column in columns { th scope="col" { (column) } }
        }
    }
}

/// A table's row: its heading cell, then one cell per value.
fn row<T: maud::Render>(heading: &str, cells: impl IntoIterator<Item = T>) -> Markup {
    html! {
        tr {
            th scope="row" { (heading) }
            @for cell in cells { td { (cell) } }
        }
    }
}

fn repurchase(m: &MerchantMetrics) -> Markup {
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
    section(
        "repurchase",
        "Repurchase at 30, 60 and 90 days",
        chart,
        &r.definition,
        repurchase_table(m),
    )
}

fn repurchase_table(m: &MerchantMetrics) -> Markup {
    let r = &m.repurchase;
    let windows: Vec<String> = r
        .windows
        .iter()
        .map(|days| format!("{days} days"))
        .collect();
    let new_customers: u32 = r.cohorts.iter().map(|c| c.customers).sum();
    html! {
        table {
            caption { "Repurchase by first-order month: share (repurchased of observed)" }
            thead {
                (header_row(
                    "First-order month",
                    ["New customers"].into_iter().chain(windows.iter().map(String::as_str)),
                ))
            }
            tbody {
                @for c in &r.cohorts { (row(&c.month, cohort_cells(c.customers, &c.rates))) }
            }
            tfoot { (row("All months", cohort_cells(new_customers, &r.all))) }
        }
        table data-figure="repurchase-groups" {
            caption { "Repurchase by group, all months: share (repurchased of observed)" }
            thead {
                (header_row(
                    "Group",
                    ["Customers"].into_iter().chain(windows.iter().map(String::as_str)),
                ))
            }
            tbody {
                @for g in &r.groups {
                    tr {
                        th scope="row" {
                            (group_name(&g.group))
                            br;
                            small { (g.definition) }
                        }
                        @for cell in cohort_cells(g.customers, &g.rates) { td { (cell) } }
                    }
                }
            }
        }
    }
}

/// A group's name as the merchant reads it.
fn group_name(group: &str) -> &str {
    match group {
        "subscribers" => "Subscribers",
        "one_time_buyers" => "One-time buyers",
        "routine_followers" => "Follow a maintenance routine",
        "owners_not_following" => "Own a machine, do not follow",
        other => other,
    }
}

/// A cohort's size, then its rate in each window.
fn cohort_cells(customers: u32, rates: &[RepurchaseRate]) -> impl Iterator<Item = String> + '_ {
    std::iter::once(customers.to_string()).chain(rates.iter().map(rate_text))
}

fn subscriptions(m: &MerchantMetrics) -> Markup {
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
    let table = html! {
        table {
            caption { "Subscription events per month" }
            thead { (header_row("Month", SUBSCRIPTION_SERIES.iter().map(|s| s.name))) }
            tbody {
                @for month in &s.months { (row(&month.month, counts(&month.counts))) }
            }
            tfoot { (row("Total", totals)) }
        }
    };
    section(
        "subscriptions",
        "Subscriptions started, paused, skipped and cancelled",
        chart,
        &s.definition,
        table,
    )
}

/// An engagement's figures: impressions, clicks, conversions and the two rates.
fn engagement_row(heading: &str, e: &Engagement) -> Markup {
    row(
        heading,
        [
            e.impressions.to_string(),
            e.clicks.to_string(),
            e.actions.to_string(),
            optional_percent(e.click_through),
            optional_percent(e.conversion),
        ],
    )
}

fn recommendations(m: &MerchantMetrics) -> Markup {
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
    let columns = [
        "Impressions",
        "Clicks",
        "Conversions",
        "Click-through",
        "Conversion",
    ];
    let table = html! {
        table {
            caption { "Recommendations per reason" }
            thead { (header_row("Reason", columns)) }
            tbody {
                @for e in &r.reasons { (engagement_row(reason_label(e.reason), e)) }
            }
            tfoot { (engagement_row(reason_label(None), &r.all)) }
        }
    };
    section(
        "recommendations",
        "Recommendation click-through and conversion",
        chart,
        &r.definition,
        table,
    )
}

fn cancel_reasons(m: &MerchantMetrics) -> Markup {
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
    let columns = CANCEL_REASON_SERIES
        .iter()
        .map(|s| s.name)
        .chain(["All cancellations"]);
    let table = html! {
        table {
            caption { "Cancellations per month by reason" }
            thead { (header_row("Month", columns)) }
            tbody {
                @for month in &c.months { (row(&month.month, reason_cells(&month.counts))) }
            }
            tfoot { (row("Total", reason_cells(&c.total))) }
        }
    };
    section(
        "cancel-reasons",
        "Why subscribers cancelled",
        chart,
        &c.definition,
        table,
    )
}

/// The count for each reason, then all cancellations.
fn reason_cells(counts: &CancelReasonCounts) -> impl Iterator<Item = u32> {
    let named = counts.named().map(|(_, n)| n);
    named.into_iter().chain([counts.total()])
}

pub(super) fn page(m: &MerchantMetrics) -> Markup {
    let main = html! {
        h1 { "Merchant figures" }
        p class="note" {
            "What the Cadence widget changed, from " (m.since_month) " to " (m.as_of.to_string())
            ". This shop's server reads them from " code { "GET /api/v1/merchant/metrics" }
            " with the merchant key, which never reaches the browser."
        }
        (repurchase(m))
        (subscriptions(m))
        (cancel_reasons(m))
        (recommendations(m))
    };
    layout("Merchant figures", main, None)
}

/// The page when the shop has no merchant key to read the figures with.
pub(super) fn unavailable() -> Markup {
    let main = html! {
        h1 { "Merchant figures" }
        p {
            "This shop has no merchant key, so it cannot read the figures. Start the server \
             with " code { "--merchant-key" } " (or " code { "CADENCE_MERCHANT_KEY" } ")."
        }
    };
    layout("Merchant figures", main, None)
}
