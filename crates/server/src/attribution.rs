//! Recommendation conversions, counted by the server at the moment it accepts the action a
//! recommendation led to (a subscribe, an add-once, a swap), inside that action's
//! transaction: a refused action counts nothing and a replayed one nothing more. The widget
//! only says which recommendation it was (`RecommendationSource`); clicks stay the widget's
//! to report (`routes/events.rs`), so click-through and conversion are different numbers.
//!
//! The same rules as the widget's events hold: a conversion counts once per shopper,
//! recommendation and day, and only after that shopper's impression of it (today or
//! yesterday); otherwise it is `unmatched`. The shopper is the signed-in customer, and the
//! impression may have come from them or from the browser's address (the widget's beacons
//! carry no token).

use crate::db::{Connection, StoreError};
use crate::error::ApiError;
use crate::params;
use cadence_contract::{Date, ReasonCode, RecommendationSource};

/// The source's own values: a known reason and a known context (422 under `pointer`).
pub fn validate(source: &RecommendationSource, pointer: &str) -> Result<(), ApiError> {
    if source.reason == ReasonCode::Unknown {
        return Err(ApiError::field(
            &format!("{pointer}/reason"),
            "A known reason code.",
        ));
    }
    if source.context != "product" && source.context != "account" {
        return Err(ApiError::field(
            &format!("{pointer}/context"),
            "product or account.",
        ));
    }
    Ok(())
}

/// Who converted: the signed-in customer, and the keyed hash of the request's address
/// (`None` in process), which the widget's impressions from that browser carry.
pub struct Shopper<'a> {
    pub customer: &'a str,
    pub address: Option<&'a str>,
}

/// One accepted action from a recommendation.
pub struct Conversion<'a> {
    pub source: &'a RecommendationSource,
    /// The product the action was for (subscribed to, added, swapped to).
    pub sku: &'a str,
    /// `subscribe`, `add_to_next_delivery` or `swap`.
    pub action: &'a str,
}

/// Counts `conversion` for `shopper` in the daily figures, inside the action's
/// transaction. Returns whether it counted as a conversion (false: already counted for
/// this shopper today, or unmatched).
pub fn record(
    tx: &Connection,
    conversion: &Conversion<'_>,
    shopper: &Shopper<'_>,
    at: &str,
    today: Date,
) -> Result<bool, StoreError> {
    let reason = conversion.source.reason.as_str();
    let day = today.to_string();
    let yesterday = today.add_days(-1).unwrap_or(today).to_string();
    let who = format!("c:{}", shopper.customer);
    let first = tx
        .prepare_cached(
            "INSERT INTO ui_event_firsts (day, client, kind, sku, reason)
             VALUES (?1, ?2, 'action', ?3, ?4) ON CONFLICT DO NOTHING",
        )?
        .execute(params![day, who, conversion.sku, reason])?
        == 1;
    if !first {
        return Ok(false);
    }
    // In process there is no address; the widget's events are then stored under ''.
    let address = shopper.address.unwrap_or("");
    let seen = tx
        .prepare_cached(
            "SELECT 1 FROM ui_event_firsts
             WHERE day IN (?1, ?2) AND client IN (?3, ?4) AND kind = 'impression'
               AND sku = ?5 AND reason = ?6",
        )?
        .exists(params![
            day,
            yesterday,
            who,
            address,
            conversion.sku,
            reason
        ])?;
    let column = if seen { "actions" } else { "unmatched" };
    // `column` is one of two fixed names, never input.
    tx.prepare_cached(&format!(
        "INSERT INTO ui_event_daily (day, reason, {column}) VALUES (?1, ?2, 1)
         ON CONFLICT (day, reason) DO UPDATE SET {column} = ui_event_daily.{column} + 1"
    ))?
    .execute(params![day, reason])?;
    tx.prepare_cached(
        "INSERT INTO ui_events (at, customer_id, kind, sku, reason, action, context, client)
         VALUES (?1, ?2, 'action', ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        at,
        shopper.customer,
        conversion.sku,
        reason,
        conversion.action,
        conversion.source.context,
        who
    ])?;
    Ok(seen)
}
