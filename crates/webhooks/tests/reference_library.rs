//! Our signatures, checked by the Standard Webhooks reference library (Python
//! `standardwebhooks`, pinned), not by our own code: what a merchant's receiver will run.
//!
//! The library lives in a venv under the target directory, made on first run with
//! `python3 -m venv` and pip (PyPI). If that fails the test fails, saying why: a skipped
//! check would look like a passing one.

// This test is the crate's one place with IO: it runs Python and builds its venv, and the
// library checks timestamps against the real clock, so ours must be the real time too.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use cadence_webhooks::{headers, sign, EventId, Secret};
use serde_json::{json, Value};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

/// The reference library's version, exact: a new release is taken on purpose.
const STANDARDWEBHOOKS: &str = "1.1.0";

/// Reads cases from stdin, answers one result per case on stdout:
/// - `{"verify": …}`: `Webhook(secret).verify(payload, headers)`, "ok" or the error;
/// - `{"sign": …}`: the library's own signature for the same inputs.
const CHECKER: &str = r#"
import json, sys
from datetime import datetime, timezone
from standardwebhooks.webhooks import Webhook

out = []
for case in json.load(sys.stdin):
    if "verify" in case:
        c = case["verify"]
        try:
            Webhook(c["secret"]).verify(c["payload"], c["headers"])
            out.append("ok")
        except Exception as e:
            out.append(f"{type(e).__name__}: {e}")
    else:
        c = case["sign"]
        at = datetime.fromtimestamp(c["timestamp"], tz=timezone.utc)
        out.append(Webhook(c["secret"]).sign(c["id"], at, c["payload"]))
json.dump(out, sys.stdout)
"#;

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("the clock is after 1970")
        .as_secs() as i64
}

