//! The page a one-click link opens (`/links/{token}`, on the API's origin). `GET` changes
//! nothing, since mail scanners open links: it asks, with one button. `POST` (the button,
//! or a mail client's RFC 8058 one-click unsubscribe) acts once: the link's hash is
//! recorded with the change in one transaction, so a second press says it was done and
//! changes nothing new. A link that was edited or has expired gets a clear page and no
//! change. The page has no script and one hashed stylesheet, under a strict CSP.

use super::links::{self, Action, Link, LinkError};
use super::render::fill;
use super::words::{self, Words};
use super::Kind;
use crate::app::AppState;
use crate::db::{customers, OptionalExtension};
use crate::error::ApiError;
use crate::i18n::{self, Lang};
use crate::params;
use crate::selfservice::{self, At};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use base64::Engine;
use cadence_contract::{ChangeRequest, SubscriptionChange};
use maud::{html, PreEscaped, DOCTYPE};
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

const CSS: &str = "body{margin:0;font:18px/1.5 system-ui,sans-serif;background:#f5f5f2;color:#1d1d1b}\
main{max-width:32rem;margin:10vh auto;padding:2rem;background:#fff;border-radius:8px}\
h1{font-size:1.1rem;margin:0 0 1rem}\
button{font:inherit;font-weight:600;padding:.6rem 1.2rem;border:0;border-radius:6px;background:#2f5d50;color:#fff;cursor:pointer}\
button:focus-visible{outline:3px solid #1d1d1b;outline-offset:2px}\
.muted{color:#4a4a46;font-size:.9rem}";

/// The policy every link page is served with: nothing may load or run but its own style.
static CSP: LazyLock<HeaderValue> = LazyLock::new(|| {
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(CSS.as_bytes()));
    HeaderValue::from_str(&format!(
        "default-src 'none'; style-src 'sha256-{hash}'; form-action 'self'; \
         frame-ancestors 'none'; base-uri 'none'"
    ))
    .expect("a CSP of ASCII is a header value")
});

/// `/links/{token}`.
pub fn routes() -> Router<AppState> {
    Router::new().route("/links/{token}", get(show).post(act))
}

/// What a page says.
struct Page {
    status: StatusCode,
    lang: Lang,
    shop: String,
    text: String,
    /// The confirmation button's label, on a page that asks.
    button: Option<&'static str>,
}

fn page(p: Page) -> Response {
    let markup = html! {
        (DOCTYPE)
        html lang=(p.lang.tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="robots" content="noindex";
                title { (words::PAGE_TITLE.get(p.lang)) " – " (p.shop) }
                // The constant above, hashed into the CSP: not user data.
                style { (PreEscaped(CSS)) }
            }
            body {
                main {
                    h1 { (p.shop) }
                    p role=[p.button.is_none().then_some("status")] { (p.text) }
                    @if let Some(label) = p.button {
                        form method="post" {
                            button type="submit" { (label) }
                        }
                        p class="muted" { (words::NOT_NOW.get(p.lang)) }
                    }
                }
            }
        }
    };
    let mut response = (p.status, markup.into_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CONTENT_SECURITY_POLICY, CSP.clone());
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // The link is a credential: it must not leave in a Referer.
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert("x-robots-tag", HeaderValue::from_static("noindex"));
    response
}

/// The language and shop name of a page: the customer's, else the browser's.
async fn context(state: &AppState, link: Option<&Link>, headers: &HeaderMap) -> (Lang, String) {
    let asked = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map_or(Lang::En, Lang::from_accept_language);
    let customer = link.map(|l| l.customer.clone());
    let found = state
        .db
        .read(move |conn| {
            let settings = super::settings::load(conn)?;
            let locale = match &customer {
                Some(id) => customers::locale(conn, id)?,
                None => None,
            };
            Ok::<_, ApiError>((settings.brand.name, locale))
        })
        .await;
    match found {
        Ok((shop, locale)) => (
            locale.as_deref().and_then(Lang::of_tag).unwrap_or(asked),
            shop,
        ),
        Err(_) => (asked, String::new()),
    }
}

fn refused(lang: Lang, shop: String, why: LinkError) -> Page {
    let (status, text) = match why {
        LinkError::Invalid => (StatusCode::BAD_REQUEST, words::INVALID.get(lang)),
        LinkError::Expired => (StatusCode::GONE, words::EXPIRED.get(lang)),
    };
    Page {
        status,
        lang,
        shop,
        text: text.to_owned(),
        button: None,
    }
}

fn date_of(lang: Lang, link: &Link) -> String {
    link.date
        .map(|d| i18n::long_date(lang, d))
        .unwrap_or_default()
}

async fn show(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    let link = links::verify(
        &state.keys.link_key().clone(),
        &token,
        state.clock.unix_seconds(),
    );
    let (lang, shop) = context(&state, link.as_ref().ok(), &headers).await;
    let link = match link {
        Ok(link) => link,
        Err(why) => return page(refused(lang, shop, why)),
    };
    let hash = links::hash(&token);
    let used = state
        .db
        .read(move |conn| {
            conn.prepare_cached("SELECT 1 FROM link_uses WHERE link_hash = ?1")?
                .exists([&hash])
                .map_err(ApiError::from)
        })
        .await;
    let (text, button) = match used {
        Ok(true) => (words::ALREADY.get(lang).to_owned(), None),
        Ok(false) => question(lang, &state, &link).await,
        Err(_) => (words::TRY_LATER.get(lang).to_owned(), None),
    };
    page(Page {
        status: StatusCode::OK,
        lang,
        shop,
        text,
        button,
    })
}

