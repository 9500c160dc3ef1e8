//! The words only the product page uses, in English, French and German: compiled into
//! the `product-view` module alone (see `i18n.rs`).

use super::{Locale, Words};

/// A sentence or label of the product page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum ProductKey {
    OneTimePrice,
    SubscribeAndSave,
    SubscribeSaving,
    OutOfStock,
    KindDurable,
    KindConsumable,
    KindAccessory,
    UnitsPerPack,
    PurchaseOptions,
    DeliverEvery,
    Terms,
    FirstDelivery,
    ChooseHowToBuy,
    YouSave,
    Subscribed,
    UsageAdvice,
    Community,
    PlanTitle,
    MonthlyCost,
    Guide,
    AddToCalendar,
    CalendarFeed,
    OwnedNote,
    FollowTitle,
    FollowToggle,
    FollowOn,
    FollowOff,
    FollowEmail,
    FollowSend,
    FollowCheckInbox,
}

impl Words for ProductKey {
    #[cfg(feature = "product-view")]
    fn text(self, locale: Locale) -> &'static str {
        match locale {
            Locale::En => en(self),
            Locale::Fr => fr(self),
            Locale::De => de(self),
        }
    }

    /// A module built without this view has no way to show these words.
    #[cfg(not(feature = "product-view"))]
    fn text(self, _: Locale) -> &'static str {
        ""
    }
}

#[cfg(feature = "product-view")]
fn en(key: ProductKey) -> &'static str {
    use ProductKey::*;
    match key {
        OneTimePrice => "One-time purchase",
        SubscribeAndSave => "Subscribe & save",
        SubscribeSaving => "Save {percent}% on every delivery",
        OutOfStock => "Out of stock",
        KindDurable => "Appliance",
        KindConsumable => "Consumable",
        KindAccessory => "Accessory",
        UnitsPerPack => "{count} per pack",
        PurchaseOptions => "Purchase options",
        DeliverEvery => "Deliver",
        Terms => "It renews until you cancel. Skip, pause or cancel any time in your account, without a fee. You may withdraw within 14 days.",
        FirstDelivery => "First delivery and charge on {date}, then {interval} at {price} per delivery.",
        ChooseHowToBuy => "Choose a one-time purchase or a subscription first.",
        YouSave => "You save {amount} per delivery.",
        Subscribed => "Subscribed! Your first delivery is on {date}.",
        UsageAdvice => "At {usage} {unit}, {packs} last about {days} days: {interval} suits you.",
        Community => "Most owners of this machine choose {interval} ({share}% of {owners} owners).",
        PlanTitle => "Your routine, month by month",
        MonthlyCost => "About {price} a month",
        Guide => "Guide",
        AddToCalendar => "Add to my calendar (.ics)",
        CalendarFeed => "Subscribe in your calendar app",
        OwnedNote => "Planned from your {model}, bought on {date}.",
        FollowTitle => "Remind me when maintenance is due",
        FollowToggle => "Remind me",
        FollowOn => "Done: we will e-mail you when a task falls due.",
        FollowOff => "Done: no more maintenance reminders.",
        FollowEmail => "Your e-mail address",
        FollowSend => "Send me a link to confirm",
        FollowCheckInbox => "Check your inbox: confirm with the link we sent to {email}. Nothing happens without it.",
    }
}

