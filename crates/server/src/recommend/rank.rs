//! Ranking: drop what must never be shown (excluded, out of stock, not fitting), keep the
//! best reason per SKU, order by score (then SKU, so ties are stable), keep the top six.
//! Pure: unit tests feed it candidates and facts directly.

use super::Candidate;
use cadence_contract::{
    Money, ProductKind, ReasonCode, Recommendation, RecommendationAction, MAX_RECOMMENDATIONS,
};
use std::collections::{HashMap, HashSet};

/// What ranking needs to know about one candidate product.
#[derive(Clone, Debug)]
pub struct Info {
    pub name: String,
    pub price: Money,
    pub kind: ProductKind,
    pub in_stock: bool,
    pub subscribable: bool,
    /// The durables this product fits (empty: it fits anything / is not a part).
    pub fits_models: Vec<String>,
}

/// The request's facts that filter candidates.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    pub info: HashMap<String, Info>,
    /// Subscribed to, bought in the last 14 days, owned durables, the viewed product.
    pub excluded: HashSet<String>,
    /// The durables a part must fit to be shown: owned ones and the viewed one's.
    pub models: HashSet<String>,
    /// The customer's soonest active subscription: "add to next delivery" goes there.
    pub next_delivery_subscription: Option<String>,
}

/// Whether `info` may be shown given the models in play: a part that fits some machine
/// is shown only when it fits one of `models`.
pub fn fits(info: &Info, models: &HashSet<String>) -> bool {
    info.fits_models.is_empty() || info.fits_models.iter().any(|m| models.contains(m))
}

pub fn rank(candidates: Vec<Candidate>, facts: &Facts) -> Vec<Recommendation> {
    let mut best: HashMap<String, (Candidate, &Info)> = HashMap::new();
    for c in candidates {
        let Some(info) = facts.info.get(&c.sku) else {
            continue;
        };
        if facts.excluded.contains(&c.sku) || !info.in_stock || !fits(info, &facts.models) {
            continue;
        }
        match best.get(&c.sku) {
            Some((kept, _)) if kept.score >= c.score => {}
            _ => {
                best.insert(c.sku.clone(), (c, info));
            }
        }
    }
    let mut kept: Vec<_> = best.into_values().collect();
    kept.sort_by(|(a, _), (b, _)| b.score.cmp(&a.score).then_with(|| a.sku.cmp(&b.sku)));
    kept.truncate(MAX_RECOMMENDATIONS);
    kept.into_iter()
        .map(|(c, info)| recommendation(c, info, facts))
        .collect()
}

fn recommendation(c: Candidate, info: &Info, facts: &Facts) -> Recommendation {
    let mut actions = Vec::new();
    let mut subscription_id = None;
    let consumable = info.kind == ProductKind::Consumable;
    if c.reason == ReasonCode::BetterValue {
        actions.push(RecommendationAction::Subscribe);
    } else {
        if let (Some(sub), ReasonCode::DueSoon | ReasonCode::FitsWhatYouOwn) =
            (&facts.next_delivery_subscription, c.reason)
        {
            if info.kind != ProductKind::Durable {
                actions.push(RecommendationAction::AddToNextDelivery);
                subscription_id = Some(sub.clone());
            }
        }
        actions.push(RecommendationAction::AddToCart);
        if consumable && info.subscribable {
            actions.push(RecommendationAction::Subscribe);
        }
    }
    Recommendation {
        sku: c.sku,
        name: info.name.clone(),
        price: info.price.clone(),
        reason: c.reason,
        score: c.score,
        due_on: c.due_on,
        owned_model: c.owned_model,
        because_of: c.because_of,
        saving: c.saving,
        actions,
        subscription_id,
        // Filled in by `recommend`, which can read the product's offer.
        subscribe_interval: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cadence_contract::{Money, ProductKind};

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
}
