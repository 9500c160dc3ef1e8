//! A minimal RFC 5545 writer for all-day events: CRLF line endings, lines folded at 75
//! octets (never inside a UTF-8 character), TEXT values escaped.

use cadence_contract::Date;
use std::fmt::Write;

/// One all-day event.
pub struct Event {
    /// Globally unique and stable for the same event, so re-imports update, not duplicate.
    pub uid: String,
    pub date: Date,
    pub summary: String,
    pub description: Option<String>,
    /// Only absolute http(s) URLs are written; others are dropped (a calendar app has no
    /// page to resolve a relative one against).
    pub url: Option<String>,
}

/// The longest line RFC 5545 allows, in octets, excluding the CRLF.
const MAX_LINE: usize = 75;

/// A `VCALENDAR` named `name` holding `events`; `now` is the clock's current instant as
/// an RFC 3339 UTC timestamp (`2026-03-15T09:30:00Z`), used for every `DTSTAMP`.
pub fn calendar(name: &str, events: &[Event], now: &str, refresh_hours: Option<u32>) -> String {
    let stamp: String = now.chars().filter(|c| *c != '-' && *c != ':').collect();
    let mut out = String::new();
    line(&mut out, "BEGIN:VCALENDAR");
    line(&mut out, "VERSION:2.0");
    line(&mut out, "PRODID:-//Cadence//Routine plan//EN");
    line(&mut out, "CALSCALE:GREGORIAN");
    line(&mut out, "METHOD:PUBLISH");
    line(&mut out, &format!("X-WR-CALNAME:{}", text(name)));
    if let Some(hours) = refresh_hours {
        // RFC 7986, and its widely read predecessor: how often subscribers re-fetch.
        line(
            &mut out,
            &format!("REFRESH-INTERVAL;VALUE=DURATION:PT{hours}H"),
        );
        line(&mut out, &format!("X-PUBLISHED-TTL:PT{hours}H"));
    }
    for event in events {
        line(&mut out, "BEGIN:VEVENT");
        line(&mut out, &format!("UID:{}", text(&event.uid)));
        line(&mut out, &format!("DTSTAMP:{stamp}"));
        line(
            &mut out,
            &format!("DTSTART;VALUE=DATE:{}", ics_date(event.date)),
        );
        if let Some(next) = event.date.add_days(1) {
            line(&mut out, &format!("DTEND;VALUE=DATE:{}", ics_date(next)));
        }
        line(&mut out, &format!("SUMMARY:{}", text(&event.summary)));
        if let Some(description) = &event.description {
            line(&mut out, &format!("DESCRIPTION:{}", text(description)));
        }
        if let Some(url) = event.url.as_deref().filter(|u| absolute_url(u)) {
            line(&mut out, &format!("URL:{url}"));
        }
        line(&mut out, "TRANSP:TRANSPARENT");
        line(&mut out, "END:VEVENT");
    }
    line(&mut out, "END:VCALENDAR");
    out
}

/// `YYYYMMDD`, the DATE value type.
pub fn ics_date(date: Date) -> String {
    format!("{:04}{:02}{:02}", date.year(), date.month(), date.day())
}

/// Escapes a TEXT value (RFC 5545 §3.3.11); control characters other than newlines are
/// dropped, since no TEXT value may carry them.
pub fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

fn absolute_url(url: &str) -> bool {
    (url.starts_with("https://") || url.starts_with("http://"))
        && !url.chars().any(|c| c.is_control() || c.is_whitespace())
}

/// Appends one content line, folded: each physical line holds at most 75 octets, and
/// continuation lines start with a space (which counts toward the 75).
fn line(out: &mut String, content: &str) {
    let mut width = 0;
    for c in content.chars() {
        let len = c.len_utf8();
        if width + len > MAX_LINE {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    let _ = write!(out, "\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_text_and_folds_long_lines_on_character_boundaries() {
        assert_eq!(text("a;b,c\\d\ne\r"), "a\\;b\\,c\\\\d\\ne");
        let mut out = String::new();
        let long = format!("SUMMARY:{}", "é".repeat(60));
        line(&mut out, &long);
        for physical in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(physical.len() <= MAX_LINE, "{} octets", physical.len());
        }
        let unfolded = out.trim_end_matches("\r\n").replace("\r\n ", "");
        assert_eq!(unfolded, long);
    }
}