#[cfg(feature = "product-view")]
fn fr(key: ProductKey) -> &'static str {
    use ProductKey::*;
    match key {
        OneTimePrice => "Achat unique",
        SubscribeAndSave => "Abonnement économique",
        SubscribeSaving => "{percent} % d'économie à chaque livraison",
        OutOfStock => "En rupture de stock",
        KindDurable => "Appareil",
        KindConsumable => "Consommable",
        KindAccessory => "Accessoire",
        UnitsPerPack => "{count} par paquet",
        PurchaseOptions => "Options d'achat",
        DeliverEvery => "Livrer",
        Terms => "Renouvelé jusqu'à résiliation. Report, pause ou résiliation à tout moment dans votre compte, sans frais. Droit de rétractation de 14 jours.",
        FirstDelivery => "Première livraison et premier paiement le {date}, puis {interval} à {price} par livraison.",
        ChooseHowToBuy => "Choisissez d'abord un achat unique ou un abonnement.",
        YouSave => "Vous économisez {amount} par livraison.",
        Subscribed => "Abonnement créé ! Première livraison le {date}.",
        UsageAdvice => "À {usage} {unit}, {packs} durent environ {days} jours : {interval} vous convient.",
        Community => "La plupart des propriétaires de cette machine choisissent {interval} ({share} % de {owners} propriétaires).",
        PlanTitle => "Votre routine, mois par mois",
        MonthlyCost => "Environ {price} par mois",
        Guide => "Guide",
        AddToCalendar => "Ajouter à mon agenda (.ics)",
        CalendarFeed => "S'abonner dans votre application d'agenda",
        OwnedNote => "Planifié d'après votre {model}, acheté le {date}.",
        FollowTitle => "Me rappeler l'entretien",
        FollowToggle => "Me le rappeler",
        FollowOn => "C'est fait : nous vous écrirons quand une tâche arrive.",
        FollowOff => "C'est fait : plus de rappels d'entretien.",
        FollowEmail => "Votre adresse e-mail",
        FollowSend => "Recevoir un lien de confirmation",
        FollowCheckInbox => "Consultez votre boîte : confirmez avec le lien envoyé à {email}. Rien ne se passe sans lui.",
    }
}

#[cfg(feature = "product-view")]
fn de(key: ProductKey) -> &'static str {
    use ProductKey::*;
    match key {
        OneTimePrice => "Einmalkauf",
        SubscribeAndSave => "Abonnieren & sparen",
        SubscribeSaving => "{percent} % Ersparnis bei jeder Lieferung",
        OutOfStock => "Nicht vorrätig",
        KindDurable => "Gerät",
        KindConsumable => "Verbrauchsmaterial",
        KindAccessory => "Zubehör",
        UnitsPerPack => "{count} pro Packung",
        PurchaseOptions => "Kaufoptionen",
        DeliverEvery => "Liefern",
        Terms => "Verlängert sich bis zur Kündigung. Jederzeit aussetzen, pausieren oder kündigen, in Ihrem Konto, ohne Gebühr. 14 Tage Widerrufsrecht.",
        FirstDelivery => "Erste Lieferung und Zahlung am {date}, danach {interval} für {price} pro Lieferung.",
        ChooseHowToBuy => "Wählen Sie zuerst Einmalkauf oder Abonnement.",
        YouSave => "Sie sparen {amount} pro Lieferung.",
        Subscribed => "Abonniert! Ihre erste Lieferung kommt am {date}.",
        UsageAdvice => "Bei {usage} {unit} reichen {packs} etwa {days} Tage: {interval} passt zu Ihnen.",
        Community => "Die meisten Besitzer dieser Maschine wählen {interval} ({share} % von {owners} Besitzern).",
        PlanTitle => "Ihre Routine, Monat für Monat",
        MonthlyCost => "Etwa {price} pro Monat",
        Guide => "Anleitung",
        AddToCalendar => "In meinen Kalender (.ics)",
        CalendarFeed => "In Ihrer Kalender-App abonnieren",
        OwnedNote => "Geplant für Ihre {model}, gekauft am {date}.",
        FollowTitle => "An die Wartung erinnern",
        FollowToggle => "Erinnern",
        FollowOn => "Erledigt: Wir schreiben Ihnen, wenn eine Aufgabe fällig wird.",
        FollowOff => "Erledigt: Keine Wartungserinnerungen mehr.",
        FollowEmail => "Ihre E-Mail-Adresse",
        FollowSend => "Bestätigungslink senden",
        FollowCheckInbox => "Sehen Sie in Ihr Postfach: Bestätigen Sie mit dem Link an {email}. Ohne ihn geschieht nichts.",
    }
}
