//! The end-to-end run: a real server (API + widget assets on one origin, the demo shop on
//! another) on a fresh SQLite file, and the Playwright tests in `tests/e2e/` driving
//! Debian's Chromium against it. Hostile host pages get a third origin of their own.

use crate::cmd::{self, cargo};
use crate::server::Server;
use crate::setup::CHROMIUM;
use crate::{dist, root, Result};
use std::net::TcpListener;
use std::process::Command;

pub(crate) fn run() -> Result {
    run_tests(&root().join("tests/e2e/"))
}

/// `cargo xtask bench`: the page-impact measurements alone (layout shift, long tasks,
/// load and interaction times with and without the widget), after a release dist build.
pub(crate) fn bench() -> Result {
    crate::setup::all()?;
    dist::run()?;
    let out = crate::local::target_dir().join("bench/page-impact.json");
    std::env::set_var("CADENCE_BENCH_OUT", &out);
    std::env::set_var("CADENCE_LIGHTHOUSE", lighthouse()?);
    run_tests(&root().join("tests/e2e/page-impact.test.mjs"))?;
    eprintln!("page impact figures: {}", out.display());
    Ok(())
}

/// Lighthouse, pinned, installed on first use under the target directory: it is large
/// (~185 MB) and only the bench needs it, so it stays out of package.json.
fn lighthouse() -> Result<std::path::PathBuf> {
    const VERSION: &str = "12.8.2"; // the last line supporting the Node 20 Debian ships
    let prefix = crate::local::target_dir().join(format!("tools/lighthouse-{VERSION}"));
    if !prefix.join("node_modules/.bin/lighthouse").exists() {
        eprintln!("installing lighthouse {VERSION} into {}", prefix.display());
        std::fs::create_dir_all(&prefix).map_err(|e| format!("{}: {e}", prefix.display()))?;
        cmd::run(
            Command::new("npm")
                .args(["install", "--no-audit", "--no-fund", "--prefix"])
                .arg(&prefix)
                .arg(format!("lighthouse@{VERSION}")),
        )
        .map_err(|e| format!("could not install lighthouse {VERSION} from npm: {e}"))?;
    }
    Ok(prefix)
}

fn run_tests(tests: &std::path::Path) -> Result {
    // The tests drive the demo shop: the `demo` feature (a default one, named since it is needed).
    cmd::run(cargo().args(["build", "--package", "cadence-server", "--features", "demo"]))?;
    let data = crate::local::target_dir().join("e2e");
    let _ = std::fs::remove_dir_all(&data);
    std::fs::create_dir_all(&data).map_err(|e| format!("{}: {e}", data.display()))?;
    // The tests serve their hostile host page themselves; reserve its port now so the
    // API can list that origin as allowed.
    let host_port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| e.to_string())?
        .port();
    let host_origin = format!("http://127.0.0.1:{host_port}");
    let secret = "e2e-only-secret-0123456789abcdef-not-for-production";
    let args = [
        "--api-addr=127.0.0.1:0".to_owned(),
        "--shop-addr=127.0.0.1:0".to_owned(),
        format!("--db={}", data.join("cadence.db").display()),
        format!("--widget-dir={}", dist::out_dir().display()),
        format!("--allow-origin={host_origin}"),
        format!("--jwt-secret={secret}"),
        // The demo shop's /merchant page uses the public demo merchant key.
        "--demo".to_owned(),
    ];
    let server = Server::start(
        &crate::local::target_dir().join("debug/cadence-server"),
        &args,
    )?;
    cmd::run(
        Command::new("node")
            .args(["--test", "--test-concurrency=1", "--test-reporter=spec"])
            .arg(tests)
            .current_dir(root())
            .env("CADENCE_API", &server.api)
            .env("CADENCE_SHOP", &server.shop)
            .env("CADENCE_HOST_PORT", host_port.to_string())
            .env("CADENCE_JWT_SECRET", secret)
            .env(
                "CADENCE_SERVER_BIN",
                crate::local::target_dir().join("debug/cadence-server"),
            )
            // A test that moves the clock starts a server of its own with these.
            .env("CADENCE_WIDGET_DIR", dist::out_dir())
            // A real SMTP server (aiosmtpd, pinned in the project's venv) for the tests that
            // read what the server e-mails.
            .env("CADENCE_TEST_PYTHON", crate::schemathesis::python())
            .env("CHROMIUM", CHROMIUM),
    )
}
