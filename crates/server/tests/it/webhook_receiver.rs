//! A webhook receiver for the tests that checks every call with the Standard Webhooks
//! reference library (Python `standardwebhooks`, pinned), not with our own code: what a
//! merchant's receiver runs. A small Python HTTP server; the tests configure it per
//! endpoint (its secrets, and whether it answers, fails, hangs or is slow) and read back
//! what it received.
//!
//! The library comes from `CADENCE_TEST_PYTHON` (`cargo xtask test` sets it to the
//! project's venv) or, outside xtask, a venv under the target directory made on first use
//! with `python3 -m venv` and pip, as `crates/webhooks/tests/reference_library.rs` does.
//! If neither works the tests fail, saying why: a skipped check would look like a pass.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The reference library's version, exact: a new release is taken on purpose.
const STANDARDWEBHOOKS: &str = "1.1.0";

/// The receiver. Per endpoint name (`/hook/<name>`): the secrets to try, each on its own
/// (`verified` lists those that verify), and a mode: `ok` (204 when verified, else 400),
/// `down` (503), `gone` (410), `redirect` (307 elsewhere), `hang` (answers after 30 s),
/// `slow` (verifies, then waits 100 ms).
const RECEIVER: &str = r#"
import json, sys, threading, time
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
from standardwebhooks.webhooks import Webhook

lock = threading.Lock()
secrets, modes, log = {}, {}, []

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, code, body=b""):
        self.send_response(code)
        self.send_header("content-length", str(len(body)))
        self.send_header("content-type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        with lock:
            body = json.dumps(log).encode()
        self.answer(200, body)

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("content-length") or 0))
        parts = self.path.strip("/").split("/")
        if parts[0] == "_config":
            config = json.loads(raw)
            with lock:
                if "secrets" in config:
                    secrets[parts[1]] = config["secrets"]
                if "mode" in config:
                    modes[parts[1]] = config["mode"]
            return self.answer(204)
        name = parts[-1]
        at = time.time()
        with lock:
            mode = modes.get(name, "ok")
            keys = list(secrets.get(name, []))
        if mode == "down":
            return self.answer(503)
        if mode == "gone":
            return self.answer(410)
        if mode == "redirect":
            self.send_response(307)
            self.send_header("location", "/hook/elsewhere")
            self.send_header("content-length", "0")
            self.end_headers()
            return
        if mode == "hang":
            time.sleep(30)
            return self.answer(204)
        headers = dict(self.headers.items())
        verified, errors = [], []
        for i, key in enumerate(keys):
            try:
                Webhook(key).verify(raw, headers)
                verified.append(i)
            except Exception as e:
                errors.append(f"{type(e).__name__}: {e}")
        entry = {
            "endpoint": name,
            "id": headers.get("webhook-id"),
            "signatures": len(headers.get("webhook-signature", "").split()),
            "verified": verified,
            "errors": errors,
            "event": json.loads(raw) if raw else None,
            "at": at,
        }
        with lock:
            log.append(entry)
        if mode == "slow":
            time.sleep(0.1)
        self.answer(204 if verified else 400)

server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
"#;

/// One call the receiver took.
#[derive(Clone, Debug)]
pub struct Received {
    pub endpoint: String,
    pub id: String,
    /// How many `v1,` signatures the call carried.
    pub signatures: usize,
    /// Which of the endpoint's configured secrets verified it (indexes).
    pub verified: Vec<usize>,
    pub errors: Vec<String>,
    /// The body, parsed.
    pub event: Value,
}

impl Received {
    pub fn event_type(&self) -> &str {
        self.event["type"].as_str().unwrap_or_default()
    }
    pub fn sequence(&self) -> u64 {
        self.event["sequence"].as_u64().unwrap_or_default()
    }
    /// The subscription the event is about.
    pub fn subscription(&self) -> &str {
        self.event["data"]["subscription"]["id"]
            .as_str()
            .unwrap_or_default()
    }
    pub fn action(&self) -> &str {
        self.event["data"]["change"]["action"]
            .as_str()
            .unwrap_or_default()
    }
}

pub struct Receiver {
    child: Child,
    port: u16,
}

impl Receiver {
    pub fn start() -> Receiver {
        let mut child = Command::new(python())
            .args(["-c", RECEIVER])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the receiver");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("the receiver did not start: {line:?}"));
        Receiver { child, port }
    }

