//! What the merchant admin API stores and reads as whole records (`admin/`): the catalog
//! (`catalog`), order history (`history`), subscriptions moved from another app
//! (`imported`), the exports' pages (`exports`), and what a record's references are checked
//! against (`known`). Customers are in `db::customers`, beside the token's lookups.

pub mod catalog;
pub mod exports;
pub mod history;
pub mod imported;
pub mod known;
