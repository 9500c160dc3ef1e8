//! The sentences of the cancellation and withdrawal pages in English, French and German.
//! The buttons' words are the law's: "Jetzt kündigen" is §312k BGB's own example; the
//! withdrawal button says "widerrufen" (the German right of withdrawal is a *Widerruf*;
//! a *Rücktritt* is another remedy).

use crate::notify::words::Words;

macro_rules! words {
    ($($name:ident: $en:expr, $fr:expr, $de:expr;)*) => {
        $(pub(super) const $name: Words = Words { en: $en, fr: $fr, de: $de };)*
    };
}

words! {
    CANCEL_TITLE: "Cancel a subscription", "Résilier un abonnement", "Abonnement kündigen";
    CANCEL_INTRO: "Cancel here without signing in. We find your subscription with your e-mail address and its number.",
        "Résiliez ici sans vous connecter. Nous retrouvons votre abonnement grâce à votre adresse e-mail et à son numéro.",
        "Kündigen Sie hier, ohne sich anzumelden. Wir finden Ihr Abo über Ihre E-Mail-Adresse und seine Nummer.";
    WITHDRAW_TITLE: "Withdraw from a contract", "Se rétracter d'un contrat", "Vertrag widerrufen";
    WITHDRAW_INTRO: "You may withdraw from a new subscription within {days} days of subscribing, without giving a reason.",
        "Vous pouvez vous rétracter d'un nouvel abonnement dans les {days} jours suivant la souscription, sans donner de motif.",
        "Sie können einen neuen Abo-Vertrag innerhalb von {days} Tagen nach Abschluss ohne Angabe von Gründen widerrufen.";
    NAME: "Your name", "Votre nom", "Ihr Name";
    EMAIL: "E-mail address", "Adresse e-mail", "E-Mail-Adresse";
    EMAIL_HINT: "The address you subscribed with.", "L'adresse utilisée pour vous abonner.",
        "Die Adresse, mit der Sie das Abo abgeschlossen haben.";
    REFERENCE: "Subscription or order number", "Numéro d'abonnement ou de commande",
        "Abo- oder Bestellnummer";
    REFERENCE_HINT: "As in your confirmation e-mail, e.g. sub_…. Optional if you have only one subscription.",
        "Comme dans votre e-mail de confirmation, par ex. sub_…. Facultatif si vous n'avez qu'un abonnement.",
        "Wie in Ihrer Bestätigungs-E-Mail, z. B. sub_…. Freiwillig, wenn Sie nur ein Abo haben.";
    TERMINATION: "Type of termination", "Type de résiliation", "Art der Kündigung";
    ORDINARY: "Ordinary termination", "Résiliation ordinaire", "Ordentliche Kündigung";
    EXTRAORDINARY: "Extraordinary termination (for good cause)",
        "Résiliation extraordinaire (pour motif grave)",
        "Außerordentliche Kündigung (aus wichtigem Grund)";
    REASON: "Reason (for an extraordinary termination)", "Motif (pour une résiliation extraordinaire)",
        "Kündigungsgrund (bei außerordentlicher Kündigung)";
    DATE: "Cancel with effect from", "Résilier à compter du", "Kündigen zum";
    DATE_HINT: "Leave empty to cancel at the earliest possible date: at once.",
        "Laissez vide pour résilier au plus tôt : immédiatement.",
        "Leer lassen, um zum frühestmöglichen Zeitpunkt zu kündigen: sofort.";
    BUTTON_CANCEL: "Cancel now", "Résilier maintenant", "Jetzt kündigen";
    BUTTON_WITHDRAW: "Withdraw from contract", "Me rétracter du contrat", "Vertrag widerrufen";
    FIX: "Please correct the fields marked below.", "Veuillez corriger les champs indiqués ci-dessous.",
        "Bitte korrigieren Sie die unten markierten Felder.";
    ERR_NAME: "Enter your name (at most 200 characters).", "Indiquez votre nom (200 caractères au plus).",
        "Geben Sie Ihren Namen an (höchstens 200 Zeichen).";
    ERR_EMAIL: "Enter an e-mail address like name@example.com.",
        "Indiquez une adresse e-mail comme nom@exemple.fr.",
        "Geben Sie eine E-Mail-Adresse wie name@beispiel.de an.";
    ERR_REFERENCE: "At most 100 characters.", "100 caractères au plus.", "Höchstens 100 Zeichen.";
    ERR_REASON: "At most 2,000 characters.", "2 000 caractères au plus.", "Höchstens 2.000 Zeichen.";
    ERR_DATE: "Enter a date from today on, at most three years ahead, or leave it empty.",
        "Indiquez une date à partir d'aujourd'hui, dans trois ans au plus, ou laissez vide.",
        "Geben Sie ein Datum ab heute an, höchstens drei Jahre im Voraus, oder lassen Sie es leer.";
    ERR_TERMINATION: "Choose ordinary or extraordinary.", "Choisissez ordinaire ou extraordinaire.",
        "Wählen Sie ordentlich oder außerordentlich.";
    RECEIVED_TITLE: "Your request was received", "Votre demande a été reçue", "Ihre Erklärung ist eingegangen";
    RECEIVED_AT: "Received on {at}.", "Reçue le {at}.", "Eingegangen am {at}.";
    YOUR_REQUEST: "What you sent", "Ce que vous avez envoyé", "Ihre Angaben";
    KIND: "Request", "Demande", "Erklärung";
    KIND_CANCEL: "Cancellation", "Résiliation", "Kündigung";
    KIND_WITHDRAW: "Withdrawal", "Rétractation", "Widerruf";
    WISHED: "With effect from", "À compter du", "Zum";
    AT_ONCE: "at once (the earliest possible date)", "immédiatement (au plus tôt)",
        "sofort (frühestmöglicher Zeitpunkt)";
    NONE_GIVEN: "none given", "non indiqué", "nicht angegeben";
    REQUEST_ID: "Request number", "Numéro de la demande", "Nummer der Erklärung";
    OUTCOME_CANCELLED: "Your subscription {id} is cancelled as of {date}. No further deliveries will be made.",
        "Votre abonnement {id} est résilié au {date}. Aucune autre livraison ne sera effectuée.",
        "Ihr Abo {id} ist zum {date} gekündigt. Es folgen keine weiteren Lieferungen.";
    OUTCOME_SCHEDULED: "Your subscription {id} will be cancelled on {date}. Deliveries up to that date still ship.",
        "Votre abonnement {id} sera résilié le {date}. Les livraisons jusqu'à cette date sont maintenues.",
        "Ihr Abo {id} wird zum {date} gekündigt. Lieferungen bis zu diesem Tag werden noch versandt.";
    OUTCOME_ALREADY: "Your subscription {id} was already cancelled on {date}. Nothing was changed.",
        "Votre abonnement {id} était déjà résilié le {date}. Rien n'a été modifié.",
        "Ihr Abo {id} war bereits am {date} gekündigt. Es wurde nichts geändert.";
    OUTCOME_UNMATCHED: "Your request was received on {at} and passed to {shop}, who will confirm it.",
        "Votre demande a été reçue le {at} et transmise à {shop}, qui vous la confirmera.",
        "Ihre Erklärung ist am {at} eingegangen und wurde an {shop} weitergegeben, der sie Ihnen bestätigt.";
    OUTCOME_WITHDRAWN: "You have withdrawn from your subscription {id}. It is cancelled as of {date}.",
        "Vous vous êtes rétracté de votre abonnement {id}. Il est résilié au {date}.",
        "Sie haben Ihr Abo {id} widerrufen. Es ist zum {date} beendet.";
    OUTCOME_LATE: "The withdrawal period of your subscription {id} ended on {date}, so nothing was changed. You can still cancel it at any time:",
        "Le délai de rétractation de votre abonnement {id} a pris fin le {date} : rien n'a été modifié. Vous pouvez toujours le résilier à tout moment :",
        "Die Widerrufsfrist Ihres Abos {id} endete am {date}, daher wurde nichts geändert. Kündigen können Sie es jederzeit:";
    EMAIL_FOLLOWS: "A confirmation e-mail follows.", "Un e-mail de confirmation suit.",
        "Eine Bestätigung per E-Mail folgt.";
    EMAIL_LATER: "You will receive a confirmation e-mail when it is cancelled. Keep this page as your record.",
        "Vous recevrez un e-mail de confirmation lors de la résiliation. Conservez cette page comme preuve.",
        "Sie erhalten eine Bestätigung per E-Mail, sobald es gekündigt ist. Bewahren Sie diese Seite als Nachweis auf.";
    KEEP: "Keep this page as your record (print or save it).",
        "Conservez cette page comme preuve (imprimez-la ou enregistrez-la).",
        "Bewahren Sie diese Seite als Nachweis auf (drucken oder speichern).";
    TRY_LATER: "Your request could not be recorded just now. Please try again in a moment.",
        "Votre demande n'a pas pu être enregistrée pour l'instant. Veuillez réessayer dans un instant.",
        "Ihre Erklärung konnte gerade nicht gespeichert werden. Bitte versuchen Sie es gleich noch einmal.";
    LINK_CANCEL: "Cancel a subscription", "Résilier un abonnement", "Abonnement kündigen";
    LINK_WITHDRAW: "Withdraw from a new subscription", "Se rétracter d'un nouvel abonnement",
        "Neues Abo widerrufen";
}
