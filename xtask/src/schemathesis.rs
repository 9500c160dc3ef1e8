//! `cargo xtask schemathesis`: Schemathesis (from PyPI, pinned, in a venv under the target
//! directory) generates requests from the served OpenAPI document and checks the running
//! debug server's answers: never a 5xx, and statuses, content types, headers and bodies as
//! documented. Two steps of `cargo xtask test`: on a SQLite file, and on a PostgreSQL
//! database of the run's throwaway cluster. Deterministic (Hypothesis' derandomized mode).
//!
//! The venv also holds `standardwebhooks` (the Standard Webhooks reference library), for
//! tests that check the server's webhook signatures with it (`CADENCE_TEST_PYTHON`).

use crate::cmd::{self, cargo, read};
use crate::local::{apt_install, fresh_dir, get_json, server_binary, target_dir};
use crate::postgres::Cluster;
use crate::server::{Database, Server};
use crate::Result;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// The Schemathesis release this project is checked with, and every package it pulls in,
/// pinned: the generated requests depend on Hypothesis' version too. Bump them together.
pub(crate) const VERSION: &str = "4.32.5";
const REQUIREMENTS: &[&str] = &[
    "schemathesis==4.32.5",
    "anyio==4.16.0",
    "certifi==2026.10.18",
    "charset-normalizer==3.5.2",
    "click==8.5.1",
    "graphql-core==3.3.2",
    "harfile==0.6.0",
    "hypothesis==6.170.15",
    "hypothesis-graphql==0.13.5",
    "idna==3.20",
    "iniconfig==2.3.1",
    "jsonschema_rs==0.60.3",
    "markdown-it-py==4.3.0",
    "MarkupSafe==3.0.4",
    "mdurl==0.1.2",
    "packaging==26.3",
    "pluggy==1.7.0",
    "Pygments==2.21.0",
    "pyrate-limiter==4.5.1",
    "pytest==9.2.0",
    "PyYAML==6.0.3",
    "requests==2.34.2",
    "rich==15.0.0",
    "sortedcontainers==2.4.0",
    "typing_extensions==4.16.0",
    "urllib3==2.8.0",
    "Werkzeug==3.1.9",
    // Not a Schemathesis dependency: for the tests that verify webhook signatures (no
    // dependencies of its own).
    "standardwebhooks==1.1.0",
    // Not Schemathesis dependencies either: a real SMTP server for the e-mail tests
    // (`crates/server/tests/it/smtp_server.rs`), and what it needs.
    "aiosmtpd==1.4.6",
    "atpublic==9.0.0",
    "attrs==26.1.0",
];
/// Examples per operation in the fuzzing phase: enough to find undocumented answers, and
/// the whole step stays well under two minutes.
const MAX_EXAMPLES: &str = "50";
const SECRET: &str = "schemathesis-only-secret-0123456789abcdef";
/// The merchant key the run's server is started with.
const MERCHANT_KEY: &str = "schemathesis-merchant-key-0123456789";
const ADA_SUB: &str = "sub_demo_ada_intenso";
/// The page origin Schemathesis' requests carry (allowed on the run's server).
const ORIGIN: &str = "http://schemathesis.invalid";

/// `cargo xtask schemathesis [--postgres]`: on a SQLite file, or with `--postgres` on a
/// throwaway PostgreSQL cluster started for the run.
pub(crate) fn command(args: &[String]) -> Result {
    match args {
        [] => run(None),
        [flag] if flag == "--postgres" => {
            let cluster = Cluster::start()?;
            run(Some(cluster.create_database("schemathesis")?))?;
            cluster.stop()
        }
        _ => Err("usage: cargo xtask schemathesis [--postgres]".into()),
    }
}

