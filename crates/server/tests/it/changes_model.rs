//! State-machine property test: random sequences of changes (and days passing) go to the
//! real API and to a deliberately simple, independent model; they must agree on every
//! answer's status class and on status, quantity, interval and next delivery.
//!
//! The model walks dates day by day from the anchor (weekly intervals only) instead of
//! using `Interval::upcoming` or `Schedule`, so a shared bug cannot hide.

use crate::common::*;
use axum::http::StatusCode;
use cadence_contract::Date;
use cadence_server::clock::Clock;
use proptest::prelude::*;
use serde_json::{json, Value};
use std::collections::BTreeSet;

#[derive(Clone, Debug)]
enum Op {
    Skip(usize),
    Unskip(usize),
    SkipOff(i64),
    Pause,
    PauseFor(u32),
    PauseUntil(i64),
    Resume,
    Reschedule(i64),
    ShipNow,
    SetWeeks(u16),
    SetQuantity(u32),
    Swap(bool),
    Cancel,
    Reactivate,
    Wait(i64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0usize..6).prop_map(Op::Skip),
        2 => (0usize..6).prop_map(Op::Unskip),
        1 => (0i64..60).prop_map(Op::SkipOff),
        1 => Just(Op::Pause),
        1 => (0u32..8).prop_map(Op::PauseFor),
        1 => (-2i64..200).prop_map(Op::PauseUntil),
        1 => Just(Op::Resume),
        1 => (-2i64..100).prop_map(Op::Reschedule),
        1 => Just(Op::ShipNow),
        1 => (1u16..10).prop_map(Op::SetWeeks),
        1 => (0u32..23).prop_map(Op::SetQuantity),
        1 => any::<bool>().prop_map(Op::Swap),
        1 => Just(Op::Cancel),
        1 => Just(Op::Reactivate),
        2 => (0i64..45).prop_map(Op::Wait),
    ]
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Status {
    Active,
    Paused,
    Cancelled,
}

/// The model: the schedule as a starting day, a step in days, and explicit skips (also
/// the schedule model of `orders_model`).
#[derive(Clone, Debug)]
pub(crate) struct Model {
    pub(crate) today: Date,
    pub(crate) status: Status,
    pub(crate) quantity: u32,
    pub(crate) weeks: u16,
    pub(crate) sku: &'static str,
    pub(crate) anchor: Date,
    pub(crate) skips: BTreeSet<Date>,
    pub(crate) paused_until: Option<Date>,
    pub(crate) reactivate_until: Option<Date>,
    /// The day of the last ship now: at most one a day.
    pub(crate) shipped_now_on: Option<Date>,
}

pub(crate) fn plus(d: Date, n: i64) -> Date {
    d.add_days(n).unwrap()
}

impl Model {
    pub(crate) fn settle(&mut self) {
        if self.status == Status::Paused && self.paused_until.is_some_and(|p| p <= self.today) {
            self.status = Status::Active;
            self.paused_until = None;
        }
        let today = self.today;
        self.skips.retain(|d| *d > today);
    }

    /// Scheduled dates, walked one step at a time from the anchor.
    fn dates(&self, n: usize) -> Vec<Date> {
        if self.status == Status::Cancelled
            || (self.status == Status::Paused && self.paused_until.is_none())
        {
            return vec![];
        }
        let from = self
            .paused_until
            .unwrap_or(plus(self.today, 1))
            .max(plus(self.today, 1));
        let mut d = self.anchor;
        while d < from {
            d = plus(d, 7 * i64::from(self.weeks));
        }
        let mut out = vec![];
        while out.len() < n {
            out.push(d);
            d = plus(d, 7 * i64::from(self.weeks));
        }
        out
    }

    pub(crate) fn next(&self) -> Option<Date> {
        self.dates(self.skips.len() + 1)
            .into_iter()
            .find(|d| !self.skips.contains(d))
    }

