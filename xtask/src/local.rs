//! Shared by the API quality steps (schemathesis, bench-api): where they keep tools and
//! data (under the cargo target directory, honouring `CARGO_TARGET_DIR`), installing Debian
//! packages, the server binary cargo built, and one signed-in JSON GET against it.

use crate::cmd::{self, read};
use crate::{root, Result};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::Command;

/// Cargo's target directory: `$CARGO_TARGET_DIR` (relative to the workspace root when
/// relative), else `<root>/target`.
pub(crate) fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => root().join(dir),
        _ => root().join("target"),
    }
}

/// The `cadence-server` binary of a cargo profile (`debug` or `release`).
pub(crate) fn server_binary(profile: &str) -> PathBuf {
    target_dir().join(profile).join("cadence-server")
}

/// An empty directory at `target/<name>`, removing what an earlier run left there.
pub(crate) fn fresh_dir(name: &str) -> Result<PathBuf> {
    let dir = target_dir().join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(dir)
}

/// Whether xtask runs as root (as CI does).
pub(crate) fn is_root() -> bool {
    read(Command::new("id").arg("-u")).as_deref() == Some("0")
}

/// `apt-get install -y <packages>` (after `apt-get update`), as root or through sudo.
/// `why` says what they are for, in the message shown when installing fails.
pub(crate) fn apt_install(packages: &[&str], why: &str) -> Result {
    eprintln!("installing Debian's {} ({why})", packages.join(", "));
    let is_root = is_root();
    let apt = |args: &[&str]| {
        let mut c = if is_root {
            Command::new("apt-get")
        } else {
            let mut sudo = Command::new("sudo");
            sudo.arg("apt-get");
            sudo
        };
        c.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        c
    };
    let mut install = vec!["install", "-y"];
    install.extend_from_slice(packages);
    cmd::run(&mut apt(&["update"]))
        .and_then(|()| cmd::run(&mut apt(&install)))
        .map_err(|e| {
            format!(
                "{e}\n{why} needs Debian's {}: install it (`apt-get install {}`) and run again",
                packages.join(", "),
                packages.join(" ")
            )
        })
}

/// `GET <path>` as the token's customer on a plain-HTTP `api` origin; the JSON of a 200.
pub(crate) fn get_json(api: &str, path: &str, token: &str) -> Result<serde_json::Value> {
    let host = api
        .strip_prefix("http://")
        .ok_or_else(|| format!("{api} is not a plain http:// origin"))?;
    let mut stream = TcpStream::connect(host).map_err(|e| format!("{host}: {e}"))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| format!("GET {path}: {e}"))?;
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .map_err(|e| format!("GET {path}: {e}"))?;
    let (head, body) = response
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("GET {path}: no HTTP response"))?;
    let status = head.lines().next().unwrap_or_default();
    if !status.starts_with("HTTP/1.1 200 ") {
        return Err(format!("GET {path}: {status}"));
    }
    serde_json::from_str(body).map_err(|e| format!("GET {path}: {e}"))
}
