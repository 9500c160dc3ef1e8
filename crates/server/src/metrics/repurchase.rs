//! Repurchase at 30/60/90 days by cohort (the month of a customer's first order): read
//! each new customer's first and second order dates, then count per cohort and window.

use super::Month;
use crate::db::Connection;
use crate::db::StoreError;
use crate::params;
use cadence_contract::{
    ratio, Date, RepurchaseCohort, RepurchaseGroup, RepurchaseMetrics, RepurchaseRate,
    REPURCHASE_WINDOWS,
};
use std::collections::BTreeMap;

pub const DEFINITION: &str = "A cohort is the customers whose first order falls in that \
month; every order counts, subscription deliveries included. For a window of N days (30, 60 \
or 90), the rate is the share of the cohort's customers observed for at least N days (first \
order at least N days before the as-of date) who placed another order 1 to N days after \
their first. Another order on the day of the first does not count. Customers not yet \
observed for N days are left out of that window, not counted as lost.";

/// A customer's first order date and the date of their next order on a later day, and
/// the groups they are in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FirstOrders {
    pub first: Date,
    pub next: Option<Date>,
    /// Has (or had) a subscription.
    pub subscriber: bool,
    /// Owns a machine with maintenance routines.
    pub owner: bool,
    /// Is reminded of a task of a machine they own (`routine_reminders`).
    pub follower: bool,
}

/// One group of `RepurchaseMetrics::groups`: name, definition, who is in it.
type Group = (&'static str, &'static str, fn(&FirstOrders) -> bool);

const GROUPS: [Group; 4] = [
    (
        "subscribers",
        "Customers with a subscription, running or not.",
        |c| c.subscriber,
    ),
    ("one_time_buyers", "Customers who never subscribed.", |c| {
        !c.subscriber
    }),
    (
        "routine_followers",
        "Owners of a machine with maintenance who are reminded of its tasks today.",
        |c| c.owner && c.follower,
    ),
    (
        "owners_not_following",
        "Owners of a machine with maintenance who are not reminded of its tasks.",
        |c| c.owner && !c.follower,
    ),
];

/// Customers whose first order is between `since` and `today` (inclusive), with the date
/// of their next order on a later day, if any. One pass over `orders_by_customer`.
pub fn read(conn: &Connection, since: Date, today: Date) -> Result<Vec<FirstOrders>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT f.first,
                (SELECT min(o.ordered_on) FROM orders o
                 WHERE o.customer_id = f.customer_id AND o.ordered_on > f.first),
                EXISTS (SELECT 1 FROM subscriptions s WHERE s.customer_id = f.customer_id),
                EXISTS (SELECT 1 FROM owned_products op
                        JOIN maintenance_routines r ON r.durable_sku = op.sku
                        WHERE op.customer_id = f.customer_id),
                EXISTS (SELECT 1 FROM routine_reminders rr WHERE rr.customer_id = f.customer_id)
         FROM (SELECT customer_id, min(ordered_on) AS first FROM orders GROUP BY customer_id) f
         WHERE f.first >= ?1 AND f.first <= ?2",
    )?;
    let rows = stmt.query_map(params![since.to_string(), today.to_string()], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, Option<String>>(1)?,
            [row.get::<_, bool>(2)?, row.get(3)?, row.get(4)?],
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (first, next, [subscriber, owner, follower]) = row?;
        let parse = |s: &str| {
            s.parse::<Date>()
                .map_err(|_| StoreError::Corrupt(format!("orders.ordered_on {s:?} is not a date")))
        };
        out.push(FirstOrders {
            first: parse(&first)?,
            next: next.as_deref().map(parse).transpose()?,
            subscriber,
            owner,
            follower,
        });
    }
    Ok(out)
}

/// Counts per cohort month (every month of `months`, oldest first) and window.
pub fn compute(customers: &[FirstOrders], today: Date, months: &[Month]) -> RepurchaseMetrics {
    // Per month: customers, then (observed, repurchased) per window.
    let mut counts: BTreeMap<Month, (u32, [(u32, u32); 3])> =
        months.iter().map(|m| (*m, (0, [(0, 0); 3]))).collect();
    let mut counted = Vec::with_capacity(customers.len());
    for c in customers {
        let Some((customers, windows)) = counts.get_mut(&Month::of(c.first)) else {
            continue;
        };
        *customers += 1;
        count(c, today, windows);
        counted.push(c);
    }
    let rates = |windows: &[(u32, u32); 3]| -> Vec<RepurchaseRate> {
        REPURCHASE_WINDOWS
            .iter()
            .zip(windows)
            .map(|(days, (observed, repurchased))| RepurchaseRate {
                days: *days,
                observed: *observed,
                repurchased: *repurchased,
                rate: ratio(u64::from(*repurchased), u64::from(*observed)),
            })
            .collect()
    };
    let mut all = [(0, 0); 3];
    for (_, windows) in counts.values() {
        for (sum, (observed, repurchased)) in all.iter_mut().zip(windows) {
            sum.0 += observed;
            sum.1 += repurchased;
        }
    }
    RepurchaseMetrics {
        definition: DEFINITION.to_owned(),
        windows: REPURCHASE_WINDOWS.to_vec(),
        cohorts: counts
            .iter()
            .map(|(month, (customers, windows))| RepurchaseCohort {
                month: month.to_string(),
                customers: *customers,
                rates: rates(windows),
            })
            .collect(),
        all: rates(&all),
        groups: GROUPS
            .iter()
            .map(|(group, definition, member)| {
                let (mut customers, mut windows) = (0, [(0, 0); 3]);
                for c in counted.iter().filter(|c| member(c)) {
                    customers += 1;
                    count(c, today, &mut windows);
                }
                RepurchaseGroup {
                    group: (*group).to_owned(),
                    definition: (*definition).to_owned(),
                    customers,
                    rates: rates(&windows),
                }
            })
            .collect(),
    }
}

