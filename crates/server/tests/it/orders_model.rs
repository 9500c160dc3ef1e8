//! Property: any interleaving of shopper changes (skip, pause, resume, reschedule,
//! quantity, cancel, reactivate), scheduler runs and clock moves (backwards too) yields
//! exactly one order and one `order.created` per due delivery, and the schedule the API
//! shows agrees with `changes_model`'s simple model.
//!
//! The model of deliveries is the rule the README states: a delivery falls due when the
//! clock reaches the next delivery the subscription last promised (the one stored when it
//! last changed or delivered), and a run or a change delivers every such date up to now,
//! each date once, ever. What the model keeps is only what the server keeps: a schedule
//! settles when it is saved (a change, a delivery), not when the clock moves.

use crate::changes_model::{agree, plus, Model, Status};
use crate::common::*;
use crate::orders_support::*;
use cadence_contract::Date;
use proptest::prelude::*;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Debug)]
enum Op {
    Skip(usize),
    Pause,
    PauseUntil(i64),
    Resume,
    Reschedule(i64),
    Quantity(u32),
    Cancel,
    Reactivate,
    Run,
    Move(i64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0usize..6).prop_map(Op::Skip),
        1 => Just(Op::Pause),
        1 => (1i64..60).prop_map(Op::PauseUntil),
        1 => Just(Op::Resume),
        2 => (1i64..60).prop_map(Op::Reschedule),
        1 => (1u32..5).prop_map(Op::Quantity),
        1 => Just(Op::Cancel),
        1 => Just(Op::Reactivate),
        4 => Just(Op::Run),
        2 => (-20i64..-1).prop_map(Op::Move),
        5 => (1i64..45).prop_map(Op::Move),
    ]
}

/// The model schedule, the next delivery it last promised, and the dates delivered.
#[derive(Clone, Debug)]
struct World {
    model: Model,
    next_due: Option<Date>,
    delivered: BTreeSet<Date>,
}

impl World {
    /// The schedule `model` as of `day`, settled (what a read or a save sees).
    fn settled_on(&self, day: Date) -> Model {
        let mut m = self.model.clone();
        m.today = day;
        m.settle();
        m
    }

    /// A run (or the start of a change) at `today`: every promised date up to today.
    fn deliver(&mut self, today: Date) {
        while let Some(date) = self.next_due.filter(|d| *d <= today) {
            // The schedule must still hold the date as next the day before.
            let expected = self.settled_on(plus(date, -1)).next();
            if expected != Some(date) {
                self.next_due = expected;
                continue;
            }
            if self.delivered.insert(date) {
                self.model = self.settled_on(date);
                self.next_due = self.model.next();
            } else {
                // Delivered already (the clock came back): only the promise moves on.
                self.next_due = self.settled_on(date).next();
            }
        }
        self.model.today = today;
    }
}

fn body(op: &Op, today: Date, api: &Value) -> Value {
    let day = |n: i64| plus(today, n).to_string();
    match op {
        Op::Skip(i) => {
            let open: Vec<&Value> = api["upcoming"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|u| u["skipped"] == false)
                .collect();
            let date = open.get(i % open.len().max(1)).map(|u| u["date"].clone());
            json!({"action": "skip", "date": date.unwrap_or(json!(day(3)))})
        }
        Op::Pause => json!({"action": "pause"}),
        Op::PauseUntil(n) => json!({"action": "pause_until", "date": day(*n)}),
        Op::Resume => json!({"action": "resume"}),
        Op::Reschedule(n) => json!({"action": "reschedule", "date": day(*n)}),
        Op::Quantity(q) => json!({"action": "set_quantity", "quantity": q}),
        Op::Cancel => json!({"action": "cancel", "reason": "other"}),
        Op::Reactivate => json!({"action": "reactivate"}),
        Op::Run | Op::Move(_) => unreachable!(),
    }
}

/// Ada's delivery orders and `order.created` events agree with the model's dates: one
/// each, no more.
fn orders_agree(app: &TestApp, world: &World) -> Result<(), TestCaseError> {
    let expected: Vec<String> = world.delivered.iter().map(Date::to_string).collect();
    let orders: Vec<String> = deliveries(app, ADA_SUB)
        .into_iter()
        .map(|(d, _)| d)
        .collect();
    prop_assert_eq!(&orders, &expected);
    let mut events: BTreeMap<String, usize> = BTreeMap::new();
    for date in created_for(app, ADA_SUB) {
        *events.entry(date).or_default() += 1;
    }
    prop_assert!(events.values().all(|n| *n == 1), "{:?}", events);
    prop_assert_eq!(events.into_keys().collect::<Vec<_>>(), expected);
    Ok(())
}

async fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let app = TestApp::new();
    let start: Date = "2026-03-15".parse().unwrap();
    let mut world = World {
        model: Model {
            today: start,
            status: Status::Active,
            quantity: 2,
            weeks: 4,
            sku: "CAPS-INTENSO",
            anchor: plus(start, -94),
            skips: BTreeSet::new(),
            paused_until: None,
            reactivate_until: None,
            shipped_now_on: None,
        },
        next_due: Some("2026-04-02".parse().unwrap()),
        delivered: BTreeSet::new(),
    };
    let mut today = start;
    for op in ops {
        let date = today.to_string();
        match op {
            Op::Move(days) => {
                today = plus(today, days);
                world.model.today = today;
                continue;
            }
            Op::Run => {
                run_on(&app, &date).await;
                world.deliver(today);
                orders_agree(&app, &world)?;
            }
            ref change => {
                let (api, _) = subscription_on(&app, &date).await;
                let body = body(change, today, &api);
                let before = world.clone();
                world.deliver(today);
                let expected = world.model.apply(&body);
                if expected == 200 {
                    world.next_due = world.model.next();
                } else {
                    world = before;
                }
                let reply = change_on(&app, &date, &body.to_string()).await;
                prop_assert_eq!(
                    reply.status.as_u16(),
                    expected,
                    "{} on {} → {}",
                    body,
                    date,
                    reply.text()
                );
            }
        }
        let (api, _) = subscription_on(&app, &date).await;
        agree(&world.settled_on(today), &api)?;
    }
    // Whatever happened, a last run delivers everything due, once.
    run_on(&app, &today.to_string()).await;
    world.deliver(today);
    orders_agree(&app, &world)
}

proptest! {
    // Each case builds a fresh database; 32 cases of up to 30 steps take a few seconds.
    #![proptest_config(ProptestConfig {
        cases: 32,
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::WithSource("proptest-regressions"),
        )),
        ..ProptestConfig::default()
    })]

    #[test]
    fn every_due_delivery_is_one_order_and_one_event(ops in prop::collection::vec(op(), 1..30)) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(run(ops))?;
    }
}
