//! `cargo xtask bench-api`: a load benchmark of the release API server on loopback, with
//! Debian's `wrk`: GET throughput and latency percentiles (a product, the signed-in
//! account, one subscription) and durable mutations per second (subscribe and
//! self-service changes, each request with its own Idempotency-Key). Three runs of the
//! same scenarios, each on a fresh database: a SQLite file on disk with `synchronous=FULL`,
//! then a PostgreSQL cluster with its durable defaults behind one server process, then
//! behind two (each wrk thread, half the connections, on one of them). Prints a table and
//! writes `target/bench/api.txt`. Not part of `cargo xtask test`: its numbers depend on the
//! machine and its load.

use crate::cmd::{self, cargo, read};
use crate::local::{apt_install, fresh_dir, get_json, server_binary};
use crate::postgres::{self, Cluster, Purpose};
use crate::server::{Database, Server};
use crate::Result;
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

const WRK: &str = "/usr/bin/wrk";
const SECRET: &str = "bench-only-secret-0123456789abcdef-not-for-production";
const ADA_SUB: &str = "sub_demo_ada_intenso";
/// Each scenario runs this long, after a one-second warm-up.
const DURATION: &str = "10s";
const THREADS: &str = "2";

struct Scenario {
    name: &'static str,
    method: &'static str,
    path: String,
    /// The customer whose token the requests carry, if any.
    customer: Option<&'static str>,
    /// A JSON body; requests with one get a fresh Idempotency-Key each (and `If-Match: *`).
    body: Option<&'static str>,
    connections: u32,
}

struct Figures {
    requests: u64,
    seconds: f64,
    p50_ms: f64,
    p90_ms: f64,
    p99_ms: f64,
    max_ms: f64,
}

/// One run of every scenario: its label, and per scenario the figures.
struct Run {
    label: &'static str,
    figures: Vec<Figures>,
    /// Subscriptions read back after the subscribe scenario.
    stored: u64,
}

pub(crate) fn run() -> Result {
    if !Path::new(WRK).exists() {
        apt_install(&["wrk"], "cargo xtask bench-api (the load generator)")?;
    }
    postgres::install()?;
    cmd::run(cargo().args(["build", "--release", "--package", "cadence-server"]))?;
    let dir = fresh_dir("bench")?;
    let widget = dir.join("widget");
    std::fs::create_dir_all(&widget).map_err(|e| format!("{}: {e}", widget.display()))?;
    let binary = server_binary("release");
    let scenarios = scenarios();
    let bench = Bench {
        binary: &binary,
        widget: &widget,
        dir: &dir,
        scenarios: &scenarios,
    };
    let mut runs = vec![bench.run("sqlite", &Database::Sqlite(dir.join("cadence.db")), 1)?];
    // Durable settings (fsync, synchronous commit), as SQLite's synchronous=FULL; each run
    // on its own database, so the second does not start with the first one's subscriptions.
    let cluster = Cluster::start_for(Purpose::Benchmark)?;
    for (label, name, servers) in [
        ("postgres ×1", "bench_one", 1),
        ("postgres ×2", "bench_two", 2),
    ] {
        let database = Database::Postgres(cluster.create_database(name)?);
        runs.push(bench.run(label, &database, servers)?);
    }
    let postgres = format!(
        "{}, durable defaults (fsync, synchronous_commit, full_page_writes on), data on {} in {}",
        cluster.version(),
        filesystem(cluster.dir()),
        cluster.dir().display()
    );
    cluster.stop()?;

    let table = table(&scenarios, &runs, &postgres);
    print!("\n{table}");
    let out = dir.join("api.txt");
    std::fs::write(&out, &table).map_err(|e| format!("{}: {e}", out.display()))?;
    eprintln!("written to {}", out.display());
    Ok(())
}