/// The venv's python, with `standardwebhooks` at the pinned version; made once per run.
fn python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| {
        ensure_venv().unwrap_or_else(|e| {
            panic!(
                "cannot run the Standard Webhooks reference library: {e}\n\
                 This test needs python3 with its venv module (Debian: apt-get install \
                 python3-venv) and pip access to PyPI for standardwebhooks=={STANDARDWEBHOOKS}."
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
/// never see a half-installed one (the venv's python finds its packages relative to
/// itself, so a renamed venv works; its pip scripts would not, and are not used).
fn ensure_venv() -> Result<PathBuf, String> {
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("standardwebhooks-venv");
    let python = venv.join("bin/python");
    if has_library(&python) {
        return Ok(python);
    }
    let building = venv.with_extension(format!("building-{}", std::process::id()));
    let built = build_venv(&building);
    // An older or broken venv in the way goes; another run's fresh one is kept.
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

fn build_venv(dir: &Path) -> Result<(), String> {
    let _ = std::fs::remove_dir_all(dir);
    run(Command::new("python3").args(["-m", "venv"]).arg(dir))
        .map_err(|e| format!("could not create a venv at {}: {e}", dir.display()))?;
    run(Command::new(dir.join("bin/python")).args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        &format!("standardwebhooks=={STANDARDWEBHOOKS}"),
    ]))
    .map_err(|e| format!("could not install standardwebhooks=={STANDARDWEBHOOKS}: {e}"))
}

/// Runs the cases through the reference library; one answer per case.
fn reference(cases: &[Value]) -> Vec<String> {
    let mut child = Command::new(python())
        .args(["-c", CHECKER])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the venv's python");
    let input = serde_json::to_vec(cases).unwrap();
    child.stdin.take().unwrap().write_all(&input).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "the checker failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let answers: Vec<String> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(answers.len(), cases.len());
    answers
}

fn verify_case(secret: &Secret, payload: &str, h: &cadence_webhooks::WebhookHeaders) -> Value {
    json!({"verify": {
        "secret": secret.to_whsec(),
        "payload": payload,
        "headers": {
            "webhook-id": h.id,
            "webhook-timestamp": h.timestamp,
            "webhook-signature": h.signature,
        },
    }})
}

fn secret(seed: u8) -> Secret {
    let mut bytes = [0u8; 32];
    for (i, b) in bytes.iter_mut().enumerate() {
        *b = seed.wrapping_mul(31).wrapping_add(i as u8 * 7);
    }
    Secret::generate(bytes)
}

/// A minified envelope, non-ASCII included (the signature covers UTF-8 bytes).
const PAYLOAD: &str = concat!(
    r#"{"id":"evt_0f0f","type":"subscription.updated","timestamp":"2026-11-23T09:41:00Z","#,
    r#""sequence":3,"data":{"subscription_id":"sub_1","change":"skip","note":"Grüße, 日本 ✓"}}"#
);

#[test]
fn the_reference_library_accepts_our_signatures() {
    let (current, old) = (secret(1), secret(2));
    let id = EventId::from_random([0x5a; 16]);
    let t = now();
    let one = headers(id.as_str(), t, PAYLOAD.as_bytes(), &[&current]).unwrap();
    // During a rotation both signatures go out: a receiver with either secret accepts.
    let both = headers(id.as_str(), t, PAYLOAD.as_bytes(), &[&current, &old]).unwrap();
    // The largest secret allowed, 64 bytes.
    let big = Secret::from_bytes(&[0xc3; 64]).unwrap();
    let big_h = headers("evt_big", t, PAYLOAD.as_bytes(), &[&big]).unwrap();

    let cases = [
        verify_case(&current, PAYLOAD, &one),
        verify_case(&current, PAYLOAD, &both),
        verify_case(&old, PAYLOAD, &both),
        verify_case(&big, PAYLOAD, &big_h),
    ];
    assert_eq!(reference(&cases), ["ok"; 4]);
}

#[test]
fn the_reference_library_refuses_what_it_must() {
    let (current, old, stranger) = (secret(1), secret(2), secret(3));
    let t = now();
    let both = headers("evt_1", t, PAYLOAD.as_bytes(), &[&current, &old]).unwrap();
    let tampered = PAYLOAD.replace("\"sequence\":3", "\"sequence\":4");
    let other_id = cadence_webhooks::WebhookHeaders {
        id: "evt_2".into(),
        ..both.clone()
    };
    let stale = headers("evt_1", t - 600, PAYLOAD.as_bytes(), &[&current]).unwrap();
    let future = headers("evt_1", t + 600, PAYLOAD.as_bytes(), &[&current]).unwrap();

    let answers = reference(&[
        verify_case(&current, &tampered, &both),
        verify_case(&stranger, PAYLOAD, &both),
        verify_case(&current, PAYLOAD, &other_id),
        verify_case(&current, PAYLOAD, &stale),
        verify_case(&current, PAYLOAD, &future),
    ]);
    let expected = [
        "No matching signature found",
        "No matching signature found",
        "No matching signature found",
        "Message timestamp too old",
        "Message timestamp too new",
    ];
    for (answer, want) in answers.iter().zip(expected) {
        assert_eq!(answer, &format!("WebhookVerificationError: {want}"));
    }
}

/// Byte for byte: for varied secrets, ids, times and bodies (empty, unicode, spaces),
/// the library's own `sign` gives exactly our signature.
#[test]
fn our_signatures_equal_the_reference_librarys() {
    let bodies = ["", "{}", PAYLOAD, "{\n  \"a\": 1\n}", "plain text ✓"];
    let mut cases = Vec::new();
    let mut ours = Vec::new();
    for (i, body) in bodies.iter().enumerate() {
        let s = secret(i as u8 + 10);
        let id = format!("evt_{i}");
        let t = 1_614_265_330 + i as i64 * 86_400;
        cases.push(
            json!({"sign": {"secret": s.to_whsec(), "id": id, "timestamp": t, "payload": body}}),
        );
        ours.push(sign(&s, &id, t, body.as_bytes()));
    }
    // The secret as the library reads it when pasted without its padding.
    let s = secret(99);
    let unpadded = s.to_whsec().trim_end_matches('=').to_owned();
    cases
        .push(json!({"sign": {"secret": unpadded, "id": "evt_x", "timestamp": 1, "payload": "x"}}));
    ours.push(sign(&s, "evt_x", 1, b"x"));
    assert_eq!(reference(&cases), ours);
}
