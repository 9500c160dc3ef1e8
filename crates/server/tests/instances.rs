//! Several `cadence-server` processes on one PostgreSQL database (issue 16): `If-Match` and
//! `Idempotency-Key` hold across instances, a `kill -9`ed instance loses no acknowledged
//! change, and a PostgreSQL outage is answered with fast 503s and recovered from.
//!
//! Each test starts the real binary (as `it/crash.rs` does) on a database of its own in the
//! cluster `cargo xtask test` starts (`CADENCE_TEST_PG_URL`, `…_DATA`, `…_BIN`, `…_USER`),
//! and checks the database itself afterwards. The outage test stops and restarts that
//! cluster, so the tests of this binary take turns (`exclusive`). Everything here is
//! synchronous (threads and blocking sockets): the synchronous `postgres` client panics
//! inside a tokio runtime, and the servers are other processes anyway.
//!
//! `cargo test -p cadence-server --test instances -- --nocapture` shows the figures.

use cadence_server::auth::JwtKeys;
use cadence_server::clock::Clock;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Barrier, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

const SECRET: &str = "instances-test-secret-instances-test!";
/// Ada's demo subscription (CAPS-INTENSO × 2): the demo data every server inserts or sees.
const SUB: &str = "sub_demo_ada_intenso";
const CUSTOMER: &str = "cust_ada";

// ---------------------------------------------------------------------------------------
// The cluster and the test's database
// ---------------------------------------------------------------------------------------

/// The tests of this binary run one at a time: the outage test stops the cluster the
/// others use, and two cores shared by three servers each are busy enough.
fn exclusive() -> MutexGuard<'static, ()> {
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    // A failed test poisons the lock; the next one may still run.
    ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Never a silent pass: without the cluster these tests cannot say anything.
fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} is not set: the multi-instance tests need a PostgreSQL cluster; run them \
             under `cargo xtask test`, which starts a throwaway one and sets CADENCE_TEST_PG_URL, \
             CADENCE_TEST_PG_DATA, CADENCE_TEST_PG_BIN and CADENCE_TEST_PG_USER"
        )
    })
}

fn admin_url() -> String {
    env("CADENCE_TEST_PG_URL")
}

/// A fresh database (`inst_<uuid>`) on the test cluster, dropped at the end of a passing
/// test (kept, and named, when the test fails: it is the evidence).
struct Database {
    name: String,
    url: String,
}

impl Database {
    fn create() -> Database {
        let admin = admin_url();
        let name = format!("inst_{}", uuid::Uuid::new_v4().simple());
        connect(&admin)
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
        // The same URL with the database path replaced (a query string, if any, stays).
        let (base, query) = match admin.split_once('?') {
            Some((base, query)) => (base, format!("?{query}")),
            None => (admin.as_str(), String::new()),
        };
        let (server, _) = base
            .rsplit_once('/')
            .filter(|(server, _)| server.contains("://"))
            .unwrap_or_else(|| panic!("CADENCE_TEST_PG_URL has no database path: {admin}"));
        let url = format!("{server}/{name}{query}");
        println!("database {name}");
        Database { name, url }
    }

    fn client(&self) -> postgres::Client {
        connect(&self.url)
    }

    fn subscription_version(&self) -> u64 {
        let row = self
            .client()
            .query_one("SELECT version FROM subscriptions WHERE id = $1", &[&SUB])
            .unwrap();
        u64::try_from(row.get::<_, i64>(0)).unwrap()
    }

    /// The audit rows of the subscription, oldest first: (id, after snapshot).
    fn audit(&self) -> Vec<(i64, serde_json::Value)> {
        self.client()
            .query(
                "SELECT id, after_json FROM subscription_changes
                 WHERE subscription_id = $1 ORDER BY id",
                &[&SUB],
            )
            .unwrap()
            .iter()
            .map(|row| {
                let after: Option<String> = row.get(1);
                let after = after.map_or(serde_json::Value::Null, |a| {
                    serde_json::from_str(&a).expect("after_json is JSON")
                });
                (row.get(0), after)
            })
            .collect()
    }

    /// Stored answers to Ada's idempotency keys: one per executed change.
    fn stored_keys(&self) -> u64 {
        let row = self
            .client()
            .query_one(
                "SELECT count(*) FROM idempotency_keys WHERE customer_id = $1",
                &[&CUSTOMER],
            )
            .unwrap();
        u64::try_from(row.get::<_, i64>(0)).unwrap()
    }

    fn snapshot(&self) -> Snapshot {
        Snapshot {
            version: self.subscription_version(),
            audit: self.audit(),
            keys: self.stored_keys(),
        }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("kept database {} for inspection", self.name);
            return;
        }
        // FORCE: a killed server's sessions may not have been reaped yet.
        let drop = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        if let Err(e) = postgres::Client::connect(&admin_url(), postgres::NoTls)
            .and_then(|mut admin| admin.batch_execute(&drop))
        {
            eprintln!("could not drop database {}: {e}", self.name);
        }
    }
}

fn connect(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls)
        .unwrap_or_else(|e| panic!("cannot connect to the test cluster ({url}): {e}"))
}

/// What the database says about Ada's subscription at one moment.
struct Snapshot {
    version: u64,
    audit: Vec<(i64, serde_json::Value)>,
    keys: u64,
}

