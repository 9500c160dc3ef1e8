//! Drops wasm exports the widget never calls, so the optimizer can drop the code behind them.
//!
//! Leptos depends on server_fn, which brings `wasm-streams`; its `#[wasm_bindgen]` stream
//! adapters (`IntoUnderlyingSource`, `…Sink`, `…ByteSource`) are exported from every wasm
//! built with Leptos, and exports are roots no optimizer removes. The widget has no server
//! functions, so nothing calls them: the glue's classes for them stay, unused. binaryen's
//! `wasm-metadce` removes exports that are not roots of the reachability graph we give it
//! (measured: 0.7 KB brotli off the product module, 1.1 KB off the account one).

use crate::cmd;
use crate::{root, Result};
use std::path::Path;
use std::process::{Command, Stdio};

/// Exports whose name contains this are the stream adapters.
const UNUSED: &str = "intounderlying";

/// Rewrites `wasm` without the unused exports. `features` are wasm-opt's `--enable-*` flags.
pub(crate) fn drop(wasm: &Path, features: &[&str]) -> Result {
    let bytes = std::fs::read(wasm).map_err(|e| format!("{}: {e}", wasm.display()))?;
    let names = export_names(&bytes)?;
    let roots: Vec<String> = names
        .iter()
        .filter(|name| !name.contains(UNUSED))
        .enumerate()
        .map(|(i, name)| format!(r#"{{"name":"export{i}","root":true,"export":"{name}"}}"#))
        .collect();
    let graph = wasm.with_extension("metadce.json");
    std::fs::write(&graph, format!("[{}]", roots.join(",")))
        .map_err(|e| format!("write {}: {e}", graph.display()))?;
    let result = cmd::run(
        Command::new(root().join("node_modules/.bin/wasm-metadce"))
            .arg(wasm)
            .arg("--graph-file")
            .arg(&graph)
            .args(features)
            .arg("-o")
            .arg(wasm)
            // It lists every unreachable graph node on stdout; errors go to stderr.
            .stdout(Stdio::null()),
    );
    let _ = std::fs::remove_file(&graph);
    result
}

/// The names in a wasm module's export section. Export names from wasm-bindgen are plain
/// identifiers; anything that would need escaping in the graph's JSON is refused.
fn export_names(wasm: &[u8]) -> Result<Vec<String>> {
    if wasm.get(..4) != Some(b"\0asm") {
        return Err("not a wasm module".into());
    }
    let mut at = 8;
    while at < wasm.len() {
        let id = wasm[at];
        at += 1;
        let size = leb128(wasm, &mut at)? as usize;
        let section = wasm
            .get(at..at + size)
            .ok_or("wasm section runs past the end")?;
        at += size;
        if id != 7 {
            continue;
        }
        let mut pos = 0;
        let count = leb128(section, &mut pos)?;
        let mut names = Vec::new();
        for _ in 0..count {
            let len = leb128(section, &mut pos)? as usize;
            let name = section
                .get(pos..pos + len)
                .and_then(|n| std::str::from_utf8(n).ok())
                .ok_or("bad export name")?;
            if name.contains(['"', '\\']) {
                return Err(format!("export name needs escaping: {name}"));
            }
            names.push(name.to_owned());
            pos += len + 1; // the name, then the export's kind byte
            leb128(section, &mut pos)?; // and its index
        }
        return Ok(names);
    }
    Ok(Vec::new())
}

fn leb128(bytes: &[u8], at: &mut usize) -> Result<u64> {
    let (mut value, mut shift) = (0u64, 0);
    loop {
        let byte = *bytes.get(*at).ok_or("truncated LEB128")?;
        *at += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
        shift += 7;
        if shift > 63 {
            return Err("LEB128 too long".into());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::export_names;

    #[test]
    fn reads_the_export_section() {
        // A module with one function type, one function and two exports of it.
        let module: Vec<u8> = [
            &b"\0asm\x01\0\0\0"[..],
            &[1, 4, 1, 0x60, 0, 0],                   // type section: () -> ()
            &[3, 2, 1, 0],                            // function section: one function of type 0
            &[7, 16, 2],                              // export section, two exports
            &[4, b'm', b'o', b'u', b'n', 0, 0],       // "moun", function 0
            &[5, b'i', b'n', b't', b'o', b'u', 0, 0], // "intou", function 0
            &[10, 4, 1, 2, 0, 0x0b],                  // code section: one empty body
        ]
        .concat();
        assert_eq!(export_names(&module).unwrap(), ["moun", "intou"]);
        assert!(export_names(b"nope").is_err());
        assert!(export_names(&module[..20]).is_err());
    }
}
