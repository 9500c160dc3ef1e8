//! The Cadence reference API server.
