//! Why subscribers cancelled, per month: the optional reason chosen on the cancel
//! confirmation, as the `subscription_changes` audit trail stores it (since migration 0002).

use super::Month;
use crate::db::{Connection, StoreError};
use crate::params;
use cadence_contract::{
    CancelReason, CancelReasonCounts, CancelReasonMetrics, CancelReasonMonth, Date,
};
use std::collections::HashMap;

pub const DEFINITION: &str = "Per calendar month (UTC): subscriptions cancelled, by the \
reason the subscriber chose on the cancel confirmation. Choosing a reason is optional and \
never pre-selected, so \"Not given\" counts cancellations without one; \"Other\" includes \
reasons a newer widget sent that this server does not know. A subscription cancelled, \
reactivated and cancelled again counts twice. The rows add up to the month's \
cancellations in the subscription figures.";

/// Month → counts, as read.
pub type ByMonth = HashMap<Month, CancelReasonCounts>;

/// One stored cancellation count: the month (`YYYY-MM`), the reason as stored (`None`:
/// none given), how many.
pub type Row = (String, Option<String>, u32);

/// The cancellations from `since` through `today`, grouped by month and stored reason.
/// Reads the partial index of cancellations (migration 0012), not every change.
pub fn read_rows(conn: &Connection, since: Date, today: Date) -> Result<Vec<Row>, StoreError> {
    conn.query_all(
        "SELECT substr(at, 1, 7), reason, count(*) FROM subscription_changes
         WHERE action = 'cancel' AND at >= ?1 AND substr(at, 1, 10) <= ?2
         GROUP BY 1, 2",
        params![since.to_string(), today.to_string()],
        |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
    )
}

pub fn read(conn: &Connection, since: Date, today: Date) -> Result<ByMonth, StoreError> {
    Ok(group(&read_rows(conn, since, today)?))
}

/// The rows by month, each stored reason read as the contract's (an unknown name is
/// `other`, an empty or absent one "not given").
pub fn group(rows: &[Row]) -> ByMonth {
    let mut by_month = ByMonth::new();
    for (month, reason, n) in rows {
        let Some(month) = Month::parse_prefix(month) else {
            continue;
        };
        let reason = reason
            .as_deref()
            .filter(|r| !r.is_empty())
            .map(|r| CancelReason::from_wire(r).unwrap_or(CancelReason::Unknown));
        by_month.entry(month).or_default().add(reason, *n);
    }
    by_month
}

/// Every month of `months` (oldest first), zero when nobody cancelled, and the total.
pub fn compute(by_month: &ByMonth, months: &[Month]) -> CancelReasonMetrics {
    let months: Vec<CancelReasonMonth> = months
        .iter()
        .map(|m| CancelReasonMonth {
            month: m.to_string(),
            counts: by_month.get(m).cloned().unwrap_or_default(),
        })
        .collect();
    let mut total = CancelReasonCounts::default();
    for m in &months {
        let c = &m.counts;
        total.too_much_product += c.too_much_product;
        total.too_expensive += c.too_expensive;
        total.no_longer_needed += c.no_longer_needed;
        total.trying_something_else += c.trying_something_else;
        total.other += c.other;
        total.not_given += c.not_given;
    }
    CancelReasonMetrics {
        definition: DEFINITION.to_owned(),
        months,
        total,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_read_by_their_wire_names_and_months_zero_filled() {
        let months = super::super::covered_months("2026-03-15".parse().unwrap());
        let rows: Vec<Row> = vec![
            ("2026-02".into(), Some("too_expensive".into()), 3),
            ("2026-02".into(), None, 2),
            ("2026-02".into(), Some("unknown".into()), 1),
            ("2026-02".into(), Some("a newer reason".into()), 1),
            ("2026-03".into(), Some("no_longer_needed".into()), 1),
            ("2026-03".into(), Some(String::new()), 1),
            // Outside the covered months: not in any month, nor in the total.
            ("2024-01".into(), Some("too_expensive".into()), 9),
        ];
        let out = compute(&group(&rows), &months);
        assert_eq!(out.months.len(), 12);
        let feb = &out.months[10];
        assert_eq!(feb.month, "2026-02");
        assert_eq!(
            (
                feb.counts.too_expensive,
                feb.counts.not_given,
                feb.counts.other
            ),
            (3, 2, 2)
        );
        assert_eq!(feb.counts.total(), 7);
        let march = &out.months[11].counts;
        assert_eq!((march.no_longer_needed, march.not_given), (1, 1));
        assert_eq!(out.total.too_expensive, 3);
        assert_eq!(out.total.total(), 9);
        assert_eq!(out.months[0].counts, CancelReasonCounts::default());
    }
}
