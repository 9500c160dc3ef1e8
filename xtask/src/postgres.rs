//! A throwaway PostgreSQL cluster for `cargo xtask test` and `bench-api`: Debian's server
//! binaries, a temporary directory the cluster's OS user can enter, loopback only, stopped
//! and removed when dropped (also when a test fails).
//!
//! PostgreSQL refuses to run as root: when xtask runs as root (as CI does), `initdb` and
//! `pg_ctl` run as Debian's `postgres` user through `runuser`; otherwise as the current
//! user. Every setting lives in the cluster's `postgresql.conf`, so a test that stops the
//! cluster (to test an outage) restarts it with a plain `pg_ctl -D <data> -w start`.

use crate::cmd::read;
use crate::local::{apt_install, is_root};
use crate::Result;
use std::io::Write as _;
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// Where Debian installs each major version's server binaries (`<major>/bin/initdb`).
const DEBIAN_LIB: &str = "/usr/lib/postgresql";
/// The OS user Debian's package creates; the cluster runs as it when xtask runs as root.
const OS_USER: &str = "postgres";
/// The cluster's superuser (`initdb -U`); trust authentication, on 127.0.0.1 only.
pub(crate) const SUPERUSER: &str = "cadence";
/// Temporary directories are named `<PREFIX><xtask's pid>-<n>`.
const PREFIX: &str = "cadence-pg-";

/// The environment variables `cargo xtask test` gives the cargo test processes.
pub(crate) const ENV_URL: &str = "CADENCE_TEST_PG_URL";
pub(crate) const ENV_DATA: &str = "CADENCE_TEST_PG_DATA";
pub(crate) const ENV_BIN: &str = "CADENCE_TEST_PG_BIN";
pub(crate) const ENV_USER: &str = "CADENCE_TEST_PG_USER";

/// `cargo xtask setup`: Debian's PostgreSQL server, when no `initdb` is installed.
pub(crate) fn install() -> Result {
    if bin_dir().is_some() {
        return Ok(());
    }
    apt_install(
        &["postgresql"],
        "the PostgreSQL tests (a throwaway cluster)",
    )?;
    bin_dir().map(|_| ()).ok_or_else(|| {
        format!("no {DEBIAN_LIB}/<version>/bin/initdb after installing Debian's postgresql")
    })
}

/// The newest `/usr/lib/postgresql/<major>/bin` holding `initdb` and `pg_ctl`. Debian's
/// binaries, not whatever `pg_ctl` is first on the PATH (a wrapper may be).
pub(crate) fn bin_dir() -> Option<PathBuf> {
    std::fs::read_dir(DEBIAN_LIB)
        .ok()?
        .flatten()
        .filter_map(|entry| {
            let major: u32 = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            (bin.join("initdb").exists() && bin.join("pg_ctl").exists()).then_some((major, bin))
        })
        .max_by_key(|(major, _)| *major)
        .map(|(_, bin)| bin)
}

/// What the cluster is for, which decides how much durability it keeps.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// Tests: nothing is worth keeping after a crash, so no fsync, no full-page writes and
    /// no waiting for the WAL flush at commit.
    Test,
    /// Benchmarks of durable mutations: PostgreSQL's defaults (fsync, synchronous commit,
    /// full-page writes), so the figures compare with SQLite's `synchronous=FULL`.
    Benchmark,
}

/// A running cluster in its own temporary directory:
/// `<dir>/data` (the data directory) and `<dir>/run` (the unix socket and `server.log`),
/// both owned by the OS user the cluster runs as.
pub(crate) struct Cluster {
    dir: PathBuf,
    data: PathBuf,
    run: PathBuf,
    bin: PathBuf,
    /// The OS user `initdb` and `pg_ctl` run as through `runuser`; None: the current user.
    os_user: Option<String>,
    port: u16,
}

impl Cluster {
    /// A test cluster (`Purpose::Test`), accepting connections.
    pub(crate) fn start() -> Result<Cluster> {
        Cluster::start_for(Purpose::Test)
    }