/// Stops and starts the cluster as its OS user (`runuser`: PostgreSQL refuses root).
#[derive(Clone)]
struct ClusterControl {
    data: PathBuf,
    bin: PathBuf,
    user: Option<String>,
    /// The running server's command-line options (from `postmaster.opts`), given back to
    /// `pg_ctl start`: `cargo xtask`'s cluster keeps its settings in `postgresql.conf`, but
    /// a cluster started by hand may have its port and socket directory on the command line,
    /// and a plain start would bring it back on the default port (as `pg_ctl restart`
    /// knows).
    options: Option<String>,
}

impl ClusterControl {
    /// Reads how the cluster runs now; it must be running.
    fn from_env() -> ClusterControl {
        let mut control = ClusterControl {
            data: env("CADENCE_TEST_PG_DATA").into(),
            bin: env("CADENCE_TEST_PG_BIN").into(),
            user: Some(env("CADENCE_TEST_PG_USER")).filter(|u| !u.is_empty()),
            options: None,
        };
        assert!(
            control.running(),
            "the cluster in {} is not running",
            control.data.display()
        );
        // `/usr/lib/postgresql/15/bin/postgres "-D" "/data" "-p" "55432"`: every argument
        // after the program, still quoted for the shell pg_ctl starts the server with.
        let opts = std::fs::read_to_string(control.data.join("postmaster.opts"))
            .unwrap_or_else(|e| panic!("{}/postmaster.opts: {e}", control.data.display()));
        let line = opts.lines().next().unwrap_or_default();
        let options = line.find(" \"").map_or("", |at| &line[at + 1..]);
        // Without its `"-D" "<data>"`: pg_ctl passes its own `-D`.
        let options = match options.strip_prefix("\"-D\" \"") {
            Some(rest) => rest.split_once('"').map_or("", |(_, after)| after),
            None => options,
        };
        control.options = Some(options.trim().to_owned()).filter(|o| !o.is_empty());
        control
    }

    fn pg_ctl(&self) -> Command {
        let mut command = match &self.user {
            Some(user) => {
                let mut runuser = Command::new("runuser");
                runuser
                    .args(["-u", user, "--"])
                    .arg(self.bin.join("pg_ctl"));
                runuser
            }
            None => Command::new(self.bin.join("pg_ctl")),
        };
        // The test's own directory (the repository) may be closed to the cluster's user.
        command
            .current_dir("/")
            .arg("-D")
            .arg(&self.data)
            .stdin(Stdio::null());
        command
    }

    /// Where the restarted server logs: `cargo xtask`'s cluster log (`<dir>/run/server.log`,
    /// so its error messages still show the end of it) when that is the layout, else a file
    /// in the data directory, which the cluster's user owns.
    fn log_file(&self) -> PathBuf {
        let xtask_run = self.data.parent().map(|dir| dir.join("run"));
        match xtask_run.filter(|run| run.is_dir()) {
            Some(run) => run.join("server.log"),
            None => self.data.join("cadence-instances-test.log"),
        }
    }

    fn running(&self) -> bool {
        self.pg_ctl()
            .arg("status")
            .output()
            .is_ok_and(|out| out.status.success())
    }

    fn stop(&self) -> Result<(), String> {
        run(self.pg_ctl().args(["-m", "fast", "-w", "-t", "60", "stop"]))
    }

    /// Starts the cluster as it ran before, and waits until it accepts connections.
    /// `-l` keeps the server's output off our pipes.
    fn start(&self) -> Result<(), String> {
        let mut command = self.pg_ctl();
        if let Some(options) = &self.options {
            command.arg("-o").arg(options);
        }
        run(command
            .arg("-l")
            .arg(self.log_file())
            .args(["-w", "-t", "60", "start"]))
    }
}

