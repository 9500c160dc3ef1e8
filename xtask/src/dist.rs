//! `cargo xtask dist`: the release widget in `dist/widget/`, its sizes, and the size budgets.
//!
//! Output files (served by the API under `/widget/`): `cadence.js` (the loader),
//! `cadence.css`, and one wasm module per view — `cadence_product.js` + `cadence_product_bg.wasm`
//! and `cadence_account.js` + `cadence_account_bg.wasm` (wasm-bindgen glue and wasm) — each
//! file with `.br` and `.gz` siblings so the server can send them precompressed.

use crate::cmd::{self, cargo};
use crate::{root, Result};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

pub(crate) const WASM_PROFILE: &str = "wasm-release";

/// One view's wasm module. Splitting by view is the widget's code splitting: the Leptos
/// runtime is in both, but a product page does not download the account view's self-service
/// code and the account page not the purchase and plan code (measured: one module with both
/// was 200.5 KB brotli; see budgets.toml for each alone).
struct WasmModule {
    /// `cadence_{name}.js` / `cadence_{name}_bg.wasm`; the loader picks it by `view`.
    name: &'static str,
    /// The widget crate's cargo feature that compiles the view in.
    feature: &'static str,
}

impl WasmModule {
    /// wasm-bindgen's `--out-name`: the glue is `{stem}.js`, the wasm `{stem}_bg.wasm`.
    fn stem(&self) -> String {
        format!("cadence_{}", self.name)
    }

    fn glue(&self) -> String {
        format!("{}.js", self.stem())
    }

    fn wasm(&self) -> String {
        format!("{}_bg.wasm", self.stem())
    }
}

const MODULES: [WasmModule; 2] = [
    WasmModule {
        name: "product",
        feature: "product-view",
    },
    WasmModule {
        name: "account",
        feature: "account-view",
    },
];

/// One shipped file and its three sizes.
pub(crate) struct Sized {
    pub name: String,
    pub raw: usize,
    pub gzip: usize,
    pub brotli: usize,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Budgets {
    brotli: BrotliBudgets,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct BrotliBudgets {
    loader: usize,
    product: usize,
    account: usize,
}

impl BrotliBudgets {
    fn for_module(&self, name: &str) -> usize {
        match name {
            "product" => self.product,
            _ => self.account,
        }
    }
}

pub(crate) fn out_dir() -> PathBuf {
    root().join("dist/widget")
}

/// Builds `dist/widget/`, prints the size table and fails when a budget is exceeded.
pub(crate) fn run() -> Result<Vec<Sized>> {
    let out = out_dir();
    // Start empty, so a renamed or dropped file is never served stale.
    if out.exists() {
        std::fs::remove_dir_all(&out).map_err(|e| format!("clean {}: {e}", out.display()))?;
    }
    std::fs::create_dir_all(&out).map_err(|e| format!("create {}: {e}", out.display()))?;
    for module in &MODULES {
        build_wasm(&out, module)?;
        // Shoppers download JavaScript as shipped: the served glue is minified (measured:
        // 7.7 → 5.7 KB brotli).
        let glue = out.join(module.glue());
        minify(&glue, &glue)?;
    }
    minify(&root().join("src/loader.js"), &out.join("cadence.js"))?;
    let css = std::fs::read_to_string(root().join("style/cadence.css"))
        .map_err(|e| format!("read css: {e}"))?;
    std::fs::write(out.join("cadence.css"), minify_css(&css))
        .map_err(|e| format!("write css: {e}"))?;
    let mut files = vec!["cadence.js".to_owned(), "cadence.css".to_owned()];
    for module in &MODULES {
        files.push(module.glue());
        files.push(module.wasm());
    }
    let sizes = files
        .into_iter()
        .map(|name| compress(&out, name))
        .collect::<Result<Vec<_>>>()?;
    report(&sizes);
    check_budgets(&sizes)?;
    Ok(sizes)
}

/// Builds one view's module: cargo (that view's feature only), wasm-bindgen, wasm-opt.
/// The two builds share every dependency; only the widget crate and LTO run twice.
fn build_wasm(out: &Path, module: &WasmModule) -> Result {
    cmd::run(cargo().args([
        "build",
        "--package",
        "cadence-widget",
        "--lib",
        "--target",
        "wasm32-unknown-unknown",
        "--profile",
        WASM_PROFILE,
        "--no-default-features",
        "--features",
        module.feature,
    ]))?;
    let built = crate::local::target_dir().join(format!(
        "wasm32-unknown-unknown/{WASM_PROFILE}/cadence_widget.wasm"
    ));
    let out_name = module.stem();
    cmd::run(
        Command::new("wasm-bindgen")
            .args([
                "--target",
                "web",
                "--no-typescript",
                "--out-name",
                &out_name,
            ])
            .arg("--out-dir")
            .arg(out)
            .arg(&built),
    )?;
    let wasm = out.join(module.wasm());
    crate::unused_exports::drop(&wasm, &WASM_FEATURES)?;
    cmd::run(
        Command::new(root().join("node_modules/.bin/wasm-opt"))
            // `--converge` repeats -Oz while it still shrinks: measured 0.8 KB brotli.
            // `--flatten --rereloop` first (restructures control flow that -Oz then
            // shrinks): 142.4 → 141.5 KB brotli for the product wasm, for ~20 s per module.
            .args(["--flatten", "--rereloop", "-Oz", "-Oz", "--converge"])
            .args(WASM_FEATURES)
            .arg(&wasm)
            .arg("-o")
            .arg(&wasm),
    )
}

/// The wasm features rustc now emits by default, which binaryen's tools must be told of
/// (the npm `binaryen` package's are recent enough to know them all).
const WASM_FEATURES: [&str; 6] = [
    "--enable-bulk-memory",
    "--enable-sign-ext",
    "--enable-nontrapping-float-to-int",
    "--enable-mutable-globals",
    "--enable-reference-types",
    "--enable-multivalue",
];

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
pub(crate) fn minify_css(css: &str) -> String {
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

fn compress(dir: &Path, name: String) -> Result<Sized> {
    let path = dir.join(&name);
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
        "\nwidget sizes (bytes)\n{:<30} {:>9} {:>9} {:>9}",
        "file", "raw", "gzip", "brotli"
    );
    for s in sizes {
        println!("{:<30} {:>9} {:>9} {:>9}", s.name, s.raw, s.gzip, s.brotli);
    }
    for module in &MODULES {
        let files = lazy_files(sizes, module);
        let sum = |f: fn(&Sized) -> usize| files.iter().map(|s| f(s)).sum::<usize>();
        println!(
            "{:<30} {:>9} {:>9} {:>9}",
            format!("{} view (lazy: wasm+glue+css)", module.name),
            sum(|s| s.raw),
            sum(|s| s.gzip),
            sum(|s| s.brotli)
        );
    }
    println!();
}

/// What a page with one view downloads after the loader: that view's wasm and glue, and
/// the stylesheet.
fn lazy_files<'a>(sizes: &'a [Sized], module: &WasmModule) -> Vec<&'a Sized> {
    let (glue, wasm) = (module.glue(), module.wasm());
    sizes
        .iter()
        .filter(|s| s.name == "cadence.css" || s.name == glue || s.name == wasm)
        .collect()
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
    let mut checks = vec![("loader", loader, budgets.brotli.loader)];
    for module in &MODULES {
        let size = lazy_files(sizes, module).iter().map(|s| s.brotli).sum();
        checks.push((module.name, size, budgets.brotli.for_module(module.name)));
    }
    let mut over = Vec::new();
    for (what, size, budget) in checks {
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