fn scenarios() -> [Scenario; 5] {
    [
        Scenario {
            name: "GET product (anonymous)",
            method: "GET",
            path: "/api/v1/products/CAPS-INTENSO".into(),
            customer: None,
            body: None,
            connections: 16,
        },
        Scenario {
            name: "GET me (account + subscriptions)",
            method: "GET",
            path: "/api/v1/me".into(),
            customer: Some("cust_ada"),
            body: None,
            connections: 16,
        },
        Scenario {
            name: "GET me/subscriptions/{id}",
            method: "GET",
            path: format!("/api/v1/me/subscriptions/{ADA_SUB}"),
            customer: Some("cust_ada"),
            body: None,
            connections: 16,
        },
        Scenario {
            name: "POST me/subscriptions (subscribe)",
            method: "POST",
            path: "/api/v1/me/subscriptions".into(),
            customer: Some("cust_grace"),
            body: Some(r#"{"sku":"CAPS-LUNGO","quantity":1,"interval":{"count":4,"unit":"week"}}"#),
            connections: 8,
        },
        Scenario {
            name: "POST me/subscriptions/{id}/changes",
            method: "POST",
            path: format!("/api/v1/me/subscriptions/{ADA_SUB}/changes"),
            customer: Some("cust_ada"),
            body: Some(r#"{"action":"set_quantity","quantity":3}"#),
            connections: 8,
        },
    ]
}

/// What every run shares.
struct Bench<'a> {
    binary: &'a Path,
    widget: &'a Path,
    dir: &'a Path,
    scenarios: &'a [Scenario],
}

impl Bench<'_> {
    /// Every scenario against `servers` server processes on `database` (a fresh one).
    fn run(&self, label: &'static str, database: &Database, servers: usize) -> Result<Run> {
        eprintln!(
            "\n==> {label}: {servers} server process(es) on {}",
            database.kind()
        );
        let args = [
            "--api-addr=127.0.0.1:0".to_owned(),
            database.arg(),
            format!("--widget-dir={}", self.widget.display()),
            format!("--jwt-secret={SECRET}"),
            // wrk is one client sending as fast as it can, on one customer's token: the
            // per-client and per-customer limits would measure themselves, not the API.
            "--requests-per-second=100000000".to_owned(),
            "--requests-in-flight-per-customer=1024".to_owned(),
            // The subscribe run makes thousands of subscriptions for one customer.
            "--max-subscriptions-per-customer=4000000000".to_owned(),
        ];
        // One after the other: the first has migrated and seeded the database when it
        // listens, so the second finds it ready.
        let servers = (0..servers)
            .map(|_| Server::start(self.binary, &args))
            .collect::<Result<Vec<Server>>>()?;
        let apis: Vec<&str> = servers.iter().map(|s| s.api.as_str()).collect();
        let api = apis[0];
        let mut figures = Vec::new();
        let mut stored = 0;
        for (n, scenario) in self.scenarios.iter().enumerate() {
            let token = match scenario.customer {
                Some(customer) => Some(mint(self.binary, customer)?),
                None => None,
            };
            let script = self
                .dir
                .join(format!("{}-scenario{n}.lua", label_file(label)));
            std::fs::write(&script, lua(scenario, token.as_deref(), n, &apis)?)
                .map_err(|e| format!("{}: {e}", script.display()))?;
            eprintln!(
                "\n==> {label}: {} ({} connections, {DURATION})",
                scenario.name, scenario.connections
            );
            let is_subscribe = scenario.path == "/api/v1/me/subscriptions";
            let before = match (&token, is_subscribe) {
                (Some(token), true) => subscription_count(api, token)?,
                _ => 0,
            };
            // Warm-up: connections, page cache, the statement caches.
            let warm = wrk(api, scenario, &script, "1s", 0)?;
            let run = wrk(api, scenario, &script, DURATION, 1)?;
            if let (Some(token), true) = (&token, is_subscribe) {
                // Every subscribe answered 201 must read back as its own subscription (wrk
                // does not count the requests still in flight when it stops).
                let added = subscription_count(api, token)? - before;
                let answered = warm.requests + run.requests;
                let in_flight = 2 * u64::from(scenario.connections);
                if !(answered..=answered + in_flight).contains(&added) {
                    return Err(format!(
                        "{label}: {answered} subscribes were answered 201 but {added} subscriptions were added"
                    ));
                }
                stored = added;
            }
            figures.push(run);
        }
        drop(servers);
        Ok(Run {
            label,
            figures,
            stored,
        })
    }
}