/// The question a link's page asks, and its button.
async fn question(lang: Lang, state: &AppState, link: &Link) -> (String, Option<&'static str>) {
    match link.action {
        Action::Skip => (
            fill(
                &words::CONFIRM_SKIP,
                lang,
                &[("date", &date_of(lang, link))],
            ),
            Some(words::BUTTON_SKIP.get(lang)),
        ),
        Action::Pause => {
            let product = product_name(state, link, lang).await;
            (
                fill(&words::CONFIRM_PAUSE, lang, &[("product", &product)]),
                Some(words::BUTTON_PAUSE.get(lang)),
            )
        }
        Action::Unsubscribe => (
            words::CONFIRM_UNSUBSCRIBE.get(lang).to_owned(),
            Some(words::BUTTON_UNSUBSCRIBE.get(lang)),
        ),
    }
}

async fn product_name(state: &AppState, link: &Link, lang: Lang) -> String {
    let (customer, id) = (
        link.customer.clone(),
        link.subscription.clone().unwrap_or_default(),
    );
    state
        .db
        .read(move |conn| {
            let sku: Option<String> = conn
                .prepare_cached("SELECT sku FROM subscriptions WHERE id = ?1 AND customer_id = ?2")?
                .query_row([&id, &customer], |row| row.get(0))
                .optional()?;
            let Some(sku) = sku else {
                return Ok::<_, ApiError>(String::new());
            };
            let translated = crate::db::translations::texts(conn, &sku, lang)?.and_then(|t| t.name);
            let name = match translated {
                Some(name) => name,
                None => conn
                    .prepare_cached("SELECT name FROM products WHERE sku = ?1")?
                    .query_row([&sku], |row| row.get(0))
                    .optional()?
                    .unwrap_or_default(),
            };
            Ok(name)
        })
        .await
        .unwrap_or_default()
}

/// What pressing the button did.
enum Acted {
    Done,
    Already,
}

async fn act(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    let now = state.clock.unix_seconds();
    let link = links::verify(&state.keys.link_key().clone(), &token, now);
    let (lang, shop) = context(&state, link.as_ref().ok(), &headers).await;
    let link = match link {
        Ok(link) => link,
        Err(why) => return page(refused(lang, shop, why)),
    };
    let hash = links::hash(&token);
    let at = At {
        today: state.clock.today(),
        now: state.clock.timestamp(),
        unix: now,
    };
    let cap = state.limits.max_subscriptions_per_customer;
    let acting = link.clone();
    let result = state
        .db
        .write_for(link.customer.clone(), move |tx| {
            let used = tx
                .prepare_cached("SELECT 1 FROM link_uses WHERE link_hash = ?1")?
                .exists([&hash])?;
            if used {
                return Ok(Acted::Already);
            }
            let link = &acting;
            let change = match link.action {
                Action::Skip => link.date.map(|date| SubscriptionChange::Skip { date }),
                Action::Pause => Some(SubscriptionChange::Pause),
                Action::Unsubscribe => None,
            };
            match (change, &link.subscription) {
                (Some(change), Some(id)) => {
                    let request = ChangeRequest {
                        change,
                        via: None,
                        recommendation: None,
                    };
                    let at = At {
                        today: at.today,
                        now: at.now.clone(),
                        unix: at.unix,
                    };
                    selfservice::apply(tx, &link.customer, id, &request, &at, cap, |_| Ok(()))?;
                }
                (None, _) if link.action == Action::Unsubscribe => {
                    let kind = link.kind.unwrap_or(Kind::DeliveryReminder);
                    tx.execute(
                        "INSERT INTO notification_optouts (customer_id, kind, at)
                         VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
                        params![link.customer, kind.as_str(), at.now],
                    )?;
                }
                _ => return Err(ApiError::BadRequest("this link names nothing to change")),
            }
            tx.execute(
                "INSERT INTO link_uses (link_hash, used_at, outcome) VALUES (?1, ?2, ?3)",
                params![hash, at.unix, "done"],
            )?;
            Ok::<_, ApiError>(Acted::Done)
        })
        .await;
    let (status, text) = match result {
        Ok(Acted::Done) => (StatusCode::OK, done_text(lang, &link)),
        Ok(Acted::Already) => (StatusCode::OK, words::ALREADY.get(lang).to_owned()),
        Err(e) => match e.refusal_words(lang) {
            Some(why) => (
                StatusCode::CONFLICT,
                fill(&words::REFUSED, lang, &[("why", &why)]),
            ),
            None if e.status().is_server_error() => (
                StatusCode::SERVICE_UNAVAILABLE,
                words::TRY_LATER.get(lang).to_owned(),
            ),
            None => (StatusCode::BAD_REQUEST, words::INVALID.get(lang).to_owned()),
        },
    };
    page(Page {
        status,
        lang,
        shop,
        text,
        button: None,
    })
}

fn done_text(lang: Lang, link: &Link) -> String {
    let done: &Words = match link.action {
        Action::Skip => &words::DONE_SKIP,
        Action::Pause => &words::DONE_PAUSE,
        Action::Unsubscribe => &words::DONE_UNSUBSCRIBE,
    };
    fill(done, lang, &[("date", &date_of(lang, link))])
}
