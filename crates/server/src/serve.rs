//! `cadence-server serve`: open the database, bind both listeners, announce them, and run
//! until SIGINT/SIGTERM, letting in-flight requests finish.

use crate::app::{app, AppState};
use crate::auth::JwtKeys;
use crate::clock::Clock;
use crate::config::{origin_of, Config, MerchantKeySetting, Secret};
use crate::db::{Db, Location, OpenError, StoreError};
use crate::demo_data;
use crate::merchant_key::MerchantKey;
#[cfg(feature = "demo")]
use crate::storefront::{shop_app, MerchantAccess, ShopState};
use axum::http::HeaderValue;
#[cfg(feature = "demo")]
use std::future::IntoFuture;
use std::io::Write;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::watch;

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Open(#[from] crate::db::OpenError),
    #[error("could not insert the demo data: {0}")]
    DemoData(crate::db::StoreError),
    #[error("could not store --update-payment-url: {0}")]
    Settings(crate::db::StoreError),
    #[error("could not listen on {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Opens the database. A PostgreSQL server that cannot be reached yet (still starting, a
/// network blip, a restart) is retried every few seconds with a log line saying why, until
/// it answers or the process is stopped; anything else (a bad URL, a schema newer than
/// this server) fails start-up at once.
async fn open_database(
    location: &Location,
    pool_size: u32,
) -> Result<(Db, Vec<&'static str>), ServeError> {
    let mut waited = 0u32;
    loop {
        let attempt = {
            let location = location.clone();
            tokio::task::spawn_blocking(move || Db::connect(&location, pool_size))
                .await
                .map_err(|e| std::io::Error::other(e.to_string()))?
        };
        match attempt {
            Err(OpenError::Store(e @ (StoreError::Busy(_) | StoreError::Unavailable(_))))
                if matches!(location, Location::Postgres(_)) =>
            {
                if waited % 5 == 0 {
                    tracing::error!(
                        database = %location.describe(),
                        error = %e,
                        "cannot reach PostgreSQL; retrying every 2 s"
                    );
                }
                waited += 1;
                tokio::select! {
                    () = tokio::time::sleep(std::time::Duration::from_secs(2)) => {}
                    _ = tokio::signal::ctrl_c() => {
                        return Err(ServeError::Open(OpenError::Store(e)));
                    }
                }
            }
            other => return Ok(other?),
        }
    }
}

pub async fn serve(config: Config, clock: Clock) -> Result<(), ServeError> {
    if config.secret == Secret::Demo {
        eprintln!(
            "\n!!! WARNING: --demo without --jwt-secret / CADENCE_JWT_SECRET: using the PUBLIC demo secret.\n\
             !!! Anyone can mint customer tokens for this server. Never use this in production.\n"
        );
    }
    if config.merchant_key == MerchantKeySetting::Demo {
        eprintln!(
            "\n!!! WARNING: --demo without --merchant-key / CADENCE_MERCHANT_KEY: using the PUBLIC demo merchant key.\n\
             !!! Anyone can read this server's merchant figures. Never use this in production.\n"
        );
    }
    if !config.widget_dir.is_dir() {
        tracing::warn!(dir = %config.widget_dir.display(), "widget directory not found: /widget/ will answer 404 until it is built");
    }

    // A demo server's clock can be moved forward (`POST /api/v1/admin/demo/clock`); every
    // part of the server reads this one.
    #[cfg(feature = "demo")]
    let clock = if config.demo { clock.movable() } else { clock };

    let (db, applied) = open_database(&config.database, config.pool_size).await?;
    if !applied.is_empty() {
        tracing::info!(?applied, db = %config.database.describe(), "database migrated");
    }
    if config.demo_data
        && demo_data::insert_on_first_start(&db, clock).map_err(ServeError::DemoData)?
    {
        tracing::info!("inserted the demo catalog and customers (first start)");
    }

    // The subscribers' link to update their payment details lives in the database, where
    // every server on it reads the same one.
    let url = config.update_payment_url.clone();
    db.write(move |tx| crate::orders::set_update_payment_url(tx, url.as_deref()))
        .await
        .map_err(ServeError::Settings)?;

    // Start-up rebuild (the database may have gained orders while we were down), then
    // the periodic one.
    let pairs = crate::recommend::cooccurrence::refresh_db(&db).await;
    if let Err(e) = pairs {
        tracing::warn!(error = %e, "co-occurrence rebuild failed at start");
    }
    crate::recommend::cooccurrence::spawn_refresh(db.clone(), clock);

    let bind = |addr| async move {
        TcpListener::bind(addr)
            .await
            .map_err(|source| ServeError::Bind { addr, source })
    };
    let api_listener = bind(config.api_addr).await?;
    #[cfg(feature = "demo")]
    let shop_listener = match config.shop_addr {
        Some(addr) => Some(bind(addr).await?),
        None => None,
    };
    // A production build has no demo shop (`Config` refused `--shop-addr`).
    #[cfg(not(feature = "demo"))]
    let shop_listener: Option<TcpListener> = None;
    let api_origin = origin_of(api_listener.local_addr()?);
    let shop_origin = shop_listener
        .as_ref()
        .map(|l| l.local_addr().map(origin_of))
        .transpose()?;
    let api_url = config
        .public_url
        .clone()
        .unwrap_or_else(|| api_origin.clone());

    // The demo shop calls the API from the browser, so its origin must pass CORS.
    let mut allowed_origins = config.allowed_origins.clone();
    if let Some(origin) = shop_origin
        .as_deref()
        .and_then(|o| HeaderValue::from_str(o).ok())
    {
        if !allowed_origins.contains(&origin) {
            allowed_origins.push(origin);
        }
    }

    let keys = Arc::new(JwtKeys::with_rules(
        config.secret.bytes(),
        config.token_rules.clone(),
    ));
    let state = AppState {
        db: db.clone(),
        clock,
        keys: keys.clone(),
        allowed_origins: allowed_origins.clone(),
        widget_dir: config.widget_dir.clone(),
        public_url: api_url.clone(),
        merchant_key: config.merchant_key.key().map(MerchantKey::new),
        limits: Arc::new(config.limits.clone()),
        throttle: Arc::new(crate::throttle::Throttle::new(&config.limits)),
    };
    #[cfg(feature = "demo")]
    let merchant = config.merchant_key.key().map(|key| MerchantAccess {
        key: key.to_owned(),
        api: app(state.clone()),
    });

    // The one machine-readable line (scripts and tests wait for it), then prose on stderr.
    {
        let mut stdout = std::io::stdout().lock();
        writeln!(
            stdout,
            "cadence: listening api={api_origin} shop={}",
            shop_origin.as_deref().unwrap_or("none")
        )?;
        stdout.flush()?;
    }
    eprintln!("Cadence API        {api_origin}/api/v1/health");
    eprintln!("OpenAPI document   {api_origin}/api/v1/openapi.json");
    eprintln!(
        "Widget assets      {api_origin}/widget/ (from {})",
        config.widget_dir.display()
    );
    #[cfg(feature = "demo")]
    if let Some(shop) = &shop_origin {
        eprintln!("Demo storefront    {shop}/  (account: {shop}/account?as=cust_ada, figures: {shop}/merchant)");
    }
    let origins: Vec<_> = allowed_origins
        .iter()
        .filter_map(|o| o.to_str().ok())
        .collect();
    eprintln!(
        "Allowed origins    {}",
        if origins.is_empty() {
            "(none)".to_owned()
        } else {
            origins.join(", ")
        }
    );
    eprintln!("Press Ctrl-C to stop.");

    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("shutting down: finishing in-flight requests");
        let _ = stop_tx.send(true);
    });

    crate::retention::spawn(state.clone());
    // Due deliveries become orders now (catching up on the time the server was down),
    // then every --scheduler-interval-secs.
    crate::scheduler::spawn(state.db.clone(), clock, config.scheduler_interval);
    // Delivers the outbox's events to the merchant's webhook endpoints, at least once.
    crate::webhooks::Dispatcher::on_clock(
        state.db.clone(),
        crate::webhooks::Settings::new(state.limits.webhook_policy, state.limits.webhook_timeout),
        clock,
    )
    .spawn();
    // Messages to shoppers: receipts within moments of a change, reminders when due; and,
    // with --smtp-url, the mailer that sends them.
    crate::notify::plan::spawn(
        state.db.clone(),
        crate::notify::Notifier::of(&state),
        clock,
        config.scheduler_interval,
    );
    if let Some(mail) = config.mail.clone() {
        crate::notify::mailer::Mailer::new(
            state.db.clone(),
            mail,
            std::sync::Arc::new(move || clock.unix_seconds()),
        )
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?
        .spawn();
    }
    let limits = state.limits.clone();
    let api = crate::connections::serve(api_listener, app(state), limits, stop_rx.clone());
    #[cfg(feature = "demo")]
    if let Some(listener) = shop_listener {
        let inbox = crate::storefront::inbox::Inbox::new();
        if let Some(access) = &merchant {
            // The back office registers its own webhook endpoint, as a merchant's system
            // would; the dispatcher reaches it on this machine (`--demo` allows loopback).
            let mut addr = listener.local_addr()?;
            if addr.ip().is_unspecified() {
                addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
            }
            let url = format!("http://{addr}{}", crate::storefront::inbox::RECEIVER_PATH);
            crate::storefront::inbox::register(&inbox, access, &url).await;
        }
        let shop = shop_app(ShopState {
            db,
            keys,
            clock,
            api_url,
            merchant,
            inbox,
        });
        let stopped = async move {
            let mut rx = stop_rx;
            let _ = rx.wait_for(|stop| *stop).await;
        };
        let shop = axum::serve(listener, shop).with_graceful_shutdown(stopped);
        tokio::try_join!(api, shop.into_future())?;
        return Ok(());
    }
    api.await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
