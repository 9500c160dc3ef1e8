//! The sentences of messages and link pages in English, French and German. Dates, prices
//! and names come in already written for the language (`i18n`); nothing here is HTML.

use crate::i18n::Lang;

/// One sentence per language.
#[derive(Debug)]
pub(super) struct Words {
    pub en: &'static str,
    pub fr: &'static str,
    pub de: &'static str,
}

impl Words {
    pub(super) fn get(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.en,
            Lang::Fr => self.fr,
            Lang::De => self.de,
        }
    }
}

macro_rules! words {
    ($($name:ident: $en:expr, $fr:expr, $de:expr;)*) => {
        $(pub(super) const $name: Words = Words { en: $en, fr: $fr, de: $de };)*
    };
}

words! {
    HELLO: "Hello {name},", "Bonjour {name},", "Hallo {name},";
    HELLO_ANON: "Hello,", "Bonjour,", "Hallo,";
    REMINDER_SUBJECT: "Next delivery of {product}: {date}",
        "Prochaine livraison : {product}, le {date}",
        "Nächste Lieferung von {product}: {date}";
    REMINDER_LEAD: "Your next delivery is on its way soon:",
        "Votre prochaine livraison arrive bientôt :",
        "Ihre nächste Lieferung ist bald unterwegs:";
    WHAT: "What", "Quoi", "Was";
    WHEN: "When", "Quand", "Wann";
    PRICE: "Price", "Prix", "Preis";
    EVERY: "Every", "Fréquence", "Intervall";
    NEXT: "Next delivery", "Prochaine livraison", "Nächste Lieferung";
    REMINDER_CHANGE: "Not the right moment? One click is enough:",
        "Pas le bon moment ? Un clic suffit :",
        "Passt es gerade nicht? Ein Klick genügt:";
    SKIP_THIS: "Skip this delivery", "Sauter cette livraison", "Diese Lieferung überspringen";
    PAUSE: "Pause my subscription", "Mettre mon abonnement en pause", "Mein Abo pausieren";
    MANAGE: "Manage my subscription", "Gérer mon abonnement", "Mein Abo verwalten";
    RECEIPT_SUBJECT: "Your subscription to {product}: {what}",
        "Votre abonnement à {product} : {what}",
        "Ihr Abo für {product}: {what}";
    RECEIPT_LEAD: "This confirms what you agreed to on {at}:",
        "Ceci confirme ce que vous avez convenu le {at} :",
        "Hiermit bestätigen wir, was Sie am {at} vereinbart haben:";
    RECEIPT_KEEP: "Keep this e-mail: it is your record of the agreement.",
        "Conservez cet e-mail : c'est la trace de votre accord.",
        "Bewahren Sie diese E-Mail auf: Sie ist Ihr Nachweis der Vereinbarung.";
    HOW_TO_CANCEL: "You can cancel at any time, in your account at {shop}, with no fee and no call.",
        "Vous pouvez résilier à tout moment depuis votre compte chez {shop}, sans frais ni appel.",
        "Sie können jederzeit in Ihrem Konto bei {shop} kündigen, ohne Gebühr und ohne Anruf.";
    STATUS: "Status", "Statut", "Status";
    YEARLY_SUBJECT: "A year of {product}: your subscription at a glance",
        "Un an de {product} : votre abonnement en bref",
        "Ein Jahr {product}: Ihr Abo im Überblick";
    YEARLY_LEAD: "Your subscription is still running. Here is what it is today:",
        "Votre abonnement est toujours actif. Le voici aujourd'hui :",
        "Ihr Abo läuft weiter. So sieht es heute aus:";
    PRICE_SUBJECT: "New price for your {product} subscription from {date}",
        "Nouveau prix de votre abonnement {product} à partir du {date}",
        "Neuer Preis für Ihr Abo {product} ab {date}";
    PRICE_LEAD: "The price of your subscription changes on {date}. Until then, nothing changes:",
        "Le prix de votre abonnement change le {date}. D'ici là, rien ne change :",
        "Der Preis Ihres Abos ändert sich am {date}. Bis dahin ändert sich nichts:";
    PRICE_NOW: "Price now", "Prix actuel", "Preis jetzt";
    PRICE_NEW: "New price", "Nouveau prix", "Neuer Preis";
    PRICE_FROM: "From", "À partir du", "Ab";
    PRICE_CANCEL: "If you do not want the new price, cancel before {date}: you will never pay it. In your account at {shop}, in two steps, with no fee and no call.",
        "Si vous ne souhaitez pas ce nouveau prix, résiliez avant le {date} : vous ne le paierez jamais. Depuis votre compte chez {shop}, en deux étapes, sans frais ni appel.",
        "Wenn Sie den neuen Preis nicht möchten, kündigen Sie vor dem {date}: Sie zahlen ihn dann nie. In Ihrem Konto bei {shop}, in zwei Schritten, ohne Gebühr und ohne Anruf.";
    PRICE_KEEP: "Keep this e-mail: it is your notice of the price change.",
        "Conservez cet e-mail : c'est votre avis de changement de prix.",
        "Bewahren Sie diese E-Mail auf: Sie ist Ihre Mitteilung über die Preisänderung.";
    UNSUBSCRIBE: "Stop these reminders", "Ne plus recevoir ces rappels", "Diese Erinnerungen abbestellen";
    // Link pages.
    CONFIRM_SKIP: "Skip the delivery of {date}?", "Sauter la livraison du {date} ?",
        "Die Lieferung vom {date} überspringen?";
    CONFIRM_PAUSE: "Pause your subscription to {product}?",
        "Mettre en pause votre abonnement à {product} ?",
        "Ihr Abo für {product} pausieren?";
    CONFIRM_UNSUBSCRIBE: "Stop these reminders?", "Ne plus recevoir ces rappels ?",
        "Diese Erinnerungen abbestellen?";
    BUTTON_SKIP: "Skip", "Sauter", "Überspringen";
    BUTTON_PAUSE: "Pause", "Mettre en pause", "Pausieren";
    BUTTON_UNSUBSCRIBE: "Stop reminders", "Arrêter les rappels", "Erinnerungen abbestellen";
    DONE_SKIP: "Done: the delivery of {date} is skipped.", "C'est fait : la livraison du {date} est sautée.",
        "Erledigt: Die Lieferung vom {date} wird übersprungen.";
    DONE_PAUSE: "Done: your subscription is paused. Resume it whenever you like in your account.",
        "C'est fait : votre abonnement est en pause. Reprenez-le quand vous voulez depuis votre compte.",
        "Erledigt: Ihr Abo ist pausiert. Sie können es jederzeit in Ihrem Konto fortsetzen.";
    DONE_UNSUBSCRIBE: "Done: you will not get these reminders any more. Receipts still come, as the law asks.",
        "C'est fait : vous ne recevrez plus ces rappels. Les confirmations restent envoyées, comme la loi l'exige.",
        "Erledigt: Sie erhalten diese Erinnerungen nicht mehr. Bestätigungen kommen weiterhin, wie gesetzlich vorgeschrieben.";
    ALREADY: "This link was already used; nothing more was changed.",
        "Ce lien a déjà été utilisé ; rien d'autre n'a été modifié.",
        "Dieser Link wurde bereits verwendet; es wurde nichts weiter geändert.";
    INVALID: "This link is not valid. Nothing was changed. Please use the link from your e-mail as it is, or manage your subscription in your account.",
        "Ce lien n'est pas valide. Rien n'a été modifié. Utilisez le lien de votre e-mail tel quel, ou gérez votre abonnement depuis votre compte.",
        "Dieser Link ist ungültig. Es wurde nichts geändert. Verwenden Sie den Link aus Ihrer E-Mail unverändert oder verwalten Sie Ihr Abo in Ihrem Konto.";
    EXPIRED: "This link has expired. Nothing was changed. You can still manage your subscription in your account.",
        "Ce lien a expiré. Rien n'a été modifié. Vous pouvez toujours gérer votre abonnement depuis votre compte.",
        "Dieser Link ist abgelaufen. Es wurde nichts geändert. Sie können Ihr Abo weiterhin in Ihrem Konto verwalten.";
    REFUSED: "That could not be done: {why} Nothing was changed.",
        "Impossible : {why} Rien n'a été modifié.",
        "Das war nicht möglich: {why} Es wurde nichts geändert.";
    TRY_LATER: "Something went wrong on our side. Nothing was changed; please try again in a moment.",
        "Un problème est survenu de notre côté. Rien n'a été modifié ; réessayez dans un instant.",
        "Bei uns ist etwas schiefgelaufen. Es wurde nichts geändert; bitte versuchen Sie es gleich noch einmal.";
    // Maintenance reminders.
    ROUTINE_SUBJECT: "Due now: {task} ({machine})", "À faire : {task} ({machine})",
        "Jetzt fällig: {task} ({machine})";
    ROUTINE_LEAD: "Your {machine} is due for: {task}.", "Votre {machine} a besoin de : {task}.",
        "Ihr {machine} braucht jetzt: {task}.";
    TASK: "Task", "Tâche", "Aufgabe";
    MACHINE: "Machine", "Appareil", "Gerät";
    LAST_DONE: "Last done", "Dernière fois", "Zuletzt erledigt";
    NEVER: "not yet", "pas encore", "noch nie";
    EVERY_DAYS: "every {n} days", "tous les {n} jours", "alle {n} Tage";
    MARK_DONE: "Mark as done", "Marquer comme fait", "Als erledigt markieren";
    HOW_TO: "How to do it", "Comment faire", "So geht's";
    ADD_PART: "Add {part} ({price}) to my next delivery", "Ajouter {part} ({price}) à ma prochaine livraison",
        "{part} ({price}) zur nächsten Lieferung hinzufügen";
    STOP_ROUTINE: "Stop reminders for this task", "Ne plus me rappeler cette tâche",
        "Keine Erinnerungen mehr für diese Aufgabe";
    CONFIRM_DONE: "Mark “{task}” as done today?", "Marquer « {task} » comme fait aujourd'hui ?",
        "„{task}“ heute als erledigt markieren?";
    BUTTON_DONE: "Done", "Fait", "Erledigt";
    DONE_DONE: "Recorded: {task} done today. Next time: {date}.",
        "C'est noté : {task} fait aujourd'hui. Prochaine fois : {date}.",
        "Notiert: {task} heute erledigt. Nächstes Mal: {date}.";
    CONFIRM_ADD: "Add {part} to your next delivery?", "Ajouter {part} à votre prochaine livraison ?",
        "{part} zu Ihrer nächsten Lieferung hinzufügen?";
    BUTTON_ADD: "Add", "Ajouter", "Hinzufügen";
    DONE_ADD: "Done: {part} comes with your next delivery.", "C'est fait : {part} arrive avec votre prochaine livraison.",
        "Erledigt: {part} kommt mit Ihrer nächsten Lieferung.";
    CONFIRM_STOP: "Stop reminders for “{task}”?", "Ne plus vous rappeler « {task} » ?",
        "Keine Erinnerungen mehr für „{task}“?";
    BUTTON_STOP: "Stop reminders", "Arrêter les rappels", "Erinnerungen beenden";
    DONE_STOP: "Done: no more reminders for this task.", "C'est fait : plus de rappels pour cette tâche.",
        "Erledigt: Keine Erinnerungen mehr für diese Aufgabe.";
    // "Remind me" from a product page, confirmed by e-mail (follow.rs).
    FOLLOW_SUBJECT: "Confirm your maintenance reminders for {product}",
        "Confirmez vos rappels d'entretien pour {product}",
        "Bestätigen Sie Ihre Wartungserinnerungen für {product}";
    FOLLOW_LEAD: "You asked {shop} to remind you when the maintenance of your {product} falls due. Confirm with this link (it works for 2 days):",
        "Vous avez demandé à {shop} de vous rappeler l'entretien de votre {product} quand il arrive. Confirmez avec ce lien (valable 2 jours) :",
        "Sie haben {shop} gebeten, Sie an die Wartung Ihres Geräts {product} zu erinnern, wenn sie fällig wird. Bestätigen Sie mit diesem Link (2 Tage gültig):";
    FOLLOW_BUTTON: "Confirm reminders", "Confirmer les rappels", "Erinnerungen bestätigen";
    FOLLOW_NOT_YOU: "If you did not ask for it, ignore this e-mail: you will hear nothing more from us.",
        "Si vous ne l'avez pas demandé, ignorez cet e-mail : vous n'entendrez plus parler de nous.",
        "Wenn Sie das nicht angefordert haben, ignorieren Sie diese E-Mail: Sie hören nichts mehr von uns.";
    CONFIRM_FOLLOW: "Remind you by e-mail when the maintenance of your {part} falls due?",
        "Vous rappeler par e-mail l'entretien de votre {part} quand il arrive ?",
        "Sollen wir Sie per E-Mail erinnern, wenn die Wartung Ihres Geräts {part} fällig wird?";
    BUTTON_FOLLOW: "Yes, remind me", "Oui, me le rappeler", "Ja, erinnern Sie mich";
    CALENDAR_LINK: "Add the maintenance dates to your calendar",
        "Ajouter les dates d'entretien à votre agenda",
        "Wartungstermine in Ihren Kalender übernehmen";
    DONE_FOLLOW: "Done: we will remind you when a task of your {part} falls due, the first on {date}. Every reminder has a link to stop them.",
        "C'est fait : nous vous rappellerons chaque tâche d'entretien de votre {part}, la première le {date}. Chaque rappel contient un lien pour les arrêter.",
        "Erledigt: Wir erinnern Sie an jede Wartung Ihres Geräts {part}, die erste am {date}. Jede Erinnerung enthält einen Link, um sie zu beenden.";
    // The hosted account page and its sign-in links.
    ACCOUNT_TITLE: "Your account", "Votre compte", "Ihr Konto";
    ACCOUNT_ASK: "Enter the e-mail address you shop with. We will send you a link that signs you in, once, within 15 minutes.",
        "Saisissez l'adresse e-mail de vos achats. Nous vous enverrons un lien de connexion, valable une fois pendant 15 minutes.",
        "Geben Sie die E-Mail-Adresse Ihrer Bestellungen ein. Wir senden Ihnen einen Anmeldelink, einmal gültig, 15 Minuten lang.";
    EMAIL_LABEL: "E-mail address", "Adresse e-mail", "E-Mail-Adresse";
    BUTTON_SEND: "Send me a sign-in link", "Envoyer un lien de connexion", "Anmeldelink senden";
    ACCOUNT_SENT: "If this address belongs to an account, a sign-in link is on its way. It works once, within 15 minutes.",
        "Si cette adresse correspond à un compte, un lien de connexion est en route. Il fonctionne une fois, pendant 15 minutes.",
        "Wenn diese Adresse zu einem Konto gehört, ist ein Anmeldelink unterwegs. Er funktioniert einmal, 15 Minuten lang.";
    SIGN_IN_CONFIRM: "Continue to your account?", "Accéder à votre compte ?", "Weiter zu Ihrem Konto?";
    BUTTON_CONTINUE: "Continue", "Continuer", "Weiter";
    SIGN_IN_USED: "This sign-in link was already used. Ask for a new one below.",
        "Ce lien de connexion a déjà été utilisé. Demandez-en un nouveau ci-dessous.",
        "Dieser Anmeldelink wurde bereits verwendet. Fordern Sie unten einen neuen an.";
    SIGN_IN_EXPIRED: "This sign-in link has expired. Ask for a new one below.",
        "Ce lien de connexion a expiré. Demandez-en un nouveau ci-dessous.",
        "Dieser Anmeldelink ist abgelaufen. Fordern Sie unten einen neuen an.";
    SIGN_IN_SUBJECT: "Your sign-in link for {shop}", "Votre lien de connexion pour {shop}",
        "Ihr Anmeldelink für {shop}";
    SIGN_IN_LEAD: "Here is your link to your account at {shop}. It works once, within 15 minutes:",
        "Voici votre lien vers votre compte chez {shop}. Il fonctionne une fois, pendant 15 minutes :",
        "Hier ist Ihr Link zu Ihrem Konto bei {shop}. Er funktioniert einmal, 15 Minuten lang:";
    SIGN_IN_BUTTON: "Open my account", "Ouvrir mon compte", "Mein Konto öffnen";
    SIGN_IN_NOT_YOU: "If you did not ask for it, ignore this e-mail: nothing happens without the link.",
        "Si vous ne l'avez pas demandé, ignorez cet e-mail : rien ne se passe sans le lien.",
        "Wenn Sie ihn nicht angefordert haben, ignorieren Sie diese E-Mail: Ohne den Link geschieht nichts.";
    CANCEL_LINK: "Cancel a subscription", "Résilier un abonnement", "Abonnement kündigen";
    PAGE_TITLE: "Your subscription", "Votre abonnement", "Ihr Abo";
    NOT_NOW: "You can close this page if you do not want this.",
        "Vous pouvez fermer cette page si vous ne le souhaitez pas.",
        "Sie können diese Seite schließen, wenn Sie das nicht möchten.";
}

