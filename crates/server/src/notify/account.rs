//! The Cadence-hosted account page, for shops without their own login (`/account` on the
//! API's origin): the shopper gives an e-mail address and receives a sign-in link (a magic
//! link: signed, 15 minutes, single use); the link's page, after one button, shows the
//! same `<cadence-widget view="account">` a merchant would embed, with a customer token
//! minted for an hour.
//!
//! The answer never tells whether the address is known: the same page, after the same
//! write (the request is counted per address either way), whether a message was made or
//! not. At most 5 requests an hour per address make a message; the per-client request
//! rate of every route applies too.

use super::data::Rendered;
use super::links::{self, Action, Link, LinkError};
use super::pages::{self, Page};
use super::render::{self, fill, greeting, Body};
use super::settings::{self, Settings};
use super::words;
use super::Notifier;
use crate::app::AppState;
use crate::db::{Connection, OptionalExtension, StoreError};
use crate::error::ApiError;
use crate::i18n::Lang;
use crate::params;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::{Form, Router};
use maud::{html, PreEscaped, DOCTYPE};
use serde::Deserialize;
use std::sync::LazyLock;

/// How long a sign-in link works.
const LINK_SECS: i64 = 15 * 60;
/// How long the token the account page is given lives.
const SESSION_SECS: i64 = 3600;
/// Requests per address and hour that make a message (sign-in links and the confirmations
/// of `follow.rs` together).
pub(super) const PER_HOUR: i64 = 5;

/// The account page's policy: its own scripts (the widget) and wasm, its own API.
static ACCOUNT_CSP: LazyLock<HeaderValue> = LazyLock::new(|| {
    HeaderValue::from_str(&format!(
        "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; \
         style-src 'self' {}; img-src 'self' data:; font-src 'self'; \
         form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        *pages::STYLE_HASH
    ))
    .expect("a CSP of ASCII is a header value")
});

/// `/account` and `/account/{token}`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/account", get(ask).post(request))
        .route("/account/{token}", get(confirm).post(sign_in))
}

#[derive(Deserialize)]
struct Address {
    #[serde(default)]
    email: String,
}

/// The form: an address, a button.
fn form_page(lang: Lang, shop: &str, note: Option<&str>, status: StatusCode) -> Response {
    let markup = html! {
        (DOCTYPE)
        html lang=(lang.tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="robots" content="noindex";
                title { (words::ACCOUNT_TITLE.get(lang)) " – " (shop) }
                link rel="icon" href="data:,";
                // The constant of `pages.rs`, hashed into the CSP: not user data.
                style { (PreEscaped(pages::CSS)) }
            }
            body {
                main {
                    h1 { (shop) }
                    @if let Some(note) = note {
                        p role="status" { (note) }
                    }
                    p { (words::ACCOUNT_ASK.get(lang)) }
                    form method="post" action="/account" {
                        p {
                            label for="email" { (words::EMAIL_LABEL.get(lang)) }
                            " "
                            input id="email" name="email" type="email" autocomplete="email" required;
                        }
                        button type="submit" { (words::BUTTON_SEND.get(lang)) }
                    }
                }
            }
        }
    };
    pages::html_response(status, markup, ACCOUNT_CSP.clone())
}

async fn ask(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let (lang, shop) = pages::context(&state, None, &headers).await;
    form_page(lang, &shop, None, StatusCode::OK)
}

