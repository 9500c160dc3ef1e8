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
use crate::db::{customers, routines, translations, Connection, OptionalExtension};
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
use cadence_contract::{ChangeRequest, Date, SubscriptionChange, TaskDone};
use maud::{html, PreEscaped, DOCTYPE};
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

pub(super) const CSS: &str = "body{margin:0;font:18px/1.5 system-ui,sans-serif;background:#f5f5f2;color:#1d1d1b}\
main{max-width:32rem;margin:10vh auto;padding:2rem;background:#fff;border-radius:8px}\
h1{font-size:1.1rem;margin:0 0 1rem}\
button{font:inherit;font-weight:600;padding:.6rem 1.2rem;border:0;border-radius:6px;background:#2f5d50;color:#fff;cursor:pointer}\
button:focus-visible{outline:3px solid #1d1d1b;outline-offset:2px}\
.muted{color:#4a4a46;font-size:.9rem}";

/// `'sha256-…'` of [`CSS`], for the style-src of every page that inlines it.
pub(super) static STYLE_HASH: LazyLock<String> = LazyLock::new(|| {
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(CSS.as_bytes()));
    format!("'sha256-{hash}'")
});

/// The policy every link page is served with: nothing may load or run but its own style.
static CSP: LazyLock<HeaderValue> = LazyLock::new(|| {
    HeaderValue::from_str(&format!(
        "default-src 'none'; style-src {}; form-action 'self'; \
         frame-ancestors 'none'; base-uri 'none'",
        *STYLE_HASH
    ))
    .expect("a CSP of ASCII is a header value")
});

/// `/links/{token}`.
pub fn routes() -> Router<AppState> {
    Router::new().route("/links/{token}", get(show).post(act))
}

/// What a page says.
pub(super) struct Page {
    pub status: StatusCode,
    pub lang: Lang,
    pub shop: String,
    pub text: String,
    /// The confirmation button's label, on a page that asks.
    pub button: Option<&'static str>,
    /// A link to follow the result with (label, URL): a confirmed follower's calendar.
    pub link: Option<(&'static str, String)>,
}

pub(super) fn page(p: Page) -> Response {
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
                    @if let Some((label, url)) = &p.link {
                        p { a href=(url) { (label) } }
                    }
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
    html_response(p.status, markup, CSP.clone())
}

/// An HTML answer with the headers every page of these gets: its CSP, never cached, no
/// referrer (the URL holds a credential), not indexed.
pub(super) fn html_response(
    status: StatusCode,
    markup: maud::Markup,
    csp: HeaderValue,
) -> Response {
    let mut response = (status, markup.into_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CONTENT_SECURITY_POLICY, csp);
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
pub(super) async fn context(
    state: &AppState,
    link: Option<&Link>,
    headers: &HeaderMap,
) -> (Lang, String) {
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

pub(super) fn refused(lang: Lang, shop: String, why: LinkError) -> Page {
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
        link: None,
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
        Ok(link) if link.action != Action::SignIn => link,
        Ok(_) => return page(refused(lang, shop, LinkError::Invalid)),
        Err(why) => return page(refused(lang, shop, why)),
    };
    let hash = links::hash(&token);
    let used = state
        .db
        .read(move |conn| used(conn, &hash).map_err(ApiError::from))
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
        link: None,
    })
}

/// Whether the link whose hash is `hash` was acted on already.
pub(super) fn used(conn: &Connection, hash: &str) -> Result<bool, crate::db::StoreError> {
    conn.prepare_cached("SELECT 1 FROM link_uses WHERE link_hash = ?1")?
        .exists([hash])
}

/// The question a link's page asks, and its button.
async fn question(lang: Lang, state: &AppState, link: &Link) -> (String, Option<&'static str>) {
    let (names, label): (&Words, &Words) = match link.action {
        Action::Skip => (&words::CONFIRM_SKIP, &words::BUTTON_SKIP),
        Action::Pause => (&words::CONFIRM_PAUSE, &words::BUTTON_PAUSE),
        Action::Unsubscribe | Action::SignIn => {
            (&words::CONFIRM_UNSUBSCRIBE, &words::BUTTON_UNSUBSCRIBE)
        }
        Action::Done => (&words::CONFIRM_DONE, &words::BUTTON_DONE),
        Action::AddPart => (&words::CONFIRM_ADD, &words::BUTTON_ADD),
        Action::StopRoutine => (&words::CONFIRM_STOP, &words::BUTTON_STOP),
        Action::Follow => (&words::CONFIRM_FOLLOW, &words::BUTTON_FOLLOW),
    };
    let about = names_of(state, link, lang).await;
    (
        fill_with(names, lang, &about.values(lang, link)),
        Some(label.get(lang)),
    )
}

