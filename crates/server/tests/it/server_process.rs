//! The real `cadence-server` binary in tests: `serve` on a free loopback port over a given
//! database file, and the API address it announces on its one line of stdout. Used by the
//! crash and start-up tests here and by the hostile suite (its own binary, which includes
//! this file by path).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// `cadence-server serve` on 127.0.0.1 (a free port) over `db`, without widget files,
/// quiet on stderr; the caller adds its secrets and flags, then `spawn`s.
pub fn serve(db: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cadence-server"));
    command
        .args(["serve", "--api-addr", "127.0.0.1:0"])
        .args(["--widget-dir", "/nonexistent"])
        .arg("--db")
        .arg(db)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    command
}

/// The first stdout line of a started server (`cadence: listening api=… shop=…`).
pub fn first_line(child: &mut Child) -> String {
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout is piped"))
        .read_line(&mut line)
        .unwrap();
    line
}

/// Waits until `child` listens; its API's `host:port`.
pub fn api_address(child: &mut Child) -> String {
    let line = first_line(child);
    line.split_whitespace()
        .find_map(|w| w.strip_prefix("api=http://"))
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_owned()
}
