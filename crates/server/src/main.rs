//! The `cadence-server` command line: `serve` the API, widget and demo shop, or
//! `mint-token` for a customer (what a merchant's backend does, for trying the API).

use cadence_server::auth::JwtKeys;
use cadence_server::clock::Clock;
use cadence_server::config::{Config, Secret, ServeArgs};
use clap::{Parser, Subcommand};
use std::io::IsTerminal;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "cadence-server",
    version,
    about = "The Cadence reference API server, widget host and demo storefront"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the API (with the widget's files) and, with --shop-addr, the demo storefront.
    Serve(ServeArgs),
    /// Print a customer token (HS256 JWT) signed with the shared secret.
    MintToken(MintArgs),
}

#[derive(clap::Args)]
struct MintArgs {
    /// The customer id to put in `sub`, e.g. cust_ada.
    #[arg(long)]
    customer: String,
    /// Seconds until the token expires.
    #[arg(long, default_value_t = 3600, value_parser = clap::value_parser!(i64).range(1..=31_536_000))]
    ttl_secs: i64,
    /// HS256 secret shared with the server (at least 16 bytes).
    #[arg(long, env = "CADENCE_JWT_SECRET", hide_env_values = true)]
    jwt_secret: Option<String>,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,cadence_server=info".into()),
        )
        .with_writer(std::io::stderr)
        // Colour codes only for a terminal, not for log files and CI captures.
        .with_ansi(std::io::stderr().is_terminal())
        .init();

    match Cli::parse().command {
        Command::Serve(args) => {
            let config = match Config::from_args(args) {
                Ok(config) => config,
                Err(e) => return fail(&e),
            };
            let runtime = match tokio::runtime::Runtime::new() {
                Ok(runtime) => runtime,
                Err(e) => return fail(&e),
            };
            match runtime.block_on(cadence_server::serve::serve(config, Clock::System)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => fail(&e),
            }
        }
        Command::MintToken(args) => {
            let secret = match Secret::resolve(args.jwt_secret) {
                Ok(secret) => secret,
                Err(e) => return fail(&e),
            };
            if secret == Secret::Demo {
                eprintln!("warning: no --jwt-secret / CADENCE_JWT_SECRET: signing with the PUBLIC demo secret");
            }
            println!(
                "{}",
                JwtKeys::new(secret.bytes()).mint(&args.customer, args.ttl_secs, Clock::System)
            );
            ExitCode::SUCCESS
        }
    }
}

fn fail(error: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("cadence-server: {error}");
    ExitCode::FAILURE
}