/// One run against a debug server on a fresh SQLite file (`postgres` None; data in
/// `target/schemathesis/`) or on the empty PostgreSQL database `postgres` names (data in
/// `target/schemathesis-postgres/`).
pub(crate) fn run(postgres: Option<String>) -> Result {
    let started = Instant::now();
    let schemathesis = install()?;
    cmd::run(cargo().args(["build", "--package", "cadence-server"]))?;
    let data = fresh_dir(match postgres {
        None => "schemathesis",
        Some(_) => "schemathesis-postgres",
    })?;
    let database = match postgres {
        None => Database::Sqlite(data.join("cadence.db")),
        Some(url) => Database::Postgres(url),
    };
    let widget = data.join("widget");
    std::fs::create_dir_all(&widget).map_err(|e| format!("{}: {e}", widget.display()))?;
    let binary = server_binary("debug");
    let args = [
        "--api-addr=127.0.0.1:0".to_owned(),
        database.arg(),
        format!("--widget-dir={}", widget.display()),
        format!("--jwt-secret={SECRET}"),
        // The merchant endpoint is on, as in production: without its key it answers 401.
        format!("--merchant-key={MERCHANT_KEY}"),
        // Schemathesis is one client sending thousands of requests, many with wrong
        // credentials on purpose: the per-client throttles (tested on their own in the
        // hostile-traffic suite) would turn its checks into 429s.
        "--requests-per-second=100000000".to_owned(),
        "--event-batches-per-second=100000000".to_owned(),
        "--auth-failures-per-minute=100000000".to_owned(),
        "--requests-in-flight-per-customer=1024".to_owned(),
        // Events are taken from an allowed page origin only; Schemathesis sends this one.
        format!("--allow-origin={ORIGIN}"),
    ];
    let server = Server::start(&binary, &args)?;
    let token = read(Command::new(&binary).args([
        "mint-token",
        "--customer",
        "cust_ada",
        "--ttl-secs",
        "3600",
        "--jwt-secret",
        SECRET,
    ]))
    .ok_or("`cadence-server mint-token` failed")?;
    // Ada's calendar feed exists once she asked for its URL; the feed operation gets it.
    let feed_url = get_json(&server.api, "/api/v1/me/calendar", &token)?["feed_url"]
        .as_str()
        .map(str::to_owned)
        .ok_or("GET /api/v1/me/calendar has no feed_url")?;
    let feed = feed_url.rsplit('/').next().unwrap_or_default();
    let config = data.join("schemathesis.toml");
    std::fs::write(&config, config_toml(feed, &token))
        .map_err(|e| format!("{}: {e}", config.display()))?;
    let report = data.join("report");
    let result = cmd::run(
        Command::new(&schemathesis)
            .arg("--config-file")
            .arg(&config)
            .arg("run")
            .arg(format!("{}/api/v1/openapi.json", server.api))
            .args([
                "--checks",
                "all",
                // The schema cannot say which SKUs exist, which dates are deliverable or
                // which ETag is current: a schema-valid request may rightly be refused.
                "--exclude-checks",
                "positive_data_acceptance",
                "--phases",
                "examples,coverage,fuzzing",
                "--max-examples",
                MAX_EXAMPLES,
                // Hypothesis' derandomized mode: the same requests on every run.
                "--generation-deterministic",
                // One worker: with two, Schemathesis 4.32.5 sometimes trips over its own
                // generator ("Inconsistent results") on the subscribe body.
                "--workers",
                "1",
                "--request-timeout",
                "10",
                "--no-color",
                "--report",
                "junit",
            ])
            .arg("--report-dir")
            .arg(&report)
            .current_dir(&data),
    );
    drop(server);
    eprintln!(
        "schemathesis {VERSION} on {}: {} in {:.0?} (JUnit report in {})",
        database.kind(),
        if result.is_ok() { "passed" } else { "FAILED" },
        started.elapsed(),
        report.display()
    );
    result
}

