//! `cargo xtask demo`: builds the widget and the server, then runs the API and the demo
//! storefront on two loopback ports (two origins, exactly as a merchant's shop would be).

use crate::cmd::{self, cargo};
use crate::server::Server;
use crate::{dist, setup, Result};

pub(crate) fn run(args: &[String]) -> Result {
    let port: u16 = match args {
        [] => 8480,
        [flag, n] if flag == "--port" => n
            .parse()
            .map_err(|_| format!("--port takes a number, not {n:?}"))?,
        _ => return Err("usage: cargo xtask demo [--port N]".into()),
    };
    setup::for_dist()?;
    dist::run()?;
    // The demo shop is the `demo` feature (a default one, named here since the demo needs it).
    cmd::run(cargo().args([
        "build",
        "--release",
        "--package",
        "cadence-server",
        "--features",
        "demo",
    ]))?;
    let data = crate::local::target_dir().join("demo");
    std::fs::create_dir_all(&data).map_err(|e| format!("{}: {e}", data.display()))?;
    let args = [
        format!("--api-addr=127.0.0.1:{port}"),
        format!("--shop-addr=127.0.0.1:{}", port + 1),
        format!("--db={}", data.join("cadence.db").display()),
        format!("--widget-dir={}", dist::out_dir().display()),
        // The demo runs on the PUBLIC demo secret and merchant key; the server says so.
        "--demo".to_owned(),
    ];
    let server = Server::start(
        &crate::local::target_dir().join("release/cadence-server"),
        &args,
    )?;
    println!("\n  Demo storefront: {}/", server.shop);
    println!("  Cadence API:     {}/api/v1/openapi.json", server.api);
    println!("  Data:            {}", data.join("cadence.db").display());
    println!("\n  Press Ctrl-C to stop.\n");
    server.wait()
}
