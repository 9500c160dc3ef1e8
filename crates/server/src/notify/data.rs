//! What a message carries: the `data` of its `notification.*` event, and the document the
//! e-mail is sent from. Everything an e-mail service needs is here, raw (the subscription,
//! dates, the price, links) and rendered (`message`: subject, text and HTML in the
//! customer's language), so a merchant's own platform may use either.

use super::Kind;
use cadence_contract::{Date, Money, Subscription};
use serde::{Deserialize, Serialize};

/// `data` of every `notification.*` event.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct NotificationData {
    /// `ntf_` and 32 hex digits; the same in the delivery log.
    pub notification_id: String,
    pub kind: Kind,
    /// The merchant's customer id.
    pub customer_id: String,
    /// Where the e-mail goes; absent when the merchant never gave an address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// How the message greets them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The language the message is written in: `en`, `fr` or `de` (the customer's locale).
    pub language: String,
    /// The IANA zone the dates and times are stated in.
    pub time_zone: String,
    /// The subscription as it is now (its `product_name` is the catalogue's).
    pub subscription: Subscription,
    /// The product's name in `language`.
    pub product_name: String,
    /// The delivery a reminder is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery_date: Option<Date>,
    /// What one delivery costs, after the subscription's discount.
    pub price: Money,
    /// What a receipt confirms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<ReceiptChange>,
    /// What a price-change notice announces.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_change: Option<PriceChangeNotice>,
    pub links: Links,
    /// Who the message is from (the merchant's brand).
    pub sender: Sender,
    pub message: Rendered,
}

/// The merchant as the message's sender.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = MailSender)]
pub struct Sender {
    pub name: String,
    /// Absent: the server's `--mail-from`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
}

/// The change a receipt confirms.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ReceiptChange {
    /// As `subscription.updated`'s `change.action` (`create` when subscribing).
    pub action: String,
    /// `customer` or `merchant`.
    pub actor: String,
    /// When it was agreed, RFC 3339 with the customer's UTC offset.
    pub at: String,
}

/// A merchant's price change, as its notice states it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct PriceChangeNotice {
    /// What one delivery costs until `effective_on` (discount and quantity included).
    pub price_before: Money,
    /// What one delivery costs from `effective_on` on.
    pub price_after: Money,
    /// The first delivery date the new price applies to; cancelling before it means the
    /// new price is never charged.
    pub effective_on: Date,
}

/// One-click links (see `GET /links/{token}`); each present where it applies.
#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = NotificationLinks)]
pub struct Links {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pause: Option<String>,
    /// The shop's account page, where everything else is (the merchant's site).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manage: Option<String>,
    /// Stops this kind of reminder: the `List-Unsubscribe` target (RFC 8058). Never on
    /// receipts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unsubscribe: Option<String>,
}

/// The message as this server sends it.
#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = RenderedMessage)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// What the mailer reads back from a stored payload.
#[derive(Debug, Deserialize)]
pub struct Stored {
    pub links: Links,
    pub sender: Sender,
    pub message: Rendered,
}
