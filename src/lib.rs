//! The Cadence widget.
