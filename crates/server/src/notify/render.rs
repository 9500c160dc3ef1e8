//! A message's subject, plain text and HTML, in the customer's language, wearing the
//! merchant's brand. The HTML is a maud template (escaped by default) with inline styles,
//! as e-mail clients need; links are the signed ones of `links.rs` and the shop's own.

use super::data::{Links, NotificationData};
use super::settings::Brand;
use super::words::{self, Words};
use super::Kind;
use crate::i18n::{self, Lang};
use maud::{html, Markup, DOCTYPE};

/// What to write, already in the customer's language.
pub struct Draft<'a> {
    pub data: &'a NotificationData,
    pub lang: Lang,
    pub brand: &'a Brand,
    /// The receipt's moment, written out ("3 December 2026, 10:15 (Europe/Berlin)").
    pub at_text: Option<String>,
    /// This server's public origin, for the cancellation page's link in the footer.
    pub public_url: &'a str,
}

/// Subject, text and HTML of `draft`.
pub fn render(draft: &Draft<'_>) -> super::data::Rendered {
    let lang = draft.lang;
    let data = draft.data;
    let product = &data.product_name;
    let subject = match data.kind {
        Kind::DeliveryReminder => fill(
            &words::REMINDER_SUBJECT,
            lang,
            &[("product", product), ("date", &date_or_dash(lang, data))],
        ),
        Kind::Receipt => {
            let what = words::action(lang, receipt_action(data));
            fill(
                &words::RECEIPT_SUBJECT,
                lang,
                &[("product", product), ("what", what)],
            )
        }
        Kind::YearlyReminder => fill(&words::YEARLY_SUBJECT, lang, &[("product", product)]),
        Kind::PriceChange => fill(
            &words::PRICE_SUBJECT,
            lang,
            &[("product", product), ("date", &change_date(lang, data))],
        ),
    };
    let lead = match data.kind {
        Kind::DeliveryReminder => words::REMINDER_LEAD.get(lang).to_owned(),
        Kind::Receipt => fill(
            &words::RECEIPT_LEAD,
            lang,
            &[("at", draft.at_text.as_deref().unwrap_or_default())],
        ),
        Kind::YearlyReminder => words::YEARLY_LEAD.get(lang).to_owned(),
        Kind::PriceChange => fill(
            &words::PRICE_LEAD,
            lang,
            &[("date", &change_date(lang, data))],
        ),
    };
    let greeting = greeting(lang, data.name.as_deref());
    let facts = facts(lang, data);
    let buttons = buttons(lang, &data.links);
    let footer = footer(lang, data, draft.brand);
    let body = Body {
        greeting,
        lead,
        facts,
        change_lead: (data.kind == Kind::DeliveryReminder)
            .then(|| words::REMINDER_CHANGE.get(lang)),
        buttons,
        footer,
        unsubscribe: data
            .links
            .unsubscribe
            .clone()
            .map(|url| (words::UNSUBSCRIBE.get(lang), url)),
    };
    message(subject, lang, draft.brand, &body, draft.public_url)
}

/// "Hello Ada," or, without a name, "Hello,".
pub(super) fn greeting(lang: Lang, name: Option<&str>) -> String {
    match name.filter(|n| !n.is_empty()) {
        Some(name) => fill(&words::HELLO, lang, &[("name", name)]),
        None => words::HELLO_ANON.get(lang).to_owned(),
    }
}

/// The public cancellation page in `lang`, on this server's origin `public_url`: every
/// e-mail's footer links it (cancelling needs no sign-in, §312k BGB).
pub(super) fn cancel_url(public_url: &str, lang: Lang) -> String {
    format!("{public_url}/cancel?lang={}", lang.tag())
}

/// The text and HTML of `body` under `subject`: every e-mail this server writes, each
/// with the cancellation page's link at its foot.
pub(super) fn message(
    subject: String,
    lang: Lang,
    brand: &Brand,
    body: &Body,
    public_url: &str,
) -> super::data::Rendered {
    let cancel = (words::CANCEL_LINK.get(lang), cancel_url(public_url, lang));
    let text = text(body, brand, &cancel);
    let html = page(&subject, lang, brand, body, &cancel).into_string();
    super::data::Rendered {
        subject,
        text,
        html,
    }
}

fn receipt_action(data: &NotificationData) -> &str {
    data.change
        .as_ref()
        .map_or("changed", |c| c.action.as_str())
}

/// The date a price change applies from, written out.
fn change_date(lang: Lang, data: &NotificationData) -> String {
    data.price_change
        .as_ref()
        .map_or_else(|| "—".to_owned(), |c| i18n::long_date(lang, c.effective_on))
}

fn date_or_dash(lang: Lang, data: &NotificationData) -> String {
    data.delivery_date
        .or(data.subscription.next_delivery)
        .map_or_else(|| "—".to_owned(), |d| i18n::long_date(lang, d))
}

