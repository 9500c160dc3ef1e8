//! Unit tests of the generators (on the demo seed) and of the pure ranking.

use super::rank::{fits, rank, Facts, Info};
use super::{candidates, recommend, Candidate, Context};
use crate::clock::Clock;
use crate::db::Db;
use cadence_contract::{Date, Money, ProductKind, ReasonCode, RecommendationAction};
use std::collections::HashSet;

/// 2026-03-15, the integration tests' "today".
fn today() -> Date {
    Date::from_ymd(2026, 3, 15).unwrap()
}

fn seeded() -> (tempfile::TempDir, Db) {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = Db::open(&dir.path().join("t.db")).unwrap();
    crate::seed::seed_on_first_start(&mut db.conn().unwrap(), Clock::fixed_on(today())).unwrap();
    (dir, db)
}

fn info(fits_models: &[&str], in_stock: bool) -> Info {
    Info {
        name: "Thing".into(),
        price: Money::new(100, "EUR"),
        kind: ProductKind::Accessory,
        in_stock,
        subscribable: false,
        fits_models: fits_models.iter().map(|s| s.to_string()).collect(),
    }
}

fn cand(sku: &str, reason: ReasonCode, score: u32) -> Candidate {
    Candidate {
        sku: sku.into(),
        reason,
        score,
        ..Candidate::default()
    }
}

#[test]
fn due_soon_finds_adas_water_filter_with_its_date_and_machine() {
    let (_dir, db) = seeded();
    let found = candidates::due_soon(&db.conn().unwrap(), "cust_ada", today()).unwrap();
    // Bought 400 days ago, never logged, every 60 days: due in 20 days. Descaling was
    // logged 300 days ago (every 90): due in 60 days, too far.
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].sku, "WATER-FILTER");
    assert_eq!(found[0].due_on, today().add_days(20));
    assert_eq!(found[0].owned_model.as_deref(), Some("Barista One"));
    assert_eq!(found[0].score, 400 + 10 * 3);
}

#[test]
fn fits_owned_only_proposes_parts_of_owned_machines() {
    let (_dir, db) = seeded();
    let conn = db.conn().unwrap();
    let found = candidates::fits_owned(&conn, "cust_ada").unwrap();
    let skus: HashSet<_> = found.iter().map(|c| c.sku.as_str()).collect();
    assert!(skus.contains("MILK-FROTHER"));
    for c in &found {
        let fits: bool = conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM compatibility c JOIN owned_products o
                   ON o.sku = c.model_sku WHERE o.customer_id = 'cust_ada' AND c.fits_sku = ?1)",
                [&c.sku],
                |r| r.get(0),
            )
            .unwrap();
        assert!(fits, "{} does not fit", c.sku);
    }
    assert!(candidates::fits_owned(&conn, "cust_nobody")
        .unwrap()
        .is_empty());
}

#[test]
fn bought_together_respects_the_minimum_support() {
    let (_dir, db) = seeded();
    let conn = db.conn().unwrap();
    let found = candidates::bought_together(&conn, &["CAPS-INTENSO".into()]).unwrap();
    let skus: Vec<_> = found.iter().map(|c| (c.sku.as_str(), c.score)).collect();
    // Descaling kit: 3 shared orders; water filter: 3 (Ada's + 2); the machine: 1 (hidden).
    assert!(skus.contains(&("DESCALE-KIT", 203)), "{skus:?}");
    assert!(skus.contains(&("WATER-FILTER", 203)), "{skus:?}");
    assert!(!skus.iter().any(|(s, _)| *s == "BARISTA-ONE"));
    // Lungo + frother: only one order.
    assert!(candidates::bought_together(&conn, &["CAPS-LUNGO".into()])
        .unwrap()
        .iter()
        .all(|c| c.sku != "MILK-FROTHER"));
}

#[test]
fn better_value_only_when_subscribing_costs_less() {
    let (_dir, db) = seeded();
    let conn = db.conn().unwrap();
    // Grace bought Lungo one-time (10 % off by subscription: 165 cents less per pack).
    let found = candidates::better_value(&conn, "cust_grace", today()).unwrap();
    let lungo = found.iter().find(|c| c.sku == "CAPS-LUNGO").unwrap();
    assert_eq!(lungo.saving, Some(Money::new(165, "EUR")));
    assert!(found
        .iter()
        .all(|c| c.saving.as_ref().unwrap().amount_minor > 0));
    conn.execute("UPDATE products SET discount_percent = 0", [])
        .unwrap();
    assert!(candidates::better_value(&conn, "cust_grace", today())
        .unwrap()
        .is_empty());
}

#[test]
fn rank_drops_excluded_out_of_stock_and_misfits_and_keeps_the_best_reason() {
    let mut facts = Facts::default();
    facts.info.insert("A".into(), info(&["M1"], true));
    facts.info.insert("B".into(), info(&["M2"], true)); // fits another machine
    facts.info.insert("C".into(), info(&[], false)); // out of stock
    facts.info.insert("D".into(), info(&[], true)); // excluded
    facts.info.insert("E".into(), info(&[], true));
    facts.models.insert("M1".into());
    facts.excluded.insert("D".into());
    let out = rank(
        vec![
            cand("A", ReasonCode::BoughtTogether, 210),
            cand("A", ReasonCode::FitsWhatYouOwn, 300),
            cand("B", ReasonCode::FitsWhatYouOwn, 999),
            cand("C", ReasonCode::DueSoon, 999),
            cand("D", ReasonCode::DueSoon, 999),
            cand("E", ReasonCode::BoughtTogether, 205),
            cand("Z", ReasonCode::BoughtTogether, 205), // unknown product
        ],
        &facts,
    );
    let got: Vec<_> = out
        .iter()
        .map(|r| (r.sku.as_str(), r.reason, r.score))
        .collect();
    assert_eq!(
        got,
        [
            ("A", ReasonCode::FitsWhatYouOwn, 300),
            ("E", ReasonCode::BoughtTogether, 205)
        ]
    );
    assert!(out.iter().all(|r| !r.actions.is_empty()));
}

