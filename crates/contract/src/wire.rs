//! Enum wire names, written once: `wire_names!` gives a unit-variant enum its `as_str`
//! and `from_wire` from one table, for what is not read or written with serde (stored
//! columns, DOM event details, `data-*` attributes, `<option>` values, the widget's
//! hand-written JSON readers). The enums keep `#[serde(rename_all = "snake_case")]`; the
//! test below holds every table to serde's own spelling, so the two cannot drift.

/// `wire_names!(Enum { Variant = "name", … } [, other Unknown = "name"])` implements:
/// - `as_str(self)`: the variant's name (exhaustive: a new variant does not compile
///   until it is named);
/// - `from_wire(&str)`: the known variant of that name, `None` for any other (the
///   reader decides what an unknown name means: the catch-all, or an error);
/// - `WIRE_NAMES`: every known variant with its name, and `ONE_OF`, the names as an
///   error message (`"one of day week month"`).
///
/// `other` is the `#[serde(other)]` catch-all, which `from_wire` never returns.
macro_rules! wire_names {
    ($t:ident { $($variant:ident = $name:literal),+ $(,)? } $(, other $other:ident = $other_name:literal)?) => {
        impl $t {
            /// Every known variant and its wire name, as serde spells it.
            pub const WIRE_NAMES: &'static [($t, &'static str)] = &[$(($t::$variant, $name)),+];
            /// The known names, as the end of an error message.
            pub const ONE_OF: &'static str = concat!("one of", $(" ", $name),+);

            /// The wire name (serde's spelling).
            pub fn as_str(self) -> &'static str {
                match self {
                    $($t::$variant => $name,)+
                    $($t::$other => $other_name,)?
                }
            }

            /// The known variant named `name`; `None` for any other name.
            pub fn from_wire(name: &str) -> Option<Self> {
                match name {
                    $($name => Some($t::$variant),)+
                    _ => None,
                }
            }
        }
    };
}

pub(crate) use wire_names;

#[cfg(test)]
mod tests {
    use crate::{
        CancelReason, ChangeVia, IntervalUnit, PlanEventKind, ProductKind, ReasonCode,
        RecommendationAction, SubscriptionStatus, UiEventKind,
    };
    use serde::{de::DeserializeOwned, Serialize};

    /// Each name is what serde writes for its variant and reads back as it; an unknown
    /// name is no variant.
    fn holds<T>(table: &[(T, &str)], one_of: &str)
    where
        T: Serialize + DeserializeOwned + PartialEq + Copy + core::fmt::Debug,
    {
        for (variant, name) in table {
            assert_eq!(
                serde_json::to_string(variant).unwrap(),
                format!("\"{name}\"")
            );
            assert_eq!(
                serde_json::from_str::<T>(&format!("\"{name}\"")).unwrap(),
                *variant
            );
        }
        let names: Vec<&str> = table.iter().map(|(_, n)| *n).collect();
        assert_eq!(one_of, format!("one of {}", names.join(" ")));
    }

    #[test]
    fn every_table_is_serdes_spelling() {
        holds(ProductKind::WIRE_NAMES, ProductKind::ONE_OF);
        holds(SubscriptionStatus::WIRE_NAMES, SubscriptionStatus::ONE_OF);
        holds(IntervalUnit::WIRE_NAMES, IntervalUnit::ONE_OF);
        holds(PlanEventKind::WIRE_NAMES, PlanEventKind::ONE_OF);
        holds(ReasonCode::WIRE_NAMES, ReasonCode::ONE_OF);
        holds(
            RecommendationAction::WIRE_NAMES,
            RecommendationAction::ONE_OF,
        );
        holds(UiEventKind::WIRE_NAMES, UiEventKind::ONE_OF);
        holds(CancelReason::WIRE_NAMES, CancelReason::ONE_OF);
        holds(ChangeVia::WIRE_NAMES, ChangeVia::ONE_OF);
    }

    #[test]
    fn as_str_and_from_wire_agree_and_unknowns_are_none() {
        for (variant, name) in ReasonCode::WIRE_NAMES {
            assert_eq!(variant.as_str(), *name);
            assert_eq!(ReasonCode::from_wire(name), Some(*variant));
        }
        assert_eq!(ReasonCode::from_wire("trending"), None);
        assert_eq!(IntervalUnit::from_wire("Week"), None);
        // The catch-alls: serde's name, except an unknown UI event kind, which is stored
        // as `action` (the `ui_events` table accepts no other).
        assert_eq!(ReasonCode::Unknown.as_str(), "unknown");
        assert_eq!(
            serde_json::to_string(&CancelReason::Unknown).unwrap(),
            format!("\"{}\"", CancelReason::Unknown.as_str())
        );
        assert_eq!(UiEventKind::Unknown.as_str(), "action");
    }
}
