//! Starting the real server binary: it fails closed without a JWT secret unless demo mode
//! is asked for.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn the_server_refuses_to_start_without_a_secret_unless_in_demo_mode() {
    let dir = tempfile::tempdir().unwrap();
    let run = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_cadence-server"))
            .args([
                "serve",
                "--api-addr",
                "127.0.0.1:0",
                "--widget-dir",
                "/nonexistent",
            ])
            .arg("--db")
            .arg(dir.path().join("cadence.db"))
            .args(extra)
            .env_remove("CADENCE_JWT_SECRET")
            .env_remove("CADENCE_DEMO")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let refused = run(&["--shop-addr", "127.0.0.1:0"])
        .wait_with_output()
        .unwrap();
    assert!(!refused.status.success());
    let refusal = String::from_utf8_lossy(&refused.stderr);
    assert!(
        refusal.contains("--jwt-secret") && refusal.contains("--demo"),
        "{refusal}"
    );
    // With --demo it starts (and says it is using the public secret).
    let mut demo = run(&["--demo"]);
    let mut first = String::new();
    BufReader::new(demo.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("cadence: listening api="), "{first}");
    demo.kill().unwrap();
    let stderr = demo.wait_with_output().unwrap().stderr;
    assert!(String::from_utf8_lossy(&stderr).contains("PUBLIC demo secret"));
}
