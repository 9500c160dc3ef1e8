//! Every refusal a shopper can meet, worded in English, French and German. The English is
//! the API's reference text; the other two say the same, as a shop would say it.

use super::{long_date, Lang};
use cadence_contract::Refusal;

/// `why` in `lang`, one or two sentences a shopper can act on.
pub fn refusal(lang: Lang, why: &Refusal) -> String {
    match lang {
        Lang::En => english(why),
        Lang::Fr => french(why),
        Lang::De => german(why),
    }
}

fn english(why: &Refusal) -> String {
    use Refusal as R;
    let date = |d| long_date(Lang::En, d);
    match why {
        R::BeyondCalendar => "This date lies beyond the calendar we support.".into(),
        R::ReactivationWindowPassed => {
            "The time to reactivate this subscription has passed.".into()
        }
        R::CancelledReactivateFirst => {
            "This subscription is cancelled; reactivate it first.".into()
        }
        R::OnlyCancelledReactivates => "Only a cancelled subscription can be reactivated.".into(),
        R::CannotChangeHere => "This subscription cannot be changed here.".into(),
        R::PausedResumeFirst => {
            "This subscription is paused; resume it or choose when it restarts first.".into()
        }
        R::NotPaused => "This subscription is not paused.".into(),
        R::PausedNoAddOnce => "This subscription is paused; resume it to add to a delivery.".into(),
        R::AlreadyPaused => "This subscription is already paused.".into(),
        R::QuantityRange { max } => format!("Choose a quantity from 1 to {max}."),
        R::SkipNotOpen => "Choose one of the upcoming deliveries that is not skipped yet.".into(),
        R::UnskipNotSkipped => "Choose a skipped delivery that is still ahead.".into(),
        R::PauseDeliveriesRange { max } => format!("Pause for 1 to {max} deliveries."),
        R::RestartDateRange { last } => format!(
            "Choose a restart date after today and no later than {}.",
            date(*last)
        ),
        R::RescheduleRange { last } => {
            format!(
                "Choose a date after today and no later than {}.",
                date(*last)
            )
        }
        R::IntervalNotOffered => "Choose one of the delivery intervals this product offers.".into(),
        R::SwapNotOffered => "Choose one of the products offered as a swap.".into(),
        R::CancelOfferPauseOrSkip => {
            "Only a pause or a skip can be chosen on the cancel offer.".into()
        }
        R::SubscriptionCap {
            max,
            reactivating: false,
        } => format!(
            "You already have {max} subscriptions, the most one customer may hold; cancel one \
             before subscribing to another."
        ),
        R::SubscriptionCap {
            max,
            reactivating: true,
        } => format!(
            "You already have {max} subscriptions, the most one customer may hold; cancel one \
             before reactivating this one."
        ),
        R::NoNextDelivery => "This subscription has no next delivery.".into(),
        R::ShipNowUsedToday => {
            "Ship now was already used on this subscription today; it can be used again tomorrow."
                .into()
        }
        R::AddOnceOwnProduct => {
            "This is the subscription's own product; change the quantity instead.".into()
        }
        R::OutOfStock => "This product is out of stock.".into(),
        R::UnknownProduct => "No product has this SKU.".into(),
        R::NotSubscribable => "This product cannot be subscribed to.".into(),
        R::WithdrawalPeriodEnded { ended } => format!(
            "The withdrawal period of this subscription ended on {}; you can still cancel it at any time.",
            date(*ended)
        ),
        R::DoneInFuture => "The day it was done cannot be in the future.".into(),
        R::DoneBeforePurchase { purchased_on } => format!(
            "The day it was done cannot be before the machine was bought ({}).",
            date(*purchased_on)
        ),
    }
}

