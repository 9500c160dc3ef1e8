//! The widget's words in English, French and German.
//!
//! Each language is one exhaustive `match` over [`Key`], so a key missing in any
//! language is a compile error rather than a blank on a shopper's screen. Numbers,
//! prices and dates are not here: the browser's `Intl` formats them (see `format`).

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Locale {
    En,
    Fr,
    De,
}

impl Locale {
    pub const ALL: [Locale; 3] = [Locale::En, Locale::Fr, Locale::De];

    /// The translation for a BCP 47 tag's primary language, if we have one.
    pub fn from_tag(tag: &str) -> Option<Locale> {
        let primary = tag.split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Locale::En),
            "fr" => Some(Locale::Fr),
            "de" => Some(Locale::De),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Key {
    Loading,
    ErrorTitle,
    ErrorNetwork,
    ErrorServer,
    ErrorNotFound,
    ErrorSignIn,
    ErrorSetup,
    Retry,
    OneTimePrice,
    SubscribeAndSave,
    SubscribeSaving,
    PerDelivery,
    OutOfStock,
    KindDurable,
    KindConsumable,
    KindAccessory,
    UnitsPerPack,
    YourSubscriptions,
    NoSubscriptions,
    Quantity,
    Frequency,
    NextDelivery,
    Price,
    StatusActive,
    StatusPaused,
    StatusCancelled,
    StatusUnknown,
    EveryDay,
    EveryDays,
    EveryWeek,
    EveryWeeks,
    EveryMonth,
    EveryMonths,
}

/// The text for `key` in `locale`.
pub fn t(locale: Locale, key: Key) -> &'static str {
    match locale {
        Locale::En => en(key),
        Locale::Fr => fr(key),
        Locale::De => de(key),
    }
}

fn en(key: Key) -> &'static str {
    use Key::*;
    match key {
        Loading => "Loading…",
        ErrorTitle => "This part of the page is unavailable right now.",
        ErrorNetwork => {
            "We couldn't reach the shop's service. Check your connection and try again."
        }
        ErrorServer => "The shop's service had a problem. Please try again in a moment.",
        ErrorNotFound => "This product isn't available here.",
        ErrorSignIn => "Your session has ended. Please sign in again to manage your subscriptions.",
        ErrorSetup => "This section isn't set up correctly.",
        Retry => "Try again",
        OneTimePrice => "One-time purchase",
        SubscribeAndSave => "Subscribe & save",
        SubscribeSaving => "Save {percent}% on every delivery",
        PerDelivery => "per delivery",
        OutOfStock => "Out of stock",
        KindDurable => "Appliance",
        KindConsumable => "Consumable",
        KindAccessory => "Accessory",
        UnitsPerPack => "{count} per pack",
        YourSubscriptions => "Your subscriptions",
        NoSubscriptions => "You have no subscriptions yet.",
        Quantity => "Quantity",
        Frequency => "Frequency",
        NextDelivery => "Next delivery",
        Price => "Price",
        StatusActive => "Active",
        StatusPaused => "Paused",
        StatusCancelled => "Cancelled",
        StatusUnknown => "Updating",
        EveryDay => "Every day",
        EveryDays => "Every {count} days",
        EveryWeek => "Every week",
        EveryWeeks => "Every {count} weeks",
        EveryMonth => "Every month",
        EveryMonths => "Every {count} months",
    }
}

