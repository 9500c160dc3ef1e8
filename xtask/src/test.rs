//! `cargo xtask test`: every check, in the order that fails fastest, with timings.
//!
//! This is the README's test command and what CI runs (`.ci/run`).

use crate::cmd::{self, cargo};
use crate::postgres::Cluster;
use crate::schemathesis::python;
use crate::setup::{CHROMEDRIVER, CHROMIUM};
use crate::{dist, e2e, root, schemathesis, setup, Result};
use std::process::Command;
use std::time::Instant;

pub(crate) fn run(args: &[String]) -> Result {
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
    // One throwaway PostgreSQL cluster for every cargo test run below, stopped and removed
    // when dropped (also when a step fails). The tests get it through the environment
    // (`Cluster::env`), and may stop and restart it to test an outage.
    let mut cluster = None;
    step("postgresql (throwaway cluster)", &mut || {
        cluster = Some(Cluster::start()?);
        Ok(())
    })?;
    let cluster = cluster.expect("started by the step above");
    // What every cargo test run gets: the cluster, and the venv's Python (with the
    // `standardwebhooks` package, for checking webhook signatures).
    let mut test_env = cluster.env().to_vec();
    test_env.push(("CADENCE_TEST_PYTHON", python().display().to_string()));
    for (name, value) in &test_env {
        eprintln!("{name}={value}");
    }
    step("rustfmt", &mut || {
        cmd::run(cargo().args(["fmt", "--all", "--check"]))
    })?;
    // rustfmt leaves macro bodies alone, so the widget's `view!` markup has its own formatter
    // (settings in leptosfmt.toml). To fix a failure: `leptosfmt src`, then `cargo fmt`.
    step("leptosfmt (view! in src/)", &mut || {
        cmd::run(
            Command::new("leptosfmt")
                .args(["--check", "--config-file", "leptosfmt.toml", "src"])
                .current_dir(root()),
        )
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
    // The production server (`--no-default-features`: no demo shop, generator or bench) is
    // built by no other step, which all need the demo: it must build clean too, and its unit
    // tests run (one checks that it refuses `--shop-addr`).
    step("production server (clippy, unit tests)", &mut || {
        let production = ["-p", "cadence-server", "--no-default-features"];
        cmd::run(cargo().arg("clippy").args(production).args([
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]))?;
        cmd::run(
            cargo()
                .arg("test")
                .args(production)
                .arg("--lib")
                .envs(test_env.iter().cloned()),
        )
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
        cmd::run(
            cargo()
                .args(["test", "--workspace"])
                .envs(test_env.iter().cloned()),
        )
    })?;
    // The server's integration tests again, on PostgreSQL instead of SQLite files (their
    // harness reads CADENCE_TEST_BACKEND).
    step("integration tests on postgresql", &mut || {
        cmd::run(
            cargo()
                .args(["test", "-p", "cadence-server", "--test", "it"])
                .envs(test_env.iter().cloned())
                .env("CADENCE_TEST_BACKEND", "postgres"),
        )
    })?;
    step("schemathesis (OpenAPI conformance)", &mut || {
        schemathesis::run(None)
    })?;
    step("schemathesis on postgresql", &mut || {
        let url = cluster.create_database("schemathesis")?;
        schemathesis::run(Some(url))
    })?;
    cluster.stop()?;
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