/// `postgres ×2` → `postgres-x2`, for file names.
fn label_file(label: &str) -> String {
    label.replace(" ×", "-x")
}

/// The type of the filesystem `dir` is on (`stat -f`), e.g. `ext2/ext3` or `tmpfs`.
fn filesystem(dir: &Path) -> String {
    read(Command::new("stat").args(["-f", "-c", "%T"]).arg(dir))
        .unwrap_or_else(|| "an unknown filesystem".into())
}

fn mint(binary: &Path, customer: &str) -> Result<String> {
    read(Command::new(binary).args([
        "mint-token",
        "--customer",
        customer,
        "--ttl-secs",
        "3600",
        "--jwt-secret",
        SECRET,
    ]))
    .ok_or_else(|| format!("`cadence-server mint-token --customer {customer}` failed"))
}

/// The wrk script: each thread's server (thread n on `apis[n mod len]`, so with two
/// servers each gets one thread and half the connections), the request (a fresh
/// Idempotency-Key per mutation: thread number and a counter, as a UUID) and a `done`
/// hook printing one machine-readable line.
fn lua(scenario: &Scenario, token: Option<&str>, n: usize, apis: &[&str]) -> Result<String> {
    let mut servers = Vec::new();
    for api in apis {
        let (host, port) = api
            .strip_prefix("http://")
            .and_then(|a| a.rsplit_once(':'))
            .ok_or_else(|| format!("{api} is not an http://host:port origin"))?;
        servers.push(format!("{{\"{host}\", \"{port}\"}}"));
    }
    let mut script = format!(
        r#"local servers = {{{}}}
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
  local server = servers[(threads - 1) % #servers + 1]
  thread.addr = wrk.lookup(server[1], server[2])[1]
end
wrk.headers["Accept"] = "application/json"
"#,
        servers.join(", ")
    );
    if let Some(token) = token {
        writeln!(
            script,
            "wrk.headers[\"Authorization\"] = \"Bearer {token}\""
        )
        .unwrap();
    }
    match scenario.body {
        None => {
            writeln!(
                script,
                "wrk.method = \"{}\"\nwrk.path = \"{}\"",
                scenario.method, scenario.path
            )
            .unwrap();
        }
        Some(body) => {
            let body = body.replace('\\', "\\\\").replace('"', "\\\"");
            write!(
                script,
                r#"
local run = 0
function init(args)
  run = tonumber(args[1])
end
-- wrk.format takes these instead of wrk.headers, not on top of them.
local headers = {{}}
for name, value in pairs(wrk.headers) do
  headers[name] = value
end
headers["Content-Type"] = "application/json"
headers["If-Match"] = "*"
local counter = 0
function request()
  counter = counter + 1
  headers["Idempotency-Key"] = string.format("%08x-%04x-4%03x-8000-%012x", id, {n}, run, counter)
  return wrk.format("{method}", "{path}", headers, "{body}")
end
"#,
                method = scenario.method,
                path = scenario.path,
            )
            .unwrap();
        }
    }
    script.push_str(
        r#"
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "CADENCE requests=%d duration_us=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d status_errors=%d socket_errors=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.status, e.connect + e.read + e.write + e.timeout))
end
"#,
    );
    Ok(script)
}

/// One wrk run; `run` numbers the runs of a scenario, so their Idempotency-Keys differ.
fn wrk(api: &str, scenario: &Scenario, script: &Path, duration: &str, run: u32) -> Result<Figures> {
    let connections = scenario.connections.to_string();
    let output = Command::new(WRK)
        .args([
            "--threads",
            THREADS,
            "--connections",
            &connections,
            "--timeout",
            "5s",
        ])
        .args(["--duration", duration, "--latency", "--script"])
        .arg(script)
        .arg(format!("{api}{}", scenario.path))
        .args(["--", &run.to_string()])
        .output()
        .map_err(|e| format!("could not run {WRK}: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if run > 0 {
        eprint!("{stdout}");
    }
    if !output.status.success() {
        return Err(format!(
            "wrk failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("CADENCE "))
        .ok_or("wrk printed no CADENCE summary line")?;
    let field = |name: &str| -> Result<u64> {
        line.split_whitespace()
            .find_map(|w| w.strip_prefix(&format!("{name}=")))
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("no {name} in {line:?}"))
    };
    let (status_errors, socket_errors) = (field("status_errors")?, field("socket_errors")?);
    if status_errors + socket_errors > 0 {
        return Err(format!(
            "{}: {status_errors} error statuses and {socket_errors} socket errors; the figures would not mean anything",
            scenario.name
        ));
    }
    let ms = |name: &str| field(name).map(|us| us as f64 / 1000.0);
    Ok(Figures {
        requests: field("requests")?,
        seconds: field("duration_us")? as f64 / 1e6,
        p50_ms: ms("p50_us")?,
        p90_ms: ms("p90_us")?,
        p99_ms: ms("p99_us")?,
        max_ms: ms("max_us")?,
    })
}

/// How many subscriptions `GET /api/v1/me` lists.
fn subscription_count(api: &str, token: &str) -> Result<u64> {
    get_json(api, "/api/v1/me", token)?["subscriptions"]
        .as_array()
        .map(|s| s.len() as u64)
        .ok_or_else(|| "GET /api/v1/me has no subscriptions list".into())
}

fn table(scenarios: &[Scenario], runs: &[Run], postgres: &str) -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let commit = read(Command::new("git").args(["rev-parse", "--short", "HEAD"]))
        .unwrap_or_else(|| "unknown".into());
    let mut out = String::new();
    writeln!(
        out,
        "cadence-server (release) on 127.0.0.1, {cores} cores, commit {commit}; wrk {THREADS} threads, \
         {DURATION} per scenario after a 1 s warm-up; a fresh database per run\n\
         sqlite: WAL, synchronous=FULL, file on disk\n\
         postgres: {postgres}, on the same machine; ×2: two server processes on one database, \
         each wrk thread (half the connections) on one\n"
    )
    .unwrap();
    writeln!(
        out,
        "{:<36} {:>5}  {:<12} {:>9} {:>10} {:>8} {:>8} {:>8} {:>8}",
        "scenario",
        "conns",
        "database",
        "requests",
        "req/s",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "max ms"
    )
    .unwrap();
    for (n, scenario) in scenarios.iter().enumerate() {
        for (r, run) in runs.iter().enumerate() {
            let f = &run.figures[n];
            let (name, conns) = if r == 0 {
                (scenario.name, scenario.connections.to_string())
            } else {
                ("", String::new())
            };
            writeln!(
                out,
                "{:<36} {:>5}  {:<12} {:>9} {:>10.0} {:>8.2} {:>8.2} {:>8.2} {:>8.2}",
                name,
                conns,
                run.label,
                f.requests,
                f.requests as f64 / f.seconds,
                f.p50_ms,
                f.p90_ms,
                f.p99_ms,
                f.max_ms
            )
            .unwrap();
        }
    }
    let stored: Vec<String> = runs
        .iter()
        .map(|run| format!("{} {}", run.label, run.stored))
        .collect();
    writeln!(
        out,
        "\nAll answers were 2xx; every mutation had its own Idempotency-Key and committed its own \
         transaction (subscriptions read back after the subscribe run: {}).",
        stored.join(", ")
    )
    .unwrap();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_two_servers_each_wrk_thread_gets_one() {
        let scenarios = scenarios();
        let change = &scenarios[4];
        let script = lua(
            change,
            Some("token"),
            4,
            &["http://127.0.0.1:8001", "http://127.0.0.1:8002"],
        )
        .unwrap();
        assert!(
            script.starts_with(r#"local servers = {{"127.0.0.1", "8001"}, {"127.0.0.1", "8002"}}"#),
            "{script}"
        );
        // One `setup`: the thread numbering that the Idempotency-Keys use too.
        assert_eq!(
            script.matches("function setup(thread)").count(),
            1,
            "{script}"
        );
        assert!(script.contains("thread.addr = wrk.lookup(server[1], server[2])[1]"));
        assert!(lua(change, None, 4, &["127.0.0.1:8001"]).is_err());
    }
}
