//! `serve` command-line arguments, and their validation into a `Config`.

use crate::auth::TokenRules;
use crate::db::Location;
use crate::limits::Limits;
use axum::http::HeaderValue;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

/// Used when no secret is configured, so the demo runs out of the box. Public, hence
/// worthless: `serve` warns loudly whenever it is in use.
pub const DEMO_JWT_SECRET: &str = "cadence-demo-secret-not-for-production-use";

/// The merchant key a server running the demo storefront uses when none is configured, so
/// the demo's `/merchant` page works out of the box. Public, hence worthless: `serve` warns
/// loudly whenever it is in use, and a server without the storefront never uses it.
pub const DEMO_MERCHANT_KEY: &str = "cadence-demo-merchant-key-not-for-production-use";

/// Below this a secret is refused outright: it could be guessed.
pub const MIN_SECRET_LEN: usize = 16;

/// RFC 7518 §3.2 asks for HS256 keys at least as long as the hash (32 bytes); shorter ones
/// (above the minimum) are accepted with a warning, for test setups.
pub const RECOMMENDED_SECRET_LEN: usize = 32;

/// Where the data lives: a SQLite file by default, PostgreSQL when a URL is given.
#[derive(Debug, Clone, clap::Args)]
pub struct DatabaseArgs {
    /// SQLite database file, created and migrated on start (unless --database-url).
    #[arg(long, default_value = "cadence.db")]
    pub db: PathBuf,
    /// PostgreSQL instead of SQLite: `postgres://user:password@host:port/database`.
    /// Migrated on start; several servers may share one database.
    #[arg(long, env = "CADENCE_DATABASE_URL")]
    pub database_url: Option<String>,
    /// PostgreSQL connections this process opens at most.
    #[arg(long, default_value_t = crate::db::PG_POOL_SIZE, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub database_pool_size: u32,
}

impl DatabaseArgs {
    pub fn location(&self) -> Location {
        match &self.database_url {
            Some(url) => Location::Postgres(url.clone()),
            None => Location::Sqlite(self.db.clone()),
        }
    }
}

#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Address of the API and widget assets (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8480")]
    pub api_addr: SocketAddr,
    /// Address of the demo storefront (a separate origin); no storefront when absent.
    /// Refused by a server built without the demo shop (`--no-default-features`).
    #[arg(long)]
    pub shop_addr: Option<SocketAddr>,
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Directory of the built widget, served under /widget/.
    #[arg(long, default_value = "dist/widget")]
    pub widget_dir: PathBuf,
    /// An origin (scheme://host[:port]) allowed to call the API from a browser; repeatable.
    #[arg(
        long = "allow-origin",
        env = "CADENCE_ALLOWED_ORIGINS",
        value_delimiter = ','
    )]
    pub allow_origins: Vec<String>,
    /// HS256 secret shared with the merchant's backend (at least 16 bytes, 32+ recommended).
    #[arg(long, env = "CADENCE_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// The API's public base URL as browsers reach it (behind a proxy); defaults to the
    /// bound API address. The storefront loads the widget from here.
    #[arg(long)]
    pub public_url: Option<String>,
    /// Do not insert the demo catalog and customers into a new database.
    #[arg(long)]
    pub no_demo_data: bool,
    /// Key of the merchant endpoints (`GET /api/v1/merchant/metrics`), sent as
    /// `Authorization: Bearer <key>` (at least 16 bytes). Without one, a server running the
    /// demo storefront uses a public demo key; a server without it has no merchant endpoints.
    #[arg(long, env = "CADENCE_MERCHANT_KEY", hide_env_values = true)]
    pub merchant_key: Option<String>,
    /// Demo mode: without --jwt-secret (or --merchant-key) the server uses the PUBLIC demo
    /// secret (and key). Without this flag a missing JWT secret refuses to start.
    #[arg(long, env = "CADENCE_DEMO")]
    pub demo: bool,
    #[command(flatten)]
    pub limits: LimitArgs,
    #[command(flatten)]
    pub orders: OrderArgs,
}

