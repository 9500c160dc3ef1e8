//! The optimistic prediction of a self-service change: what a subscription will look like
//! once the server accepts the change, shown at once and replaced by the server's answer (or
//! rolled back) when it arrives. A display prediction only; the server is the authority.

use cadence_contract::{Subscription, SubscriptionChange, SubscriptionStatus, UpcomingDelivery};

/// The subscription as the shopper should see it right after asking for `change`.
pub(crate) fn after_change(current: &Subscription, change: &SubscriptionChange) -> Subscription {
    let mut s = current.clone();
    match change {
        SubscriptionChange::Skip { date } => mark(&mut s.upcoming, *date, true),
        SubscriptionChange::Unskip { date } => mark(&mut s.upcoming, *date, false),
        SubscriptionChange::Pause | SubscriptionChange::PauseFor { .. } => {
            s.status = SubscriptionStatus::Paused;
        }
        SubscriptionChange::PauseUntil { date } => {
            s.status = SubscriptionStatus::Paused;
            s.paused_until = Some(*date);
        }
        SubscriptionChange::Resume | SubscriptionChange::Reactivate => {
            s.status = SubscriptionStatus::Active;
            s.paused_until = None;
            s.cancelled_on = None;
        }
        SubscriptionChange::Reschedule { date } => {
            s.upcoming.retain(|u| u.date >= *date);
            if s.upcoming.first().map(|u| u.date) != Some(*date) {
                s.upcoming.insert(
                    0,
                    UpcomingDelivery {
                        date: *date,
                        skipped: false,
                        extras: vec![],
                    },
                );
            }
        }
        SubscriptionChange::ShipNow => {}
        SubscriptionChange::SetInterval { interval } => s.interval = *interval,
        SubscriptionChange::SetQuantity { quantity } => {
            if s.quantity > 0 {
                let unit = s.price_per_delivery.amount_minor / i64::from(s.quantity);
                s.price_per_delivery.amount_minor = unit * i64::from(*quantity);
                if let Some(coming) = &mut s.coming_price {
                    let unit = coming.price_per_delivery.amount_minor / i64::from(s.quantity);
                    coming.price_per_delivery.amount_minor = unit * i64::from(*quantity);
                }
            }
            s.quantity = *quantity;
        }
        SubscriptionChange::Swap { sku } => {
            if let Some(option) = s.swap_options.iter().find(|o| &o.sku == sku).cloned() {
                s.sku = option.sku;
                s.product_name = option.name;
                s.price_per_delivery = option.price.times(s.quantity);
                // A swap is a new agreement at the new product's price.
                s.coming_price = None;
            }
        }
        SubscriptionChange::AddOnce { sku, quantity } => {
            if let Some(next) = s.upcoming.iter_mut().find(|u| !u.skipped) {
                next.extras.push(cadence_contract::ExtraItem {
                    sku: sku.clone(),
                    name: sku.clone(),
                    quantity: *quantity,
                    price: cadence_contract::Money::new(0, s.price_per_delivery.currency.clone()),
                });
            }
        }
        SubscriptionChange::Cancel { .. } => {
            s.status = SubscriptionStatus::Cancelled;
            s.upcoming.clear();
            // Cancelled before it applies, a price change never does.
            s.coming_price = None;
        }
    }
    if s.status == SubscriptionStatus::Paused && s.paused_until.is_none() {
        s.upcoming.clear();
    }
    s.next_delivery = match s.status {
        SubscriptionStatus::Cancelled => None,
        _ => s.upcoming.iter().find(|u| !u.skipped).map(|u| u.date),
    };
    s
}

fn mark(upcoming: &mut [UpcomingDelivery], date: cadence_contract::Date, skipped: bool) {
    for u in upcoming.iter_mut().filter(|u| u.date == date) {
        u.skipped = skipped;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cadence_contract::{Interval, Money, SwapOption};

    fn d(s: &str) -> cadence_contract::Date {
        s.parse().unwrap()
    }

    fn sub() -> Subscription {
        let upcoming = ["2026-12-01", "2026-12-29", "2027-01-26"]
            .iter()
            .map(|s| UpcomingDelivery {
                date: d(s),
                skipped: false,
                extras: vec![],
            })
            .collect();
        Subscription {
            id: "sub_1".into(),
            sku: "CAPS-INTENSO".into(),
            product_name: "Intenso".into(),
            quantity: 2,
            interval: Interval::weeks(4),
            status: SubscriptionStatus::Active,
            next_delivery: Some(d("2026-12-01")),
            price_per_delivery: Money::new(3150, "EUR"),
            version: 3,
            upcoming,
            allowed_intervals: vec![Interval::weeks(2), Interval::weeks(4)],
            swap_options: vec![SwapOption {
                sku: "CAPS-LUNGO".into(),
                name: "Lungo".into(),
                price: Money::new(1620, "EUR"),
            }],
            paused_until: None,
            cancelled_on: None,
            reactivate_until: None,
            max_pause_until: None,
            payment_problem: false,
            update_payment_url: None,
            coming_price: None,
            withdrawable_until: None,
        }
    }

    #[test]
    fn skipping_the_next_delivery_moves_next_delivery() {
        let s = after_change(
            &sub(),
            &SubscriptionChange::Skip {
                date: d("2026-12-01"),
            },
        );
        assert_eq!(s.next_delivery, Some(d("2026-12-29")));
        let s = after_change(
            &s,
            &SubscriptionChange::Unskip {
                date: d("2026-12-01"),
            },
        );
        assert_eq!(s.next_delivery, Some(d("2026-12-01")));
    }

    #[test]
    fn quantity_and_swap_reprice() {
        let s = after_change(&sub(), &SubscriptionChange::SetQuantity { quantity: 3 });
        assert_eq!((s.quantity, s.price_per_delivery.amount_minor), (3, 4725));
        let s = after_change(
            &s,
            &SubscriptionChange::Swap {
                sku: "CAPS-LUNGO".into(),
            },
        );
        assert_eq!(
            (s.product_name.as_str(), s.price_per_delivery.amount_minor),
            ("Lungo", 4860)
        );
    }

    #[test]
    fn pause_and_cancel_clear_the_schedule() {
        let s = after_change(&sub(), &SubscriptionChange::Pause);
        assert_eq!(
            (s.status, s.next_delivery),
            (SubscriptionStatus::Paused, None)
        );
        let s = after_change(&sub(), &SubscriptionChange::Cancel { reason: None });
        assert_eq!(
            (s.status, s.next_delivery),
            (SubscriptionStatus::Cancelled, None)
        );
        let s = after_change(&s, &SubscriptionChange::Reactivate);
        assert_eq!(s.status, SubscriptionStatus::Active);
    }

    #[test]
    fn reschedule_puts_the_new_date_first() {
        let s = after_change(
            &sub(),
            &SubscriptionChange::Reschedule {
                date: d("2026-12-10"),
            },
        );
        assert_eq!(s.next_delivery, Some(d("2026-12-10")));
        assert_eq!(s.upcoming[1].date, d("2026-12-29"));
    }
}