/// The run's configuration: credentials (a customer's token everywhere, the merchant key
/// for the merchant endpoint; a command-line header would override the per-operation one),
/// which checks expect what, and real ids for the path parameters that would otherwise
/// only ever meet 404s.
fn config_toml(feed: &str, token: &str) -> String {
    format!(
        r#"# Written by `cargo xtask schemathesis` (xtask/src/schemathesis.rs) for one run.

headers = {{ Authorization = "Bearer {token}", Origin = "{ORIGIN}" }}

[[operations]]
include-path = "/api/v1/merchant/metrics"
headers = {{ Authorization = "Bearer {MERCHANT_KEY}", Origin = "{ORIGIN}" }}

[[operations]]
include-path = "/api/v1/merchant/customers/{{id}}/revoke"
headers = {{ Authorization = "Bearer {MERCHANT_KEY}", Origin = "{ORIGIN}" }}

[[operations]]
include-path = "/api/v1/metrics"
headers = {{ Authorization = "Bearer {MERCHANT_KEY}", Origin = "{ORIGIN}" }}

# The merchant's data (admin/catalog.rs, customers.rs, history.rs, import.rs, export.rs),
# with the merchant key, which holds every scope.
[[operations]]
include-path-regex = "^/api/v1/admin/(products/|customers/\\{{id\\}}(/owned/\\{{sku\\}})?$|orders/\\{{id\\}}$|imports$|exports/)"
headers = {{ Authorization = "Bearer {MERCHANT_KEY}", Origin = "{ORIGIN}" }}

# A customer's maintenance done (admin/routines.rs): Ada's, so requests reach the rules.
[[operations]]
include-path = "/api/v1/admin/customers/{{id}}/routines/{{routine_id}}/done"
headers = {{ Authorization = "Bearer {MERCHANT_KEY}", Origin = "{ORIGIN}" }}
parameters = {{ "path.id" = "cust_ada" }}

[checks.missing_required_header]
# A change without If-Match is refused with 428 Precondition Required (RFC 6585), as documented.
expected-statuses = [400, 401, 403, 406, 415, 422, 428]

[parameters]
"path.id" = "{ADA_SUB}"
"path.feed" = "{feed}"
# Ada's descaling, in a fresh demo database.
"path.routine_id" = "1"
"#
    )
}

/// The project's venv: Schemathesis and `standardwebhooks`, pinned.
fn venv() -> PathBuf {
    target_dir().join("schemathesis-venv")
}

/// The venv's Python, which can `import standardwebhooks` once `install` ran.
pub(crate) fn python() -> PathBuf {
    venv().join("bin/python")
}

/// The `schemathesis` executable of the project's venv, installing the pinned packages
/// when they are missing or differ (`cargo xtask setup` does it ahead of the tests).
pub(crate) fn install() -> Result<PathBuf> {
    let venv = venv();
    let exe = venv.join("bin/schemathesis");
    // What was installed last, written after a successful install.
    let stamp = venv.join("cadence-requirements.txt");
    let wanted = REQUIREMENTS.join("\n") + "\n";
    let installed = || {
        std::fs::read_to_string(&stamp).is_ok_and(|s| s == wanted)
            && read(Command::new(&exe).arg("--version")).as_deref()
                == Some(format!("schemathesis, version {VERSION}").as_str())
    };
    if installed() {
        return Ok(exe);
    }
    let python = python();
    if read(Command::new(&python).args(["-m", "pip", "--version"])).is_none() {
        create_venv(&venv)?;
    }
    eprintln!(
        "installing schemathesis {VERSION} (pinned) into {}",
        venv.display()
    );
    cmd::run(
        Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
            ])
            .args(REQUIREMENTS),
    )
    .map_err(|e| {
        format!("{e}\nSchemathesis is installed from PyPI with pip: check that pip can reach it")
    })?;
    std::fs::write(&stamp, &wanted).map_err(|e| format!("{}: {e}", stamp.display()))?;
    if installed() {
        Ok(exe)
    } else {
        Err(format!(
            "{} is not schemathesis {VERSION} after installing",
            exe.display()
        ))
    }
}

/// `python3 -m venv`; on Debian that needs the python3-venv package, installed on demand.
fn create_venv(venv: &Path) -> Result {
    let make = |python: &str| {
        // A half-made venv (no pip) would be found again next time: start from scratch.
        let _ = std::fs::remove_dir_all(venv);
        eprintln!("$ {python} -m venv {}", venv.display());
        Command::new(python)
            .args(["-m", "venv"])
            .arg(venv)
            .status()
            .is_ok_and(|s| s.success())
    };
    if make("python3") {
        return Ok(());
    }
    apt_install(
        &["python3", "python3-venv"],
        "the Schemathesis step (a Python venv)",
    )?;
    if make("/usr/bin/python3") {
        Ok(())
    } else {
        Err(format!(
            "could not create a Python venv at {} even with Debian's python3-venv installed",
            venv.display()
        ))
    }
}