/// The scheduler's and the orders' settings (see the server README, "Orders and the
/// scheduler").
#[derive(Debug, Clone, clap::Args)]
pub struct OrderArgs {
    /// Seconds between the scheduler's passes (due deliveries become orders; payment
    /// retries fall due).
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub scheduler_interval_secs: u64,
    /// The merchant's page where a subscriber updates their payment details (an absolute
    /// http(s) URL): the widget links to it when a delivery's payment failed for good.
    #[arg(long, env = "CADENCE_UPDATE_PAYMENT_URL")]
    pub update_payment_url: Option<String>,
    /// The SMTP server e-mails to shoppers go through: `smtp://host:port` (plain, a relay
    /// nearby), `smtp://host?tls=required` (STARTTLS) or `smtps://user:password@host`.
    /// Absent: messages are made (and sent as events) but no e-mail leaves.
    #[arg(long, env = "CADENCE_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// The `From` address of e-mails whose merchant set none in the notification settings.
    #[arg(long, env = "CADENCE_MAIL_FROM", default_value = "cadence@localhost")]
    pub mail_from: String,
}

/// Seconds in a day: the retention settings are given in days.
const DAY_SECS: u64 = 24 * 3600;

/// The operator's bounds (`Limits`); every default is documented in the server README.
#[derive(Debug, Clone, clap::Args)]
pub struct LimitArgs {
    /// Open API connections at most (kept below the file-descriptor limit).
    #[arg(long, default_value_t = Limits::default().max_connections)]
    pub max_connections: usize,
    /// Open API connections one client address may hold.
    #[arg(long, default_value_t = Limits::default().max_connections_per_client)]
    pub max_connections_per_client: usize,
    /// Seconds a client has to send a request's headers (and an idle connection stays open).
    #[arg(long, default_value_t = Limits::default().header_read_timeout.as_secs(), value_parser = clap::value_parser!(u64).range(1..=600))]
    pub header_timeout_secs: u64,
    /// Seconds a request may take, its body included, before a 408.
    #[arg(long, default_value_t = Limits::default().request_timeout.as_secs(), value_parser = clap::value_parser!(u64).range(1..=600))]
    pub request_timeout_secs: u64,
    /// API requests per second one client address may sustain (bursts of twice as many).
    #[arg(long, default_value_t = Limits::default().requests_per_second, value_parser = clap::value_parser!(u32).range(1..))]
    pub requests_per_second: u32,
    /// Event batches per second one client address may send (bursts of ten times as many).
    #[arg(long, default_value_t = Limits::default().event_batches_per_second, value_parser = clap::value_parser!(u32).range(1..))]
    pub event_batches_per_second: u32,
    /// Failed token or merchant-key checks per minute one client address may make.
    #[arg(long, default_value_t = Limits::default().auth_failures_per_minute, value_parser = clap::value_parser!(u32).range(1..))]
    pub auth_failures_per_minute: u32,
    /// API requests one signed-in customer may have in flight at once.
    #[arg(long, default_value_t = Limits::default().requests_in_flight_per_customer, value_parser = clap::value_parser!(usize))]
    pub requests_in_flight_per_customer: usize,
    /// Subscriptions (not cancelled) one customer may hold.
    #[arg(long, default_value_t = Limits::default().max_subscriptions_per_customer, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_subscriptions_per_customer: u32,
    /// The largest body of an admin import (`POST /api/v1/admin/imports`), in bytes.
    #[arg(long, default_value_t = Limits::default().max_import_bytes, value_parser = clap::value_parser!(u64).range(1024..))]
    pub max_import_bytes: u64,
    /// Seconds an admin import may take (every other request: --request-timeout-secs).
    #[arg(long, default_value_t = Limits::default().import_timeout.as_secs(), value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub import_timeout_secs: u64,
    /// The longest a customer token may live, in seconds (`exp` - `iat`).
    #[arg(long, default_value_t = Limits::default().max_token_lifetime.as_secs(), value_parser = clap::value_parser!(u64).range(60..=31_536_000))]
    pub max_token_lifetime_secs: u64,
    /// Required `aud` claim of customer tokens (none required when absent).
    #[arg(long, env = "CADENCE_TOKEN_AUDIENCE")]
    pub token_audience: Option<String>,
    /// Required `iss` claim of customer tokens (none required when absent).
    #[arg(long, env = "CADENCE_TOKEN_ISSUER")]
    pub token_issuer: Option<String>,
    /// Days raw widget events are kept (their daily counts are kept).
    #[arg(long, default_value_t = Limits::default().event_retention.as_secs() / DAY_SECS, value_parser = clap::value_parser!(u64).range(2..=3650))]
    pub event_retention_days: u64,
    /// Days an Idempotency-Key and its stored answer are kept.
    #[arg(long, default_value_t = Limits::default().idempotency_retention.as_secs() / DAY_SECS, value_parser = clap::value_parser!(u64).range(1..=365))]
    pub idempotency_retention_days: u64,
    /// A reverse proxy whose X-Forwarded-For names the client; repeatable.
    #[arg(long = "trusted-proxy", value_delimiter = ',')]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Webhook endpoints may be on this machine (loopback), over plain http too: for the
    /// demo and tests (on with --demo). Never in production: it lets an admin key reach
    /// services that listen on localhost only.
    #[arg(long)]
    pub webhooks_allow_loopback: bool,
    /// Webhook endpoints may be in private networks (10/8, 172.16/12, 192.168/16, fc00::/7),
    /// for a merchant system beside the server.
    #[arg(long)]
    pub webhooks_allow_private: bool,
    /// Webhook endpoints may be link-local (169.254/16, fe80::/10), where cloud metadata
    /// services hand out credentials: separate from --webhooks-allow-private on purpose.
    #[arg(long)]
    pub webhooks_allow_link_local: bool,
    /// Seconds one webhook attempt may take (DNS to answer) before it is retried later.
    #[arg(long, default_value_t = Limits::default().webhook_timeout.as_secs(), value_parser = clap::value_parser!(u64).range(1..=60))]
    pub webhooks_timeout_secs: u64,
}

