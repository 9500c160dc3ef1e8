//! The shopper's language on the server: which of en, fr and de a request asked for
//! (`Accept-Language`, which the widget sets to its own locale), and the sentences the
//! server writes for shoppers in each (refusals now; messages and calendars use the same).
//!
//! Errors are often made on a blocking database thread, far from the request, so they
//! carry a [`Refusal`](cadence_contract::Refusal) and are worded only when the response is
//! built, from the language `negotiate` stored for the request's task.

pub mod calendar;
mod dates;
mod money;
mod refusals;

pub use dates::long_date;
pub use money::money;
pub use refusals::refusal;

use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use cadence_contract::problem::PROBLEM_CONTENT_TYPE;

/// A language the server writes shopper-facing text in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Lang {
    #[default]
    En,
    Fr,
    De,
}

impl Lang {
    /// The language of a stored tag (a customer's `locale`), English when none is ours.
    pub fn of_stored(tag: Option<&str>) -> Lang {
        tag.and_then(Lang::of_tag).unwrap_or_default()
    }

    /// The BCP 47 tag, as sent in `Content-Language`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
            Lang::De => "de",
        }
    }

    /// The language of a BCP 47 tag by its primary subtag (`de-AT` is German), if spoken.
    pub fn of_tag(tag: &str) -> Option<Lang> {
        let primary = tag.split(['-', '_']).next()?.trim();
        [Lang::En, Lang::Fr, Lang::De]
            .into_iter()
            .find(|l| primary.eq_ignore_ascii_case(l.tag()))
    }

    /// The best of ours for an `Accept-Language` value (RFC 9110 §12.5.4): the highest
    /// weight wins, the earlier entry on a tie; English when none is ours.
    pub fn from_accept_language(value: &str) -> Lang {
        let mut best: Option<(Lang, u16)> = None;
        for entry in value.split(',') {
            let mut parts = entry.split(';');
            let tag = parts.next().unwrap_or_default().trim();
            let weight = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Some(1000), parse_weight);
            let (Some(lang), Some(weight)) = (Lang::of_tag(tag), weight) else {
                continue;
            };
            if weight > 0 && best.is_none_or(|(_, w)| weight > w) {
                best = Some((lang, weight));
            }
        }
        best.map(|(lang, _)| lang).unwrap_or_default()
    }
}

/// A `q` value in thousandths (`0.8` is 800), or `None` when it is not one.
fn parse_weight(q: &str) -> Option<u16> {
    let (whole, fraction) = q.split_once('.').unwrap_or((q, ""));
    if !matches!(whole, "0" | "1")
        || fraction.len() > 3
        || !fraction.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let thousandths = format!("{fraction:0<3}").parse::<u16>().ok()?;
    Some(if whole == "1" { 1000 } else { thousandths })
}

tokio::task_local! {
    static LANG: Lang;
}

/// The language of the request being answered (English outside a request).
pub fn current() -> Lang {
    LANG.try_with(|l| *l).unwrap_or_default()
}

/// Middleware: reads `Accept-Language` into the request's task, says that answers depend
/// on it (`Vary`), and which language a problem document is written in
/// (`Content-Language`; other answers hold the merchant's own texts).
pub async fn negotiate(request: Request, next: Next) -> Response {
    let lang = request
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(Lang::from_accept_language)
        .unwrap_or_default();
    let mut response = LANG.scope(lang, next.run(request)).await;
    let headers = response.headers_mut();
    headers.append(header::VARY, HeaderValue::from_static("accept-language"));
    let problem = headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|t| t.as_bytes() == PROBLEM_CONTENT_TYPE.as_bytes());
    if problem {
        headers.insert(
            header::CONTENT_LANGUAGE,
            HeaderValue::from_static(lang.tag()),
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_heaviest_language_we_speak() {
        let pick = Lang::from_accept_language;
        assert_eq!(pick("de-AT"), Lang::De);
        assert_eq!(pick("fr-CH, fr;q=0.9, en;q=0.8"), Lang::Fr);
        assert_eq!(pick("it, de;q=0.5, fr;q=0.7"), Lang::Fr);
        assert_eq!(pick("en;q=0.2, DE;q=0.3"), Lang::De);
        // A tie keeps the earlier; q=0 means "not this"; nonsense weights are skipped.
        assert_eq!(pick("fr, de"), Lang::Fr);
        assert_eq!(pick("de;q=0, fr;q=0.1"), Lang::Fr);
        assert_eq!(pick("de;q=2, fr;q=0.1"), Lang::Fr);
        assert_eq!(pick("de;q=abc"), Lang::En);
        assert_eq!(pick("it, es"), Lang::En);
        assert_eq!(pick(""), Lang::En);
        assert_eq!(pick("*"), Lang::En);
    }

    #[test]
    fn tags_are_read_by_their_primary_subtag() {
        assert_eq!(Lang::of_tag("de-AT"), Some(Lang::De));
        assert_eq!(Lang::of_tag("fr_CA"), Some(Lang::Fr));
        assert_eq!(Lang::of_tag("EN"), Some(Lang::En));
        assert_eq!(Lang::of_tag("deu"), None);
    }
}
