//! Starting the `cadence-server` binary for the demo and the end-to-end tests, and
//! learning its addresses from the one `cadence: listening api=… shop=…` line it prints.

use crate::Result;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The database a server runs on.
pub(crate) enum Database {
    /// A SQLite file (`--db`), created on first start.
    Sqlite(PathBuf),
    /// A PostgreSQL URL (`--database-url`), e.g. a database of a `postgres::Cluster`.
    Postgres(String),
}

impl Database {
    /// The command-line argument naming it, for `serve` and `seed`.
    pub(crate) fn arg(&self) -> String {
        match self {
            Database::Sqlite(path) => format!("--db={}", path.display()),
            Database::Postgres(url) => format!("--database-url={url}"),
        }
    }

    /// `sqlite` or `postgres`, for messages.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Database::Sqlite(_) => "sqlite",
            Database::Postgres(_) => "postgres",
        }
    }
}

/// A running server; killed when dropped so a failing test never leaves it behind.
pub(crate) struct Server {
    child: Child,
    pub api: String,
    pub shop: String,
}

impl Server {
    /// Starts `binary serve` with `args` and waits until it is listening.
    pub(crate) fn start(binary: &Path, args: &[String]) -> Result<Server> {
        eprintln!("$ {} serve {}", binary.display(), args.join(" "));
        let mut child = Command::new(binary)
            .arg("serve")
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("could not start {}: {e}", binary.display()))?;
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut lines = BufReader::new(stdout).lines();
        let listening = loop {
            match lines.next() {
                Some(Ok(line)) if line.starts_with("cadence: listening ") => break line,
                Some(Ok(line)) => println!("{line}"),
                _ => {
                    let status = child.wait().map_err(|e| e.to_string())?;
                    return Err(format!("cadence-server exited before listening ({status})"));
                }
            }
        };
        // Keep echoing the server's output so the demo's logs stay visible.
        std::thread::spawn(move || lines.map_while(|l| l.ok()).for_each(|l| println!("{l}")));
        let field = |name: &str| {
            listening
                .split_whitespace()
                .find_map(|w| w.strip_prefix(&format!("{name}=")))
                .map(str::to_owned)
                .ok_or_else(|| format!("no {name}= in {listening:?}"))
        };
        Ok(Server {
            api: field("api")?,
            shop: field("shop")?,
            child,
        })
    }

    /// Blocks until the server exits by itself (the demo runs until Ctrl-C).
    pub(crate) fn wait(mut self) -> Result {
        let status = self.child.wait().map_err(|e| e.to_string())?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("cadence-server exited with {status}"))
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
