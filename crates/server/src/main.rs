//! The `cadence-server` command line: `serve` the API, widget and demo shop,
//! `mint-token` for a customer (what a merchant's backend does, for trying the API),
//! `seed` a database with generated data, and `bench-recommendations` on it. The demo shop,
//! `seed` and `bench-recommendations` come with the `demo` feature (on by default); a
//! production build (`--no-default-features`) serves the API and the widget only.

use cadence_server::auth::{JwtKeys, TokenRules};
use cadence_server::clock::Clock;
#[cfg(feature = "demo")]
use cadence_server::config::DatabaseArgs;
use cadence_server::config::{Config, Secret, ServeArgs};
use clap::{Parser, Subcommand};
use std::io::IsTerminal;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "cadence-server", version)]
#[cfg_attr(
    feature = "demo",
    command(about = "The Cadence reference API server, widget host and demo storefront")
)]
#[cfg_attr(
    not(feature = "demo"),
    command(about = "The Cadence reference API server and widget host")
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the API (with the widget's files) and, with --shop-addr, the demo storefront
    /// (a demo build's; the production build refuses --shop-addr).
    Serve(Box<ServeArgs>),
    /// Print a customer token (HS256 JWT) signed with the shared secret.
    MintToken(MintArgs),
    #[cfg(feature = "demo")]
    /// Fill a database with a generated catalog, customers, orders, subscriptions and
    /// recommendation events (the same --seed gives the same data), for measuring.
    Seed(SeedArgs),
    #[cfg(feature = "demo")]
    /// Time GET /api/v1/recommendations through the real router, for random products
    /// (anonymous) and random customers, and one co-occurrence rebuild.
    BenchRecommendations(BenchArgs),
}

#[cfg(feature = "demo")]
#[derive(clap::Args)]
struct SeedArgs {
    #[command(flatten)]
    database: DatabaseArgs,
    /// Size: scale 1 is 100 products, 1 000 orders and 250 customers; 0 generates nothing.
    #[arg(long, default_value_t = 1)]
    scale: u32,
    /// Products (overrides the scale); ten per machine family.
    #[arg(long)]
    products: Option<u32>,
    /// Orders (overrides the scale).
    #[arg(long)]
    orders: Option<u32>,
    /// Customers; defaults to a quarter of the orders.
    #[arg(long)]
    customers: Option<u32>,
    /// Seed of the generator.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Also insert the demo catalog and customers, as `serve` does on a new database.
    #[arg(long)]
    with_demo_data: bool,
}

#[cfg(feature = "demo")]
#[derive(clap::Args)]
struct BenchArgs {
    #[command(flatten)]
    database: DatabaseArgs,
    /// Requests per context (product, account).
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
    requests: u32,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=256))]
    concurrency: u32,
    /// Seed of the choice of products and customers.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// HS256 secret to mint customer tokens with (any works: the bench checks its own).
    #[arg(long, env = "CADENCE_JWT_SECRET", hide_env_values = true)]
    jwt_secret: Option<String>,
}

#[derive(clap::Args)]
struct MintArgs {
    /// The customer id to put in `sub`, e.g. cust_ada.
    #[arg(long)]
    customer: String,
    /// Seconds until the token expires (the server refuses tokens that live longer than
    /// its --max-token-lifetime-secs, 24 hours by default).
    #[arg(long, default_value_t = 3600, value_parser = clap::value_parser!(i64).range(1..=31_536_000))]
    ttl_secs: i64,
    /// HS256 secret shared with the server (at least 16 bytes).
    #[arg(long, env = "CADENCE_JWT_SECRET", hide_env_values = true)]
    jwt_secret: Option<String>,
    /// Sign with the PUBLIC demo secret when no secret is given (for a `serve --demo`).
    #[arg(long, env = "CADENCE_DEMO")]
    demo: bool,
    /// The `aud` claim, when the server requires one (`--token-audience`).
    #[arg(long, env = "CADENCE_TOKEN_AUDIENCE")]
    audience: Option<String>,
    /// The `iss` claim, when the server requires one (`--token-issuer`).
    #[arg(long, env = "CADENCE_TOKEN_ISSUER")]
    issuer: Option<String>,
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
            let config = match Config::from_args(*args) {
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
            let secret = match Secret::resolve(args.jwt_secret, args.demo) {
                Ok(secret) => secret,
                Err(e) => return fail(&e),
            };
            if secret == Secret::Demo {
                eprintln!("warning: --demo without --jwt-secret / CADENCE_JWT_SECRET: signing with the PUBLIC demo secret");
            }
            let rules = TokenRules {
                audience: args.audience,
                issuer: args.issuer,
                ..TokenRules::default()
            };
            println!(
                "{}",
                JwtKeys::with_rules(secret.bytes(), rules).mint(
                    &args.customer,
                    args.ttl_secs,
                    Clock::System
                )
            );
            ExitCode::SUCCESS
        }
        #[cfg(feature = "demo")]
        Command::Seed(args) => match seed(args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => fail(&e),
        },
        #[cfg(feature = "demo")]
        Command::BenchRecommendations(args) => match bench(args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => fail(&e),
        },
    }
}

#[cfg(feature = "demo")]
fn seed(args: SeedArgs) -> Result<(), Box<dyn std::error::Error>> {
    use cadence_server::generate::{generate, Params};
    let scaled = Params::at_scale(args.scale, args.seed);
    let orders = args.orders.unwrap_or(scaled.orders);
    let params = Params {
        products: args.products.unwrap_or(scaled.products),
        orders,
        customers: args.customers.unwrap_or(orders / 4),
        seed: args.seed,
    };
    let started = std::time::Instant::now();
    let database = &args.database;
    let (db, _) =
        cadence_server::db::Db::connect(&database.location(), database.database_pool_size)?;
    let clock = Clock::System;
    if args.with_demo_data && cadence_server::demo_data::insert_on_first_start(&db, clock)? {
        println!("inserted the demo data");
    }
    let summary = generate(&db, &params, clock.today())?;
    println!(
        "generated {} products, {} customers, {} orders ({} lines), {} subscriptions ({} changes), {} recommendation events; {} co-occurrence pairs",
        summary.products,
        summary.customers,
        summary.orders,
        summary.order_lines,
        summary.subscriptions,
        summary.subscription_changes,
        summary.ui_events,
        summary.cooccurrence_pairs
    );
    for (step, took) in &summary.timings {
        println!("  {step:<34} {:>9.3} s", took.as_secs_f64());
    }
    println!(
        "  {:<34} {:>9.3} s",
        "total",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

#[cfg(feature = "demo")]
fn bench(args: BenchArgs) -> Result<(), Box<dyn std::error::Error>> {
    use cadence_server::bench::{self, Kind};
    // Any secret works (the bench mints and checks its own tokens): demo when none.
    let secret = Secret::resolve(args.jwt_secret, true)?;
    let keys = std::sync::Arc::new(JwtKeys::new(secret.bytes()));
    let database = &args.database;
    let (db, _) =
        cadence_server::db::Db::connect(&database.location(), database.database_pool_size)?;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        println!("{}", bench::time_refresh(&db).await?);
        for kind in [Kind::Product, Kind::Account] {
            let stats = bench::run(
                &db,
                keys.clone(),
                kind,
                args.requests as usize,
                args.concurrency as usize,
                args.seed,
            )
            .await?;
            println!("{stats}");
        }
        Ok::<_, cadence_server::bench::BenchError>(())
    })?;
    Ok(())
}

fn fail(error: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("cadence-server: {error}");
    ExitCode::FAILURE
}
