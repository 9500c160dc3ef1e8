//! Installing what the project needs, idempotently: each step checks first and does
//! nothing when the tool is already there, and says plainly what to do if it cannot.

use crate::cmd::{self, cargo, read};
use crate::{postgres, root, schemathesis, Result};
use std::path::Path;
use std::process::Command;

pub(crate) const CHROMIUM: &str = "/usr/bin/chromium";
pub(crate) const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Everything `cargo xtask test` needs.
pub(crate) fn all() -> Result {
    for_dist()?;
    leptosfmt()?;
    browsers()?;
    postgres::install()?;
    schemathesis::install().map(|_| ())
}

/// Everything needed to build `dist/widget/`.
pub(crate) fn for_dist() -> Result {
    wasm_target()?;
    wasm_bindgen_cli()?;
    npm_packages()
}

fn wasm_target() -> Result {
    let installed = read(Command::new("rustup").args(["target", "list", "--installed"]))
        .ok_or("rustup is needed to add the wasm32 target (https://rustup.rs)")?;
    if installed
        .lines()
        .any(|t| t.trim() == "wasm32-unknown-unknown")
    {
        return Ok(());
    }
    cmd::run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
}

/// The `wasm-bindgen` version in Cargo.lock: the CLI must be exactly this version.
pub(crate) fn locked_wasm_bindgen_version() -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock"))
        .map_err(|e| format!("Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\"" {
            if let Some(version) = lines.next().and_then(|l| l.strip_prefix("version = \"")) {
                return Ok(version.trim_end_matches('"').to_owned());
            }
        }
    }
    Err("Cargo.lock has no wasm-bindgen entry; run `cargo generate-lockfile`".into())
}

fn wasm_bindgen_cli() -> Result {
    let want = locked_wasm_bindgen_version()?;
    let have = read(Command::new("wasm-bindgen").arg("--version")).unwrap_or_default();
    if have.split_whitespace().nth(1) == Some(want.as_str()) {
        return Ok(());
    }
    eprintln!(
        "installing wasm-bindgen-cli {want} (matches the wasm-bindgen crate; found {have:?})"
    );
    cmd::run(cargo().args(["install", "wasm-bindgen-cli", "--version", &want]))
}

/// The `view!` formatter `cargo xtask test` checks `src/` with. Pinned: another version may
/// format differently, and the check would fail on code nobody touched.
const LEPTOSFMT_VERSION: &str = "0.1.33";

fn leptosfmt() -> Result {
    let have = read(Command::new("leptosfmt").arg("--version")).unwrap_or_default();
    if have.split_whitespace().nth(1) == Some(LEPTOSFMT_VERSION) {
        return Ok(());
    }
    eprintln!("installing leptosfmt {LEPTOSFMT_VERSION} (found {have:?})");
    cmd::run(cargo().args([
        "install",
        "leptosfmt",
        "--version",
        LEPTOSFMT_VERSION,
        "--locked",
    ]))
}

fn npm_packages() -> Result {
    let root = root();
    if npm_packages_present(&root) {
        return Ok(());
    }
    if read(Command::new("npm").arg("--version")).is_none() {
        return Err("npm (Node.js 18+) is needed for wasm-opt and the browser tests: apt-get install nodejs npm".into());
    }
    cmd::run(
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&root),
    )
}

/// Whether every devDependency in package.json is installed at exactly its pinned version.
fn npm_packages_present(root: &Path) -> bool {
    let version_of = |path: &Path| -> Option<serde_json::Value> {
        serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()
    };
    let Some(manifest) = version_of(&root.join("package.json")) else {
        return false;
    };
    let Some(deps) = manifest["devDependencies"].as_object() else {
        return false;
    };
    deps.iter().all(|(name, want)| {
        version_of(&root.join("node_modules").join(name).join("package.json"))
            .is_some_and(|installed| installed["version"] == *want)
    })
}

fn browsers() -> Result {
    if Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists() {
        return Ok(());
    }
    eprintln!("installing Debian's chromium and chromium-driver for the browser tests");
    let is_root = read(Command::new("id").arg("-u")).as_deref() == Some("0");
    let sudo = |args: &[&str]| {
        let mut c = if is_root {
            Command::new(args[0])
        } else {
            Command::new("sudo")
        };
        if is_root {
            c.args(&args[1..])
        } else {
            c.args(args)
        };
        c.env("DEBIAN_FRONTEND", "noninteractive");
        c
    };
    cmd::run(&mut sudo(&["apt-get", "update"]))
        .and_then(|()| cmd::run(&mut sudo(&["apt-get", "install", "-y", "chromium", "chromium-driver"])))
        .map_err(|e| format!("{e}\nthe browser tests need Debian's chromium and chromium-driver ({CHROMIUM}, {CHROMEDRIVER}); install them and run again"))
}
