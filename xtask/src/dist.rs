//! `cargo xtask dist`: the release widget in `dist/widget/`, its sizes, and the size budgets.
//!
//! Output files (served by the API under `/widget/`):
//! `cadence.js` (the loader), `cadence_widget.js` (wasm-bindgen glue),
//! `cadence_widget_bg.wasm`, `cadence.css`, each with `.br` and `.gz` siblings so the
//! server can send them precompressed.

use crate::cmd::{self, cargo};
use crate::{root, Result};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

pub const WASM_PROFILE: &str = "wasm-release";

/// One shipped file and its three sizes.
pub struct Sized {
    pub name: &'static str,
    pub raw: usize,
    pub gzip: usize,
    pub brotli: usize,
}

#[derive(serde::Deserialize)]
struct Budgets {
    brotli: BrotliBudgets,
}

#[derive(serde::Deserialize)]
struct BrotliBudgets {
    loader: usize,
    widget: usize,
}

pub fn out_dir() -> PathBuf {
    root().join("dist/widget")
}

/// Builds `dist/widget/`, prints the size table and fails when a budget is exceeded.
pub fn run() -> Result<Vec<Sized>> {
    let out = out_dir();
    build_wasm(&out)?;
    // Shoppers download JavaScript as shipped: the readable sources stay in the tree, the
    // served copies are minified (measured: glue 7.7 → 5.7 KB brotli).
    minify(&root().join("src/loader.js"), &out.join("cadence.js"))?;
    let glue = out.join("cadence_widget.js");
    minify(&glue, &glue)?;
    let css = std::fs::read_to_string(root().join("style/cadence.css"))
        .map_err(|e| format!("read css: {e}"))?;
    std::fs::write(out.join("cadence.css"), minify_css(&css))
        .map_err(|e| format!("write css: {e}"))?;
    let files = [
        "cadence.js",
        "cadence_widget.js",
        "cadence_widget_bg.wasm",
        "cadence.css",
    ];
    let sizes = files
        .iter()
        .map(|name| compress(&out, name))
        .collect::<Result<Vec<_>>>()?;
    report(&sizes);
    check_budgets(&sizes)?;
    Ok(sizes)
}

fn build_wasm(out: &Path) -> Result {
    cmd::run(cargo().args([
        "build",
        "--package",
        "cadence-widget",
        "--lib",
        "--target",
        "wasm32-unknown-unknown",
        "--profile",
        WASM_PROFILE,
    ]))?;
    let built = crate::local::target_dir().join(format!(
        "wasm32-unknown-unknown/{WASM_PROFILE}/cadence_widget.wasm"
    ));
    std::fs::create_dir_all(out).map_err(|e| format!("create {}: {e}", out.display()))?;
    cmd::run(
        Command::new("wasm-bindgen")
            .arg("--target")
            .arg("web")
            .arg("--no-typescript")
            .arg("--out-dir")
            .arg(out)
            .arg(&built),
    )?;
    let wasm = out.join("cadence_widget_bg.wasm");
    // The npm `binaryen` package's wasm-opt understands the features rustc now emits by
    // default (bulk memory, sign-ext, nontrapping float-to-int, multivalue, reference types).
    cmd::run(
        Command::new(root().join("node_modules/.bin/wasm-opt"))
            // `--converge` repeats -Oz while it still shrinks: measured 0.8 KB brotli.
            .args([
                "-Oz",
                "--converge",
                "--enable-bulk-memory",
                "--enable-sign-ext",
                "--enable-nontrapping-float-to-int",
            ])
            .args([
                "--enable-mutable-globals",
                "--enable-reference-types",
                "--enable-multivalue",
            ])
            .arg(&wasm)
            .arg("-o")
            .arg(&wasm),
    )
}

/// terser (npm, pinned in package.json) as an ES module: exports and `import.meta.url`
/// are kept, everything else is compressed and mangled.
fn minify(from: &Path, to: &Path) -> Result {
    cmd::run(
        Command::new(root().join("node_modules/.bin/terser"))
            .arg(from)
            .args(["--module", "--compress", "--mangle", "--output"])
            .arg(to),
    )
}

