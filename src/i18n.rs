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
    UpcomingDeliveries,
    Skipped,
    SkipDelivery,
    SkipDeliveryOn,
    UnskipDelivery,
    UnskipDeliveryOn,
    Manage,
    Pause,
    PauseHowLong,
    PauseOpenEnded,
    PauseForOne,
    PauseForMany,
    PauseUntilDate,
    PauseDate,
    ConfirmPause,
    Resume,
    Reschedule,
    NewDate,
    ConfirmReschedule,
    ShipNow,
    ApplyFrequency,
    DecreaseQuantity,
    IncreaseQuantity,
    SwapTo,
    ApplySwap,
    Cancel,
    CancelTitle,
    CancelWhatEnds,
    CancelReason,
    ReasonNone,
    ReasonTooMuch,
    ReasonTooExpensive,
    ReasonNotNeeded,
    ReasonSomethingElse,
    ReasonOther,
    PauseInstead,
    ConfirmCancel,
    KeepSubscription,
    CancelledOn,
    ReactivateUntil,
    Reactivate,
    PausedUntil,
    PausedOpenEnded,
    RecentChanges,
    NoChanges,
    Saving,
    DoneSkip,
    DoneUnskip,
    DonePause,
    DoneResume,
    DoneReschedule,
    DoneShipNow,
    DoneInterval,
    DoneQuantity,
    DoneSwap,
    DoneCancel,
    DoneReactivate,
    ChangeFailed,
    ChangedElsewhere,
    HistoryCreate,
    HistoryChange,
    PurchaseOptions,
    DeliverEvery,
    Terms,
    FirstDelivery,
    YouSave,
    Subscribe,
    AddToCart,
    Subscribed,
    AddedToCart,
    ErrorBusy,
    ReasonFitsThis,
    InNextDelivery,
    SubscribeFailed,
    UsageAdvice,
    Community,
    PlanTitle,
    MonthlyCost,
    Guide,
    AddToCalendar,
    CalendarFeed,
    OwnedNote,
    RecommendedForYou,
    GoesWellWith,
    ReasonDueSoonModel,
    ReasonDueSoon,
    ReasonFits,
    ReasonBoughtWith,
    ReasonSaves,
    ReasonGeneric,
    AddToNextDelivery,
    RecoSubscribed,
    DoneAddOnce,
    DoneAddOnceNoDate,
    ExtraItem,
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
        UpcomingDeliveries => "Upcoming deliveries",
        Skipped => "Skipped",
        SkipDelivery => "Skip",
        SkipDeliveryOn => "Skip the delivery on {date}",
        UnskipDelivery => "Undo skip",
        UnskipDeliveryOn => "Restore the delivery on {date}",
        Manage => "Manage subscription",
        Pause => "Pause",
        PauseHowLong => "How long?",
        PauseOpenEnded => "Until I resume",
        PauseForOne => "For 1 delivery",
        PauseForMany => "For {count} deliveries",
        PauseUntilDate => "Until a date",
        PauseDate => "Resume on",
        ConfirmPause => "Pause subscription",
        Resume => "Resume",
        Reschedule => "Reschedule",
        NewDate => "New date for the next delivery",
        ConfirmReschedule => "Move delivery",
        ShipNow => "Ship now",
        ApplyFrequency => "Change frequency",
        DecreaseQuantity => "Decrease quantity",
        IncreaseQuantity => "Increase quantity",
        SwapTo => "Swap to",
        ApplySwap => "Swap product",
        Cancel => "Cancel subscription",
        CancelTitle => "Cancel your {product} subscription?",
        CancelWhatEnds => "No further deliveries will ship and nothing more will be charged, starting today. You can reactivate it for 30 days.",
        CancelReason => "Reason (optional)",
        ReasonNone => "Prefer not to say",
        ReasonTooMuch => "I have too much product",
        ReasonTooExpensive => "It's too expensive",
        ReasonNotNeeded => "I no longer need it",
        ReasonSomethingElse => "I'm trying something else",
        ReasonOther => "Another reason",
        PauseInstead => "Pause for 1 delivery instead",
        ConfirmCancel => "Yes, cancel",
        KeepSubscription => "Keep subscription",
        CancelledOn => "Cancelled on {date}.",
        ReactivateUntil => "You can reactivate it until {date}.",
        Reactivate => "Reactivate",
        PausedUntil => "Paused until {date}",
        PausedOpenEnded => "Paused until you resume",
        RecentChanges => "Recent changes",
        NoChanges => "No changes yet.",
        Saving => "Saving…",
        DoneSkip => "The delivery on {date} is skipped.",
        DoneUnskip => "The delivery on {date} is back.",
        DonePause => "Your subscription is paused.",
        DoneResume => "Your subscription is active again.",
        DoneReschedule => "Your next delivery is now on {date}.",
        DoneShipNow => "Your next delivery ships today.",
        DoneInterval => "Frequency changed: {interval}.",
        DoneQuantity => "Quantity changed to {count}.",
        DoneSwap => "You now receive {product}.",
        DoneCancel => "Your subscription is cancelled.",
        DoneReactivate => "Your subscription is reactivated.",
        ChangeFailed => "Your change was not saved, so nothing changed.",
        ChangedElsewhere => "This subscription was just changed elsewhere (another tab or device). You are now seeing the latest version; please check it and try again.",
        HistoryCreate => "Subscribed",
        HistoryChange => "Changed",
        PurchaseOptions => "Purchase options",
        DeliverEvery => "Deliver",
        Terms => "Pause, skip or cancel any time.",
        FirstDelivery => "First delivery on {date}, then {interval} at {price}.",
        YouSave => "You save {amount} per delivery.",
        Subscribe => "Subscribe",
        AddToCart => "Add to cart",
        Subscribed => "Subscribed! Your first delivery is on {date}.",
        AddedToCart => "Added to your cart.",
        SubscribeFailed => "Your subscription was not created, and nothing was charged.",
        UsageAdvice => "At {usage} {unit}, {packs} last about {days} days: {interval} suits you.",
        Community => "Most owners of this machine choose {interval} ({share}% of {owners} owners).",
        PlanTitle => "Your routine, month by month",
        MonthlyCost => "About {price} a month",
        Guide => "Guide",
        AddToCalendar => "Add to my calendar (.ics)",
        CalendarFeed => "Subscribe in your calendar app",
        OwnedNote => "Planned from your {model}, bought on {date}.",
        RecommendedForYou => "Recommended for you",
        GoesWellWith => "Goes well with this",
        ReasonDueSoonModel => "Your {model} needs it around {date}.",
        ReasonDueSoon => "Due around {date}.",
        ReasonFits => "Fits your {model}.",
        ReasonBoughtWith => "Often bought with {product}.",
        ReasonSaves => "Saves you {amount}.",
        ReasonGeneric => "Picked for you.",
        AddToNextDelivery => "Add to next delivery",
        RecoSubscribed => "Subscribed.",
        DoneAddOnce => "Added to your delivery on {date}.",
        DoneAddOnceNoDate => "Added to your next delivery.",
        ExtraItem => "+ {name} × {count}",
        InNextDelivery => "In your next delivery.",
        ReasonFitsThis => "Fits the {product}.",
        ErrorBusy => "The shop's service is busy right now. Try again in a moment.",
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
        UpcomingDeliveries => "Prochaines livraisons",
        Skipped => "Sautée",
        SkipDelivery => "Sauter",
        SkipDeliveryOn => "Sauter la livraison du {date}",
        UnskipDelivery => "Annuler",
        UnskipDeliveryOn => "Rétablir la livraison du {date}",
        Manage => "Gérer l'abonnement",
        Pause => "Mettre en pause",
        PauseHowLong => "Pour combien de temps ?",
        PauseOpenEnded => "Jusqu'à ce que je reprenne",
        PauseForOne => "Pendant 1 livraison",
        PauseForMany => "Pendant {count} livraisons",
        PauseUntilDate => "Jusqu'à une date",
        PauseDate => "Reprendre le",
        ConfirmPause => "Mettre l'abonnement en pause",
        Resume => "Reprendre",
        Reschedule => "Reprogrammer",
        NewDate => "Nouvelle date de la prochaine livraison",
        ConfirmReschedule => "Déplacer la livraison",
        ShipNow => "Expédier maintenant",
        ApplyFrequency => "Changer la fréquence",
        DecreaseQuantity => "Diminuer la quantité",
        IncreaseQuantity => "Augmenter la quantité",
        SwapTo => "Remplacer par",
        ApplySwap => "Changer de produit",
        Cancel => "Résilier l'abonnement",
        CancelTitle => "Résilier votre abonnement {product} ?",
        CancelWhatEnds => "Plus aucune livraison ni aucun prélèvement à partir d'aujourd'hui. Vous pourrez le réactiver pendant 30 jours.",
        CancelReason => "Motif (facultatif)",
        ReasonNone => "Je préfère ne pas répondre",
        ReasonTooMuch => "J'ai trop de produit",
        ReasonTooExpensive => "C'est trop cher",
        ReasonNotNeeded => "Je n'en ai plus besoin",
        ReasonSomethingElse => "J'essaie autre chose",
        ReasonOther => "Autre raison",
        PauseInstead => "Plutôt mettre en pause 1 livraison",
        ConfirmCancel => "Oui, résilier",
        KeepSubscription => "Garder l'abonnement",
        CancelledOn => "Résilié le {date}.",
        ReactivateUntil => "Vous pouvez le réactiver jusqu'au {date}.",
        Reactivate => "Réactiver",
        PausedUntil => "En pause jusqu'au {date}",
        PausedOpenEnded => "En pause jusqu'à votre reprise",
        RecentChanges => "Modifications récentes",
        NoChanges => "Aucune modification pour l'instant.",
        Saving => "Enregistrement…",
        DoneSkip => "La livraison du {date} est sautée.",
        DoneUnskip => "La livraison du {date} est rétablie.",
        DonePause => "Votre abonnement est en pause.",
        DoneResume => "Votre abonnement est de nouveau actif.",
        DoneReschedule => "Votre prochaine livraison est maintenant le {date}.",
        DoneShipNow => "Votre prochaine livraison part aujourd'hui.",
        DoneInterval => "Fréquence modifiée : {interval}.",
        DoneQuantity => "Quantité modifiée : {count}.",
        DoneSwap => "Vous recevez maintenant {product}.",
        DoneCancel => "Votre abonnement est résilié.",
        DoneReactivate => "Votre abonnement est réactivé.",
        ChangeFailed => "Votre modification n'a pas été enregistrée : rien n'a changé.",
        ChangedElsewhere => "Cet abonnement vient d'être modifié ailleurs (autre onglet ou appareil). Vous voyez maintenant la dernière version : vérifiez-la et réessayez.",
        HistoryCreate => "Abonnement souscrit",
        HistoryChange => "Modifié",
        PurchaseOptions => "Options d'achat",
        DeliverEvery => "Livrer",
        Terms => "Pause, report ou résiliation à tout moment.",
        FirstDelivery => "Première livraison le {date}, puis {interval} à {price}.",
        YouSave => "Vous économisez {amount} par livraison.",
        Subscribe => "S'abonner",
        AddToCart => "Ajouter au panier",
        Subscribed => "Abonnement créé ! Première livraison le {date}.",
        AddedToCart => "Ajouté à votre panier.",
        SubscribeFailed => "Votre abonnement n'a pas été créé et rien n'a été débité.",
        UsageAdvice => "À {usage} {unit}, {packs} durent environ {days} jours : {interval} vous convient.",
        Community => "La plupart des propriétaires de cette machine choisissent {interval} ({share} % de {owners} propriétaires).",
        PlanTitle => "Votre routine, mois par mois",
        MonthlyCost => "Environ {price} par mois",
        Guide => "Guide",
        AddToCalendar => "Ajouter à mon agenda (.ics)",
        CalendarFeed => "S'abonner dans votre application d'agenda",
        OwnedNote => "Planifié d'après votre {model}, acheté le {date}.",
        RecommendedForYou => "Recommandé pour vous",
        GoesWellWith => "Va bien avec ce produit",
        ReasonDueSoonModel => "Votre {model} en aura besoin vers le {date}.",
        ReasonDueSoon => "À prévoir vers le {date}.",
        ReasonFits => "Compatible avec votre {model}.",
        ReasonBoughtWith => "Souvent acheté avec {product}.",
        ReasonSaves => "Vous économisez {amount}.",
        ReasonGeneric => "Sélectionné pour vous.",
        AddToNextDelivery => "Ajouter à la prochaine livraison",
        RecoSubscribed => "Abonnement créé.",
        DoneAddOnce => "Ajouté à votre livraison du {date}.",
        DoneAddOnceNoDate => "Ajouté à votre prochaine livraison.",
        ExtraItem => "+ {name} × {count}",
        InNextDelivery => "Dans votre prochaine livraison.",
        ReasonFitsThis => "Compatible avec {product}.",
        ErrorBusy => "Le service de la boutique est très sollicité. Réessayez dans un instant.",
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
        UpcomingDeliveries => "Nächste Lieferungen",
        Skipped => "Ausgelassen",
        SkipDelivery => "Auslassen",
        SkipDeliveryOn => "Lieferung am {date} auslassen",
        UnskipDelivery => "Rückgängig",
        UnskipDeliveryOn => "Lieferung am {date} wiederherstellen",
        Manage => "Abo verwalten",
        Pause => "Pausieren",
        PauseHowLong => "Wie lange?",
        PauseOpenEnded => "Bis ich fortsetze",
        PauseForOne => "Für 1 Lieferung",
        PauseForMany => "Für {count} Lieferungen",
        PauseUntilDate => "Bis zu einem Datum",
        PauseDate => "Fortsetzen am",
        ConfirmPause => "Abo pausieren",
        Resume => "Fortsetzen",
        Reschedule => "Verschieben",
        NewDate => "Neues Datum der nächsten Lieferung",
        ConfirmReschedule => "Lieferung verschieben",
        ShipNow => "Jetzt versenden",
        ApplyFrequency => "Häufigkeit ändern",
        DecreaseQuantity => "Menge verringern",
        IncreaseQuantity => "Menge erhöhen",
        SwapTo => "Tauschen gegen",
        ApplySwap => "Produkt tauschen",
        Cancel => "Abo kündigen",
        CancelTitle => "Ihr Abo für {product} kündigen?",
        CancelWhatEnds => "Ab heute wird nichts mehr geliefert und nichts mehr berechnet. Sie können es 30 Tage lang reaktivieren.",
        CancelReason => "Grund (optional)",
        ReasonNone => "Keine Angabe",
        ReasonTooMuch => "Ich habe zu viel Vorrat",
        ReasonTooExpensive => "Es ist zu teuer",
        ReasonNotNeeded => "Ich brauche es nicht mehr",
        ReasonSomethingElse => "Ich probiere etwas anderes",
        ReasonOther => "Anderer Grund",
        PauseInstead => "Stattdessen 1 Lieferung pausieren",
        ConfirmCancel => "Ja, kündigen",
        KeepSubscription => "Abo behalten",
        CancelledOn => "Gekündigt am {date}.",
        ReactivateUntil => "Sie können es bis zum {date} reaktivieren.",
        Reactivate => "Reaktivieren",
        PausedUntil => "Pausiert bis {date}",
        PausedOpenEnded => "Pausiert, bis Sie fortsetzen",
        RecentChanges => "Letzte Änderungen",
        NoChanges => "Noch keine Änderungen.",
        Saving => "Wird gespeichert…",
        DoneSkip => "Die Lieferung am {date} wird ausgelassen.",
        DoneUnskip => "Die Lieferung am {date} ist wieder geplant.",
        DonePause => "Ihr Abo ist pausiert.",
        DoneResume => "Ihr Abo ist wieder aktiv.",
        DoneReschedule => "Ihre nächste Lieferung ist jetzt am {date}.",
        DoneShipNow => "Ihre nächste Lieferung wird heute versendet.",
        DoneInterval => "Häufigkeit geändert: {interval}.",
        DoneQuantity => "Menge geändert auf {count}.",
        DoneSwap => "Sie erhalten jetzt {product}.",
        DoneCancel => "Ihr Abo ist gekündigt.",
        DoneReactivate => "Ihr Abo ist reaktiviert.",
        ChangeFailed => "Ihre Änderung wurde nicht gespeichert, es hat sich nichts geändert.",
        ChangedElsewhere => "Dieses Abo wurde gerade anderswo geändert (anderer Tab oder anderes Gerät). Sie sehen jetzt den aktuellen Stand; bitte prüfen Sie ihn und versuchen Sie es erneut.",
        HistoryCreate => "Abonniert",
        HistoryChange => "Geändert",
        PurchaseOptions => "Kaufoptionen",
        DeliverEvery => "Liefern",
        Terms => "Jederzeit pausieren, auslassen oder kündigen.",
        FirstDelivery => "Erste Lieferung am {date}, danach {interval} für {price}.",
        YouSave => "Sie sparen {amount} pro Lieferung.",
        Subscribe => "Abonnieren",
        AddToCart => "In den Warenkorb",
        Subscribed => "Abonniert! Ihre erste Lieferung kommt am {date}.",
        AddedToCart => "Zum Warenkorb hinzugefügt.",
        SubscribeFailed => "Ihr Abo wurde nicht angelegt, es wurde nichts berechnet.",
        UsageAdvice => "Bei {usage} {unit} reichen {packs} etwa {days} Tage: {interval} passt zu Ihnen.",
        Community => "Die meisten Besitzer dieser Maschine wählen {interval} ({share} % von {owners} Besitzern).",
        PlanTitle => "Ihre Routine, Monat für Monat",
        MonthlyCost => "Etwa {price} pro Monat",
        Guide => "Anleitung",
        AddToCalendar => "In meinen Kalender (.ics)",
        CalendarFeed => "In Ihrer Kalender-App abonnieren",
        OwnedNote => "Geplant für Ihre {model}, gekauft am {date}.",
        RecommendedForYou => "Für Sie empfohlen",
        GoesWellWith => "Passt gut dazu",
        ReasonDueSoonModel => "Ihre {model} braucht es um den {date}.",
        ReasonDueSoon => "Fällig um den {date}.",
        ReasonFits => "Passt zu Ihrer {model}.",
        ReasonBoughtWith => "Oft zusammen mit {product} gekauft.",
        ReasonSaves => "Spart Ihnen {amount}.",
        ReasonGeneric => "Für Sie ausgewählt.",
        AddToNextDelivery => "Zur nächsten Lieferung hinzufügen",
        RecoSubscribed => "Abonniert.",
        DoneAddOnce => "Zu Ihrer Lieferung am {date} hinzugefügt.",
        DoneAddOnceNoDate => "Zu Ihrer nächsten Lieferung hinzugefügt.",
        ExtraItem => "+ {name} × {count}",
        InNextDelivery => "In Ihrer nächsten Lieferung.",
        ReasonFitsThis => "Passt zu {product}.",
        ErrorBusy => "Der Dienst des Shops ist gerade ausgelastet. Versuchen Sie es gleich noch einmal.",
    }
}

