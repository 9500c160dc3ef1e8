//! `POST /api/v1/admin/imports`: bulk loading, for moving from another subscription app or
//! loading a shop's history. NDJSON (one record per line, `{"type": "product" | "customer"
//! | "owned" | "order" | "subscription", …}`, each the body of its single `PUT`) or CSV of
//! subscriptions (`csv.rs`); one line becomes a record in `import_record.rs`.
//!
//! Each line stands alone: a bad line is reported with its number, JSON Pointer and why,
//! and every good line is applied (what the merchant fixes is then the few bad lines, not
//! the file). Lines are applied in order, in transactions of [`BATCH_LINES`] lines, read
//! from the body as it arrives: a 100,000-line file never holds the database for more than
//! one batch, nor the server's memory for more than one batch of records. Records are
//! idempotent by the merchant's ids, so importing the same file again changes nothing,
//! and an import cut short is finished by importing the file again. A dry run checks every
//! line the same way (a later line may rely on an earlier one) and writes nothing.

use super::apply::{Applied, Apply, Outcome};
use super::auth::{AdminAccess, Scope};
use super::csv::Header;
use super::import_record::{apply_record, parse_ndjson, whole_line, Record};
use super::lines::{Line, LineReader};
use crate::app::AppState;
use crate::db::admin_data::known::{Cached, DryRun};
use crate::db::StoreError;
use crate::error::ApiError;
use crate::extract::ApiJson;
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap};
use axum::response::IntoResponse;
use cadence_contract::problem::FieldError;
use cadence_contract::Problem;
use serde::{Deserialize, Serialize};

/// Lines per transaction: large enough that commits do not dominate, small enough that
/// one batch holds the database for milliseconds.
pub const BATCH_LINES: usize = 500;
/// The report lists this many errors at most (and counts them all).
pub const MAX_REPORTED_ERRORS: usize = 1000;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// `true`: check every line and write nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    pub dry_run: bool,
    /// Lines read, blank ones included (they are numbered too, and skipped).
    pub lines: u64,
    /// Records applied (or that would be).
    pub accepted: u64,
    /// Lines refused; each is in `errors` (up to the first 1,000).
    pub rejected: u64,
    /// Accepted records new to Cadence.
    pub created: u64,
    /// Accepted records that replaced the stored one (possibly with the same content).
    pub updated: u64,
    /// Subscriptions whose id Cadence already held, left as they are.
    pub kept: u64,
    pub errors: Vec<LineError>,
    /// More lines were refused than `errors` lists.
    pub errors_truncated: bool,
}

/// A refused line: its number (1-based), where in it (a JSON Pointer into the line's
/// record, or the CSV column; empty: the whole line) and why.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct LineError {
    pub line: u64,
    pub pointer: String,
    pub detail: String,
}

impl ImportReport {
    fn refuse(&mut self, line: u64, errors: &[FieldError]) {
        self.rejected += 1;
        self.errors.extend(errors.iter().map(|e| LineError {
            line,
            pointer: e.pointer.clone(),
            detail: e.detail.clone(),
        }));
        // Lines that fail to parse are reported at once, the others with their batch: kept
        // by line number, the first ones, in bounded memory.
        if self.errors.len() > 2 * MAX_REPORTED_ERRORS {
            self.keep_first_errors();
        }
    }

    fn keep_first_errors(&mut self) {
        self.errors.sort_by_key(|e| e.line);
        if self.errors.len() > MAX_REPORTED_ERRORS {
            self.errors.truncate(MAX_REPORTED_ERRORS);
            self.errors_truncated = true;
        }
    }

    fn count(&mut self, line: u64, applied: &Applied) {
        match applied {
            Ok(outcome) => {
                self.accepted += 1;
                match outcome {
                    Outcome::Created => self.created += 1,
                    Outcome::Updated => self.updated += 1,
                    Outcome::Kept => self.kept += 1,
                }
            }
            Err(refusal) => self.refuse(line, refusal.errors()),
        }
    }
}

/// The body's format, from its Content-Type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Ndjson,
    Csv,
}

fn format_of(headers: &HeaderMap) -> Result<Format, ApiError> {
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    match media.as_deref() {
        Some("application/x-ndjson" | "application/ndjson" | "application/jsonl") => {
            Ok(Format::Ndjson)
        }
        Some("text/csv") => Ok(Format::Csv),
        _ => Err(ApiError::UnsupportedMediaTypeFor(
            "Send the import as application/x-ndjson (one record per line) or text/csv (subscriptions).",
        )),
    }
}

/// The lines read so far that are waiting for their batch.
struct Batch {
    lines: Vec<(u64, Record)>,
}