impl LimitArgs {
    fn limits(&self) -> Limits {
        Limits {
            max_connections: self.max_connections.max(1),
            max_connections_per_client: self.max_connections_per_client.max(1),
            header_read_timeout: Duration::from_secs(self.header_timeout_secs),
            request_timeout: Duration::from_secs(self.request_timeout_secs),
            requests_per_second: self.requests_per_second,
            request_burst: self.requests_per_second.saturating_mul(2),
            event_batches_per_second: self.event_batches_per_second,
            event_batch_burst: self.event_batches_per_second.saturating_mul(10),
            auth_failures_per_minute: self.auth_failures_per_minute,
            requests_in_flight_per_customer: self.requests_in_flight_per_customer.max(1),
            max_subscriptions_per_customer: self.max_subscriptions_per_customer,
            max_import_bytes: self.max_import_bytes,
            import_timeout: Duration::from_secs(self.import_timeout_secs),
            max_token_lifetime: Duration::from_secs(self.max_token_lifetime_secs),
            event_retention: Duration::from_secs(self.event_retention_days * DAY_SECS),
            idempotency_retention: Duration::from_secs(self.idempotency_retention_days * DAY_SECS),
            trusted_proxies: self.trusted_proxies.clone(),
            webhook_policy: cadence_webhooks::Policy {
                allow_insecure_loopback: self.webhooks_allow_loopback,
                allow_private: self.webhooks_allow_private,
                allow_link_local: self.webhooks_allow_link_local,
            },
            webhook_timeout: Duration::from_secs(self.webhooks_timeout_secs),
            ..Limits::default()
        }
    }