fn french(why: &Refusal) -> String {
    use Refusal as R;
    let date = |d| long_date(Lang::Fr, d);
    match why {
        R::BeyondCalendar => "Cette date dépasse le calendrier que nous gérons.".into(),
        R::ReactivationWindowPassed => "Le délai pour réactiver cet abonnement est passé.".into(),
        R::CancelledReactivateFirst => "Cet abonnement est résilié ; réactivez-le d’abord.".into(),
        R::OnlyCancelledReactivates => "Seul un abonnement résilié peut être réactivé.".into(),
        R::CannotChangeHere => "Cet abonnement ne peut pas être modifié ici.".into(),
        R::PausedResumeFirst => {
            "Cet abonnement est en pause ; reprenez-le ou choisissez d’abord sa date de reprise."
                .into()
        }
        R::NotPaused => "Cet abonnement n’est pas en pause.".into(),
        R::PausedNoAddOnce => {
            "Cet abonnement est en pause ; reprenez-le pour ajouter un article à une livraison."
                .into()
        }
        R::AlreadyPaused => "Cet abonnement est déjà en pause.".into(),
        R::QuantityRange { max } => format!("Choisissez une quantité de 1 à {max}."),
        R::SkipNotOpen => {
            "Choisissez l’une des prochaines livraisons qui n’est pas encore sautée.".into()
        }
        R::UnskipNotSkipped => "Choisissez une livraison sautée qui est encore à venir.".into(),
        R::PauseDeliveriesRange { max } => {
            format!("Mettez en pause pour 1 à {max} livraisons.")
        }
        R::RestartDateRange { last } => format!(
            "Choisissez une date de reprise après aujourd’hui et au plus tard le {}.",
            date(*last)
        ),
        R::RescheduleRange { last } => format!(
            "Choisissez une date après aujourd’hui et au plus tard le {}.",
            date(*last)
        ),
        R::IntervalNotOffered => {
            "Choisissez l’une des fréquences de livraison proposées pour ce produit.".into()
        }
        R::SwapNotOffered => "Choisissez l’un des produits proposés en échange.".into(),
        R::CancelOfferPauseOrSkip => {
            "Seules une pause ou une livraison sautée peuvent être choisies dans l’offre de \
             résiliation."
                .into()
        }
        R::SubscriptionCap {
            max,
            reactivating: false,
        } => format!(
            "Vous avez déjà {max} abonnements, le maximum par client ; résiliez-en un avant \
             d’en souscrire un autre."
        ),
        R::SubscriptionCap {
            max,
            reactivating: true,
        } => format!(
            "Vous avez déjà {max} abonnements, le maximum par client ; résiliez-en un avant \
             de réactiver celui-ci."
        ),
        R::NoNextDelivery => "Cet abonnement n’a pas de prochaine livraison.".into(),
        R::ShipNowUsedToday => {
            "« Expédier maintenant » a déjà été utilisé aujourd’hui pour cet abonnement ; \
             réessayez demain."
                .into()
        }
        R::AddOnceOwnProduct => {
            "C’est le produit de l’abonnement lui-même ; modifiez plutôt la quantité.".into()
        }
        R::OutOfStock => "Ce produit est en rupture de stock.".into(),
        R::UnknownProduct => "Aucun produit ne porte cette référence.".into(),
        R::NotSubscribable => "Ce produit n’est pas proposé en abonnement.".into(),
        R::WithdrawalPeriodEnded { ended } => format!(
            "Le délai de rétractation de cet abonnement a pris fin le {} ; vous pouvez toujours le résilier à tout moment.",
            date(*ended)
        ),
        R::DoneInFuture => "Le jour où c’était fait ne peut pas être dans le futur.".into(),
        R::DoneBeforePurchase { purchased_on } => format!(
            "Le jour où c’était fait ne peut pas précéder l’achat de la machine ({}).",
            date(*purchased_on)
        ),
    }
}