/// Drops comments and the whitespace CSS does not need (around `{`, `}`, `;`, `,` and
/// runs of it elsewhere): measured 2.3 → 1.9 KB brotli. Spaces that carry meaning stay
/// (descendant selectors, `calc(a + b)`, value lists); the stylesheet has no strings
/// with braces or semicolons in them, which this would not respect.
pub fn minify_css(css: &str) -> String {
    let mut out = String::with_capacity(css.len());
    let mut rest = css;
    let mut pending_space = false;
    while let Some(c) = rest.chars().next() {
        if rest.starts_with("/*") {
            rest = rest.find("*/").map_or("", |end| &rest[end + 2..]);
            continue;
        }
        rest = &rest[c.len_utf8()..];
        if c.is_whitespace() {
            pending_space = true;
            continue;
        }
        let tight = |ch: char| matches!(ch, '{' | '}' | ';' | ',');
        if pending_space && !out.is_empty() && !tight(c) && !out.ends_with(tight) {
            out.push(' ');
        }
        pending_space = false;
        if c == '}' && out.ends_with(';') {
            out.pop();
        }
        out.push(c);
    }
    out
}

fn compress(dir: &Path, name: &'static str) -> Result<Sized> {
    let path = dir.join(name);
    let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&bytes).map_err(|e| e.to_string())?;
    let gz = gz.finish().map_err(|e| e.to_string())?;
    let mut br = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &bytes[..], &mut br, &params).map_err(|e| e.to_string())?;
    let write = |ext: &str, data: &[u8]| {
        std::fs::write(dir.join(format!("{name}.{ext}")), data)
            .map_err(|e| format!("write {name}.{ext}: {e}"))
    };
    write("gz", &gz)?;
    write("br", &br)?;
    Ok(Sized {
        name,
        raw: bytes.len(),
        gzip: gz.len(),
        brotli: br.len(),
    })
}

fn report(sizes: &[Sized]) {
    println!(
        "\nwidget sizes (bytes)\n{:<26} {:>9} {:>9} {:>9}",
        "file", "raw", "gzip", "brotli"
    );
    for s in sizes {
        println!("{:<26} {:>9} {:>9} {:>9}", s.name, s.raw, s.gzip, s.brotli);
    }
    let lazy: Vec<&Sized> = sizes.iter().filter(|s| s.name != "cadence.js").collect();
    let sum = |f: fn(&Sized) -> usize| lazy.iter().map(|s| f(s)).sum::<usize>();
    println!(
        "{:<26} {:>9} {:>9} {:>9}\n",
        "widget (lazy, w/o loader)",
        sum(|s| s.raw),
        sum(|s| s.gzip),
        sum(|s| s.brotli)
    );
}

fn check_budgets(sizes: &[Sized]) -> Result {
    let text = std::fs::read_to_string(root().join("budgets.toml"))
        .map_err(|e| format!("budgets.toml: {e}"))?;
    let budgets: Budgets = toml::from_str(&text).map_err(|e| format!("budgets.toml: {e}"))?;
    let loader = sizes
        .iter()
        .filter(|s| s.name == "cadence.js")
        .map(|s| s.brotli)
        .sum::<usize>();
    let widget = sizes
        .iter()
        .filter(|s| s.name != "cadence.js")
        .map(|s| s.brotli)
        .sum::<usize>();
    let mut over = Vec::new();
    for (what, size, budget) in [
        ("loader", loader, budgets.brotli.loader),
        ("widget", widget, budgets.brotli.widget),
    ] {
        let verdict = if size <= budget { "ok" } else { "OVER BUDGET" };
        println!("budget {what:<7} {size:>7} / {budget:>7} bytes brotli  {verdict}");
        if size > budget {
            over.push(format!(
                "{what} is {size} bytes brotli, budget {budget} (budgets.toml)"
            ));
        }
    }
    if over.is_empty() {
        Ok(())
    } else {
        Err(over.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::minify_css;

    #[test]
    fn css_minifier_keeps_meaningful_spaces_only() {
        let css = "/* why */\n.a .b,\n.c > d {\n  margin: 0 auto;\n  width: calc(1px + 2em);\n}\n\n@media (max-width: 30em) {\n  .a { color: red; }\n}\n";
        assert_eq!(
            minify_css(css),
            ".a .b,.c > d{margin: 0 auto;width: calc(1px + 2em)}@media (max-width: 30em){.a{color: red}}"
        );
    }
}