/// `words` in `lang` with each `{name}` replaced.
pub(super) fn fill(words: &Words, lang: Lang, values: &[(&str, &str)]) -> String {
    let mut out = words.get(lang).to_owned();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// The table of what, when, how much, how often.
fn facts(lang: Lang, data: &NotificationData) -> Vec<(&'static str, String)> {
    let sub = &data.subscription;
    let mut rows = vec![(
        words::WHAT.get(lang),
        format!("{} × {}", sub.quantity, data.product_name),
    )];
    let when = match data.kind {
        Kind::DeliveryReminder => words::WHEN,
        _ => words::NEXT,
    };
    if data.kind == Kind::DeliveryReminder || sub.next_delivery.is_some() {
        rows.push((when.get(lang), date_or_dash(lang, data)));
    }
    match &data.price_change {
        Some(change) if data.kind == Kind::PriceChange => {
            rows.push((
                words::PRICE_NOW.get(lang),
                i18n::money(lang, &change.price_before),
            ));
            rows.push((
                words::PRICE_NEW.get(lang),
                i18n::money(lang, &change.price_after),
            ));
            rows.push((
                words::PRICE_FROM.get(lang),
                i18n::long_date(lang, change.effective_on),
            ));
        }
        _ => rows.push((words::PRICE.get(lang), i18n::money(lang, &data.price))),
    }
    rows.push((
        words::EVERY.get(lang),
        words::every(
            lang,
            u32::from(sub.interval.count),
            sub.interval.unit.as_str(),
        ),
    ));
    if data.kind != Kind::DeliveryReminder {
        rows.push((
            words::STATUS.get(lang),
            words::status(lang, sub.status.as_str()).to_owned(),
        ));
    }
    rows
}

/// The one-click buttons: label and URL.
fn buttons(lang: Lang, links: &Links) -> Vec<(String, String)> {
    [
        (&words::SKIP_THIS, &links.skip),
        (&words::PAUSE, &links.pause),
        (&words::MANAGE, &links.manage),
    ]
    .into_iter()
    .filter_map(|(label, url)| Some((label.get(lang).to_owned(), url.clone()?)))
    .collect()
}

fn footer(lang: Lang, data: &NotificationData, brand: &Brand) -> Vec<String> {
    let shop = [("shop", brand.name.as_str())];
    match data.kind {
        Kind::PriceChange => vec![
            fill(
                &words::PRICE_CANCEL,
                lang,
                &[
                    ("shop", brand.name.as_str()),
                    ("date", &change_date(lang, data)),
                ],
            ),
            words::PRICE_KEEP.get(lang).to_owned(),
        ],
        Kind::Receipt => vec![
            words::RECEIPT_KEEP.get(lang).to_owned(),
            fill(&words::HOW_TO_CANCEL, lang, &shop),
        ],
        _ => vec![fill(&words::HOW_TO_CANCEL, lang, &shop)],
    }
}

/// A message's parts, in its language.
pub(super) struct Body {
    pub greeting: String,
    pub lead: String,
    /// Label and value rows (a table in HTML).
    pub facts: Vec<(&'static str, String)>,
    /// The sentence before a reminder's buttons.
    pub change_lead: Option<&'static str>,
    /// Label and URL of each button.
    pub buttons: Vec<(String, String)>,
    pub footer: Vec<String>,
    /// The small link at the end that stops these messages: label and URL.
    pub unsubscribe: Option<(&'static str, String)>,
}

fn text(body: &Body, brand: &Brand, cancel: &(&str, String)) -> String {
    let mut out = format!("{}\n\n{}\n\n", body.greeting, body.lead);
    for (label, value) in &body.facts {
        out.push_str(&format!("{label}: {value}\n"));
    }
    out.push('\n');
    if !body.buttons.is_empty() {
        if let Some(lead) = body.change_lead {
            out.push_str(lead);
            out.push('\n');
        }
        for (label, url) in &body.buttons {
            out.push_str(&format!("{label}: {url}\n"));
        }
        out.push('\n');
    }
    for line in &body.footer {
        out.push_str(line);
        out.push('\n');
    }
    if let Some((label, url)) = &body.unsubscribe {
        out.push_str(&format!("\n{label}: {url}\n"));
    }
    out.push_str(&format!("\n{}: {}\n", cancel.0, cancel.1));
    out.push_str(&format!("\n— {}\n", brand.name));
    out
}

fn page(subject: &str, lang: Lang, brand: &Brand, body: &Body, cancel: &(&str, String)) -> Markup {
    // `brand.color` is checked to be #rrggbb, so it can only ever be a colour here.
    let button = format!(
        "display:inline-block;margin:0 8px 8px 0;padding:10px 16px;border-radius:6px;\
         background:{};color:#ffffff;text-decoration:none;font-weight:600",
        brand.color
    );
    html! {
        (DOCTYPE)
        html lang=(lang.tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (subject) }
            }
            body style="margin:0;padding:24px;background:#f5f5f2;color:#1d1d1b;font:16px/1.5 system-ui,sans-serif" {
                div style="max-width:560px;margin:0 auto;background:#ffffff;padding:24px;border-radius:8px" {
                    @if let Some(logo) = &brand.logo_url {
                        img src=(logo) alt=(brand.name) style="max-height:48px";
                    } @else {
                        p style={"margin:0 0 16px;font-weight:700;color:" (brand.color)} { (brand.name) }
                    }
                    p { (body.greeting) }
                    p { (body.lead) }
                    @if !body.facts.is_empty() {
                    table role="presentation" style="border-collapse:collapse;margin:16px 0" {
                        @for (label, value) in &body.facts {
                            tr {
                                th scope="row" style="text-align:left;padding:4px 16px 4px 0;font-weight:600" { (label) }
                                td style="padding:4px 0" { (value) }
                            }
                        }
                    }
                    }
                    @if !body.buttons.is_empty() {
                        @if let Some(lead) = body.change_lead { p { (lead) } }
                        p { @for (label, url) in &body.buttons { a href=(url) style=(button) { (label) } " " } }
                    }
                    @for line in &body.footer { p style="font-size:14px;color:#4a4a46" { (line) } }
                    @if let Some((label, url)) = &body.unsubscribe {
                        p style="font-size:13px" { a href=(url) style="color:#4a4a46" { (label) } }
                    }
                    p style="font-size:13px" { a href=(cancel.1) style="color:#4a4a46" { (cancel.0) } }
                    p style="font-size:14px;color:#4a4a46" { "— " (brand.name) }
                }
            }
        }
    }
}