fn fr(key: Key) -> &'static str {
    use Key::*;
    match key {
        Loading => "Chargement…",
        ErrorTitle => "Cette partie de la page est indisponible pour le moment.",
        ErrorNetwork => "Impossible de joindre le service de la boutique. Vérifiez votre connexion et réessayez.",
        ErrorServer => "Le service de la boutique a rencontré un problème. Réessayez dans un instant.",
        ErrorNotFound => "Ce produit n'est pas disponible ici.",
        ErrorSignIn => "Votre session a expiré. Reconnectez-vous pour gérer vos abonnements.",
        ErrorSetup => "Cette section n'est pas configurée correctement.",
        Retry => "Réessayer",
        OneTimePrice => "Achat unique",
        SubscribeAndSave => "Abonnement économique",
        SubscribeSaving => "{percent} % d'économie à chaque livraison",
        PerDelivery => "par livraison",
        OutOfStock => "En rupture de stock",
        KindDurable => "Appareil",
        KindConsumable => "Consommable",
        KindAccessory => "Accessoire",
        UnitsPerPack => "{count} par paquet",
        YourSubscriptions => "Vos abonnements",
        NoSubscriptions => "Vous n'avez pas encore d'abonnement.",
        Quantity => "Quantité",
        Frequency => "Fréquence",
        NextDelivery => "Prochaine livraison",
        Price => "Prix",
        StatusActive => "Actif",
        StatusPaused => "En pause",
        StatusCancelled => "Résilié",
        StatusUnknown => "Mise à jour",
        EveryDay => "Tous les jours",
        EveryDays => "Tous les {count} jours",
        EveryWeek => "Toutes les semaines",
        EveryWeeks => "Toutes les {count} semaines",
        EveryMonth => "Tous les mois",
        EveryMonths => "Tous les {count} mois",
    }
}

fn de(key: Key) -> &'static str {
    use Key::*;
    match key {
        Loading => "Wird geladen…",
        ErrorTitle => "Dieser Bereich ist gerade nicht verfügbar.",
        ErrorNetwork => "Der Dienst des Shops ist nicht erreichbar. Prüfen Sie Ihre Verbindung und versuchen Sie es erneut.",
        ErrorServer => "Beim Dienst des Shops ist ein Problem aufgetreten. Bitte versuchen Sie es gleich noch einmal.",
        ErrorNotFound => "Dieses Produkt ist hier nicht verfügbar.",
        ErrorSignIn => "Ihre Sitzung ist abgelaufen. Bitte melden Sie sich erneut an, um Ihre Abos zu verwalten.",
        ErrorSetup => "Dieser Bereich ist nicht richtig eingerichtet.",
        Retry => "Erneut versuchen",
        OneTimePrice => "Einmalkauf",
        SubscribeAndSave => "Abonnieren & sparen",
        SubscribeSaving => "{percent} % Ersparnis bei jeder Lieferung",
        PerDelivery => "pro Lieferung",
        OutOfStock => "Nicht vorrätig",
        KindDurable => "Gerät",
        KindConsumable => "Verbrauchsmaterial",
        KindAccessory => "Zubehör",
        UnitsPerPack => "{count} pro Packung",
        YourSubscriptions => "Ihre Abos",
        NoSubscriptions => "Sie haben noch keine Abos.",
        Quantity => "Menge",
        Frequency => "Häufigkeit",
        NextDelivery => "Nächste Lieferung",
        Price => "Preis",
        StatusActive => "Aktiv",
        StatusPaused => "Pausiert",
        StatusCancelled => "Gekündigt",
        StatusUnknown => "Wird aktualisiert",
        EveryDay => "Täglich",
        EveryDays => "Alle {count} Tage",
        EveryWeek => "Wöchentlich",
        EveryWeeks => "Alle {count} Wochen",
        EveryMonth => "Monatlich",
        EveryMonths => "Alle {count} Monate",
    }
}

/// `t` with `{name}` placeholders replaced, e.g. `("percent", "10")`.
pub fn tf(locale: Locale, key: Key, args: &[(&str, &str)]) -> String {
    let mut text = t(locale, key).to_owned();
    for (name, value) in args {
        text = text.replace(&format!("{{{name}}}"), value);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locale_from_tag() {
        assert_eq!(Locale::from_tag("fr-CA"), Some(Locale::Fr));
        assert_eq!(Locale::from_tag("DE"), Some(Locale::De));
        assert_eq!(Locale::from_tag("pt-BR"), None);
    }

    #[test]
    fn placeholders_are_filled_in_every_language() {
        for locale in Locale::ALL {
            let text = tf(locale, Key::SubscribeSaving, &[("percent", "10")]);
            assert!(
                text.contains("10") && !text.contains('{'),
                "{locale:?}: {text}"
            );
        }
    }
}