    /// `initdb` in a new temporary directory, then `pg_ctl start` on a free loopback port;
    /// returns once the server accepts connections.
    pub(crate) fn start_for(purpose: Purpose) -> Result<Cluster> {
        let bin = bin_dir().ok_or_else(|| {
            format!("no PostgreSQL server in {DEBIAN_LIB}/<version>/bin: run `cargo xtask setup`")
        })?;
        let os_user = is_root().then(|| OS_USER.to_owned());
        // The cluster's user must reach the directory: under /tmp when it is another user
        // (root's TMPDIR, like the repository, may be closed to it).
        let base = if os_user.is_some() {
            PathBuf::from("/tmp")
        } else {
            std::env::temp_dir()
        };
        sweep_leftovers(&base, &bin, os_user.as_deref());
        let dir = new_dir(&base)?;
        // From here on, dropping `cluster` stops what was started and removes `dir`.
        let cluster = Cluster {
            data: dir.join("data"),
            run: dir.join("run"),
            dir,
            bin,
            os_user,
            port: 0,
        };
        cluster.start_in_dir(purpose)
    }

    fn start_in_dir(mut self, purpose: Purpose) -> Result<Cluster> {
        for (path, mode) in [(&self.data, 0o700), (&self.run, 0o755)] {
            std::fs::create_dir(path).map_err(|e| format!("{}: {e}", path.display()))?;
            set_mode(path, mode)?;
            if let Some(user) = &self.os_user {
                chown(path, user)?;
            }
        }
        self.pg("initdb")
            .arg("-D")
            .arg(&self.data)
            .args(["-U", SUPERUSER, "-A", "trust", "-E", "UTF8", "--locale=C"])
            .args(["--no-sync", "--no-instructions"])
            .output()
            .map_err(|e| format!("could not run initdb: {e}"))
            .and_then(|out| check("initdb", &out, ""))?;
        let started = Instant::now();
        // The free port is found by binding port 0 and releasing it, so another process may
        // take it before the server binds it: then try again on another one.
        for attempt in 1.. {
            self.port = free_port()?;
            self.write_settings(purpose)?;
            match self.pg_ctl_start() {
                Ok(()) => break,
                Err(e) if attempt < 3 && self.log_tail().contains("could not bind") => {
                    eprintln!(
                        "postgres: port {} was taken, trying another: {e}",
                        self.port
                    );
                }
                Err(e) => return Err(e),
            }
        }
        self.wait_until_ready(Duration::from_secs(30))?;
        eprintln!(
            "postgres: {} up on 127.0.0.1:{} in {:.1?} (data {}, as {})",
            self.version(),
            self.port,
            started.elapsed(),
            self.data.display(),
            self.os_user.as_deref().unwrap_or("the current user")
        );
        Ok(self)
    }

    /// Appends the cluster's settings to its `postgresql.conf` (a later line wins, so a
    /// retry on another port appends again).
    fn write_settings(&self, purpose: Purpose) -> Result {
        let conf = self.data.join("postgresql.conf");
        let mut settings = format!(
            "\n# cargo xtask (xtask/src/postgres.rs): a throwaway cluster.\n\
             listen_addresses = '127.0.0.1'\n\
             port = {}\n\
             unix_socket_directories = '{}'\n\
             max_connections = 300\n\
             shared_buffers = 128MB\n",
            self.port,
            self.run.display()
        );
        if purpose == Purpose::Test {
            settings.push_str("fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n");
        }
        std::fs::OpenOptions::new()
            .append(true)
            .open(&conf)
            .and_then(|mut file| file.write_all(settings.as_bytes()))
            .map_err(|e| format!("{}: {e}", conf.display()))
    }

    fn pg_ctl_start(&self) -> Result {
        let out = self
            .pg("pg_ctl")
            .arg("-D")
            .arg(&self.data)
            .arg("-l")
            .arg(self.log())
            .args(["-w", "-t", "60", "start"])
            .output()
            .map_err(|e| format!("could not run pg_ctl: {e}"))?;
        check("pg_ctl start", &out, &self.log_tail())
    }