    fn token_rules(&self) -> TokenRules {
        let nonempty = |s: &Option<String>| s.clone().filter(|s| !s.trim().is_empty());
        TokenRules {
            max_lifetime_secs: i64::try_from(self.max_token_lifetime_secs).unwrap_or(i64::MAX),
            audience: nonempty(&self.token_audience),
            issuer: nonempty(&self.token_issuer),
        }
    }
}

/// Validated settings for `serve`.
#[derive(Debug, Clone)]
pub struct Config {
    pub api_addr: SocketAddr,
    #[cfg(feature = "demo")]
    pub shop_addr: Option<SocketAddr>,
    pub database: Location,
    pub pool_size: u32,
    pub widget_dir: PathBuf,
    pub allowed_origins: Vec<HeaderValue>,
    pub secret: Secret,
    pub public_url: Option<String>,
    pub demo_data: bool,
    pub merchant_key: MerchantKeySetting,
    pub limits: Limits,
    pub token_rules: TokenRules,
    /// `--demo`: besides the public secrets, the demo's clock control (demo builds).
    pub demo: bool,
    pub scheduler_interval: Duration,
    pub update_payment_url: Option<String>,
    /// `--smtp-url` and `--mail-from`, checked; `None`: no e-mail leaves.
    pub mail: Option<crate::notify::mailer::MailSettings>,
}

/// Where the merchant key comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MerchantKeySetting {
    Configured(String),
    /// None configured in demo mode: `DEMO_MERCHANT_KEY` is in use.
    Demo,
    /// None configured outside demo mode: the merchant endpoints answer 403.
    Off,
}