fn german(why: &Refusal) -> String {
    use Refusal as R;
    let date = |d| long_date(Lang::De, d);
    match why {
        R::BeyondCalendar => "Dieses Datum liegt jenseits unseres Kalenders.".into(),
        R::ReactivationWindowPassed => {
            "Die Frist, dieses Abo wieder zu aktivieren, ist abgelaufen.".into()
        }
        R::CancelledReactivateFirst => {
            "Dieses Abo ist gekündigt; aktivieren Sie es zuerst wieder.".into()
        }
        R::OnlyCancelledReactivates => {
            "Nur ein gekündigtes Abo kann wieder aktiviert werden.".into()
        }
        R::CannotChangeHere => "Dieses Abo kann hier nicht geändert werden.".into(),
        R::PausedResumeFirst => {
            "Dieses Abo ist pausiert; setzen Sie es fort oder wählen Sie zuerst, wann es wieder \
             beginnt."
                .into()
        }
        R::NotPaused => "Dieses Abo ist nicht pausiert.".into(),
        R::PausedNoAddOnce => {
            "Dieses Abo ist pausiert; setzen Sie es fort, um einer Lieferung etwas hinzuzufügen."
                .into()
        }
        R::AlreadyPaused => "Dieses Abo ist bereits pausiert.".into(),
        R::QuantityRange { max } => format!("Wählen Sie eine Menge von 1 bis {max}."),
        R::SkipNotOpen => {
            "Wählen Sie eine der kommenden Lieferungen, die noch nicht übersprungen ist.".into()
        }
        R::UnskipNotSkipped => {
            "Wählen Sie eine übersprungene Lieferung, die noch bevorsteht.".into()
        }
        R::PauseDeliveriesRange { max } => {
            format!("Pausieren Sie für 1 bis {max} Lieferungen.")
        }
        R::RestartDateRange { last } => format!(
            "Wählen Sie ein Datum für den Neustart nach heute und spätestens am {}.",
            date(*last)
        ),
        R::RescheduleRange { last } => format!(
            "Wählen Sie ein Datum nach heute und spätestens am {}.",
            date(*last)
        ),
        R::IntervalNotOffered => {
            "Wählen Sie einen der Lieferrhythmen, die dieses Produkt anbietet.".into()
        }
        R::SwapNotOffered => "Wählen Sie eines der zum Tausch angebotenen Produkte.".into(),
        R::CancelOfferPauseOrSkip => {
            "Im Kündigungsangebot können nur eine Pause oder das Überspringen gewählt werden."
                .into()
        }
        R::SubscriptionCap {
            max,
            reactivating: false,
        } => format!(
            "Sie haben bereits {max} Abos, die meisten, die ein Kunde haben kann; kündigen Sie \
             eines, bevor Sie ein weiteres abschließen."
        ),
        R::SubscriptionCap {
            max,
            reactivating: true,
        } => format!(
            "Sie haben bereits {max} Abos, die meisten, die ein Kunde haben kann; kündigen Sie \
             eines, bevor Sie dieses wieder aktivieren."
        ),
        R::NoNextDelivery => "Dieses Abo hat keine nächste Lieferung.".into(),
        R::ShipNowUsedToday => {
            "„Jetzt liefern“ wurde für dieses Abo heute schon genutzt; morgen geht es wieder."
                .into()
        }
        R::AddOnceOwnProduct => {
            "Das ist das Produkt des Abos selbst; ändern Sie stattdessen die Menge.".into()
        }
        R::OutOfStock => "Dieses Produkt ist nicht vorrätig.".into(),
        R::UnknownProduct => "Kein Produkt hat diese Artikelnummer.".into(),
        R::NotSubscribable => "Dieses Produkt ist nicht im Abo erhältlich.".into(),
        R::WithdrawalPeriodEnded { ended } => format!(
            "Die Widerrufsfrist dieses Abos endete am {}; kündigen können Sie es jederzeit.",
            date(*ended)
        ),
        R::DoneInFuture => "Der Tag der Erledigung kann nicht in der Zukunft liegen.".into(),
        R::DoneBeforePurchase { purchased_on } => format!(
            "Der Tag der Erledigung kann nicht vor dem Kauf der Maschine liegen ({}).",
            date(*purchased_on)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cadence_contract::Date;

    fn every_refusal() -> Vec<Refusal> {
        use Refusal as R;
        let day: Date = "2026-09-12".parse().unwrap();
        vec![
            R::BeyondCalendar,
            R::ReactivationWindowPassed,
            R::CancelledReactivateFirst,
            R::OnlyCancelledReactivates,
            R::CannotChangeHere,
            R::PausedResumeFirst,
            R::NotPaused,
            R::PausedNoAddOnce,
            R::AlreadyPaused,
            R::QuantityRange { max: 20 },
            R::SkipNotOpen,
            R::UnskipNotSkipped,
            R::PauseDeliveriesRange { max: 3 },
            R::RestartDateRange { last: day },
            R::RescheduleRange { last: day },
            R::IntervalNotOffered,
            R::SwapNotOffered,
            R::CancelOfferPauseOrSkip,
            R::SubscriptionCap {
                max: 25,
                reactivating: false,
            },
            R::SubscriptionCap {
                max: 25,
                reactivating: true,
            },
            R::NoNextDelivery,
            R::ShipNowUsedToday,
            R::AddOnceOwnProduct,
            R::OutOfStock,
            R::UnknownProduct,
            R::NotSubscribable,
            R::WithdrawalPeriodEnded { ended: day },
            R::DoneInFuture,
            R::DoneBeforePurchase { purchased_on: day },
        ]
    }

    #[test]
    fn every_refusal_reads_differently_in_each_language_and_keeps_its_figures() {
        let all = every_refusal();
        for why in &all {
            let [en, fr, de] = [Lang::En, Lang::Fr, Lang::De].map(|l| refusal(l, why));
            assert!(en != fr && en != de && fr != de, "{why:?} is untranslated");
            for text in [&en, &fr, &de] {
                assert!(text.ends_with('.'), "{text}");
                for figure in ["20", "3", "25", "12", "2026"] {
                    assert_eq!(
                        en.contains(figure),
                        text.contains(figure),
                        "{figure}: {text}"
                    );
                }
            }
        }
        // Each refusal has its own sentence: none is worded like another.
        let mut english: Vec<_> = all.iter().map(|w| refusal(Lang::En, w)).collect();
        english.sort();
        english.dedup();
        assert_eq!(english.len(), all.len());
    }

    #[test]
    fn dates_in_refusals_are_the_shoppers_own() {
        let why = Refusal::RescheduleRange {
            last: "2026-06-13".parse().unwrap(),
        };
        assert!(refusal(Lang::En, &why).ends_with("no later than 13 June 2026."));
        assert!(refusal(Lang::Fr, &why).ends_with("au plus tard le 13 juin 2026."));
        assert!(refusal(Lang::De, &why).ends_with("spätestens am 13. Juni 2026."));
    }
}
