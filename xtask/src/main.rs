//! `cargo xtask`: the project's build orchestration (rust-analyzer style; plain Rust, no make).
//!
//! - `cargo xtask demo`  — install what is missing, build the widget, start the API and the
//!   demo storefront on 127.0.0.1 with a SQLite file, and print the storefront's URL.
//! - `cargo xtask test`  — install what is missing, then run every check CI runs.
//! - `cargo xtask dist`  — build the release widget into `dist/widget/` and check the size budgets.
//! - `cargo xtask setup` — only install what is missing.
//! - `cargo xtask schemathesis [--postgres]` — Schemathesis against the running API's
//!   OpenAPI document, on SQLite or on a throwaway PostgreSQL cluster.
//! - `cargo xtask bench` — the widget's page impact in headless Chromium; writes
//!   target/bench/page-impact.json.
//! - `cargo xtask bench-api` — load-test the release API server and write target/bench/api.txt.

// Items are as visible as their use: an item no other module uses stays private, so
// rustc reports it when it falls out of use.
#![warn(unreachable_pub)]

mod bench_api;
mod cmd;
mod demo;
mod dist;
mod e2e;
mod local;
mod postgres;
mod schemathesis;
mod server;
mod setup;
mod test;
mod tidy;
mod unused_exports;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub type Result<T = ()> = std::result::Result<T, String>;

/// The workspace root (xtask lives one level below it).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask has a parent")
        .to_path_buf()
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("demo") => demo::run(&args[1..]),
        Some("test") => test::run(&args[1..]),
        Some("dist") => setup::for_dist().and_then(|()| dist::run().map(|_| ())),
        Some("setup") => setup::all(),
        Some("schemathesis") => schemathesis::command(&args[1..]),
        Some("bench-api") if args.len() == 1 => bench_api::run(),
        Some("bench") if args.len() == 1 => e2e::bench(),
        _ => {
            eprintln!(
                "usage: cargo xtask <demo | test | dist | setup | schemathesis | bench | bench-api>\n\n{}",
                USAGE
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("\nxtask: {message}");
            ExitCode::FAILURE
        }
    }
}

const USAGE: &str = "  demo [--port N]  build everything and run the demo storefront (API on N, shop on N+1; default 8480)
  test             fmt, clippy, the production server build, unit + integration tests (SQLite, then the server's on a throwaway PostgreSQL), schemathesis on both, wasm tests in Chromium, size budgets, end-to-end tests
  dist             build dist/widget/ (release wasm, wasm-bindgen, wasm-opt) and print its sizes
  setup            install missing tools (wasm32 target, wasm-bindgen-cli, chromium, postgresql, npm packages, the Python venv)
  schemathesis     Schemathesis (pinned, in target/schemathesis-venv) against the debug server's OpenAPI document;
                   with --postgres, on a throwaway PostgreSQL cluster instead of a SQLite file
  bench            page impact in headless Chromium (layout shift, long tasks, load and interaction times); writes target/bench/page-impact.json
  bench-api        load-test the release API server with wrk on SQLite, then PostgreSQL with one and two servers; writes target/bench/api.txt (not part of test)";