/// Runs a `pg_ctl` command; its output when it fails.
fn run(command: &mut Command) -> Result<(), String> {
    let out = command.output().map_err(|e| format!("{command:?}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{command:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// Starts the cluster again when dropped if it is down, so a failing outage test does not
/// leave it stopped for the other tests and people using it.
struct KeepRunning(ClusterControl);

impl Drop for KeepRunning {
    fn drop(&mut self) {
        if !self.0.running() {
            eprintln!("starting the PostgreSQL cluster again");
            if let Err(e) = self.0.start() {
                eprintln!("could not start the cluster again: {e}");
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Server processes
// ---------------------------------------------------------------------------------------

/// A running `cadence-server serve` on the test database; killed when dropped.
struct Server {
    name: String,
    child: Child,
    /// `host:port`, once it announced that it listens.
    addr: Option<String>,
    stdout: Receiver<String>,
    /// Everything it wrote to stderr so far (its log): kept for failure messages and for
    /// the start-up test's "cannot reach PostgreSQL" line.
    stderr: Arc<Mutex<String>>,
}

impl Server {
    /// Spawns a server without waiting for it to listen.
    fn spawn(db: &Database, name: &str) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cadence-server"))
            .args(["serve", "--api-addr", "127.0.0.1:0"])
            .args(["--widget-dir", "/nonexistent"])
            .args(["--database-url", &db.url])
            // Every request of these tests comes from 127.0.0.1 and for one customer: the
            // per-address and per-customer budgets would queue or refuse them (429) before
            // they reach the database, whose behaviour across instances is what is tested.
            .args(["--requests-per-second", "100000"])
            .args(["--requests-in-flight-per-customer", "100"])
            .env("CADENCE_JWT_SECRET", SECRET)
            .env_remove("CADENCE_DATABASE_URL")
            // Warnings and errors only: the 503s and the start-up retries are logged there.
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn cadence-server");
        // Both pipes are drained by threads of their own, so a chatty server never blocks
        // on a full pipe and the test can wait for a line with a timeout.
        let (lines, stdout) = mpsc::channel();
        let out = child.stdout.take().expect("stdout is piped");
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if lines.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let err = child.stderr.take().expect("stderr is piped");
        let log = stderr.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                let mut log = log.lock().unwrap_or_else(PoisonError::into_inner);
                log.push_str(&line);
                log.push('\n');
            }
        });
        Server {
            name: name.to_owned(),
            child,
            addr: None,
            stdout,
            stderr,
        }
    }

    /// Spawns a server and waits until it listens.
    fn start(db: &Database, name: &str) -> Server {
        let mut server = Server::spawn(db, name);
        let started = Instant::now();
        assert!(
            server.wait_listening(Duration::from_secs(120)),
            "server {name} did not listen within 120 s; its log:\n{}",
            server.log()
        );
        println!(
            "server {name} listening on {} after {:.1?}",
            server.addr(),
            started.elapsed()
        );
        server
    }

    /// Waits up to `timeout` for the `cadence: listening api=…` line.
    fn wait_listening(&mut self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.stdout.recv_timeout(left) {
                Ok(line) => {
                    if let Some(addr) = line
                        .split_whitespace()
                        .find_map(|w| w.strip_prefix("api=http://"))
                    {
                        self.addr = Some(addr.to_owned());
                        return true;
                    }
                }
                Err(_) => return false,
            }
        }
        false
    }

    fn addr(&self) -> String {
        self.addr.clone().expect("the server listens")
    }

    fn log(&self) -> String {
        self.stderr
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// SIGKILL: no graceful shutdown, possibly mid-transaction.
    fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `n` servers on `db`: the first alone (it migrates the new database and inserts
/// the demo data), then the others together (they find both done).
fn start_servers(db: &Database, n: usize) -> Vec<Server> {
    let first = Server::start(db, "s0");
    let others: Vec<Server> = std::thread::scope(|scope| {
        let started: Vec<_> = (1..n)
            .map(|i| scope.spawn(move || Server::start(db, &format!("s{i}"))))
            .collect();
        started.into_iter().map(|s| s.join().unwrap()).collect()
    });
    std::iter::once(first).chain(others).collect()
}

fn token() -> String {
    let token = JwtKeys::new(SECRET.as_bytes()).mint(CUSTOMER, 3600, Clock::System);
    format!("Bearer {token}")
}

// ---------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("{}: not JSON ({e}): {}", self.status, self.body))
    }
}

/// One HTTP/1.1 request on a fresh connection (`Connection: close`, so the body ends at
/// EOF). A read past 30 s is an error: the tests that care about hangs assert far less.
fn http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> std::io::Result<Reply> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    stream.write_all(request.as_bytes())?;
    let mut raw = String::new();
    stream.read_to_string(&mut raw)?;
    let (head, body) = raw
        .split_once("\r\n\r\n")
        .ok_or_else(|| std::io::Error::other(format!("truncated response: {raw:?}")))?;
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("no status"))?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Ok(Reply {
        status,
        headers,
        body: body.to_owned(),
    })
}

fn get_subscription(addr: &str, auth: &str) -> std::io::Result<Reply> {
    http(
        addr,
        "GET",
        &format!("/api/v1/me/subscriptions/{SUB}"),
        &[("Authorization", auth)],
        "",
    )
}

fn post_change(
    addr: &str,
    auth: &str,
    key: &str,
    if_match: &str,
    body: &str,
) -> std::io::Result<Reply> {
    http(
        addr,
        "POST",
        &format!("/api/v1/me/subscriptions/{SUB}/changes"),
        &[
            ("Authorization", auth),
            ("Content-Type", "application/json"),
            ("Idempotency-Key", key),
            ("If-Match", if_match),
        ],
        body,
    )
}

fn set_quantity(quantity: u64) -> String {
    format!(r#"{{"action":"set_quantity","quantity":{quantity}}}"#)
}

/// The subscription as one server sees it: (ETag, version, quantity).
fn current(addr: &str, auth: &str) -> (String, u64, u64) {
    let reply = get_subscription(addr, auth).unwrap();
    assert_eq!(reply.status, 200, "GET subscription: {}", reply.body);
    let sub = reply.json();
    (
        reply.header("etag").expect("an ETag").to_owned(),
        sub["version"].as_u64().unwrap(),
        sub["quantity"].as_u64().unwrap(),
    )
}

/// Seconds from `origin` to `t`, negative when `t` is earlier.
fn secs_from(origin: Instant, t: Instant) -> f64 {
    match t.checked_duration_since(origin) {
        Some(after) => after.as_secs_f64(),
        None => -(origin - t).as_secs_f64(),
    }
}

/// Milliseconds at quantile `q` (0..=1) of `sorted`.
fn quantile(sorted: &[Duration], q: f64) -> f64 {
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

// ---------------------------------------------------------------------------------------
// A stream of changes (the kill and outage tests)
// ---------------------------------------------------------------------------------------

/// A change answered 200: its key and body, the version it produced and the answer.
#[derive(Clone)]
struct Ack {
    key: String,
    body: String,
    quantity: u64,
    version: u64,
    response: String,
    server: usize,
    /// Answered as a replay: an earlier attempt with this key committed, but its answer
    /// was lost (its server died, or the database went away after the commit).
    replayed: bool,
}

/// One request of a stream, as the client saw it.
#[derive(Clone)]
struct Attempt {
    server: usize,
    sent: Instant,
    took: Duration,
    /// The status, or the transport error (a killed server).
    status: Result<u16, String>,
    retry_after: Option<String>,
    content_type: Option<String>,
    body: String,
}

#[derive(Default)]
struct Record {
    acks: Vec<Ack>,
    attempts: Vec<Attempt>,
}

/// Sends distinct changes to `servers` (round-robin from `first`) until `stop`, as a careful
/// client does: a fresh key per change with the latest ETag; after a 412, the subscription
/// the 412 carries is the latest; after a transport error (a killed server) or a 503, the
/// same key and body again (on the next server), so a change that committed before its
/// answer was lost is replayed, not made twice. Every change therefore ends acknowledged or
/// refused as stale, which is what lets the tests demand that the database holds exactly
/// the acknowledged changes.
fn stream_changes(
    servers: Vec<String>,
    first: usize,
    auth: String,
    stop: Arc<AtomicBool>,
    record: Arc<Mutex<Record>>,
) {
    let mut next = first;
    let mut pick = || {
        let i = next % servers.len();
        next += 1;
        i
    };
    // The starting point: any server that answers.
    let (mut etag, mut quantity) = loop {
        let i = pick();
        if let Ok(reply) = get_subscription(&servers[i], &auth) {
            if reply.status == 200 {
                let sub = reply.json();
                break (
                    reply.header("etag").unwrap().to_owned(),
                    sub["quantity"].as_u64().unwrap(),
                );
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    while !stop.load(Ordering::SeqCst) {
        let key = uuid::Uuid::new_v4().to_string();
        // Always different from the current quantity, so the change applies.
        let wanted = quantity % 20 + 1;
        let body = set_quantity(wanted);
        loop {
            let server = pick();
            let sent = Instant::now();
            let reply = post_change(&servers[server], &auth, &key, &etag, &body);
            let took = sent.elapsed();
            let mut attempt = Attempt {
                server,
                sent,
                took,
                status: Err(String::new()),
                retry_after: None,
                content_type: None,
                body: String::new(),
            };
            let reply = match reply {
                Ok(reply) => reply,
                Err(e) => {
                    attempt.status = Err(e.to_string());
                    record.lock().unwrap().attempts.push(attempt);
                    std::thread::sleep(Duration::from_millis(20));
                    continue;
                }
            };
            attempt.status = Ok(reply.status);
            attempt.retry_after = reply.header("retry-after").map(str::to_owned);
            attempt.content_type = reply.header("content-type").map(str::to_owned);
            attempt.body = reply.body.clone();
            let mut log = record.lock().unwrap();
            log.attempts.push(attempt);
            match reply.status {
                200 => {
                    let sub = reply.json();
                    let replayed = reply.header("idempotent-replayed") == Some("true");
                    etag = reply.header("etag").expect("200 has an ETag").to_owned();
                    quantity = wanted;
                    log.acks.push(Ack {
                        key,
                        body,
                        quantity: wanted,
                        version: sub["version"].as_u64().unwrap(),
                        response: reply.body,
                        server,
                        replayed,
                    });
                    break;
                }
                412 => {
                    // Another client won: the 412 carries the subscription as it is now.
                    let problem = reply.json();
                    etag = reply.header("etag").expect("412 has an ETag").to_owned();
                    quantity = problem["current"]["quantity"].as_u64().unwrap();
                    break;
                }
                503 => {
                    drop(log);
                    // A short pause, not the whole Retry-After: the outage test wants to
                    // see many requests while the database is down.
                    std::thread::sleep(Duration::from_millis(200));
                }
                // Anything else is wrong; the test reports it from the attempts.
                _ => return,
            }
        }
    }
}

/// Checks that the database holds exactly the acknowledged changes since `before`: one
/// version, one audit row and one stored answer each, the audit row of each acknowledged
/// version carrying the quantity that change asked for, and no version acknowledged twice.
fn assert_acks_in_database(db: &Database, before: &Snapshot, acks: &[Ack]) {
    let after = db.snapshot();
    let mut versions: Vec<u64> = acks.iter().map(|a| a.version).collect();
    versions.sort_unstable();
    let distinct = versions.windows(2).all(|w| w[0] < w[1]);
    assert!(distinct, "a version acknowledged twice: {versions:?}");
    let n = acks.len() as u64;
    assert_eq!(
        after.version - before.version,
        n,
        "the subscription went from v{} to v{}, but {n} changes were acknowledged",
        before.version,
        after.version
    );
    assert_eq!(
        after.keys - before.keys,
        n,
        "stored answers vs acknowledged"
    );
    // The audit rows are one per version, the first the creation (v1), so the row of
    // version v is the v-th (the snapshots hold no version of their own).
    assert_eq!(
        after.audit.len() as u64,
        after.version,
        "one audit row per version"
    );
    for ack in acks {
        let (_, row) = &after.audit[ack.version as usize - 1];
        assert_eq!(
            row["quantity"].as_u64(),
            Some(ack.quantity),
            "audit row of v{} (key {}, acknowledged by server {})",
            ack.version,
            ack.key,
            ack.server
        );
    }
}

// ---------------------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------------------

/// 50 changes with one `If-Match`, sent at once round-robin to three servers: exactly one
/// wins; the others are told 412 with the winner's version.
#[test]
fn one_if_match_across_three_servers_has_one_winner() {
    let _turn = exclusive();
    let db = Database::create();
    let servers = start_servers(&db, 3);
    let addrs: Vec<String> = servers.iter().map(Server::addr).collect();
    let auth = token();
    let (etag, version, quantity) = current(&addrs[0], &auth);
    let before = db.snapshot();
    assert_eq!(before.version, version);

    const N: usize = 50;
    let barrier = Arc::new(Barrier::new(N));
    let replies: Vec<(usize, u64, Duration, Reply)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..N)
            .map(|i| {
                let (barrier, addr, auth, etag) = (barrier.clone(), &addrs[i % 3], &auth, &etag);
                scope.spawn(move || {
                    // Each asks for a quantity other than the current one, so any of them
                    // could win.
                    let wanted = (quantity + i as u64 % 19) % 20 + 1;
                    let key = uuid::Uuid::new_v4().to_string();
                    barrier.wait();
                    let sent = Instant::now();
                    let reply = post_change(addr, auth, &key, etag, &set_quantity(wanted))
                        .unwrap_or_else(|e| panic!("request {i} to {addr}: {e}"));
                    (i, wanted, sent.elapsed(), reply)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });

    let mut latencies: Vec<Duration> = replies.iter().map(|r| r.2).collect();
    latencies.sort();
    println!(
        "50 concurrent changes over 3 servers: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        quantile(&latencies, 0.5),
        quantile(&latencies, 0.99),
        quantile(&latencies, 1.0)
    );
    let statuses: Vec<(usize, u16)> = replies.iter().map(|r| (r.0, r.3.status)).collect();
    let winners: Vec<_> = replies.iter().filter(|r| r.3.status == 200).collect();
    let stale = replies.iter().filter(|r| r.3.status == 412).count();
    let logs = || {
        servers
            .iter()
            .map(|s| format!("--- {} ---\n{}", s.name, s.log()))
            .collect::<String>()
    };
    assert!(
        winners.len() == 1 && stale == N - 1,
        "expected one 200 and {} 412s, got (request, status) {statuses:?}; other answers: {:?}\n{}",
        N - 1,
        replies
            .iter()
            .filter(|r| r.3.status != 200 && r.3.status != 412)
            .map(|r| &r.3.body)
            .collect::<Vec<_>>(),
        logs()
    );
    let (winner, wanted, _, reply) = winners[0];
    println!("request {winner} won (server s{})", winner % 3);
    let won = reply.json();
    let winner_etag = reply.header("etag");
    assert_eq!(won["version"].as_u64(), Some(version + 1));
    assert_eq!(won["quantity"].as_u64(), Some(*wanted));
    // Every loser was shown the winner's version, whichever server it asked.
    for (i, _, _, reply) in replies.iter().filter(|r| r.3.status == 412) {
        let problem = reply.json();
        assert_eq!(
            problem["current"]["version"].as_u64(),
            Some(version + 1),
            "412 to request {i}: {}",
            reply.body
        );
        assert_eq!(reply.header("etag"), winner_etag, "412 to request {i}");
    }

    let after = db.snapshot();
    assert_eq!(after.version, version + 1, "one version bump");
    assert_eq!(after.audit.len(), before.audit.len() + 1, "one audit row");
    assert_eq!(after.keys, before.keys + 1, "refusals store nothing");
    let audit = &after.audit.last().unwrap().1;
    assert_eq!(
        audit["quantity"].as_u64(),
        Some(*wanted),
        "the winner's audit row"
    );
    // All three servers now read the winner's version.
    for addr in &addrs {
        assert_eq!(current(addr, &auth).1, version + 1, "read from {addr}");
    }
}

/// One Idempotency-Key sent 30 times at once, 10 to each server: executed once, and every
/// answer is that execution's (29 of them replays).
#[test]
fn one_idempotency_key_across_three_servers_executes_once() {
    let _turn = exclusive();
    let db = Database::create();
    let servers = start_servers(&db, 3);
    let addrs: Vec<String> = servers.iter().map(Server::addr).collect();
    let auth = token();
    let (etag, version, quantity) = current(&addrs[0], &auth);
    let before = db.snapshot();
    let key = uuid::Uuid::new_v4().to_string();
    let body = set_quantity(quantity % 20 + 1);

    const N: usize = 30;
    let barrier = Arc::new(Barrier::new(N));
    let replies: Vec<(Duration, Reply)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..N)
            .map(|i| {
                let (barrier, addr) = (barrier.clone(), &addrs[i % 3]);
                let (auth, key, etag, body) = (&auth, &key, &etag, &body);
                scope.spawn(move || {
                    barrier.wait();
                    let sent = Instant::now();
                    let reply = post_change(addr, auth, key, etag, body)
                        .unwrap_or_else(|e| panic!("request {i} to {addr}: {e}"));
                    (sent.elapsed(), reply)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });

    let mut latencies: Vec<Duration> = replies.iter().map(|r| r.0).collect();
    latencies.sort();
    println!(
        "30 concurrent requests with one key over 3 servers: p50 {:.1} ms, p99 {:.1} ms",
        quantile(&latencies, 0.5),
        quantile(&latencies, 0.99)
    );
    let first = &replies[0].1;
    for (i, (_, reply)) in replies.iter().enumerate() {
        assert_eq!(
            (reply.status, &reply.body, reply.header("etag")),
            (first.status, &first.body, first.header("etag")),
            "answer {i} (server s{}) differs from answer 0",
            i % 3
        );
    }
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.json()["version"].as_u64(), Some(version + 1));
    let replayed = replies
        .iter()
        .filter(|(_, r)| r.header("idempotent-replayed") == Some("true"))
        .count();
    assert_eq!(replayed, N - 1, "one execution, the others replays");

    let after = db.snapshot();
    assert_eq!(after.version, version + 1, "one version bump");
    assert_eq!(after.audit.len(), before.audit.len() + 1, "one audit row");
    assert_eq!(after.keys, before.keys + 1, "one stored answer");
}

/// A stream of changes to three servers, one of them SIGKILLed mid-stream: every
/// acknowledged change is in the database once, and nothing else is.
#[test]
fn kill_9_of_one_server_loses_no_acknowledged_change() {
    let _turn = exclusive();
    let db = Database::create();
    let mut servers = start_servers(&db, 3);
    let addrs: Vec<String> = servers.iter().map(Server::addr).collect();
    let auth = token();
    let before = db.snapshot();

    let stop = Arc::new(AtomicBool::new(false));
    let record = Arc::new(Mutex::new(Record::default()));
    const WRITERS: usize = 4;
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (addrs, auth, stop, record) =
                (addrs.clone(), auth.clone(), stop.clone(), record.clone());
            std::thread::spawn(move || stream_changes(addrs, w, auth, stop, record))
        })
        .collect();
    let acks = || record.lock().unwrap().acks.len();
    let wait_for = |n: usize| {
        let deadline = Instant::now() + Duration::from_secs(120);
        while acks() < n && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
    };

    wait_for(100);
    let killed_at = Instant::now();
    servers[1].kill();
    let at_kill = acks();
    wait_for(at_kill + 150);
    stop.store(true, Ordering::SeqCst);
    for writer in writers {
        writer.join().unwrap();
    }
    let record = record.lock().unwrap();
    let unexpected: Vec<String> = record
        .attempts
        .iter()
        .filter(|a| !matches!(a.status, Ok(200 | 412) | Err(_)))
        .map(|a| format!("s{}: {:?} {}", a.server, a.status, a.body))
        .collect();
    assert!(
        unexpected.is_empty(),
        "unexpected answers: {unexpected:?}\n--- s0 ---\n{}--- s2 ---\n{}",
        servers[0].log(),
        servers[2].log()
    );
    // Only the killed server failed requests: those it was handling when it died, and
    // every one after (refused connections).
    let broken_live: Vec<_> = record
        .attempts
        .iter()
        .filter(|a| a.status.is_err() && (a.server != 1 || a.sent + a.took < killed_at))
        .map(|a| format!("s{}: {:?}", a.server, a.status))
        .collect();
    assert!(
        broken_live.is_empty(),
        "requests failed on live servers: {broken_live:?}"
    );
    let acks = &record.acks;
    assert!(
        acks.len() >= at_kill + 150,
        "only {} changes acknowledged",
        acks.len()
    );
    let by_server: Vec<usize> = (0..3)
        .map(|s| acks.iter().filter(|a| a.server == s).count())
        .collect();
    assert!(
        by_server[1] > 0,
        "the killed server acknowledged nothing before it died"
    );
    let cut_off = record
        .attempts
        .iter()
        .filter(|a| a.server == 1 && a.status.is_err() && a.sent < killed_at)
        .count();
    let refused = record
        .attempts
        .iter()
        .filter(|a| a.server == 1 && a.status.is_err() && a.sent >= killed_at)
        .count();
    let replays = acks.iter().filter(|a| a.replayed).count();
    println!(
        "kill -9: {} changes acknowledged ({at_kill} before the kill; by server {by_server:?}) \
         in {} requests; {cut_off} cut off by the kill and {refused} refused after it were sent \
         again to another server ({replays} of them answered as replays: committed before the \
         kill)",
        acks.len(),
        record.attempts.len(),
    );
    assert_acks_in_database(&db, &before, acks);

    // The answers acknowledged by the killed server replay from the survivors, with their
    // stored body, even under a stale If-Match.
    for ack in acks.iter().filter(|a| a.server == 1).rev().take(3) {
        let replay = post_change(&addrs[2], &auth, &ack.key, "\"stale\"", &ack.body).unwrap();
        assert_eq!(
            (replay.status, &replay.body),
            (200, &ack.response),
            "replay of v{}",
            ack.version
        );
    }
}

/// PostgreSQL stopped under load: a running server answers fast 503s (problem+json,
/// Retry-After) while it is down and 200 again after it returns, without being restarted,
/// and loses no acknowledged change; a server started while it is down says so and starts
/// serving once it is back.
#[test]
fn postgres_outage_fails_fast_and_recovers() {
    let _turn = exclusive();
    let control = ClusterControl::from_env();
    println!(
        "cluster {} runs with options {:?}",
        control.data.display(),
        control.options
    );
    let db = Database::create();
    let server = Server::start(&db, "a");
    let addr = server.addr();
    let auth = token();
    // Declared after the database and the server: dropped before them, so the cluster is
    // up again before the database is dropped.
    let _keep_running = KeepRunning(control.clone());
    let before = db.snapshot();

    let stop = Arc::new(AtomicBool::new(false));
    let record = Arc::new(Mutex::new(Record::default()));
    let writers: Vec<_> = (0..2)
        .map(|w| {
            let (addrs, auth, stop, record) = (
                vec![addr.clone()],
                auth.clone(),
                stop.clone(),
                record.clone(),
            );
            std::thread::spawn(move || stream_changes(addrs, w, auth, stop, record))
        })
        .collect();
    // Readers too (a read is a snapshot transaction, not the write path); three, so the
    // outage sees several reads although each waits out the pool's 5 s.
    let reads = Arc::new(Mutex::new(Vec::<Attempt>::new()));
    let readers: Vec<_> = (0..3)
        .map(|_| {
            let (addr, auth, stop, reads) =
                (addr.clone(), auth.clone(), stop.clone(), reads.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    let sent = Instant::now();
                    let reply = get_subscription(&addr, &auth);
                    let took = sent.elapsed();
                    let header = |name: &str| {
                        reply
                            .as_ref()
                            .ok()
                            .and_then(|r| r.header(name).map(str::to_owned))
                    };
                    let attempt = Attempt {
                        server: 0,
                        sent,
                        took,
                        retry_after: header("retry-after"),
                        content_type: header("content-type"),
                        status: reply.as_ref().map(|r| r.status).map_err(|e| e.to_string()),
                        body: reply.map(|r| r.body).unwrap_or_default(),
                    };
                    reads.lock().unwrap().push(attempt);
                    std::thread::sleep(Duration::from_millis(100));
                }
            })
        })
        .collect();
    let acks = || record.lock().unwrap().acks.len();
    let deadline = Instant::now() + Duration::from_secs(120);
    while acks() < 20 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(acks() >= 20, "no load before the outage");

    // The outage.
    let stopping = Instant::now();
    control.stop().unwrap();
    let stopped = Instant::now();
    println!(
        "PostgreSQL stopped (pg_ctl stop -m fast took {:.1?})",
        stopped - stopping
    );

    // A server started now: it says what is wrong and waits.
    let mut late = Server::spawn(&db, "late");
    let wait = Instant::now() + Duration::from_secs(20);
    while !late.log().contains("cannot reach PostgreSQL") && Instant::now() < wait {
        std::thread::sleep(Duration::from_millis(50));
    }
    let said = late
        .log()
        .lines()
        .find(|l| l.contains("cannot reach PostgreSQL"))
        .map(str::to_owned);
    assert!(
        said.is_some(),
        "a server started while PostgreSQL is down did not say so within 20 s; its log:\n{}",
        late.log()
    );
    println!("late server: {}", said.unwrap());
    assert!(
        late.stdout.try_recv().is_err(),
        "the late server announced itself without a database"
    );

    // The readiness probe says so too, in time for a load balancer's check.
    let asked = Instant::now();
    let ready = http(&addr, "GET", "/api/v1/ready", &[], "").unwrap();
    let ready_took = asked.elapsed();
    println!(
        "server a's /ready during the outage: {} in {ready_took:.1?}",
        ready.status
    );
    assert!(
        ready.status == 503
            && ready.header("retry-after").is_some()
            && ready.header("content-type") == Some("application/problem+json")
            && ready_took < Duration::from_secs(7),
        "/ready while PostgreSQL is down: {} in {ready_took:?}, {:?}: {}",
        ready.status,
        ready.headers,
        ready.body
    );

    // Long enough for every client to see a few requests answered while it is down.
    let down_for = Duration::from_secs(12);
    std::thread::sleep(down_for.saturating_sub(stopped.elapsed()));
    let restarting = Instant::now();
    control.start().unwrap();
    let restarted = Instant::now();
    let acks_at_restart = acks();
    println!(
        "PostgreSQL down for {:.1?}; pg_ctl start took {:.1?}",
        restarted - stopped,
        restarted - restarting
    );

    // The same server process answers again.
    let recovered = loop {
        let reply = get_subscription(&addr, &auth);
        if reply.as_ref().is_ok_and(|r| r.status == 200) {
            break restarted.elapsed();
        }
        assert!(
            restarted.elapsed() < Duration::from_secs(10),
            "server a still fails 10 s after PostgreSQL restarted: {:?}\n{}",
            reply.map(|r| (r.status, r.body)).map_err(|e| e.to_string()),
            server.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while acks() < acks_at_restart + 20 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    let first_write_ack = record
        .lock()
        .unwrap()
        .attempts
        .iter()
        .filter(|a| a.sent + a.took > restarted && a.status == Ok(200))
        .map(|a| a.sent + a.took - restarted)
        .min();
    println!(
        "server a answered a read 200 {recovered:.1?} after the restart, a change {first_write_ack:.1?} after"
    );

    // The late server connects and serves.
    assert!(
        late.wait_listening(Duration::from_secs(30)),
        "the server started during the outage did not listen within 30 s of PostgreSQL's \
         return; its log:\n{}",
        late.log()
    );
    println!(
        "late server listening {:.1?} after the restart",
        restarted.elapsed()
    );
    for probe in ["/api/v1/health", "/api/v1/ready"] {
        let reply = http(&late.addr(), "GET", probe, &[], "").unwrap();
        assert_eq!(reply.status, 200, "late server {probe}: {}", reply.body);
    }
    let ready = http(&addr, "GET", "/api/v1/ready", &[], "").unwrap();
    assert_eq!(ready.status, 200, "server a /ready: {}", ready.body);
    let (_, late_version, _) = current(&late.addr(), &auth);
    assert!(
        late_version > before.version,
        "the late server reads the data"
    );

    stop.store(true, Ordering::SeqCst);
    for writer in writers {
        writer.join().unwrap();
    }
    for reader in readers {
        reader.join().unwrap();
    }
    let record = record.lock().unwrap();
    let reads = reads.lock().unwrap();

    let all: Vec<(&str, &Attempt)> = record
        .attempts
        .iter()
        .map(|a| ("change", a))
        .chain(reads.iter().map(|a| ("read", a)))
        .collect();
    let show = |(kind, a): &(&str, &Attempt)| {
        format!(
            "{kind} sent {:+.2} s from the stop, took {:.1?}: {:?} retry-after {:?} {:?} {}",
            secs_from(stopped, a.sent),
            a.took,
            a.status,
            a.retry_after,
            a.content_type,
            a.body
        )
    };
    let log = || server.log();
    // Never a hang, never a broken connection, never a status that is not one of these.
    let wrong: Vec<String> = all
        .iter()
        .filter(|(_, a)| {
            a.took >= Duration::from_secs(7) || !matches!(a.status, Ok(200 | 412 | 503))
        })
        .map(show)
        .collect();
    assert!(
        wrong.is_empty(),
        "requests that hung, broke or answered wrongly:\n{}\nserver log:\n{}",
        wrong.join("\n"),
        log()
    );
    // Every request made entirely while PostgreSQL was down: a 503 problem with Retry-After.
    let during: Vec<&(&str, &Attempt)> = all
        .iter()
        .filter(|(_, a)| a.sent >= stopped && a.sent + a.took <= restarting)
        .collect();
    let bad: Vec<String> = during
        .iter()
        .filter(|(_, a)| {
            a.status != Ok(503)
                || a.retry_after.is_none()
                || a.content_type.as_deref() != Some("application/problem+json")
        })
        .map(|a| show(a))
        .collect();
    assert!(
        bad.is_empty(),
        "while PostgreSQL was down:\n{}\nserver log:\n{}",
        bad.join("\n"),
        log()
    );
    assert!(
        record.acks.len() >= acks_at_restart + 20,
        "only {} changes acknowledged after the restart",
        record.acks.len() - acks_at_restart
    );
    let changes_during = during.iter().filter(|(k, _)| *k == "change").count();
    let reads_during = during.iter().filter(|(k, _)| *k == "read").count();
    assert!(
        changes_during >= 2 && reads_during >= 2,
        "the outage was hardly seen: {changes_during} changes and {reads_during} reads during it"
    );
    let mut took: Vec<Duration> = during.iter().map(|(_, a)| a.took).collect();
    took.sort();
    println!(
        "during the outage: {} requests ({changes_during} changes, {reads_during} reads), all 503 \
         with Retry-After {:?}; took min {:.0} ms, p50 {:.0} ms, max {:.0} ms",
        during.len(),
        during[0].1.retry_after.as_deref().unwrap_or_default(),
        quantile(&took, 0.0),
        quantile(&took, 0.5),
        quantile(&took, 1.0)
    );
    // Those cut by the stop or the start: what a client saw at the edges.
    let edges: Vec<String> = all
        .iter()
        .filter(|(_, a)| {
            let end = a.sent + a.took;
            (a.sent < stopped && end > stopping) || (a.sent < restarting && end > restarting)
        })
        .map(|(kind, a)| format!("{kind} {:?} in {:.0?}", a.status, a.took))
        .collect();
    println!("requests under way at the stop or the start: {edges:?}");
    let server_log = server.log();
    println!(
        "server a logged {} lines ({} of them r2d2's \"error connecting to server\")",
        server_log.lines().count(),
        server_log.matches("error connecting to server").count()
    );
    println!(
        "outage run: {} changes acknowledged ({acks_at_restart} before PostgreSQL came back), \
         {} requests in all",
        record.acks.len(),
        all.len()
    );
    assert_acks_in_database(&db, &before, &record.acks);
}
