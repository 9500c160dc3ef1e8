//! Starting the real server binary: it fails closed without a JWT secret unless demo mode
//! is asked for.

use crate::server_process;
use std::process::Stdio;

#[test]
fn the_server_refuses_to_start_without_a_secret_unless_in_demo_mode() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cadence.db");
    let run = |extra: &[&str]| {
        server_process::serve(&db)
            .args(extra)
            .env_remove("CADENCE_JWT_SECRET")
            .env_remove("CADENCE_DEMO")
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
    let first = server_process::first_line(&mut demo);
    assert!(first.starts_with("cadence: listening api="), "{first}");
    demo.kill().unwrap();
    let stderr = demo.wait_with_output().unwrap().stderr;
    assert!(String::from_utf8_lossy(&stderr).contains("PUBLIC demo secret"));
}
