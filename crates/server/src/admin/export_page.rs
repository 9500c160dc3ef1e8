//! What the exports share: their query (a time range and a page), their two formats
//! (NDJSON, or CSV when the client accepts it) and the `Link` to the next page.

use crate::error::ApiError;
use axum::extract::rejection::QueryRejection;
use axum::extract::Query;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use cadence_contract::{Date, API_PREFIX};
use serde::Deserialize;

const NDJSON: &str = "application/x-ndjson";
const CSV: &str = "text/csv; charset=utf-8";
const DEFAULT_LIMIT: u32 = 1000;
const MAX_LIMIT: u32 = 10_000;
/// `until` when none is given: the end of the calendar.
const END_OF_TIME: &str = "9999-12-31T23:59:59Z";

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// From (inclusive): a date `YYYY-MM-DD` (its midnight, UTC) or a UTC timestamp
    /// `YYYY-MM-DDTHH:MM:SSZ`. Orders are dated by day: a timestamp counts as its date.
    #[param(example = "2026-03-01")]
    pub since: String,
    /// Until (exclusive), in the same forms; absent: no end.
    #[param(example = "2026-04-01")]
    pub until: Option<String>,
    /// The cursor of the page to read: from the previous page's `Link` header.
    pub after: Option<String>,
    /// Records per page, 1–10,000 (default 1,000). Cancel reasons come in one page.
    #[param(minimum = 1, maximum = 10000)]
    pub limit: Option<u32>,
}

/// The range and page, checked.
pub struct Range {
    pub since: String,
    pub until: String,
    pub after: Option<String>,
    pub limit: u32,
}

pub const BAD_QUERY: &str = "Use ?since=YYYY-MM-DD (or YYYY-MM-DDTHH:MM:SSZ), optionally until, \
    after (from the Link header) and limit (1 to 10,000).";

/// The page's cursor as a row id (0: from the start); anything else is a 400.
pub fn id_cursor(range: &Range) -> Result<i64, ApiError> {
    match &range.after {
        None => Ok(0),
        Some(cursor) => cursor
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or(ApiError::BadRequest(BAD_QUERY)),
    }
}

/// `text` as a UTC instant in the stored form (`YYYY-MM-DDTHH:MM:SSZ`).
pub fn instant(text: &str) -> Option<String> {
    if text.len() == 10 {
        return text.parse::<Date>().ok().map(|d| format!("{d}T00:00:00Z"));
    }
    let (date, time) = text.split_once('T')?;
    let date: Date = date.parse().ok()?;
    let time = time.strip_suffix('Z')?;
    let parts: Vec<&str> = time.split(':').collect();
    let ok = parts.len() == 3
        && parts
            .iter()
            .all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit()))
        && parts[0] < "24"
        && parts[1] < "60"
        && parts[2] < "60";
    ok.then(|| format!("{date}T{time}Z"))
}

pub fn range(query: Result<Query<ExportQuery>, QueryRejection>) -> Result<Range, ApiError> {
    let Query(query) = query.map_err(|_| ApiError::BadRequest(BAD_QUERY))?;
    let since = instant(&query.since).ok_or(ApiError::field(
        "/since",
        "A date YYYY-MM-DD or a UTC timestamp YYYY-MM-DDTHH:MM:SSZ.",
    ))?;
    let until = match &query.until {
        None => END_OF_TIME.to_owned(),
        Some(until) => instant(until).ok_or(ApiError::field(
            "/until",
            "A date YYYY-MM-DD or a UTC timestamp YYYY-MM-DDTHH:MM:SSZ.",
        ))?,
    };
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::field(
            "/limit",
            "A page holds 1 to 10,000 records.",
        ));
    }
    Ok(Range {
        since,
        until,
        after: query.after,
        limit,
    })
}

/// CSV when the client accepts it, else NDJSON.
pub fn wants_csv(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.to_ascii_lowercase().contains("text/csv"))
}

/// One CSV field, quoted when it needs to be (RFC 4180).
fn csv_field(out: &mut String, value: &str) {
    if value.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(value);
    }
}

pub fn csv_line(out: &mut String, fields: &[&str]) {
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        csv_field(out, field);
    }
    out.push_str("\r\n");
}

/// A query value, percent-encoded for the `Link` URL.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The answer: the body in its media type, with the next page's link when there is one.
pub fn page(csv: bool, body: String, next: Option<(&str, &Range, String)>) -> Response {
    let mut response = (
        [(header::CONTENT_TYPE, if csv { CSV } else { NDJSON })],
        body,
    )
        .into_response();
    if let Some((path, range, after)) = next {
        let link = format!(
            "<{API_PREFIX}/admin/exports/{path}?since={}&until={}&after={}&limit={}>; rel=\"next\"",
            encode(&range.since),
            encode(&range.until),
            encode(&after),
            range.limit
        );
        if let Ok(value) = HeaderValue::from_str(&link) {
            response.headers_mut().insert(header::LINK, value);
        }
    }
    response
}

pub fn ndjson_line<T: serde::Serialize>(out: &mut String, value: &T) -> Result<(), ApiError> {
    out.push_str(&serde_json::to_string(value)?);
    out.push('\n');
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_are_dates_or_utc_timestamps() {
        assert_eq!(
            instant("2026-03-01").as_deref(),
            Some("2026-03-01T00:00:00Z")
        );
        assert_eq!(
            instant("2026-03-01T12:30:05Z").as_deref(),
            Some("2026-03-01T12:30:05Z")
        );
        for bad in [
            "2026-02-30",
            "2026-03-01T24:00:00Z",
            "2026-03-01T12:30Z",
            "yesterday",
            "",
        ] {
            assert_eq!(instant(bad), None, "{bad}");
        }
    }

    #[test]
    fn csv_fields_are_quoted_when_they_must_be() {
        let mut out = String::new();
        csv_line(&mut out, &["a", "b,c", "say \"hi\"", ""]);
        assert_eq!(out, "a,\"b,c\",\"say \"\"hi\"\"\",\r\n");
    }
}