/// The names a link's sentences use: its subscription's product, its part, its task.
#[derive(Default)]
struct About {
    product: String,
    part: String,
    task: String,
}

impl About {
    fn values(&self, lang: Lang, link: &Link) -> [(&'static str, String); 4] {
        [
            ("date", date_of(lang, link)),
            ("product", self.product.clone()),
            ("part", self.part.clone()),
            ("task", self.task.clone()),
        ]
    }
}

fn fill_with(words: &Words, lang: Lang, values: &[(&'static str, String)]) -> String {
    let pairs: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
    fill(words, lang, &pairs)
}

async fn names_of(state: &AppState, link: &Link, lang: Lang) -> About {
    let link = link.clone();
    let today = state.clock.today();
    state
        .db
        .read(move |conn| {
            let product_of = |sku: &str| -> Result<String, ApiError> {
                let translated = translations::texts(conn, sku, lang)?.and_then(|t| t.name);
                Ok(match translated {
                    Some(name) => name,
                    None => conn
                        .prepare_cached("SELECT name FROM products WHERE sku = ?1")?
                        .query_row([sku], |row| row.get(0))
                        .optional()?
                        .unwrap_or_default(),
                })
            };
            let mut about = About::default();
            if let Some(id) = &link.subscription {
                let sku: Option<String> = conn
                    .prepare_cached(
                        "SELECT sku FROM subscriptions WHERE id = ?1 AND customer_id = ?2",
                    )?
                    .query_row([id, &link.customer], |row| row.get(0))
                    .optional()?;
                if let Some(sku) = sku {
                    about.product = product_of(&sku)?;
                }
            }
            if let Some(sku) = &link.sku {
                about.part = product_of(sku)?;
            }
            if let Some(routine) = link.routine.as_deref().and_then(|r| r.parse::<i64>().ok()) {
                if let Some(owned) = routines::owned_task(conn, &link.customer, routine, today)? {
                    let mut task = owned.task;
                    translations::tasks(conn, lang, std::slice::from_mut(&mut task))?;
                    about.task = task.name;
                }
            }
            Ok::<_, ApiError>(about)
        })
        .await
        .unwrap_or_default()
}

/// What pressing the button did.
enum Acted {
    /// Done; a routine's next due day when the task was marked done.
    Done(Option<Date>),
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
        Ok(link) if link.action != Action::SignIn => link,
        Ok(_) => return page(refused(lang, shop, LinkError::Invalid)),
        Err(why) => return page(refused(lang, shop, why)),
    };
    // The names, read before the change (a stopped routine's name is still its name).
    let about = names_of(&state, &link, lang).await;
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
            if used(tx, &hash)? {
                return Ok(Acted::Already);
            }
            let acted = apply_link(tx, &acting, &at, cap)?;
            tx.execute(
                "INSERT INTO link_uses (link_hash, used_at, outcome) VALUES (?1, ?2, ?3)",
                params![hash, at.unix, "done"],
            )?;
            Ok::<_, ApiError>(acted)
        })
        .await;
    let (status, text) = match result {
        Ok(Acted::Done(next_due)) => (StatusCode::OK, done_text(lang, &link, &about, next_due)),
        Ok(Acted::Already) => (StatusCode::OK, words::ALREADY.get(lang).to_owned()),
        Err(e) => match e.refusal_words(lang) {
            Some(why) => (
                StatusCode::CONFLICT,
                fill(&words::REFUSED, lang, &[("why", &why)]),
            ),
            // A confirmation whose request was forgotten (2 days): as an expired link.
            None if e.status() == StatusCode::NOT_FOUND && link.action == Action::Follow => {
                (StatusCode::GONE, words::EXPIRED.get(lang).to_owned())
            }
            None if e.status().is_server_error() => (
                StatusCode::SERVICE_UNAVAILABLE,
                words::TRY_LATER.get(lang).to_owned(),
            ),
            None => (StatusCode::BAD_REQUEST, words::INVALID.get(lang).to_owned()),
        },
    };
    // A confirmed follower gets their calendar too: the maintenance dates, kept current.
    let link = match (&link.action, status) {
        (Action::Follow, StatusCode::OK) => calendar_link(&state, &link.customer)
            .await
            .map(|url| (words::CALENDAR_LINK.get(lang), url)),
        _ => None,
    };
    page(Page {
        status,
        lang,
        shop,
        text,
        button: None,
        link,
    })
}

