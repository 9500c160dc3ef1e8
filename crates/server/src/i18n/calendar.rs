//! The words of calendar files: event titles and descriptions, in the shopper's language.

use super::{money, Lang};
use cadence_contract::Money;

/// "Delivery: 2 × Intenso capsules".
pub fn delivery(lang: Lang, quantity: u32, product: &str) -> String {
    let word = match lang {
        Lang::En => "Delivery",
        Lang::Fr => "Livraison",
        Lang::De => "Lieferung",
    };
    format!("{word}: {quantity} × {product}")
}

/// What a subscription's delivery costs, and where to change it.
pub fn delivery_note(lang: Lang, price: &Money) -> String {
    let price = money(lang, price);
    match lang {
        Lang::En => {
            format!("{price} per delivery. Skip, reschedule or pause it in your account.")
        }
        Lang::Fr => format!(
            "{price} par livraison. Sautez-la, déplacez-la ou mettez-la en pause depuis votre \
             compte."
        ),
        Lang::De => format!(
            "{price} pro Lieferung. Überspringen, verschieben oder pausieren Sie sie in Ihrem \
             Konto."
        ),
    }
}

/// "Cost: €8.50", a maintenance run's consumables.
pub fn cost(lang: Lang, cost: &Money) -> String {
    let word = match lang {
        Lang::En => "Cost",
        Lang::Fr => "Coût",
        Lang::De => "Kosten",
    };
    format!("{word}: {}", money(lang, cost))
}

/// "How to: https://…", a maintenance guide.
pub fn guide(lang: Lang, url: &str) -> String {
    let words = match lang {
        Lang::En => "How to",
        Lang::Fr => "Comment faire",
        Lang::De => "Anleitung",
    };
    format!("{words}: {url}")
}

/// The name of a product plan's calendar: "Barista One plan".
pub fn plan_name(lang: Lang, product: &str) -> String {
    match lang {
        Lang::En => format!("{product} plan"),
        Lang::Fr => format!("Programme {product}"),
        Lang::De => format!("Plan für {product}"),
    }
}