/// `t` with `{name}` placeholders replaced, e.g. `("percent", "10")`.
pub fn tf(locale: Locale, key: Key, args: &[(&str, &str)]) -> String {
    // One pass over the template, splitting on single characters: a value is never read
    // again for placeholders (a product named "{price}" stays as it is), and the wasm has
    // no substring search in it (`str::replace` brought ~3 KB).
    let template = t(locale, key);
    let mut text = String::with_capacity(template.len() + 32);
    let mut parts = template.split('{');
    text.push_str(parts.next().unwrap_or_default());
    for part in parts {
        let found = part
            .split_once('}')
            .and_then(|(name, rest)| Some((args.iter().find(|(n, _)| *n == name)?.1, rest)));
        match found {
            Some((value, rest)) => {
                if has_rtl(value) {
                    // A right-to-left name from the catalog inside a left-to-right
                    // sentence: isolate it (FSI … PDI) so it cannot reorder the words
                    // around it.
                    text.push('\u{2068}');
                    text.push_str(value);
                    text.push('\u{2069}');
                } else {
                    text.push_str(value);
                }
                text.push_str(rest);
            }
            // Not a placeholder we were given: kept as written.
            None => {
                text.push('{');
                text.push_str(part);
            }
        }
    }
    text
}

/// Whether `s` holds a strongly right-to-left letter (Hebrew, Arabic, Syriac, Thaana,
/// N'Ko and their presentation forms).
fn has_rtl(s: &str) -> bool {
    s.chars().any(|c| {
        matches!(c, '\u{0590}'..='\u{08FF}' | '\u{FB1D}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFF}')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn right_to_left_values_are_isolated_and_others_left_alone() {
        let text = tf(Locale::En, Key::ReasonBoughtWith, &[("product", "קפסולות")]);
        assert_eq!(text, "Often bought with \u{2068}קפסולות\u{2069}.");
        let text = tf(
            Locale::En,
            Key::ReasonBoughtWith,
            &[("product", "Barista One")],
        );
        assert_eq!(text, "Often bought with Barista One.");
    }

    #[test]
    fn placeholders_are_filled_once_and_unknown_ones_kept() {
        let text = tf(
            Locale::En,
            Key::ReasonBoughtWith,
            &[("product", "{product} & {price}"), ("price", "9")],
        );
        assert_eq!(text, "Often bought with {product} & {price}.");
        let text = tf(Locale::En, Key::ReasonBoughtWith, &[]);
        assert_eq!(text, "Often bought with {product}.");
        let text = tf(
            Locale::De,
            Key::UnitsPerPack,
            &[("count", "50"), ("unused", "x")],
        );
        assert!(text.contains("50") && !text.contains('{'), "{text}");
    }

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