/// Imports NDJSON records or CSV subscriptions, line by line; answers with the report.
/// Up to `--max-import-bytes` (default 256 MiB) and `--import-timeout-secs` (default 15 min).
#[utoipa::path(post, path = "/api/v1/admin/imports", tag = "admin",
    params(ImportQuery),
    security(("merchant_key" = [])),
    request_body(
        description = "NDJSON: one record per line, `{\"type\": \"product\", \"sku\": …}` \
            (ProductRecord), `{\"type\": \"customer\", \"id\": …}` (CustomerRecord), \
            `{\"type\": \"owned\", \"customer_id\", \"sku\", \"purchased_on\"}`, \
            `{\"type\": \"order\", \"id\": …}` (OrderRecord), `{\"type\": \"subscription\", …}` \
            (SubscriptionRecord). CSV (subscriptions): a header naming columns of id, \
            customer_id, sku, quantity, interval (4w, 2m, 30d), status, next_delivery, \
            paused_until, cancelled_on, discount_percent, unit_price_minor, currency, \
            started_on (the first six required). Each line at most 16 KiB.",
        content(
            (String = "application/x-ndjson"),
            (String = "text/csv"),
        )
    ),
    responses(
        (status = 200, description = "The report: lines accepted and refused, with each refused line's number, pointer and why", body = ImportReport),
        (status = 400, description = "A query parameter is unknown or not true/false, or the body could not be read", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Key missing or wrong", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key lacks the write scope", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over the import limit (lines read before it may have been imported: import the rest again)", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is neither application/x-ndjson nor text/csv", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The CSV header is not one of a subscription's; nothing is written", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn post_import(
    State(state): State<AppState>,
    access: AdminAccess,
    query: Result<Query<ImportQuery>, QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<impl IntoResponse, ApiError> {
    access.require(Scope::Write)?;
    let Query(query) =
        query.map_err(|_| ApiError::BadRequest("Use ?dry_run=true or ?dry_run=false."))?;
    let format = format_of(&headers)?;
    let max = state.limits.max_import_bytes;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max) {
        return Err(ApiError::PayloadTooLarge);
    }
    let mut reader = LineReader::new(body, max);
    let how = Apply {
        today: state.clock.today(),
        now: state.clock.timestamp(),
        write: !query.dry_run,
    };
    let mut run = Run {
        state,
        how,
        dry: query.dry_run.then(DryRun::default),
        report: ImportReport {
            dry_run: query.dry_run,
            ..ImportReport::default()
        },
    };
    let mut header: Option<Header> = None;
    let mut batch = Batch { lines: Vec::new() };
    while let Some(line) = reader.next().await? {
        let (number, text) = match line {
            Line::Text(number, text) => (number, text),
            Line::TooLong(number) => {
                run.report.refuse(
                    number,
                    &whole_line("A line is at most 16 KiB (one record)."),
                );
                continue;
            }
            Line::NotText(number) => {
                run.report
                    .refuse(number, &whole_line("A line must be UTF-8 text."));
                continue;
            }
        };
        if text.trim().is_empty() {
            continue;
        }
        let record = match format {
            Format::Ndjson => parse_ndjson(&text),
            Format::Csv => match &header {
                None => {
                    // A bad header makes every line unreadable: refuse the import whole.
                    header = Some(Header::parse(&text).map_err(|why| ApiError::field("", why))?);
                    continue;
                }
                Some(header) => header
                    .record(&text)
                    .map(|r| Record::Subscription(Box::new(r))),
            },
        };
        match record {
            Ok(record) => batch.lines.push((number, record)),
            Err(errors) => run.report.refuse(number, &errors),
        }
        if batch.lines.len() >= BATCH_LINES {
            run.batch(std::mem::replace(&mut batch, Batch { lines: Vec::new() }))
                .await?;
        }
    }
    run.batch(batch).await?;
    run.report.lines = reader.lines();
    run.report.keep_first_errors();
    Ok(ApiJson(run.report))
}

/// An import under way.
struct Run {
    state: AppState,
    how: Apply,
    /// A dry run's view of what its accepted lines would have written.
    dry: Option<DryRun>,
    report: ImportReport,
}

impl Run {
    /// Applies one batch in one transaction (a dry run: checks it on one read snapshot).
    async fn batch(&mut self, batch: Batch) -> Result<(), ApiError> {
        if batch.lines.is_empty() {
            return Ok(());
        }
        let how = self.how.clone();
        let results = match self.dry.take() {
            None => {
                self.state
                    .db
                    .write(move |tx| {
                        // Fresh for every attempt: a retried transaction remembers nothing.
                        let mut known = Cached::default();
                        batch
                            .lines
                            .iter()
                            .map(|(n, record)| {
                                Ok((*n, apply_record(tx, &mut known, record, &how)?))
                            })
                            .collect::<Result<Vec<_>, StoreError>>()
                    })
                    .await?
            }
            Some(dry) => {
                let (results, dry) = self
                    .state
                    .db
                    .read(move |conn| {
                        let mut dry = dry;
                        let results = batch
                            .lines
                            .iter()
                            .map(|(n, record)| {
                                Ok((*n, apply_record(conn, &mut dry, record, &how)?))
                            })
                            .collect::<Result<Vec<_>, StoreError>>()?;
                        Ok::<_, StoreError>((results, dry))
                    })
                    .await?;
                self.dry = Some(dry);
                results
            }
        };
        for (number, applied) in &results {
            self.report.count(*number, applied);
        }
        Ok(())
    }
}