/// What a receipt says happened, by the change's action.
pub(super) fn action(lang: Lang, action: &str) -> &'static str {
    let w = match action {
        "create" => Words {
            en: "subscribed",
            fr: "abonnement souscrit",
            de: "abonniert",
        },
        "skip" => Words {
            en: "delivery skipped",
            fr: "livraison sautée",
            de: "Lieferung übersprungen",
        },
        "unskip" => Words {
            en: "delivery back on",
            fr: "livraison rétablie",
            de: "Lieferung wieder geplant",
        },
        "pause" | "pause_for" | "pause_until" => Words {
            en: "paused",
            fr: "en pause",
            de: "pausiert",
        },
        "resume" => Words {
            en: "resumed",
            fr: "repris",
            de: "fortgesetzt",
        },
        "reschedule" => Words {
            en: "delivery moved",
            fr: "livraison déplacée",
            de: "Lieferung verschoben",
        },
        "ship_now" => Words {
            en: "shipping now",
            fr: "expédition immédiate",
            de: "sofortiger Versand",
        },
        "set_interval" => Words {
            en: "new frequency",
            fr: "nouvelle fréquence",
            de: "neues Intervall",
        },
        "set_quantity" => Words {
            en: "new quantity",
            fr: "nouvelle quantité",
            de: "neue Menge",
        },
        "swap" => Words {
            en: "product changed",
            fr: "produit changé",
            de: "Produkt gewechselt",
        },
        "add_once" => Words {
            en: "added once",
            fr: "ajout ponctuel",
            de: "einmalig hinzugefügt",
        },
        "cancel" => Words {
            en: "cancelled",
            fr: "résilié",
            de: "gekündigt",
        },
        "withdraw" => Words {
            en: "withdrawn from",
            fr: "rétractation",
            de: "widerrufen",
        },
        "price_changed" => Words {
            en: "new price",
            fr: "nouveau prix",
            de: "neuer Preis",
        },
        "reactivate" => Words {
            en: "reactivated",
            fr: "réactivé",
            de: "reaktiviert",
        },
        _ => Words {
            en: "changed",
            fr: "modifié",
            de: "geändert",
        },
    };
    w.get(lang)
}

