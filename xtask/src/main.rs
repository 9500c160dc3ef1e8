//! `cargo xtask`: build orchestration for Cadence.
fn main() {}
