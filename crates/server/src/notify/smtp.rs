//! The mailer's SMTP connections: the `--smtp-url` parsed into a target, and connections
//! opened to it with TCP_NODELAY and kept for the next message. lettre's own socket leaves
//! Nagle's algorithm on: with the server's delayed ACK each message then waited ~40 ms
//! (19 messages/s on one connection, measured against aiosmtpd, which takes 270/s).

use lettre::transport::smtp::authentication::{Credentials, DEFAULT_MECHANISMS};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use std::time::Duration;

/// How the connection is secured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Security {
    /// `smtp://host` (a relay on the same machine or private network).
    Plain,
    /// `smtp://host?tls=required`: STARTTLS or nothing.
    StartTls,
    /// `smtp://host?tls=opportunistic`: STARTTLS when offered.
    Opportunistic,
    /// `smtps://host`: TLS from the first byte.
    Implicit,
}

/// Where e-mails go, from `--smtp-url`.
#[derive(Clone)]
pub struct Target {
    pub host: String,
    pub port: u16,
    pub security: Security,
    credentials: Option<Credentials>,
    timeout: Duration,
}

impl std::fmt::Debug for Target {
    // The password never reaches a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("credentials", &self.credentials.is_some())
            .finish()
    }
}

impl Target {
    /// Parses `smtp[s]://[user:password@]host[:port][?tls=required|opportunistic]`.
    pub fn parse(url: &str, timeout: Duration) -> Result<Target, String> {
        let bad = |why: &str| {
            format!("{why} (expected smtp://host:port, smtp://host?tls=required or smtps://user:password@host)")
        };
        let (scheme, rest) = url.split_once("://").ok_or_else(|| bad("no scheme"))?;
        let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
        let rest = rest.trim_end_matches('/');
        let (userinfo, hostport) = match rest.rsplit_once('@') {
            Some((userinfo, hostport)) => (Some(userinfo), hostport),
            None => (None, rest),
        };
        let tls = query.split('&').find_map(|pair| pair.strip_prefix("tls="));
        let security = match (scheme, tls) {
            ("smtp", None) => Security::Plain,
            ("smtp", Some("required")) => Security::StartTls,
            ("smtp", Some("opportunistic")) => Security::Opportunistic,
            ("smtps", None) => Security::Implicit,
            _ => return Err(bad("an unknown scheme or tls parameter")),
        };
        let default_port = match security {
            Security::Plain => 25,
            Security::StartTls | Security::Opportunistic => 587,
            Security::Implicit => 465,
        };
        let (host, port) = match hostport.rsplit_once(':') {
            Some((host, port)) if !host.ends_with(']') || hostport.starts_with('[') => (
                host,
                port.parse::<u16>()
                    .map_err(|_| bad("a port that is not a number"))?,
            ),
            _ => (hostport, default_port),
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() {
            return Err(bad("no host"));
        }
        let credentials = match userinfo {
            None => None,
            Some(userinfo) => {
                let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
                Some(Credentials::new(decode(user)?, decode(password)?))
            }
        };
        Ok(Target {
            host: host.to_owned(),
            port,
            security,
            credentials,
            timeout,
        })
    }

    /// A new connection: TCP with TCP_NODELAY, TLS as the target says, EHLO, AUTH.
    pub async fn connect(&self) -> Result<AsyncSmtpConnection, String> {
        let hello = ClientId::default();
        let tls = || TlsParameters::new(self.host.clone()).map_err(|e| e.to_string());
        let mut connection = match self.security {
            // TLS from the first byte: lettre's own socket (Nagle stays on there).
            Security::Implicit => AsyncSmtpConnection::connect_tokio1(
                (self.host.as_str(), self.port),
                Some(self.timeout),
                &hello,
                Some(tls()?),
                None,
            )
            .await
            .map_err(|e| e.to_string())?,
            _ => {
                let tcp = tokio::time::timeout(
                    self.timeout,
                    tokio::net::TcpStream::connect((self.host.as_str(), self.port)),
                )
                .await
                .map_err(|_| "connecting timed out".to_owned())?
                .map_err(|e| format!("connecting: {e}"))?;
                tcp.set_nodelay(true).map_err(|e| e.to_string())?;
                tokio::time::timeout(
                    self.timeout,
                    AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &hello),
                )
                .await
                .map_err(|_| "the greeting timed out".to_owned())?
                .map_err(|e| e.to_string())?
            }
        };
        let starttls = match self.security {
            Security::StartTls => true,
            Security::Opportunistic => connection.can_starttls(),
            Security::Plain | Security::Implicit => false,
        };
        if starttls {
            connection
                .starttls(tls()?, &hello)
                .await
                .map_err(|e| format!("STARTTLS: {e}"))?;
        }
        if let Some(credentials) = &self.credentials {
            connection
                .auth(DEFAULT_MECHANISMS, credentials)
                .await
                .map_err(|e| format!("AUTH: {e}"))?;
        }
        Ok(connection)
    }
}

/// Percent-decodes a URL's user or password.
fn decode(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| "a bad %-escape in the user or password".to_owned())?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "a user or password that is not UTF-8".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(url: &str) -> Result<Target, String> {
        Target::parse(url, Duration::from_secs(1))
    }

    #[test]
    fn urls_name_host_port_security_and_credentials() {
        let plain = parse("smtp://127.0.0.1:2525").unwrap();
        assert_eq!(
            (plain.host.as_str(), plain.port, plain.security),
            ("127.0.0.1", 2525, Security::Plain)
        );
        assert!(plain.credentials.is_none());
        let starttls = parse("smtp://mail.example?tls=required").unwrap();
        assert_eq!(
            (starttls.port, starttls.security),
            (587, Security::StartTls)
        );
        let implicit = parse("smtps://ada:p%40ss@mail.example").unwrap();
        assert_eq!(
            (implicit.port, implicit.security),
            (465, Security::Implicit)
        );
        assert!(implicit.credentials == Some(Credentials::new("ada".into(), "p@ss".into())));
        assert!(!format!("{implicit:?}").contains("p@ss"));
        let v6 = parse("smtp://[::1]:2525").unwrap();
        assert_eq!((v6.host.as_str(), v6.port), ("::1", 2525));
        for bad in [
            "mail.example",
            "http://mail.example",
            "smtp://",
            "smtp://h:port",
            "smtps://h?tls=required",
            "smtp://a:%zz@h",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