/// A subscription's status in a sentence.
pub(super) fn status(lang: Lang, status: &str) -> &'static str {
    let w = match status {
        "active" => Words {
            en: "active",
            fr: "actif",
            de: "aktiv",
        },
        "paused" => Words {
            en: "paused",
            fr: "en pause",
            de: "pausiert",
        },
        _ => Words {
            en: "cancelled",
            fr: "résilié",
            de: "gekündigt",
        },
    };
    w.get(lang)
}

/// "every 4 weeks" and its kin.
pub(crate) fn every(lang: Lang, count: u32, unit: &str) -> String {
    let (one, many) = match (lang, unit) {
        (Lang::En, "day") => ("day", "days"),
        (Lang::En, "week") => ("week", "weeks"),
        (Lang::En, _) => ("month", "months"),
        (Lang::Fr, "day") => ("jour", "jours"),
        (Lang::Fr, "week") => ("semaine", "semaines"),
        (Lang::Fr, _) => ("mois", "mois"),
        (Lang::De, "day") => ("Tag", "Tage"),
        (Lang::De, "week") => ("Woche", "Wochen"),
        (Lang::De, _) => ("Monat", "Monate"),
    };
    let lead = match lang {
        Lang::En => "every",
        Lang::Fr => "tous les",
        Lang::De => "alle",
    };
    match (lang, count) {
        (Lang::En, 1) => format!("every {one}"),
        (Lang::Fr, 1) if unit == "week" => "chaque semaine".to_owned(),
        (Lang::Fr, 1) => format!("chaque {one}"),
        (Lang::De, 1) if unit == "week" => "jede Woche".to_owned(),
        (Lang::De, 1) if unit == "day" => "jeden Tag".to_owned(),
        (Lang::De, 1) => "jeden Monat".to_owned(),
        _ => format!("{lead} {count} {many}"),
    }
}