/// `POST /account`: the same answer whatever the address.
async fn request(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<Address>, FormRejection>,
) -> Response {
    let (lang, shop) = pages::context(&state, None, &headers).await;
    let email = form.map(|Form(a)| a.email).unwrap_or_default();
    let email = email.trim().to_owned();
    if email.is_empty() || email.len() > 254 {
        return form_page(lang, &shop, None, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let notifier = Notifier::of(&state);
    let now = state.clock.unix_seconds();
    let result = state
        .db
        .write(move |tx| {
            let settings = settings::load(tx)?;
            request_link(tx, &notifier, &settings, &email, now).map_err(ApiError::from)
        })
        .await;
    match result {
        Ok(()) => form_page(
            lang,
            &shop,
            Some(words::ACCOUNT_SENT.get(lang)),
            StatusCode::OK,
        ),
        Err(_) => form_page(
            lang,
            &shop,
            Some(words::TRY_LATER.get(lang)),
            StatusCode::SERVICE_UNAVAILABLE,
        ),
    }
}

/// Counts the request, and makes a sign-in message when the address is a customer's and
/// it has not asked too often.
pub fn request_link(
    tx: &Connection,
    notifier: &Notifier,
    settings: &Settings,
    email: &str,
    now: i64,
) -> Result<(), StoreError> {
    let recent = count_request(tx, email, now)?;
    let Some(Addressee {
        customer,
        address,
        name,
        locale,
    }) = addressee(tx, email)?
    else {
        return Ok(());
    };
    if recent > PER_HOUR {
        return Ok(());
    }
    let lang = Lang::of_stored(locale.as_deref());
    let id = crate::webhooks::new_id("ntf_");
    let token = links::sign(
        &notifier.key,
        &Link {
            action: Action::SignIn,
            customer: customer.clone(),
            subscription: None,
            date: None,
            kind: None,
            routine: None,
            sku: None,
            notification: id.clone(),
            expires: now + LINK_SECS,
        },
    );
    let url = format!("{}/account/{token}", notifier.public_url);
    let message = message(lang, settings, name.as_deref(), &url, &notifier.public_url);
    let payload = serde_json::json!({
        "notification_id": id,
        "kind": "sign_in",
        "customer_id": customer,
        "language": lang.tag(),
        "links": {},
        "sender": {
            "name": settings.brand.name,
            "address": settings.brand.from_address,
            "reply_to": settings.brand.reply_to,
        },
        "message": message,
    });
    queue_email(tx, &id, "sign_in", &customer, &address, &payload, now)
}

/// Queues an e-mail that is not an event and not a choice (a sign-in link, a
/// confirmation): made for this one request, sent at once.
pub(super) fn queue_email(
    tx: &Connection,
    id: &str,
    kind: &str,
    customer: &str,
    address: &str,
    payload: &serde_json::Value,
    now: i64,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO notifications (id, kind, dedupe, customer_id, subscription_id, email,
            state, created_at, due_at, attempts, next_attempt_at, payload)
         VALUES (?1, ?2, ?3, ?4, NULL, ?5, 'pending', ?6, ?6, 0, ?6, ?7)",
        params![
            id,
            kind,
            format!("{kind}:{id}"),
            customer,
            address,
            now,
            payload.to_string()
        ],
    )?;
    super::mailer::QUEUED.notify_waiters();
    Ok(())
}

/// Counts a request that would send `email` a message (a sign-in link, a confirmation) and
/// answers how many it made within the hour, this one included. Only the address's hash is
/// kept, and for an hour.
pub(super) fn count_request(tx: &Connection, email: &str, now: i64) -> Result<i64, StoreError> {
    let address = links::hash(&email.to_lowercase());
    tx.prepare_cached("DELETE FROM sign_in_requests WHERE address_hash = ?1 AND at <= ?2")?
        .execute(params![address, now - 3600])?;
    tx.prepare_cached("INSERT INTO sign_in_requests (address_hash, at) VALUES (?1, ?2)")?
        .execute(params![address, now])?;
    tx.prepare_cached("SELECT count(*) FROM sign_in_requests WHERE address_hash = ?1")?
        .query_row([&address], |row| row.get(0))
}

/// The customer an address belongs to.
pub(super) struct Addressee {
    pub customer: String,
    /// As stored.
    pub address: String,
    pub name: Option<String>,
    pub locale: Option<String>,
}

/// The customer whose address is `email`, as typed or lower-cased (exact matches on the
/// unique index).
pub(super) fn addressee(tx: &Connection, email: &str) -> Result<Option<Addressee>, StoreError> {
    let lower = email.to_lowercase();
    tx.prepare_cached(
        "SELECT id, email, name, locale FROM customers WHERE email IN (?1, ?2)
         ORDER BY email = ?1 DESC LIMIT 1",
    )?
    .query_row(params![email, lower], |row| {
        Ok(Addressee {
            customer: row.get(0)?,
            address: row.get(1)?,
            name: row.get(2)?,
            locale: row.get(3)?,
        })
    })
    .optional()
}

fn message(
    lang: Lang,
    settings: &Settings,
    name: Option<&str>,
    url: &str,
    public_url: &str,
) -> Rendered {
    let shop = [("shop", settings.brand.name.as_str())];
    let body = Body {
        greeting: greeting(lang, name),
        lead: fill(&words::SIGN_IN_LEAD, lang, &shop),
        facts: Vec::new(),
        change_lead: None,
        buttons: vec![(words::SIGN_IN_BUTTON.get(lang).to_owned(), url.to_owned())],
        footer: vec![words::SIGN_IN_NOT_YOU.get(lang).to_owned()],
        unsubscribe: None,
    };
    render::message(
        fill(&words::SIGN_IN_SUBJECT, lang, &shop),
        lang,
        &settings.brand,
        &body,
        public_url,
    )
}

/// A sign-in link's page: one button (a mail scanner opening the link signs nobody in).
async fn confirm(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    let now = state.clock.unix_seconds();
    let link = verify(&state, &token, now);
    let (lang, shop) = pages::context(&state, link.as_ref().ok(), &headers).await;
    match link {
        Err(why) => refused(lang, &shop, why),
        Ok(_) if used(&state, &token).await => refused_used(lang, &shop),
        Ok(_) => pages::page(Page {
            status: StatusCode::OK,
            lang,
            shop,
            text: words::SIGN_IN_CONFIRM.get(lang).to_owned(),
            button: Some(words::BUTTON_CONTINUE.get(lang)),
            link: None,
        }),
    }
}

fn verify(state: &AppState, token: &str, now: i64) -> Result<Link, LinkError> {
    match links::verify(state.keys.link_key(), token, now) {
        Ok(link) if link.action == Action::SignIn => Ok(link),
        Ok(_) => Err(LinkError::Invalid),
        Err(why) => Err(why),
    }
}

async fn used(state: &AppState, token: &str) -> bool {
    let hash = links::hash(token);
    state
        .db
        .read(move |conn| pages::used(conn, &hash).map_err(ApiError::from))
        .await
        .unwrap_or(true)
}

fn refused(lang: Lang, shop: &str, why: LinkError) -> Response {
    match why {
        LinkError::Expired => form_page(
            lang,
            shop,
            Some(words::SIGN_IN_EXPIRED.get(lang)),
            StatusCode::GONE,
        ),
        LinkError::Invalid => pages::page(pages::refused(lang, shop.to_owned(), why)),
    }
}

fn refused_used(lang: Lang, shop: &str) -> Response {
    form_page(
        lang,
        shop,
        Some(words::SIGN_IN_USED.get(lang)),
        StatusCode::OK,
    )
}

/// `POST /account/{token}`: the link is used up, and the account page is shown with a
/// token for the customer.
async fn sign_in(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    let now = state.clock.unix_seconds();
    let link = verify(&state, &token, now);
    let (lang, shop) = pages::context(&state, link.as_ref().ok(), &headers).await;
    let link = match link {
        Ok(link) => link,
        Err(why) => return refused(lang, &shop, why),
    };
    let hash = links::hash(&token);
    let first = state
        .db
        .write(move |tx| {
            let inserted = tx
                .prepare_cached(
                    "INSERT INTO link_uses (link_hash, used_at, outcome) VALUES (?1, ?2, 'signed_in')
                     ON CONFLICT DO NOTHING",
                )?
                .execute(params![hash, now])?;
            Ok::<_, ApiError>(inserted == 1)
        })
        .await;
    match first {
        Ok(true) => {}
        Ok(false) => return refused_used(lang, &shop),
        Err(_) => {
            return form_page(
                lang,
                &shop,
                Some(words::TRY_LATER.get(lang)),
                StatusCode::SERVICE_UNAVAILABLE,
            )
        }
    }
    let session = state.keys.mint(&link.customer, SESSION_SECS, state.clock);
    let markup = html! {
        (DOCTYPE)
        html lang=(lang.tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="robots" content="noindex";
                title { (words::ACCOUNT_TITLE.get(lang)) " – " (shop) }
                // No icon: else the browser asks for /favicon.ico, which is not here.
                link rel="icon" href="data:,";
                style { (PreEscaped(pages::CSS)) }
                script type="module" src="/widget/cadence.js" {}
            }
            body {
                main {
                    h1 { (shop) }
                    cadence-widget view="account" locale=(lang.tag()) customer-token=(session) {}
                }
            }
        }
    };
    pages::html_response(StatusCode::OK, markup, ACCOUNT_CSP.clone())
}