    /// Applies `op` (already turned into a request body); the expected HTTP status.
    pub(crate) fn apply(&mut self, body: &Value) -> u16 {
        self.settle();
        let tomorrow = plus(self.today, 1);
        let date = |key: &str| body[key].as_str().and_then(|s| s.parse::<Date>().ok());
        let action = body["action"].as_str().unwrap();
        use Status::*;
        if self.status == Cancelled {
            if action != "reactivate" || self.reactivate_until.is_none_or(|r| self.today > r) {
                return 409;
            }
            if self.anchor <= self.today {
                self.anchor = tomorrow;
            }
            self.status = Active;
            self.reactivate_until = None;
            return 200;
        }
        let paused = self.status == Paused;
        match action {
            "reactivate" => return 409,
            "skip" | "unskip" | "reschedule" | "ship_now" | "pause_for" if paused => return 409,
            "pause" if paused && self.paused_until.is_none() => return 409,
            "resume" if !paused => return 409,
            _ => {}
        }
        match action {
            "skip" => {
                let d = date("date").unwrap();
                if !self.dates(6).contains(&d) || self.skips.contains(&d) {
                    return 422;
                }
                self.skips.insert(d);
            }
            "unskip" => {
                if !self.skips.remove(&date("date").unwrap()) {
                    return 422;
                }
            }
            "pause" => {
                self.status = Paused;
                self.paused_until = None;
                self.skips.clear();
            }
            "pause_for" => {
                let n = body["deliveries"].as_u64().unwrap() as usize;
                if !(1..=6).contains(&n) {
                    return 422;
                }
                let open: Vec<_> = self
                    .dates(20)
                    .into_iter()
                    .filter(|d| !self.skips.contains(d))
                    .collect();
                self.status = Paused;
                self.paused_until = Some(open[n]);
            }
            "pause_until" => {
                let d = date("date").unwrap();
                if d <= self.today || d > plus(self.today, 180) {
                    return 422;
                }
                (self.status, self.paused_until, self.anchor) = (Paused, Some(d), d);
                self.skips.clear();
            }
            "resume" => {
                (self.status, self.paused_until, self.anchor) = (Active, None, tomorrow);
                self.skips.clear();
            }
            "reschedule" => {
                let d = date("date").unwrap();
                if d <= self.today || d > plus(self.today, 90) {
                    return 422;
                }
                self.anchor = d;
            }
            "ship_now" => {
                if self.shipped_now_on == Some(self.today) {
                    return 409;
                }
                self.anchor = self.today;
                self.shipped_now_on = Some(self.today);
            }
            "set_interval" => {
                let weeks = body["interval"]["count"].as_u64().unwrap() as u16;
                if ![2, 4, 6, 8].contains(&weeks) {
                    return 422;
                }
                if let Some(next) = self.next() {
                    self.anchor = next;
                }
                self.weeks = weeks;
            }
            "set_quantity" => {
                let q = body["quantity"].as_u64().unwrap() as u32;
                if !(1..=20).contains(&q) {
                    return 422;
                }
                self.quantity = q;
            }
            "swap" => {
                let other = if self.sku == "CAPS-INTENSO" {
                    "CAPS-LUNGO"
                } else {
                    "CAPS-INTENSO"
                };
                if body["sku"] != other {
                    return 422;
                }
                self.sku = other;
            }
            "cancel" => {
                self.anchor = self.next().unwrap_or(self.today);
                (self.status, self.paused_until) = (Cancelled, None);
                self.skips.clear();
                self.reactivate_until = Some(plus(self.today, 30));
            }
            other => panic!("unknown action {other}"),
        }
        // Skips that fell off a moved schedule are forgotten.
        let on_schedule = self.dates(12 + self.skips.len());
        self.skips.retain(|d| on_schedule.contains(d));
        200
    }
}