impl MerchantKeySetting {
    /// The key in use, if any.
    pub fn key(&self) -> Option<&str> {
        match self {
            MerchantKeySetting::Configured(key) => Some(key),
            MerchantKeySetting::Demo => Some(DEMO_MERCHANT_KEY),
            MerchantKeySetting::Off => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Secret {
    Configured(String),
    /// No secret was given: `DEMO_JWT_SECRET` is in use.
    Demo,
}

impl Secret {
    /// Resolves an optional configured secret, refusing short ones, and refusing none at
    /// all unless `demo` mode was asked for: a server must never fall back to a public
    /// secret by accident (it would accept tokens anyone can mint).
    pub fn resolve(configured: Option<String>, demo: bool) -> Result<Secret, ConfigError> {
        match configured {
            None if demo => Ok(Secret::Demo),
            None => Err(ConfigError::MissingSecret),
            Some(s) if s.len() < MIN_SECRET_LEN => Err(ConfigError::ShortSecret),
            Some(s) => {
                if s.len() < RECOMMENDED_SECRET_LEN {
                    tracing::warn!("the JWT secret is shorter than {RECOMMENDED_SECRET_LEN} bytes; use a longer random one in production");
                }
                Ok(Secret::Configured(s))
            }
        }
    }

    pub fn bytes(&self) -> &[u8] {
        match self {
            Secret::Configured(s) => s.as_bytes(),
            Secret::Demo => DEMO_JWT_SECRET.as_bytes(),
        }
    }
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("--allow-origin {0:?} is not an origin: expected scheme://host[:port] with http or https and no path")]
    BadOrigin(String),
    #[error("--public-url {0:?} is not an absolute http(s) URL")]
    BadPublicUrl(String),
    #[error("the JWT secret must be at least {MIN_SECRET_LEN} bytes")]
    ShortSecret,
    #[error("no JWT secret: set --jwt-secret or CADENCE_JWT_SECRET (the secret your shop signs customer tokens with), or pass --demo to run with the PUBLIC demo secret")]
    MissingSecret,
    #[error("the merchant key must be at least {MIN_SECRET_LEN} bytes")]
    ShortMerchantKey,
    #[error("--update-payment-url {0:?} is not an absolute http(s) URL")]
    BadUpdatePaymentUrl(String),
    #[error("--mail-from {0:?} is not an e-mail address (name@domain, or \"Name <name@domain>\")")]
    MailFrom(String),
    /// `--shop-addr` given to a production build, which has no demo shop to serve there.
    #[cfg(not(feature = "demo"))]
    #[error("--shop-addr: this server was built without the demo shop (cargo's `demo` feature); build it with default features for the demo, or drop --shop-addr")]
    NoDemoShop,
}

impl Config {
    pub fn from_args(args: ServeArgs) -> Result<Config, ConfigError> {
        #[cfg(not(feature = "demo"))]
        if args.shop_addr.is_some() {
            return Err(ConfigError::NoDemoShop);
        }
        let mut allowed_origins = Vec::new();
        for raw in args
            .allow_origins
            .iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
        {
            let origin =
                normalize_origin(raw).ok_or_else(|| ConfigError::BadOrigin(raw.to_owned()))?;
            let value = HeaderValue::from_str(&origin)
                .map_err(|_| ConfigError::BadOrigin(raw.to_owned()))?;
            if !allowed_origins.contains(&value) {
                allowed_origins.push(value);
            }
        }
        let public_url = match args.public_url {
            Some(url) => match absolute_url(url.trim_end_matches('/')) {
                Some(url) => Some(url),
                None => return Err(ConfigError::BadPublicUrl(url)),
            },
            None => None,
        };
        // Shown to subscribers as a link: http(s) only (never `javascript:`), whole.
        let update_payment_url = match args.orders.update_payment_url {
            Some(url) => match absolute_url(url.trim()) {
                Some(url) => Some(url),
                None => return Err(ConfigError::BadUpdatePaymentUrl(url)),
            },
            None => None,
        };
        Ok(Config {
            api_addr: args.api_addr,
            #[cfg(feature = "demo")]
            shop_addr: args.shop_addr,
            database: args.database.location(),
            pool_size: args.database.database_pool_size,
            widget_dir: args.widget_dir,
            allowed_origins,
            secret: Secret::resolve(args.jwt_secret, args.demo)?,
            public_url,
            demo_data: !args.no_demo_data,
            merchant_key: match args.merchant_key {
                Some(key) if key.len() < MIN_SECRET_LEN => {
                    return Err(ConfigError::ShortMerchantKey)
                }
                Some(key) => MerchantKeySetting::Configured(key),
                None if args.demo => MerchantKeySetting::Demo,
                None => MerchantKeySetting::Off,
            },
            limits: {
                let mut limits = args.limits.limits();
                // The demo's back office receives the webhooks on this machine.
                limits.webhook_policy.allow_insecure_loopback |= args.demo;
                limits
            },
            token_rules: args.limits.token_rules(),
            demo: args.demo,
            scheduler_interval: Duration::from_secs(args.orders.scheduler_interval_secs),
            update_payment_url,
            mail: match args.orders.smtp_url {
                None => None,
                Some(url) => {
                    let from = args
                        .orders
                        .mail_from
                        .parse::<lettre::message::Mailbox>()
                        .map_err(|_| ConfigError::MailFrom(args.orders.mail_from.clone()))?;
                    Some(crate::notify::mailer::MailSettings::new(url, from))
                }
            },
        })
    }
}

/// `url` if it is an absolute http(s) URL with a host and nothing that would break out of
/// an attribute or a header.
fn absolute_url(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    (!rest.is_empty() && !rest.starts_with('/') && !rest.contains(['"', '<', '>', ' ', '\'']))
        .then(|| url.to_owned())
}

/// `scheme://host[:port]` in the lower-case form browsers send in `Origin`, or `None`.
/// A trailing slash is tolerated (a common copy-paste); paths, queries and `*` are not.
pub fn normalize_origin(raw: &str) -> Option<String> {
    let raw = raw.strip_suffix('/').unwrap_or(raw).to_ascii_lowercase();
    let (scheme, authority) = raw.split_once("://")?;
    if !matches!(scheme, "http" | "https") || authority.is_empty() {
        return None;
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']');
    if !authority.chars().all(allowed) {
        return None;
    }
    Some(raw)
}

/// The origin a browser uses for a bound address; a wildcard bind is reached on loopback.
pub fn origin_of(addr: SocketAddr) -> String {
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!("http://{}", SocketAddr::new(ip, addr.port()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        serve: ServeArgs,
    }

    /// A configured secret, for the tests about other settings.
    const S: &str = "--jwt-secret=0123456789abcdef0123456789abcdef";

    fn parse(args: &[&str]) -> Result<Config, ConfigError> {
        let cli =
            Cli::try_parse_from(std::iter::once("cadence-server").chain(args.iter().copied()))
                .unwrap();
        Config::from_args(cli.serve)
    }

    #[test]
    fn origins_are_normalized_and_deduplicated() {
        let config = parse(&[
            S,
            "--allow-origin",
            "https://Shop.Example/",
            "--allow-origin",
            "https://shop.example,http://localhost:3000",
        ])
        .unwrap();
        assert_eq!(
            config.allowed_origins,
            ["https://shop.example", "http://localhost:3000"]
        );
    }

    #[test]
    fn bad_origins_are_refused() {
        for bad in [
            "*",
            "shop.example",
            "https://shop.example/path",
            "ftp://shop.example",
            "https://",
            "https://a b",
        ] {
            assert_eq!(
                parse(&[S, "--allow-origin", bad]).unwrap_err(),
                ConfigError::BadOrigin(bad.to_owned()),
                "{bad}"
            );
        }
    }

    #[test]
    #[cfg(feature = "demo")]
    fn a_missing_secret_fails_closed_unless_demo_mode_is_asked_for() {
        assert_eq!(parse(&[]).unwrap_err(), ConfigError::MissingSecret);
        assert_eq!(
            parse(&["--shop-addr", "127.0.0.1:0"]).unwrap_err(),
            ConfigError::MissingSecret,
            "running the demo shop is not demo mode"
        );
        assert_eq!(parse(&["--demo"]).unwrap().secret, Secret::Demo);
    }

    #[test]
    fn secret_must_be_long_enough() {
        assert_eq!(
            parse(&["--jwt-secret", "fifteen-bytes!!"]).unwrap_err(),
            ConfigError::ShortSecret
        );
        assert!(
            parse(&["--jwt-secret", "e2e-secret-not-for-production"]).is_ok(),
            "accepted with a warning"
        );
        let long = "x".repeat(RECOMMENDED_SECRET_LEN);
        assert_eq!(
            parse(&["--jwt-secret", &long]).unwrap().secret,
            Secret::Configured(long)
        );
    }

    #[test]
    #[cfg(feature = "demo")]
    fn merchant_key_is_configured_demo_in_demo_mode_or_off() {
        assert_eq!(parse(&[S]).unwrap().merchant_key, MerchantKeySetting::Off);
        assert_eq!(
            parse(&[S, "--shop-addr", "127.0.0.1:0"])
                .unwrap()
                .merchant_key,
            MerchantKeySetting::Off
        );
        let demo = parse(&["--demo", "--shop-addr", "127.0.0.1:0"])
            .unwrap()
            .merchant_key;
        assert_eq!(demo, MerchantKeySetting::Demo);
        assert_eq!(demo.key(), Some(DEMO_MERCHANT_KEY));
        let key = "merchant-key-0123456789";
        assert_eq!(
            parse(&[S, "--merchant-key", key, "--shop-addr", "127.0.0.1:0"])
                .unwrap()
                .merchant_key,
            MerchantKeySetting::Configured(key.to_owned())
        );
        assert_eq!(
            parse(&[S, "--merchant-key", "short"]).unwrap_err(),
            ConfigError::ShortMerchantKey
        );
    }

    #[test]
    #[cfg(not(feature = "demo"))]
    fn a_production_build_refuses_the_demo_shop() {
        assert_eq!(
            parse(&[S, "--shop-addr", "127.0.0.1:0"]).unwrap_err(),
            ConfigError::NoDemoShop
        );
        assert!(parse(&[S]).is_ok());
    }

    #[test]
    fn public_url_must_be_absolute() {
        assert_eq!(
            parse(&[S, "--public-url", "https://cdn.example/"])
                .unwrap()
                .public_url
                .as_deref(),
            Some("https://cdn.example")
        );
        assert!(parse(&[S, "--public-url", "cdn.example"]).is_err());
    }

    #[test]
    fn the_update_payment_url_is_an_absolute_http_link_and_the_scheduler_has_a_period() {
        let config = parse(&[
            S,
            "--update-payment-url",
            "https://shop.example/account/pay",
        ])
        .unwrap();
        assert_eq!(
            config.update_payment_url.as_deref(),
            Some("https://shop.example/account/pay")
        );
        assert_eq!(config.scheduler_interval, Duration::from_secs(60));
        assert_eq!(parse(&[S]).unwrap().update_payment_url, None);
        for bad in [
            "javascript:alert(1)",
            "/account/pay",
            "https://",
            "https:///pay",
            "https://shop.example/\"><script>",
        ] {
            assert_eq!(
                parse(&[S, "--update-payment-url", bad]).unwrap_err(),
                ConfigError::BadUpdatePaymentUrl(bad.to_owned()),
                "{bad}"
            );
        }
        let every = parse(&[S, "--scheduler-interval-secs", "5"]).unwrap();
        assert_eq!(every.scheduler_interval, Duration::from_secs(5));
    }

    #[test]
    fn limits_come_from_their_flags_with_documented_defaults() {
        let config = parse(&[S]).unwrap();
        assert_eq!(config.limits, Limits::default());
        assert_eq!(config.token_rules, TokenRules::default());
        let config = parse(&[
            S,
            "--requests-per-second=7",
            "--max-token-lifetime-secs=3600",
            "--token-audience=cadence",
            "--trusted-proxy=10.0.0.2",
        ])
        .unwrap();
        assert_eq!(config.limits.requests_per_second, 7);
        assert_eq!(config.limits.request_burst, 14);
        assert_eq!(config.token_rules.max_lifetime_secs, 3600);
        assert_eq!(config.token_rules.audience.as_deref(), Some("cadence"));
        assert_eq!(
            config.limits.trusted_proxies,
            ["10.0.0.2".parse::<IpAddr>().unwrap()]
        );
        let too_short = ["cadence-server", S, "--max-token-lifetime-secs=0"];
        assert!(Cli::try_parse_from(too_short).is_err());
    }

    #[test]
    fn webhook_destinations_beyond_public_https_are_opt_in() {
        let strict = parse(&[S]).unwrap().limits.webhook_policy;
        assert_eq!(strict, cadence_webhooks::Policy::default());
        let demo = parse(&["--demo"]).unwrap().limits.webhook_policy;
        assert!(demo.allow_insecure_loopback && !demo.allow_private && !demo.allow_link_local);
        let all = parse(&[
            S,
            "--webhooks-allow-loopback",
            "--webhooks-allow-private",
            "--webhooks-allow-link-local",
        ])
        .unwrap()
        .limits
        .webhook_policy;
        assert!(all.allow_insecure_loopback && all.allow_private && all.allow_link_local);
        let timeout = parse(&[S, "--webhooks-timeout-secs=3"]).unwrap().limits;
        assert_eq!(timeout.webhook_timeout, Duration::from_secs(3));
        assert_eq!(
            parse(&[S]).unwrap().limits.webhook_timeout,
            Duration::from_secs(10)
        );
        for bad in ["--webhooks-timeout-secs=0", "--webhooks-timeout-secs=61"] {
            assert!(
                Cli::try_parse_from(["cadence-server", S, bad]).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn wildcard_binds_are_reached_on_loopback() {
        assert_eq!(
            origin_of("0.0.0.0:8481".parse().unwrap()),
            "http://127.0.0.1:8481"
        );
        assert_eq!(origin_of("[::]:80".parse().unwrap()), "http://[::1]:80");
    }
}
