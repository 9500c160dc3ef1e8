//! `serve` command-line arguments, and their validation into a `Config`.

use axum::http::HeaderValue;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;

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

#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Address of the API and widget assets (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8480")]
    pub api_addr: SocketAddr,
    /// Address of the demo storefront (a separate origin); no storefront when absent.
    #[arg(long)]
    pub shop_addr: Option<SocketAddr>,
    /// SQLite database file, created and migrated on start.
    #[arg(long, default_value = "cadence.db")]
    pub db: PathBuf,
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
}

/// Validated settings for `serve`.
#[derive(Debug, Clone)]
pub struct Config {
    pub api_addr: SocketAddr,
    pub shop_addr: Option<SocketAddr>,
    pub db: PathBuf,
    pub widget_dir: PathBuf,
    pub allowed_origins: Vec<HeaderValue>,
    pub secret: Secret,
    pub public_url: Option<String>,
    pub demo_data: bool,
    pub merchant_key: MerchantKeySetting,
}

/// Where the merchant key comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MerchantKeySetting {
    Configured(String),
    /// None configured and the demo storefront runs: `DEMO_MERCHANT_KEY` is in use.
    Demo,
    /// None configured and no storefront: the merchant endpoints answer 403.
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
    /// Resolves an optional configured secret, refusing short ones.
    pub fn resolve(configured: Option<String>) -> Result<Secret, ConfigError> {
        match configured {
            None => Ok(Secret::Demo),
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
    #[error("the merchant key must be at least {MIN_SECRET_LEN} bytes")]
    ShortMerchantKey,
}

impl Config {
    pub fn from_args(args: ServeArgs) -> Result<Config, ConfigError> {
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
            Some(url) => {
                let trimmed = url.trim_end_matches('/');
                let rest = trimmed
                    .strip_prefix("https://")
                    .or_else(|| trimmed.strip_prefix("http://"));
                match rest {
                    Some(rest)
                        if !rest.is_empty() && !rest.contains(['"', '<', '>', ' ', '\'']) =>
                    {
                        Some(trimmed.to_owned())
                    }
                    _ => return Err(ConfigError::BadPublicUrl(url)),
                }
            }
            None => None,
        };
        Ok(Config {
            api_addr: args.api_addr,
            shop_addr: args.shop_addr,
            db: args.db,
            widget_dir: args.widget_dir,
            allowed_origins,
            secret: Secret::resolve(args.jwt_secret)?,
            public_url,
            demo_data: !args.no_demo_data,
            merchant_key: match args.merchant_key {
                Some(key) if key.len() < MIN_SECRET_LEN => {
                    return Err(ConfigError::ShortMerchantKey)
                }
                Some(key) => MerchantKeySetting::Configured(key),
                None if args.shop_addr.is_some() => MerchantKeySetting::Demo,
                None => MerchantKeySetting::Off,
            },
        })
    }
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

    fn parse(args: &[&str]) -> Result<Config, ConfigError> {
        let cli =
            Cli::try_parse_from(std::iter::once("cadence-server").chain(args.iter().copied()))
                .unwrap();
        Config::from_args(cli.serve)
    }

    #[test]
    fn origins_are_normalized_and_deduplicated() {
        let config = parse(&[
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
                parse(&["--allow-origin", bad]).unwrap_err(),
                ConfigError::BadOrigin(bad.to_owned()),
                "{bad}"
            );
        }
    }

    #[test]
    fn secret_defaults_to_demo_and_must_be_long_enough() {
        assert_eq!(parse(&[]).unwrap().secret, Secret::Demo);
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
    fn merchant_key_is_configured_demo_with_the_shop_or_off() {
        assert_eq!(parse(&[]).unwrap().merchant_key, MerchantKeySetting::Off);
        let demo = parse(&["--shop-addr", "127.0.0.1:0"]).unwrap().merchant_key;
        assert_eq!(demo, MerchantKeySetting::Demo);
        assert_eq!(demo.key(), Some(DEMO_MERCHANT_KEY));
        let key = "merchant-key-0123456789";
        assert_eq!(
            parse(&["--merchant-key", key, "--shop-addr", "127.0.0.1:0"])
                .unwrap()
                .merchant_key,
            MerchantKeySetting::Configured(key.to_owned())
        );
        assert_eq!(
            parse(&["--merchant-key", "short"]).unwrap_err(),
            ConfigError::ShortMerchantKey
        );
    }

    #[test]
    fn public_url_must_be_absolute() {
        assert_eq!(
            parse(&["--public-url", "https://cdn.example/"])
                .unwrap()
                .public_url
                .as_deref(),
            Some("https://cdn.example")
        );
        assert!(parse(&["--public-url", "cdn.example"]).is_err());
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
