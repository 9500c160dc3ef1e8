//! Calendars: an RFC 5545 writer (`ics`), the signed ids of customers' subscribable feeds
//! (`feed`), and the events both calendar endpoints put in them (`events`).

pub mod events;
pub mod feed;
pub mod ics;