/// The customer's calendar feed URL (made if they had none), as `GET /me/calendar` gives it.
async fn calendar_link(state: &AppState, customer: &str) -> Option<String> {
    let (key, customer) = (*state.keys.feed_key(), customer.to_owned());
    let id = state
        .db
        .write(move |tx| {
            let generation =
                customers::auth_record(tx, &customer)?.map_or(0, |r| r.feed_generation);
            let id = crate::calendar::feed::feed_id(&key, &customer, generation);
            crate::db::calendar::save_feed(tx, &id, &customer)?;
            Ok::<_, ApiError>(id)
        })
        .await
        .ok()?;
    Some(format!(
        "{}{}/calendar/{id}.ics",
        state.public_url,
        cadence_contract::API_PREFIX
    ))
}

/// What a link does, inside the transaction that records its use.
fn apply_link(tx: &Connection, link: &Link, at: &At, cap: u32) -> Result<Acted, ApiError> {
    let nothing = || ApiError::BadRequest("this link names nothing to change");
    let change = |change: SubscriptionChange| -> Result<Acted, ApiError> {
        let id = link.subscription.as_deref().ok_or_else(nothing)?;
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
        Ok(Acted::Done(None))
    };
    match link.action {
        Action::Skip => change(SubscriptionChange::Skip {
            date: link.date.ok_or_else(nothing)?,
        }),
        Action::Pause => change(SubscriptionChange::Pause),
        Action::AddPart => change(SubscriptionChange::AddOnce {
            sku: link.sku.clone().ok_or_else(nothing)?,
            quantity: 1,
        }),
        Action::Unsubscribe => {
            let kind = link.kind.unwrap_or(Kind::DeliveryReminder);
            tx.execute(
                "INSERT INTO notification_optouts (customer_id, kind, at)
                 VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
                params![link.customer, kind.as_str(), at.now],
            )?;
            Ok(Acted::Done(None))
        }
        Action::Done => {
            let routine = link.routine.as_deref().ok_or_else(nothing)?;
            let at = crate::routines::At {
                today: at.today,
                now: at.now.clone(),
                unix: at.unix,
            };
            let task = crate::routines::mark_done(
                tx,
                &link.customer,
                routine,
                &TaskDone { done_on: None },
                crate::routines::Actor::Customer,
                &at,
            )?;
            Ok(Acted::Done(Some(task.next_due)))
        }
        Action::StopRoutine => {
            super::routine::stop_link(
                tx,
                &link.customer,
                link.routine.as_deref().ok_or_else(nothing)?,
            )?;
            Ok(Acted::Done(None))
        }
        Action::Follow => Ok(Acted::Done(super::follow::confirm(
            tx, link, at.today, &at.now,
        )?)),
        Action::SignIn => Err(nothing()),
    }
}

fn done_text(lang: Lang, link: &Link, about: &About, next_due: Option<Date>) -> String {
    let done: &Words = match link.action {
        Action::Skip => &words::DONE_SKIP,
        Action::Pause => &words::DONE_PAUSE,
        Action::Unsubscribe | Action::SignIn => &words::DONE_UNSUBSCRIBE,
        Action::Done => &words::DONE_DONE,
        Action::AddPart => &words::DONE_ADD,
        Action::StopRoutine => &words::DONE_STOP,
        Action::Follow => &words::DONE_FOLLOW,
    };
    let mut values = about.values(lang, link);
    if let Some(next) = next_due {
        values[0].1 = i18n::long_date(lang, next);
    }
    fill_with(done, lang, &values)
}