/// Adds customer `c` to `(observed, repurchased)` of each window they were observed for.
fn count(c: &FirstOrders, today: Date, windows: &mut [(u32, u32); 3]) {
    let age = c.first.days_until(today);
    for (window, (observed, repurchased)) in REPURCHASE_WINDOWS.iter().zip(windows.iter_mut()) {
        let days = i64::from(*window);
        if age < days {
            continue;
        }
        *observed += 1;
        let gap = c.next.map(|next| c.first.days_until(next));
        if gap.is_some_and(|gap| (1..=days).contains(&gap)) {
            *repurchased += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    fn customer(first: &str, next: Option<&str>) -> FirstOrders {
        FirstOrders {
            first: d(first),
            next: next.map(d),
            subscriber: false,
            owner: false,
            follower: false,
        }
    }

    #[test]
    fn windows_count_only_customers_observed_long_enough() {
        let today = d("2026-03-15");
        let months = super::super::covered_months(today);
        let out = compute(
            &[
                // 2025-12-01: 104 days old; next order 30 days later → in all windows.
                customer("2025-12-01", Some("2025-12-31")),
                // 31 days later: misses 30, makes 60 and 90.
                customer("2025-12-10", Some("2026-01-10")),
                // Never again; 85 days old, so not observed for 90 days.
                customer("2025-12-20", None),
                // 2026-02-01: 42 days old, observed for 30 only; next 5 days later.
                customer("2026-02-01", Some("2026-02-06")),
            ],
            today,
            &months,
        );
        let december = out.cohorts.iter().find(|c| c.month == "2025-12").unwrap();
        assert_eq!(december.customers, 3);
        let got: Vec<_> = december
            .rates
            .iter()
            .map(|r| (r.days, r.observed, r.repurchased))
            .collect();
        assert_eq!(got, [(30, 3, 1), (60, 3, 2), (90, 2, 2)]);
        let february = out.cohorts.iter().find(|c| c.month == "2026-02").unwrap();
        let got: Vec<_> = february
            .rates
            .iter()
            .map(|r| (r.observed, r.repurchased, r.rate))
            .collect();
        assert_eq!(got, [(1, 1, Some(1.0)), (0, 0, None), (0, 0, None)]);
        assert_eq!(out.cohorts.len(), 12, "every month, even empty ones");
        let all: Vec<_> = out
            .all
            .iter()
            .map(|r| (r.observed, r.repurchased))
            .collect();
        assert_eq!(all, [(4, 2), (3, 2), (2, 2)]);
    }

    #[test]
    fn groups_split_the_same_customers_by_what_they_use() {
        let today = d("2026-03-15");
        let months = super::super::covered_months(today);
        let with = |c: FirstOrders, subscriber, owner, follower| FirstOrders {
            subscriber,
            owner,
            follower,
            ..c
        };
        let out = compute(
            &[
                with(
                    customer("2025-12-01", Some("2025-12-20")),
                    true,
                    false,
                    false,
                ),
                with(customer("2025-12-01", None), false, true, true),
                with(
                    customer("2025-12-02", Some("2026-02-15")),
                    false,
                    true,
                    true,
                ),
                with(customer("2025-12-03", None), false, true, false),
                // Outside the covered months: in no group either.
                with(customer("2024-01-01", Some("2024-01-02")), true, true, true),
            ],
            today,
            &months,
        );
        let group = |name: &str| {
            let g = out.groups.iter().find(|g| g.group == name).unwrap();
            let rates: Vec<_> = g
                .rates
                .iter()
                .map(|r| (r.observed, r.repurchased))
                .collect();
            (g.customers, rates)
        };
        assert_eq!(group("subscribers"), (1, vec![(1, 1), (1, 1), (1, 1)]));
        assert_eq!(group("one_time_buyers"), (3, vec![(3, 0), (3, 0), (3, 1)]));
        assert_eq!(
            group("routine_followers"),
            (2, vec![(2, 0), (2, 0), (2, 1)])
        );
        assert_eq!(
            group("owners_not_following"),
            (1, vec![(1, 0), (1, 0), (1, 0)])
        );
    }
}
