//! `tidy`: the repository's rules that a test can check (rust-analyzer keeps the same kind
//! of file). Each rule is written once here instead of being kept by discipline; they run
//! as part of `cargo test --workspace`, so `cargo xtask test` and CI fail when one breaks.

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::{Path, PathBuf};

    fn root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("xtask sits in the repository root")
            .to_path_buf()
    }

    /// Every file under `dir` (relative to the root) whose name ends with `suffix`,
    /// skipping build output, dependencies and the git directory.
    fn files(dir: &str, suffix: &str) -> Vec<PathBuf> {
        fn walk(dir: &Path, suffix: &str, out: &mut Vec<PathBuf>) {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                let name = entry.file_name();
                let name = name.to_string_lossy();
                if path.is_dir() {
                    if !matches!(name.as_ref(), "target" | "node_modules" | "dist" | ".git") {
                        walk(&path, suffix, out);
                    }
                } else if name.ends_with(suffix) {
                    out.push(path);
                }
            }
        }
        let mut out = Vec::new();
        walk(&root().join(dir), suffix, &mut out);
        out.sort();
        out
    }

    fn read(path: &Path) -> String {
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    fn shown(path: &Path) -> String {
        path.strip_prefix(root())
            .unwrap_or(path)
            .display()
            .to_string()
    }

    #[test]
    fn every_rust_file_says_what_it_is_for_on_its_first_line() {
        let missing: Vec<String> = files(".", ".rs")
            .into_iter()
            .filter(|p| !read(p).starts_with("//!"))
            .map(|p| shown(&p))
            .collect();
        assert!(
            missing.is_empty(),
            "these files do not open with a `//!` line saying what they are for: {missing:#?}"
        );
    }

    #[test]
    fn every_migration_says_what_it_is_for() {
        let migrations = files("crates/server/migrations", ".sql");
        assert!(!migrations.is_empty());
        for path in migrations {
            assert!(
                read(&path).starts_with("--"),
                "{} does not open with a `--` comment",
                shown(&path)
            );
        }
    }

    #[test]
    fn no_test_is_ignored() {
        // Built from parts so this file does not match itself.
        let attribute = ["#[", "ignore"].concat();
        let ignored: Vec<String> = files(".", ".rs")
            .into_iter()
            .filter(|p| read(p).contains(&attribute))
            .map(|p| shown(&p))
            .collect();
        assert!(
            ignored.is_empty(),
            "an ignored test is a test that cannot fail; fix or delete it: {ignored:#?}"
        );
        for path in files("tests/e2e", ".mjs") {
            let text = read(&path);
            for skip in [
                "test.skip(",
                "it.skip(",
                "{ skip: true",
                "{ todo: true",
                ".only(",
            ] {
                assert!(
                    !text.contains(skip),
                    "{} skips or narrows tests ({skip})",
                    shown(&path)
                );
            }
        }
    }

    #[test]
    fn unit_tests_live_at_the_bottom_of_the_file_they_test() {
        // One convention: an inline `#[cfg(test)] mod tests { … }` in the file under test
        // (integration tests live in a crate's `tests/`, which this does not look at).
        for dir in [
            "src",
            "crates/contract/src",
            "crates/server/src",
            "xtask/src",
        ] {
            for path in files(dir, ".rs") {
                let name = path.file_name().unwrap_or_default().to_string_lossy();
                assert!(
                    !name.ends_with("tests.rs"),
                    "{}: put these tests in a `mod tests` at the bottom of the file they test",
                    shown(&path)
                );
                assert!(
                    !read(&path).lines().any(|l| l.trim() == "mod tests;"),
                    "{}: `mod tests;` points to another file; write the module inline",
                    shown(&path)
                );
            }
        }
    }

    #[test]
    fn views_never_reach_the_api_client() {
        // Components get data through the data facade and Fetched values; only
        // src/api.rs (and its facade) touch the network. Error *types* may be named.
        for path in files("src/views", ".rs") {
            for (n, line) in read(&path).lines().enumerate() {
                let code = line.split("//").next().unwrap_or_default();
                // The client type is `Api` (a whole word); `ApiError` and the like are fine.
                let names_the_client = code
                    .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .any(|word| word == "Api");
                let reaches = code.contains("crate::api") && names_the_client;
                assert!(
                    !reaches,
                    "{}:{}: a view uses the API client directly: `{}`",
                    shown(&path),
                    n + 1,
                    line.trim()
                );
            }
        }
    }

    /// The `cadence:*` events the README documents for merchants.
    fn documented_events() -> BTreeSet<String> {
        read(&root().join("README.md"))
            .lines()
            .filter_map(|l| l.strip_prefix("| `cadence:"))
            .filter_map(|l| l.split('`').next())
            .map(str::to_owned)
            .collect()
    }

    /// The events the widget can emit: the first string literal of each `emit(` call in
    /// the widget's Rust (the event's name, without `cadence:`), `emit_error`'s, and the
    /// ones the loader dispatches itself.
    fn emitted_events() -> BTreeSet<String> {
        let mut names = BTreeSet::new();
        for path in files("src", ".rs") {
            let text = read(&path);
            if text.contains("fn emit_error") || text.contains("emit_error(") {
                names.insert("error".to_owned());
            }
            for (at, _) in text.match_indices("emit(") {
                if text[..at].ends_with("fn ") || text[..at].ends_with("_") {
                    continue;
                }
                let after = &text[at..text.len().min(at + 200)];
                let literal = after.split('"').nth(1).filter(|s| {
                    !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c == '-')
                });
                if let Some(name) = literal {
                    names.insert(name.to_owned());
                }
            }
        }
        let loader = read(&root().join("src/loader.js"));
        for (at, _) in loader.match_indices("new CustomEvent('cadence:") {
            let rest = &loader[at + "new CustomEvent('cadence:".len()..];
            if let Some(name) = rest.split('\'').next() {
                names.insert(name.to_owned());
            }
        }
        names
    }

    #[test]
    fn the_readme_documents_exactly_the_events_the_widget_emits() {
        let documented = documented_events();
        let emitted = emitted_events();
        assert!(documented.contains("add-to-cart"), "{documented:?}");
        assert_eq!(
            documented, emitted,
            "README.md's event table and the events the widget emits differ"
        );
    }

    #[test]
    fn the_demo_shop_listens_for_exactly_the_documented_events() {
        // Merchants copy the demo shop's theme script: it must listen for every event the
        // README documents and for none that does not exist.
        let script = read(&root().join("crates/server/assets/shop.js"));
        let list = script
            .split("var EVENTS = [")
            .nth(1)
            .and_then(|rest| rest.split("];").next())
            .expect("shop.js names its events in `var EVENTS = [...];`");
        let listened: BTreeSet<String> = list
            .split('\'')
            .skip(1)
            .step_by(2)
            .map(str::to_owned)
            .collect();
        assert_eq!(listened, documented_events());
    }
}
