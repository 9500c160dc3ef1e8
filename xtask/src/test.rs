//! `cargo xtask test`: every check, in the order that fails fastest, with timings.
//!
//! This is the README's test command and what CI runs (`.ci/run`).

use crate::cmd::{self, cargo};
use crate::setup::{CHROMEDRIVER, CHROMIUM};
use crate::{dist, e2e, schemathesis, setup, Result};
use std::time::Instant;

pub fn run(args: &[String]) -> Result {
    if !args.is_empty() {
        return Err("usage: cargo xtask test".into());
    }
    let started = Instant::now();
    let mut timings = Vec::new();
    let mut step = |name: &'static str, f: &mut dyn FnMut() -> Result| -> Result {
        eprintln!("\n==> {name}");
        let t = Instant::now();
        f()?;
        timings.push((name, t.elapsed()));
        Ok(())
    };
    step("setup", &mut setup::all)?;
    step("rustfmt", &mut || {
        cmd::run(cargo().args(["fmt", "--all", "--check"]))
    })?;
    step("clippy (native)", &mut || {
        cmd::run(cargo().args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]))
    })?;
    step("clippy (wasm32 widget)", &mut || {
        cmd::run(
            cargo()
                .args([
                    "clippy",
                    "-p",
                    "cadence-widget",
                    "--all-targets",
                    "--target",
                    "wasm32-unknown-unknown",
                ])
                .args(["--", "-D", "warnings"]),
        )?;
        // `dist` ships one module per view: each feature alone must build clean too.
        for feature in ["product-view", "account-view"] {
            cmd::run(
                cargo()
                    .args(["clippy", "-p", "cadence-widget", "--lib"])
                    .args([
                        "--target",
                        "wasm32-unknown-unknown",
                        "--no-default-features",
                    ])
                    .args(["--features", feature, "--", "-D", "warnings"]),
            )?;
        }
        Ok(())
    })?;
    step("unit + integration tests", &mut || {
        cmd::run(cargo().args(["test", "--workspace"]))
    })?;
    step("schemathesis (OpenAPI conformance)", &mut schemathesis::run)?;
    step("widget tests in headless Chromium", &mut || {
        cmd::run(
            cargo()
                .args([
                    "test",
                    "-p",
                    "cadence-widget",
                    "--target",
                    "wasm32-unknown-unknown",
                ])
                .env(
                    "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
                    "wasm-bindgen-test-runner",
                )
                .env("CHROMEDRIVER", CHROMEDRIVER)
                .env("WASM_BINDGEN_TEST_TIMEOUT", "60"),
        )
    })?;
    step("dist + size budgets", &mut || dist::run().map(|_| ()))?;
    step("end-to-end tests (Playwright)", &mut e2e::run)?;
    eprintln!(
        "\nall checks passed in {:.0?} (chromium: {CHROMIUM})",
        started.elapsed()
    );
    for (name, took) in timings {
        eprintln!("  {name:<36} {took:>8.1?}");
    }
    Ok(())
}