    /// The URL of endpoint `name` at this receiver.
    pub fn url(&self, name: &str) -> String {
        format!("http://127.0.0.1:{}/hook/{name}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The secrets endpoint `name` verifies with, each on its own.
    pub fn secrets(&self, name: &str, secrets: &[&str]) {
        self.post(&format!("/_config/{name}"), &json!({ "secrets": secrets }));
    }

    /// `ok`, `down`, `gone`, `redirect`, `hang` or `slow`.
    pub fn mode(&self, name: &str, mode: &str) {
        self.post(&format!("/_config/{name}"), &json!({ "mode": mode }));
    }

    /// Every call taken so far, in arrival order.
    pub fn log(&self) -> Vec<Received> {
        let log: Vec<Value> = serde_json::from_str(&self.request("GET", "/_log", "")).unwrap();
        log.into_iter()
            .map(|e| Received {
                endpoint: e["endpoint"].as_str().unwrap().to_owned(),
                id: e["id"].as_str().unwrap_or_default().to_owned(),
                signatures: e["signatures"].as_u64().unwrap() as usize,
                verified: serde_json::from_value(e["verified"].clone()).unwrap(),
                errors: serde_json::from_value(e["errors"].clone()).unwrap(),
                event: e["event"].clone(),
            })
            .collect()
    }

    /// The calls to endpoint `name`.
    pub fn calls(&self, name: &str) -> Vec<Received> {
        self.log()
            .into_iter()
            .filter(|r| r.endpoint == name)
            .collect()
    }

    /// Waits until endpoint `name` has taken `count` calls with distinct ids; its calls.
    pub async fn wait_for(&self, name: &str, count: usize, within: Duration) -> Vec<Received> {
        let deadline = Instant::now() + within;
        loop {
            let calls = self.calls(name);
            if distinct_ids(&calls) >= count {
                return calls;
            }
            assert!(
                Instant::now() < deadline,
                "endpoint {name}: {} of {count} events within {within:?}: {calls:#?}",
                distinct_ids(&calls)
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits until endpoint `name` has taken `count` calls (duplicates counted).
    pub async fn wait_for_calls(&self, name: &str, count: usize) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let calls = self.calls(name);
            if calls.len() >= count {
                return calls;
            }
            assert!(
                Instant::now() < deadline,
                "endpoint {name}: {} of {count} calls: {calls:#?}",
                calls.len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn post(&self, path: &str, body: &Value) {
        self.request("POST", path, &body.to_string());
    }

    fn request(&self, method: &str, path: &str, body: &str) -> String {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: receiver\r\nConnection: close\r\n\
             Content-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut raw = String::new();
        stream.read_to_string(&mut raw).unwrap();
        raw.split_once("\r\n\r\n")
            .map(|(_, body)| body.to_owned())
            .unwrap_or_default()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn distinct_ids(calls: &[Received]) -> usize {
    calls
        .iter()
        .map(|c| c.id.as_str())
        .collect::<std::collections::HashSet<_>>()
        .len()
}

/// The python with `standardwebhooks` at the pinned version; found or made once per run.
fn python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| {
        if let Some(python) = std::env::var_os("CADENCE_TEST_PYTHON").map(PathBuf::from) {
            if has_library(&python) {
                return python;
            }
        }
        ensure_venv().unwrap_or_else(|e| {
            panic!(
                "cannot run the Standard Webhooks reference library: {e}\n\
                 These tests need python3 with its venv module (Debian: apt-get install \
                 python3-venv) and pip access to PyPI for standardwebhooks=={STANDARDWEBHOOKS} \
                 (or CADENCE_TEST_PYTHON naming a python that has it: cargo xtask setup)."
            )
        })
    })
}

fn has_library(python: &Path) -> bool {
    const VERSION: &str =
        "import importlib.metadata as m, standardwebhooks; print(m.version('standardwebhooks'))";
    let Ok(output) = Command::new(python).args(["-c", VERSION]).output() else {
        return false;
    };
    output.status.success() && String::from_utf8_lossy(&output.stdout).trim() == STANDARDWEBHOOKS
}

fn run(command: &mut Command) -> Result<(), String> {
    let output = command.output().map_err(|e| format!("{command:?}: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{command:?} failed ({}):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// Builds the venv beside its final place and renames it there, so concurrent test runs
/// never see a half-installed one (the same directory the webhooks crate's test uses).
fn ensure_venv() -> Result<PathBuf, String> {
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("standardwebhooks-venv");
    let python = venv.join("bin/python");
    if has_library(&python) {
        return Ok(python);
    }
    let building = venv.with_extension(format!("building-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&building);
    let built = run(Command::new("python3").args(["-m", "venv"]).arg(&building)).and_then(|()| {
        run(Command::new(building.join("bin/python")).args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            &format!("standardwebhooks=={STANDARDWEBHOOKS}"),
        ]))
    });
    if built.is_ok() && !has_library(&python) {
        let _ = std::fs::remove_dir_all(&venv);
        let _ = std::fs::rename(&building, &venv);
    }
    let _ = std::fs::remove_dir_all(&building);
    built?;
    if has_library(&python) {
        Ok(python)
    } else {
        Err(format!(
            "{} does not import standardwebhooks {STANDARDWEBHOOKS} after installing it",
            python.display()
        ))
    }
}
