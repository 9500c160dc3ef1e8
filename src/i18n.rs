//! The widget's words in English, French and German.
//!
//! Each language is one exhaustive `match` over a key enum, so a key missing in any
//! language is a compile error rather than a blank on a shopper's screen. Numbers,
//! prices and dates are not here: the browser's `Intl` formats them (see `format`).
//!
//! The words are split by who shows them: [`Key`] here for both views, [`ProductKey`]
//! and [`AccountKey`] for one view each. A view's wasm module carries only its own
//! words (each feature's tables are compiled in with that feature; measured: the
//! account view's 72 sentences were ~5 KB of the product module's text). A module never
//! shows the other view's keys: they are only reachable from that view's components.

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Locale {
    En,
    Fr,
    De,
}

impl Locale {
    /// The translation for a BCP 47 tag's primary language, if we have one.
    pub(crate) fn from_tag(tag: &str) -> Option<Locale> {
        let primary = tag.split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Locale::En),
            "fr" => Some(Locale::Fr),
            "de" => Some(Locale::De),
            _ => None,
        }
    }

    /// The language's own tag, sent as `Accept-Language` so the server words what it
    /// writes for the shopper (a refusal's reason) in the widget's language.
    pub(crate) fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Fr => "fr",
            Locale::De => "de",
        }
    }
}

mod account;
mod product;

pub(crate) use account::AccountKey;
pub(crate) use product::ProductKey;

/// A key with a text in every [`Locale`].
pub(crate) trait Words: Copy {
    fn text(self, locale: Locale) -> &'static str;
}

/// The words both views use (notices, errors, intervals, recommendations).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Key {
    Loading,
    ErrorTitle,
    ErrorNetwork,
    ErrorServer,
    ErrorNotFound,
    ErrorSignIn,
    ErrorSetup,
    Retry,
    PerDelivery,
    Quantity,
    EveryDay,
    EveryDays,
    EveryWeek,
    EveryWeeks,
    EveryMonth,
    EveryMonths,
    Subscribe,
    AddToCart,
    AddedToCart,
    ErrorBusy,
    ReasonFitsThis,
    InNextDelivery,
    SubscribeFailed,
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
}

impl Words for Key {
    fn text(self, locale: Locale) -> &'static str {
        match locale {
            Locale::En => en(self),
            Locale::Fr => fr(self),
            Locale::De => de(self),
        }
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
        PerDelivery => "per delivery",
        Quantity => "Quantity",
        EveryDay => "Every day",
        EveryDays => "Every {count} days",
        EveryWeek => "Every week",
        EveryWeeks => "Every {count} weeks",
        EveryMonth => "Every month",
        EveryMonths => "Every {count} months",
        Subscribe => "Subscribe – pay per delivery",
        AddToCart => "Add to cart",
        AddedToCart => "Added to your cart.",
        ErrorBusy => "The shop's service is busy right now. Try again in a moment.",
        ReasonFitsThis => "Fits the {product}.",
        InNextDelivery => "In your next delivery.",
        SubscribeFailed => "Your subscription was not created, and nothing was charged.",
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
        PerDelivery => "par livraison",
        Quantity => "Quantité",
        EveryDay => "Tous les jours",
        EveryDays => "Tous les {count} jours",
        EveryWeek => "Toutes les semaines",
        EveryWeeks => "Toutes les {count} semaines",
        EveryMonth => "Tous les mois",
        EveryMonths => "Tous les {count} mois",
        Subscribe => "S'abonner – paiement à chaque livraison",
        AddToCart => "Ajouter au panier",
        AddedToCart => "Ajouté à votre panier.",
        ErrorBusy => "Le service de la boutique est très sollicité. Réessayez dans un instant.",
        ReasonFitsThis => "Compatible avec {product}.",
        InNextDelivery => "Dans votre prochaine livraison.",
        SubscribeFailed => "Votre abonnement n'a pas été créé et rien n'a été débité.",
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
        PerDelivery => "pro Lieferung",
        Quantity => "Menge",
        EveryDay => "Täglich",
        EveryDays => "Alle {count} Tage",
        EveryWeek => "Wöchentlich",
        EveryWeeks => "Alle {count} Wochen",
        EveryMonth => "Monatlich",
        EveryMonths => "Alle {count} Monate",
        Subscribe => "Abonnieren – zahlungspflichtig",
        AddToCart => "In den Warenkorb",
        AddedToCart => "Zum Warenkorb hinzugefügt.",
        ErrorBusy => "Der Dienst des Shops ist gerade ausgelastet. Versuchen Sie es gleich noch einmal.",
        ReasonFitsThis => "Passt zu {product}.",
        InNextDelivery => "In Ihrer nächsten Lieferung.",
        SubscribeFailed => "Ihr Abo wurde nicht angelegt, es wurde nichts berechnet.",
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
    }
}

/// The text for `key` in `locale`.
pub(crate) fn t(locale: Locale, key: impl Words) -> &'static str {
    key.text(locale)
}

/// `t` with `{name}` placeholders replaced, e.g. `("percent", "10")`.
pub(crate) fn tf(locale: Locale, key: impl Words, args: &[(&str, &str)]) -> String {
    fill(key.text(locale), args)
}

/// Fills `template`'s placeholders (one copy in the wasm, whichever key enum it came from).
fn fill(template: &str, args: &[(&str, &str)]) -> String {
    // One pass over the template, splitting on single characters: a value is never read
    // again for placeholders (a product named "{price}" stays as it is), and the wasm has
    // no substring search in it (`str::replace` brought ~3 KB).
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
            ProductKey::UnitsPerPack,
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
        for locale in [Locale::En, Locale::Fr, Locale::De] {
            let text = tf(locale, ProductKey::SubscribeSaving, &[("percent", "10")]);
            assert!(
                text.contains("10") && !text.contains('{'),
                "{locale:?}: {text}"
            );
        }
    }
}