    /// Polls `pg_isready` over TCP (what the tests use) until it answers or `timeout` passes.
    fn wait_until_ready(&self, timeout: Duration) -> Result {
        let deadline = Instant::now() + timeout;
        let port = self.port.to_string();
        loop {
            let ready = Command::new(self.bin.join("pg_isready"))
                .args(["-h", "127.0.0.1", "-p", &port, "-U", SUPERUSER])
                .args(["-d", "postgres", "-t", "2", "-q"])
                .status()
                .is_ok_and(|s| s.success());
            if ready {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "PostgreSQL on 127.0.0.1:{port} did not accept connections within {timeout:?}; \
                     the end of its log ({}):\n{}",
                    self.log().display(),
                    self.log_tail()
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// `postgres://cadence@127.0.0.1:<port>/<database>`.
    pub(crate) fn url(&self, database: &str) -> String {
        format!("postgres://{SUPERUSER}@127.0.0.1:{}/{database}", self.port)
    }

    /// `CREATE DATABASE <name>` (a plain lowercase identifier); returns its URL.
    pub(crate) fn create_database(&self, name: &str) -> Result<String> {
        if !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(format!("{name:?} is not a plain database name"));
        }
        let out = Command::new(self.bin.join("psql"))
            .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d"])
            .arg(self.url("postgres"))
            .arg("-c")
            .arg(format!("CREATE DATABASE {name}"))
            .output()
            .map_err(|e| format!("could not run psql: {e}"))?;
        check(&format!("CREATE DATABASE {name}"), &out, "")?;
        Ok(self.url(name))
    }

    /// What the tests need to reach the cluster and to stop and restart it themselves:
    /// `CADENCE_TEST_PG_URL` (the `postgres` database), `…_DATA` (the data directory),
    /// `…_BIN` (the directory holding `pg_ctl`) and `…_USER` (the OS user to run `pg_ctl`
    /// as with `runuser -u <user> --`; empty: the current user).
    pub(crate) fn env(&self) -> [(&'static str, String); 4] {
        [
            (ENV_URL, self.url("postgres")),
            (ENV_DATA, self.data.display().to_string()),
            (ENV_BIN, self.bin.display().to_string()),
            (ENV_USER, self.os_user.clone().unwrap_or_default()),
        ]
    }

    /// The server's version line, e.g. `postgres (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)`.
    pub(crate) fn version(&self) -> String {
        read(Command::new(self.bin.join("postgres")).arg("--version"))
            .unwrap_or_else(|| "PostgreSQL".into())
    }

    /// The directory the data directory is in, for saying where the cluster lives.
    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// Stops the server and removes its directory, saying what failed.
    pub(crate) fn stop(mut self) -> Result {
        self.shut_down()
    }

    fn shut_down(&mut self) -> Result {
        if !self.dir.exists() {
            return Ok(());
        }
        stop_server(&self.bin, &self.data, self.os_user.as_deref())?;
        std::fs::remove_dir_all(&self.dir).map_err(|e| format!("{}: {e}", self.dir.display()))
    }

    /// A command running one of the cluster's binaries as its OS user.
    fn pg(&self, program: &str) -> Command {
        as_user(&self.bin, program, self.os_user.as_deref(), &self.dir)
    }

    fn log(&self) -> PathBuf {
        self.run.join("server.log")
    }

    /// The last lines of the server's log, for error messages.
    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.log()).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if let Err(e) = self.shut_down() {
            eprintln!("postgres: {e}");
        }
    }
}

/// `bin/<program>`, through `runuser -u <user> --` when `user` is given, run from `cwd` (the
/// caller's directory may be closed to that user).
fn as_user(bin: &Path, program: &str, user: Option<&str>, cwd: &Path) -> Command {
    let mut cmd = match user {
        Some(user) => {
            let mut runuser = Command::new("runuser");
            runuser.args(["-u", user, "--"]).arg(bin.join(program));
            runuser
        }
        None => Command::new(bin.join(program)),
    };
    cmd.current_dir(cwd);
    cmd
}

/// `pg_ctl stop -m immediate`, when the data directory has a running server.
fn stop_server(bin: &Path, data: &Path, user: Option<&str>) -> Result {
    if !data.join("postmaster.pid").exists() {
        return Ok(());
    }
    let out = as_user(bin, "pg_ctl", user, data.parent().unwrap_or(data))
        .arg("-D")
        .arg(data)
        .args(["-m", "immediate", "-w", "stop"])
        .output()
        .map_err(|e| format!("could not run pg_ctl: {e}"))?;
    // A postmaster.pid left by a server that is gone already is no failure.
    if out.status.success() || !data.join("postmaster.pid").exists() {
        Ok(())
    } else {
        check("pg_ctl stop", &out, "")
    }
}

/// Clusters left behind by an xtask that is gone (killed, or interrupted with Ctrl-C: the
/// server runs in its own session and outlives it): stopped and removed. Those of an xtask
/// still running are left alone.
fn sweep_leftovers(base: &Path, bin: &Path, user: Option<&str>) {
    let Ok(entries) = std::fs::read_dir(base) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(PREFIX))
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if Path::new(&format!("/proc/{pid}")).exists() {
            continue;
        }
        let dir = entry.path();
        eprintln!(
            "postgres: removing the cluster a stopped xtask left in {}",
            dir.display()
        );
        if let Err(e) = stop_server(bin, &dir.join("data"), user) {
            eprintln!("postgres: {e}");
            continue;
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// A new directory `<base>/cadence-pg-<pid>-<n>`, mode 0755 so the cluster's user can enter.
fn new_dir(base: &Path) -> Result<PathBuf> {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    loop {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = base.join(format!("{PREFIX}{}-{n}", std::process::id()));
        match std::fs::create_dir(&dir) {
            Ok(()) => {
                set_mode(&dir, 0o755)?;
                return Ok(dir);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(format!("{}: {e}", dir.display())),
        }
    }
}

fn set_mode(path: &Path, mode: u32) -> Result {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|e| format!("chmod {mode:o} {}: {e}", path.display()))
}

fn chown(path: &Path, user: &str) -> Result {
    let id = |flag: &str| -> Result<u32> {
        read(Command::new("id").args([flag, user]))
            .and_then(|id| id.parse().ok())
            .ok_or_else(|| {
                format!("no OS user {user:?} to run PostgreSQL as (Debian's postgresql package creates it)")
            })
    };
    std::os::unix::fs::chown(path, Some(id("-u")?), Some(id("-g")?))
        .map_err(|e| format!("chown {user} {}: {e}", path.display()))
}

/// A loopback port nobody listens on right now.
fn free_port() -> Result<u16> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .map_err(|e| format!("no free port on 127.0.0.1: {e}"))
}

/// Ok when `out` is a success, else an error with its output and `more` (a log tail).
fn check(what: &str, out: &Output, more: &str) -> Result {
    if out.status.success() {
        return Ok(());
    }
    let mut message = format!("{what} failed ({})", out.status);
    for text in [&out.stdout[..], &out.stderr[..], more.as_bytes()] {
        let text = String::from_utf8_lossy(text);
        if !text.trim().is_empty() {
            message.push('\n');
            message.push_str(text.trim_end());
        }
    }
    Err(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A real cluster: started, reachable, a database created, stopped and removed.
    #[test]
    fn a_cluster_starts_answers_and_leaves_nothing_behind() {
        assert!(
            bin_dir().is_some(),
            "no PostgreSQL server in {DEBIAN_LIB}: `cargo xtask setup` installs it"
        );
        let cluster = Cluster::start().expect("the cluster starts");
        let dir = cluster.dir().to_path_buf();
        let env = cluster.env();
        assert_eq!(env[0].1, cluster.url("postgres"));
        assert!(Path::new(&env[1].1).join("PG_VERSION").exists());
        assert!(Path::new(&env[2].1).join("pg_ctl").exists());
        let url = cluster
            .create_database("xtask_check")
            .expect("CREATE DATABASE");
        assert!(url.ends_with("/xtask_check"), "{url}");
        // What an outage test does with the environment alone: stop, then restart with a
        // plain `pg_ctl start`; the server comes back on the same port.
        let [_, (_, data), (_, bin), (_, user)] = env;
        let pg_ctl = |action: &str| {
            let user = Some(user.as_str()).filter(|u| !u.is_empty());
            let out = as_user(Path::new(&bin), "pg_ctl", user, &dir)
                .args(["-D", &data, "-w", "-m", "fast", "-l"])
                .arg(cluster.log())
                .arg(action)
                .output()
                .unwrap();
            check(&format!("pg_ctl {action}"), &out, "").unwrap();
        };
        pg_ctl("stop");
        assert!(cluster.wait_until_ready(Duration::ZERO).is_err());
        pg_ctl("start");
        cluster
            .wait_until_ready(Duration::from_secs(10))
            .expect("back after a restart");
        cluster.stop().expect("the cluster stops");
        assert!(!dir.exists(), "{} is left behind", dir.display());
    }
}
