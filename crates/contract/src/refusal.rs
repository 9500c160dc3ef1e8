//! Why a shopper's request was refused, as data rather than words: the server words each
//! refusal in the shopper's language (en, fr, de), and the rules that refuse stay free of
//! any language.

use crate::Date;

/// A reason a change, a subscription or a "done" was refused, with the figures its
/// sentence needs. The HTTP status (409 or 422) is decided where it is raised.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// A date computed from the change lies past the calendar's end (year 9999).
    BeyondCalendar,
    /// A cancelled subscription whose reactivation window has closed.
    ReactivationWindowPassed,
    /// Any change but reactivate on a cancelled subscription.
    CancelledReactivateFirst,
    /// Reactivate on a subscription that is not cancelled.
    OnlyCancelledReactivates,
    /// A subscription in a status this version does not know.
    CannotChangeHere,
    /// A date change on a paused subscription.
    PausedResumeFirst,
    /// Resume on a subscription that is not paused.
    NotPaused,
    /// Add-once on a paused subscription.
    PausedNoAddOnce,
    /// Pause (open-ended) on a subscription already paused open-ended.
    AlreadyPaused,
    /// A quantity outside 1 ..= `max`.
    QuantityRange { max: u32 },
    /// Skip of a date that is not an upcoming, unskipped delivery.
    SkipNotOpen,
    /// Unskip of a date that is not a skipped delivery ahead.
    UnskipNotSkipped,
    /// Pause for a number of deliveries outside 1 ..= `max`.
    PauseDeliveriesRange { max: u32 },
    /// A restart date not after today or after `last`.
    RestartDateRange { last: Date },
    /// A new delivery date not after today or after `last`.
    RescheduleRange { last: Date },
    /// An interval the product does not offer.
    IntervalNotOffered,
    /// A swap to a product not offered as a swap.
    SwapNotOffered,
    /// A pause or skip is all the cancel offer proposes.
    CancelOfferPauseOrSkip,
    /// Subscribing (or reactivating) past the per-customer cap of `max` subscriptions.
    SubscriptionCap { max: u32, reactivating: bool },
    /// Add-once on a subscription with no delivery ahead.
    NoNextDelivery,
    /// Ship now a second time on one day.
    ShipNowUsedToday,
    /// Add-once of the subscription's own product.
    AddOnceOwnProduct,
    /// A product that is out of stock.
    OutOfStock,
    /// A SKU no product has.
    UnknownProduct,
    /// A product that is not offered as a subscription.
    NotSubscribable,
    /// A withdrawal asked after the withdrawal period, which ended on `ended` (cancelling
    /// is always possible).
    WithdrawalPeriodEnded { ended: Date },
    /// A routine marked done on a day still ahead.
    DoneInFuture,
    /// A routine marked done before the machine was bought on `purchased_on`.
    DoneBeforePurchase { purchased_on: Date },
}