#[test]
fn rank_keeps_six_in_score_order() {
    let mut facts = Facts::default();
    let mut cands = Vec::new();
    for i in 0..10u32 {
        let sku = format!("S{i}");
        facts.info.insert(sku.clone(), info(&[], true));
        cands.push(cand(&sku, ReasonCode::BoughtTogether, 200 + i));
    }
    let out = rank(cands, &facts);
    assert_eq!(out.len(), 6);
    assert!(out.windows(2).all(|w| w[0].score >= w[1].score));
    assert_eq!(out[0].sku, "S9");
}

#[test]
fn fits_rule() {
    let models: HashSet<String> = ["M1".to_owned()].into();
    assert!(fits(&info(&[], true), &models));
    assert!(fits(&info(&["M2", "M1"], true), &models));
    assert!(!fits(&info(&["M2"], true), &models));
}

#[test]
fn anonymous_product_context_gets_no_personal_kinds() {
    let (_dir, db) = seeded();
    let ctx = Context {
        customer: None,
        viewed: Some("CAPS-INTENSO".into()),
    };
    let out = recommend(&db.conn().unwrap(), &ctx, today()).unwrap();
    assert!(!out.is_empty());
    for r in &out {
        assert_eq!(r.reason, ReasonCode::BoughtTogether, "{r:?}");
        assert!(r.because_of.is_some(), "{r:?}");
        assert_ne!(r.sku, "CAPS-INTENSO");
        assert!(r.subscription_id.is_none());
        assert!(!r.actions.contains(&RecommendationAction::AddToNextDelivery));
    }
}

#[test]
fn adas_account_excludes_what_she_subscribes_to_and_owns() {
    let (_dir, db) = seeded();
    let ctx = Context {
        customer: Some("cust_ada".into()),
        viewed: None,
    };
    let out = recommend(&db.conn().unwrap(), &ctx, today()).unwrap();
    let skus: Vec<_> = out.iter().map(|r| r.sku.as_str()).collect();
    assert!(!skus.contains(&"CAPS-INTENSO"), "{skus:?}");
    assert!(!skus.contains(&"BARISTA-ONE"), "{skus:?}");
    assert_eq!(out[0].sku, "WATER-FILTER");
    assert_eq!(out[0].reason, ReasonCode::DueSoon);
    let frother = out.iter().find(|r| r.sku == "MILK-FROTHER").unwrap();
    assert_eq!(frother.reason, ReasonCode::FitsWhatYouOwn);
}

#[test]
fn anonymous_machine_page_gets_what_fits_it_without_claiming_ownership() {
    let (_dir, db) = seeded();
    let conn = db.conn().unwrap();
    let ctx = Context {
        customer: None,
        viewed: Some("BARISTA-ONE".into()),
    };
    let out = recommend(&conn, &ctx, today()).unwrap();
    let fitting: HashSet<String> = conn
        .prepare("SELECT fits_sku FROM compatibility WHERE model_sku = 'BARISTA-ONE'")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(!out.is_empty());
    for r in &out {
        assert!(fitting.contains(&r.sku), "{r:?} does not fit the machine");
        assert!(r.owned_model.is_none(), "{r:?}");
        assert!(
            matches!(
                r.reason,
                ReasonCode::FitsWhatYouOwn | ReasonCode::BoughtTogether
            ),
            "{r:?}"
        );
        assert!(!r.actions.contains(&RecommendationAction::AddToNextDelivery));
    }
    assert!(out.iter().any(|r| r.reason == ReasonCode::FitsWhatYouOwn
        && r.because_of.as_deref() == Some("Barista One")));
}

#[test]
fn a_subscribe_action_names_the_products_default_cadence() {
    let (_dir, db) = seeded();
    let conn = db.conn().unwrap();
    let ctx = Context {
        customer: Some("cust_grace".into()),
        viewed: None,
    };
    let out = recommend(&conn, &ctx, today()).unwrap();
    // Grace's Lungo: a consumable she may subscribe to.
    let lungo = out.iter().find(|r| r.sku == "CAPS-LUNGO").unwrap();
    assert!(
        lungo.actions.contains(&RecommendationAction::Subscribe),
        "{lungo:?}"
    );
    let offer = crate::db::products::find(&conn, "CAPS-LUNGO")
        .unwrap()
        .unwrap()
        .subscription
        .unwrap();
    assert_eq!(lungo.subscribe_interval, Some(offer.default_interval));
    for r in &out {
        let subscribes = r.actions.contains(&RecommendationAction::Subscribe);
        assert_eq!(subscribes, r.subscribe_interval.is_some(), "{r:?}");
    }
    // A product that no longer offers a subscription loses the action, not the row.
    conn.execute("DELETE FROM product_intervals WHERE sku = 'CAPS-LUNGO'", [])
        .unwrap();
    let out = recommend(&conn, &ctx, today()).unwrap();
    let lungo = out.iter().find(|r| r.sku == "CAPS-LUNGO").unwrap();
    assert!(
        !lungo.actions.contains(&RecommendationAction::Subscribe),
        "{lungo:?}"
    );
    assert!(
        lungo.actions.contains(&RecommendationAction::AddToCart),
        "{lungo:?}"
    );
    assert_eq!(lungo.subscribe_interval, None);
}
