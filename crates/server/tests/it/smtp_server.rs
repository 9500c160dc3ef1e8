//! A real SMTP server for the e-mail tests: `aiosmtpd` (PyPI, pinned in the project's venv
//! beside Schemathesis), in a child process, saving every message it accepts as a file.
//! Tests parse those files (MIME parts, headers, charsets) with `mail-parser`, so what is
//! checked is what an SMTP server received, not what our code says it sent.
//!
//! The Python comes from `CADENCE_TEST_PYTHON` (`cargo xtask test` sets it to the venv
//! `cargo xtask setup` made), else the venv in `target/`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Accepts every message on 127.0.0.1:`port` and writes it to `dir` as `<n>.eml`, with the
/// envelope recipients in `<n>.rcpt`; prints `ready` once listening; stops when stdin closes.
const SERVER: &str = r#"
import pathlib, sys
from aiosmtpd.controller import Controller

out = pathlib.Path(sys.argv[1])

class Save:
    def __init__(self):
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        n = self.count
        (out / f"{n:06d}.rcpt").write_text("\n".join(envelope.rcpt_tos))
        tmp = out / f"{n:06d}.tmp"
        tmp.write_bytes(envelope.original_content or envelope.content)
        tmp.rename(out / f"{n:06d}.eml")
        return "250 Message accepted for delivery"

controller = Controller(Save(), hostname="127.0.0.1", port=int(sys.argv[2]))
controller.start()
print("ready", flush=True)
sys.stdin.read()
controller.stop()
"#;

pub struct SmtpServer {
    child: Option<Child>,
    port: u16,
    dir: tempfile::TempDir,
}

/// One received message: its envelope recipients and raw bytes.
pub struct Received {
    pub rcpt: Vec<String>,
    pub raw: Vec<u8>,
}

impl Received {
    pub fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default()
            .parse(&self.raw)
            .expect("a parsable message")
    }
}

impl SmtpServer {
    /// A server on a free port.
    pub fn start() -> SmtpServer {
        SmtpServer::start_on(free_port())
    }

    /// A server on `port` (a test that starts the SMTP server late picks the port first).
    pub fn start_on(port: u16) -> SmtpServer {
        let dir = tempfile::tempdir().unwrap();
        let mut server = SmtpServer {
            child: None,
            port,
            dir,
        };
        server.spawn();
        server
    }

    fn spawn(&mut self) {
        let mut child = Command::new(python())
            .args(["-c", SERVER])
            .arg(self.dir.path())
            .arg(self.port.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start aiosmtpd");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line.trim(), "ready", "aiosmtpd did not start");
        self.child = Some(child);
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far, in order.
    pub fn received(&self) -> Vec<Received> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .collect();
        names.sort();
        names
            .into_iter()
            .map(|eml| Received {
                rcpt: std::fs::read_to_string(eml.with_extension("rcpt"))
                    .unwrap()
                    .lines()
                    .map(str::to_owned)
                    .collect(),
                raw: std::fs::read(&eml).unwrap(),
            })
            .collect()
    }

    /// When each message arrived (its file's modification time), in order.
    pub fn arrival_times(&self) -> Vec<std::time::SystemTime> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .collect();
        names.sort();
        names
            .iter()
            .map(|p| std::fs::metadata(p).unwrap().modified().unwrap())
            .collect()
    }

    /// Waits (up to 30 s) until `n` messages were received, and returns them.
    pub fn wait_for(&self, n: usize) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let received = self.received();
            if received.len() >= n || Instant::now() > deadline {
                return received;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A port nothing listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn python() -> PathBuf {
    let python = std::env::var_os("CADENCE_TEST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/schemathesis-venv/bin/python")
        });
    let ok = Command::new(&python)
        .args(["-c", "import aiosmtpd"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "{} cannot import aiosmtpd: run the tests with `cargo xtask test` (or `cargo xtask \
         setup` first, which installs the pinned aiosmtpd into target/schemathesis-venv)",
        python.display()
    );
    python
}
