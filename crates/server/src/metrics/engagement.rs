//! Recommendation click-through (clicks / impressions) and conversion (conversions /
//! impressions) per reason code, from the daily counts: impressions and clicks as the
//! widget reports them (`routes/events.rs`), conversions as the server accepts the actions
//! (`crate::attribution`).

use crate::db::Connection;
use crate::db::StoreError;
use crate::params;
use cadence_contract::{Date, Engagement, ReasonCode, RecommendationMetrics};

pub const DEFINITION: &str = "In the months covered. An impression is a recommendation shown \
on screen and a click the shopper opening or pressing it, both reported by the widget. A \
conversion is an action the server accepted because of a recommendation: a subscription \
created from it, or its product added to the next delivery or swapped to. The server counts \
it in the same transaction as the action, for the signed-in customer, so a refused or \
failed action is no conversion; adding to the shop's cart is a click, not a conversion (the \
purchase happens in the shop). Click-through = clicks / impressions; conversion = \
conversions / impressions, per reason the recommendation gave. Each shopper (a signed-in \
customer, else a browser's network address) counts at most once per recommendation, kind \
and day, so no single visitor can move the figures; a click or conversion counts only after \
an impression of the same recommendation from the same shopper that day or the day before \
(the others are reported as unmatched). Before conversions were counted by the server, the \
widget reported an action with every click: on those days conversions follow clicks.";

/// The reasons shown, in the order the figures list them.
pub const REASONS: [ReasonCode; 4] = [
    ReasonCode::DueSoon,
    ReasonCode::FitsWhatYouOwn,
    ReasonCode::BoughtTogether,
    ReasonCode::BetterValue,
];

/// Impressions, clicks and actions of one stored reason (`None`: the event had none).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReasonCounts {
    pub reason: Option<String>,
    pub impressions: u64,
    pub clicks: u64,
    pub actions: u64,
    pub unmatched: u64,
}

pub fn read(conn: &Connection, since: Date, today: Date) -> Result<Vec<ReasonCounts>, StoreError> {
    // The daily counts (`routes::events` keeps them), not the raw events: the cost grows
    // with days and reasons, not with how many events were ever sent.
    let mut stmt = conn.prepare_cached(
        "SELECT nullif(reason, ''), CAST(sum(impressions) AS BIGINT), CAST(sum(clicks) AS BIGINT),
                CAST(sum(actions) AS BIGINT), CAST(sum(unmatched) AS BIGINT)
         FROM ui_event_daily WHERE day >= ?1 AND day <= ?2
         GROUP BY reason",
    )?;
    let rows = stmt.query_map(params![since.to_string(), today.to_string()], |row| {
        let count = |i| row.get::<_, i64>(i).map(|n| n.max(0) as u64);
        Ok(ReasonCounts {
            reason: row.get(0)?,
            impressions: count(1)?,
            clicks: count(2)?,
            actions: count(3)?,
            unmatched: count(4)?,
        })
    })?;
    rows.collect::<crate::db::sql::Result<_>>()
}

/// One entry per known reason (zero when never shown) and the total over every event.
pub fn compute(rows: &[ReasonCounts]) -> RecommendationMetrics {
    let reasons = REASONS
        .iter()
        .map(|reason| {
            let name = reason.as_str();
            let (i, c, a) = rows
                .iter()
                .filter(|r| r.reason.as_deref() == Some(name))
                .fold((0, 0, 0), |(i, c, a), r| {
                    (i + r.impressions, c + r.clicks, a + r.actions)
                });
            Engagement::new(Some(*reason), i, c, a)
        })
        .collect();
    let (i, c, a) = rows.iter().fold((0, 0, 0), |(i, c, a), r| {
        (i + r.impressions, c + r.clicks, a + r.actions)
    });
    RecommendationMetrics {
        definition: DEFINITION.to_owned(),
        reasons,
        all: Engagement::new(None, i, c, a),
        unmatched: rows.iter().map(|r| r.unmatched).sum(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_is_listed_and_the_total_includes_unattributed_events() {
        let rows = [
            ReasonCounts {
                reason: Some("due_soon".into()),
                impressions: 10,
                clicks: 4,
                actions: 1,
                unmatched: 2,
            },
            ReasonCounts {
                reason: None,
                impressions: 10,
                clicks: 0,
                actions: 0,
                unmatched: 0,
            },
        ];
        let out = compute(&rows);
        assert_eq!(out.reasons.len(), 4);
        assert_eq!(out.reasons[0].reason, Some(ReasonCode::DueSoon));
        assert_eq!(out.reasons[0].click_through, Some(0.4));
        assert_eq!(out.reasons[0].conversion, Some(0.1));
        assert_eq!(out.reasons[3].impressions, 0);
        assert_eq!(out.reasons[3].click_through, None);
        assert_eq!((out.all.impressions, out.all.clicks), (20, 4));
        assert_eq!(out.all.click_through, Some(0.2));
        assert_eq!(out.unmatched, 2);
    }
}