fn body_for(op: &Op, model: &Model, api: &Value) -> Value {
    let day = |n: i64| plus(model.today, n).to_string();
    let upcoming = |i: usize, skipped: bool| {
        let list: Vec<_> = api["upcoming"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|u| u["skipped"] == skipped)
            .collect();
        list.get(i % list.len().max(1))
            .map(|u| u["date"].clone())
            .unwrap_or(json!(day(3)))
    };
    match op {
        Op::Skip(i) => json!({"action": "skip", "date": upcoming(*i, false)}),
        Op::Unskip(i) => json!({"action": "unskip", "date": upcoming(*i, true)}),
        Op::SkipOff(n) => json!({"action": "skip", "date": day(*n)}),
        Op::Pause => json!({"action": "pause"}),
        Op::PauseFor(n) => json!({"action": "pause_for", "deliveries": n}),
        Op::PauseUntil(n) => json!({"action": "pause_until", "date": day(*n)}),
        Op::Resume => json!({"action": "resume"}),
        Op::Reschedule(n) => json!({"action": "reschedule", "date": day(*n)}),
        Op::ShipNow => json!({"action": "ship_now"}),
        Op::SetWeeks(w) => {
            json!({"action": "set_interval", "interval": {"count": w, "unit": "week"}})
        }
        Op::SetQuantity(q) => json!({"action": "set_quantity", "quantity": q}),
        Op::Swap(lungo) => {
            json!({"action": "swap", "sku": if *lungo { "CAPS-LUNGO" } else { "CAPS-INTENSO" }})
        }
        Op::Cancel => json!({"action": "cancel", "reason": "other"}),
        Op::Reactivate => json!({"action": "reactivate"}),
        Op::Wait(_) => unreachable!(),
    }
}

/// The app as of `model.today`: same database, clock moved.
fn at(app: &TestApp, today: Date) -> TestApp {
    let mut state = app.state.clone();
    state.clock = Clock::fixed_on(today);
    TestApp {
        dir: tempfile::tempdir().unwrap(),
        state,
    }
}

async fn current(app: &TestApp, token: &str) -> (Value, String) {
    let reply = app
        .get_as(&format!("/api/v1/me/subscriptions/{ADA_SUB}"), token)
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    (reply.json(), reply.header("etag").unwrap().to_owned())
}

pub(crate) fn agree(model: &Model, api: &Value) -> Result<(), TestCaseError> {
    let status = match model.status {
        Status::Active => "active",
        Status::Paused => "paused",
        Status::Cancelled => "cancelled",
    };
    prop_assert_eq!(&api["status"], status);
    prop_assert_eq!(&api["quantity"], model.quantity);
    prop_assert_eq!(&api["sku"], model.sku);
    prop_assert_eq!(
        &api["interval"],
        &json!({"count": model.weeks, "unit": "week"})
    );
    prop_assert_eq!(
        api.get("next_delivery").cloned(),
        model.next().map(|d| json!(d.to_string()))
    );
    Ok(())
}

async fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let base = TestApp::new();
    let today: Date = "2026-03-15".parse().unwrap();
    let mut model = Model {
        today,
        status: Status::Active,
        quantity: 2,
        weeks: 4,
        sku: "CAPS-INTENSO",
        anchor: plus(today, -94),
        skips: BTreeSet::new(),
        paused_until: None,
        reactivate_until: None,
        shipped_now_on: None,
    };
    for op in ops {
        if let Op::Wait(days) = op {
            model.today = plus(model.today, days);
            model.settle();
            continue;
        }
        let app = at(&base, model.today);
        let token = app.state.keys.mint("cust_ada", 3600, app.state.clock);
        let (before, etag) = current(&app, &token).await;
        agree(&model, &before)?;
        let body = body_for(&op, &model, &before);
        let expected = model.apply(&body);
        let request = change_request(
            &token,
            ADA_SUB,
            Some(&etag),
            &fresh_key(),
            &body.to_string(),
        );
        let reply = app.send(request).await;
        prop_assert_eq!(
            reply.status.as_u16(),
            expected,
            "{} → {}",
            body,
            reply.text()
        );
        let (after, _) = current(&app, &token).await;
        if expected != 200 {
            prop_assert_eq!(&after, &before, "a refusal changed nothing");
        }
        agree(&model, &after)?;
    }
    Ok(())
}

proptest! {
    // Each case builds a fresh database; 40 cases of up to 25 steps run in a few seconds.
    // Failures are saved beside this file (changes_model.proptest-regressions), not in the
    // tests/proptest-regressions/ that proptest's default derives from this binary's main.rs.
    #![proptest_config(ProptestConfig {
        cases: 40,
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::WithSource("proptest-regressions"),
        )),
        ..ProptestConfig::default()
    })]

    #[test]
    fn the_api_agrees_with_a_simple_model(ops in prop::collection::vec(op(), 1..25)) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(run(ops))?;
    }
}
