//! Which URLs a merchant may register as a webhook endpoint, and which resolved addresses
//! the dispatcher may connect to: the defence against server-side request forgery.
//!
//! A webhook endpoint is a URL anyone with an admin key chooses and our server then calls,
//! from inside our network. Two checks, because either alone can be bypassed:
//! 1. [`EndpointUrl::parse`], when the endpoint is saved: https, no credentials, no
//!    fragment, a real host name or a public address literal;
//! 2. [`check_resolved`], on every attempt, on the DNS answer: a public name can resolve
//!    to `10.0.0.1` or the cloud metadata service `169.254.169.254`, and can change what it
//!    resolves to between the check and the connection (DNS rebinding), so the dispatcher
//!    must connect to exactly the addresses it checked, never resolve again.

use crate::address::{classify_ip, AddressClass};
use core::fmt;
use std::net::IpAddr;

/// Longer URLs are refused: nothing legitimate needs more, and the URL is stored and shown
/// in the delivery log.
pub const MAX_URL_LEN: usize = 2048;

/// What the operator allows beyond public https endpoints. All off by default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Policy {
    /// The demo and tests: loopback destinations are allowed, over plain http too (and
    /// http goes nowhere else).
    pub allow_insecure_loopback: bool,
    /// Private networks (10/8, 172.16/12, 192.168/16, fc00::/7, …), for a merchant
    /// system that sits beside the server.
    pub allow_private: bool,
    /// Link-local addresses (169.254/16, fe80::/10). Separate from `allow_private`
    /// because that is where cloud metadata services live, which hand out credentials.
    pub allow_link_local: bool,
}

// What a policy makes of each class, beside the policy rather than the address ranges.
impl AddressClass {
    fn allowed(self, policy: Policy) -> bool {
        match self {
            AddressClass::Public => true,
            AddressClass::Loopback => policy.allow_insecure_loopback,
            AddressClass::Private => policy.allow_private,
            AddressClass::LinkLocal => policy.allow_link_local,
            AddressClass::NonRoutable => false,
        }
    }

    /// Why this class is refused, the end of a refusal's sentence.
    fn refusal(self) -> &'static str {
        match self {
            AddressClass::Public => "which is allowed",
            AddressClass::Loopback => {
                "a loopback address, which webhooks reach only in the demo and tests"
            }
            AddressClass::Private => {
                "a private-network address, which webhooks reach only where the operator \
                 allows private addresses"
            }
            AddressClass::LinkLocal => {
                "a link-local address (where cloud metadata services live), which webhooks \
                 reach only where the operator allows link-local addresses"
            }
            AddressClass::NonRoutable => {
                "a reserved or non-routable address, which webhooks never reach"
            }
        }
    }
}

/// Why an endpoint URL or address is refused; the messages suit a problem+json `detail`
/// (and the delivery log, for refusals at delivery time).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the endpoint URL is longer than {max} characters", max = MAX_URL_LEN)]
    TooLong,
    #[error("the endpoint URL contains spaces or control characters")]
    Whitespace,
    #[error("the endpoint URL is not a valid absolute URL ({0})")]
    Invalid(String),
    #[error("the endpoint URL must use https, not {0}")]
    Scheme(String),
    #[error("plain http is allowed only to loopback, in the demo and tests; use https")]
    InsecureNotLoopback,
    #[error(
        "the endpoint URL must not contain a user name or password; calls are \
         authenticated by the webhook signature"
    )]
    Credentials,
    #[error("the endpoint URL must not contain a fragment (#…): it is never sent to the server")]
    Fragment,
    #[error("the endpoint URL has no host")]
    NoHost,
    #[error("the endpoint URL's port 0 cannot be connected to")]
    PortZero,
    #[error("the endpoint host {0:?} is not a fully qualified domain name")]
    SingleLabel(String),
    #[error(
        "the endpoint host {0:?} names this machine, which webhooks reach only in the demo \
         and tests"
    )]
    LocalName(String),
    #[error("the endpoint host is {addr}, {}", .class.refusal())]
    Address { addr: IpAddr, class: AddressClass },
    #[error("the endpoint host resolves to {addr}, {}", .class.refusal())]
    Resolved { addr: IpAddr, class: AddressClass },
    #[error("the endpoint host resolves to no address")]
    NoAddress,
}

/// Where an [`EndpointUrl`] points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndpointHost<'a> {
    /// A name to resolve (ASCII, lowercase, punycode for international names).
    Domain(&'a str),
    /// An address literal, already checked against the policy.
    Ip(IpAddr),
}

/// A validated endpoint URL, in the WHATWG parser's normal form (the form to store, show
/// and call: `HTTPS://Example.COM:443/a/../b` becomes `https://example.com/b`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EndpointUrl(url::Url);

impl EndpointUrl {
    /// Checks a merchant's URL against `policy`.
    pub fn parse(input: &str, policy: Policy) -> Result<Self, Refusal> {
        if input.len() > MAX_URL_LEN {
            return Err(Refusal::TooLong);
        }
        // The WHATWG parser silently drops tabs and newlines and trims spaces; refuse them
        // instead, so the URL we call is the one the merchant can read.
        if input.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(Refusal::Whitespace);
        }
        let url = url::Url::parse(input).map_err(|e| Refusal::Invalid(e.to_string()))?;
        let insecure = match url.scheme() {
            "https" => false,
            "http" if policy.allow_insecure_loopback => true,
            "http" => return Err(Refusal::Scheme("http".to_owned())),
            other => return Err(Refusal::Scheme(other.to_owned())),
        };
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Refusal::Credentials);
        }
        if url.fragment().is_some() {
            return Err(Refusal::Fragment);
        }
        if url.port() == Some(0) {
            return Err(Refusal::PortZero);
        }
        let endpoint = EndpointUrl(url);
        match endpoint.host() {
            EndpointHost::Ip(addr) => {
                let class = classify_ip(addr);
                if !class.allowed(policy) {
                    return Err(Refusal::Address { addr, class });
                }
                if insecure && class != AddressClass::Loopback {
                    return Err(Refusal::InsecureNotLoopback);
                }
            }
            EndpointHost::Domain(name) => {
                let name = name.strip_suffix('.').unwrap_or(name);
                // RFC 6761: `localhost` and `*.localhost` are this machine.
                let local = name == "localhost" || name.ends_with(".localhost");
                if local && !policy.allow_insecure_loopback {
                    return Err(Refusal::LocalName(name.to_owned()));
                }
                if insecure && !local {
                    return Err(Refusal::InsecureNotLoopback);
                }
                // A single label (`intranet`) is completed by the resolver's search domains:
                // an internal host by design.
                if !local && !name.contains('.') {
                    return Err(Refusal::SingleLabel(name.to_owned()));
                }
            }
        }
        Ok(endpoint)
    }

    /// The normalised URL, to store and to request.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// Plain http (only ever to loopback; see [`Policy::allow_insecure_loopback`]).
    pub fn is_insecure(&self) -> bool {
        self.0.scheme() == "http"
    }

    pub fn host(&self) -> EndpointHost<'_> {
        match self.0.host() {
            Some(url::Host::Ipv4(v4)) => EndpointHost::Ip(IpAddr::V4(v4)),
            Some(url::Host::Ipv6(v6)) => EndpointHost::Ip(IpAddr::V6(v6)),
            Some(url::Host::Domain(name)) => EndpointHost::Domain(name),
            // http and https URLs always have a host: the parser refuses them without one.
            None => EndpointHost::Domain(""),
        }
    }

    /// The port to connect to (443 or 80 unless the URL says otherwise).
    pub fn port(&self) -> u16 {
        self.0
            .port_or_known_default()
            .expect("http and https have default ports")
    }

    /// What goes on the request line: the path and the query (`/hooks?k=1`).
    pub fn path_and_query(&self) -> &str {
        &self.0[url::Position::BeforePath..url::Position::AfterQuery]
    }

    /// The `Host` header: the host as written in the URL (IPv6 in brackets), with the
    /// port only when it is not the scheme's default, as browsers send it.
    pub fn authority(&self) -> &str {
        &self.0[url::Position::BeforeHost..url::Position::AfterPort]
    }
}

impl fmt::Display for EndpointUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Checks the addresses `url`'s host resolved to, before connecting. Every address must
/// pass (the client may try any of them), an empty answer is refused, and a plain-http
/// URL may reach loopback only, whatever else the policy allows. Connect to these
/// addresses only: resolving again could give others.
pub fn check_resolved(url: &EndpointUrl, addrs: &[IpAddr], policy: Policy) -> Result<(), Refusal> {
    if addrs.is_empty() {
        return Err(Refusal::NoAddress);
    }
    for &addr in addrs {
        let class = classify_ip(addr);
        if !class.allowed(policy) {
            return Err(Refusal::Resolved { addr, class });
        }
        if url.is_insecure() && class != AddressClass::Loopback {
            return Err(Refusal::InsecureNotLoopback);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const STRICT: Policy = Policy {
        allow_insecure_loopback: false,
        allow_private: false,
        allow_link_local: false,
    };
    const DEMO: Policy = Policy {
        allow_insecure_loopback: true,
        ..STRICT
    };

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn public_https_urls_pass_and_are_normalised() {
        let url = EndpointUrl::parse("HTTPS://Hooks.Example.COM/a/../cadence?x=1", STRICT).unwrap();
        assert_eq!(url.as_str(), "https://hooks.example.com/cadence?x=1");
        assert_eq!(url.host(), EndpointHost::Domain("hooks.example.com"));
        assert_eq!(url.port(), 443);
        assert!(!url.is_insecure());
        let url = EndpointUrl::parse("https://8.8.8.8:8443/", STRICT).unwrap();
        assert_eq!(url.host(), EndpointHost::Ip(ip("8.8.8.8")));
        assert_eq!(url.port(), 8443);
        let url = EndpointUrl::parse("https://bücher.example/h", STRICT).unwrap();
        assert_eq!(url.host(), EndpointHost::Domain("xn--bcher-kva.example"));
        assert!(EndpointUrl::parse("https://example.com./", STRICT).is_ok());
    }

    #[test]
    fn request_line_and_host_header_come_from_the_normal_form() {
        let url = EndpointUrl::parse("https://Hooks.Example.com:443/a/b?x=1&y", STRICT).unwrap();
        assert_eq!(url.path_and_query(), "/a/b?x=1&y");
        assert_eq!(url.authority(), "hooks.example.com");
        let url = EndpointUrl::parse("http://[::1]:8080", DEMO).unwrap();
        assert_eq!(url.path_and_query(), "/");
        assert_eq!(url.authority(), "[::1]:8080");
    }

    #[test]
    fn bad_urls_are_refused_with_reasons() {
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL_LEN));
        for (input, refusal) in [
            (long.as_str(), Refusal::TooLong),
            (" https://example.com/", Refusal::Whitespace),
            ("https://exa\tmple.com/", Refusal::Whitespace),
            ("https://example.com/\n", Refusal::Whitespace),
            ("http://example.com/", Refusal::Scheme("http".into())),
            ("ftp://example.com/", Refusal::Scheme("ftp".into())),
            ("javascript:alert(1)", Refusal::Scheme("javascript".into())),
            ("https://user:pw@example.com/", Refusal::Credentials),
            ("https://user@example.com/", Refusal::Credentials),
            ("https://example.com/#frag", Refusal::Fragment),
            ("https://example.com/#", Refusal::Fragment),
            ("https://example.com:0/", Refusal::PortZero),
            ("https://intranet/", Refusal::SingleLabel("intranet".into())),
            ("https://localhost/", Refusal::LocalName("localhost".into())),
            (
                "https://api.localhost/",
                Refusal::LocalName("api.localhost".into()),
            ),
        ] {
            assert_eq!(EndpointUrl::parse(input, STRICT), Err(refusal), "{input:?}");
        }
        assert!(matches!(
            EndpointUrl::parse("/relative", STRICT),
            Err(Refusal::Invalid(_))
        ));
        assert!(matches!(
            EndpointUrl::parse("https://exa mple.com", STRICT),
            Err(Refusal::Whitespace)
        ));
        assert!(matches!(
            EndpointUrl::parse("https://[::1/", STRICT),
            Err(Refusal::Invalid(_))
        ));
    }

    #[test]
    fn address_literals_are_checked_in_every_spelling() {
        // The WHATWG parser reads these as 127.0.0.1 / 169.254.169.254, as clients do.
        for input in [
            "https://127.0.0.1/",
            "https://2130706433/",
            "https://0x7f.1/",
            "https://0177.0.0.1/",
            "https://[::ffff:127.0.0.1]/",
            "https://[::1]/",
        ] {
            assert!(
                matches!(
                    EndpointUrl::parse(input, STRICT),
                    Err(Refusal::Address {
                        class: AddressClass::Loopback,
                        ..
                    })
                ),
                "{input}"
            );
        }
        let err =
            EndpointUrl::parse("https://169.254.169.254/latest/meta-data", STRICT).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the endpoint host is 169.254.169.254, a link-local address (where cloud metadata \
             services live), which webhooks reach only where the operator allows link-local \
             addresses"
        );
        assert!(matches!(
            EndpointUrl::parse(
                "https://0.0.0.0/",
                Policy {
                    allow_private: true,
                    allow_link_local: true,
                    ..DEMO
                }
            ),
            Err(Refusal::Address {
                class: AddressClass::NonRoutable,
                ..
            })
        ));
    }

    #[test]
    fn the_operator_can_allow_private_and_link_local_separately() {
        let private = Policy {
            allow_private: true,
            ..STRICT
        };
        assert!(EndpointUrl::parse("https://10.0.0.5/hook", private).is_ok());
        assert!(EndpointUrl::parse("https://169.254.169.254/", private).is_err());
        let link_local = Policy {
            allow_link_local: true,
            ..STRICT
        };
        assert!(EndpointUrl::parse("https://169.254.169.254/", link_local).is_ok());
        assert!(EndpointUrl::parse("https://10.0.0.5/", link_local).is_err());
    }

    #[test]
    fn the_demo_allows_http_to_loopback_only() {
        for input in [
            "http://127.0.0.1:8080/hooks",
            "http://localhost:3000/hooks",
            "http://[::1]:3000/",
            "https://localhost/",
        ] {
            assert!(EndpointUrl::parse(input, DEMO).is_ok(), "{input}");
        }
        let allow_all = Policy {
            allow_insecure_loopback: true,
            allow_private: true,
            allow_link_local: true,
        };
        for input in ["http://example.com/", "http://10.0.0.1/", "http://8.8.8.8/"] {
            assert_eq!(
                EndpointUrl::parse(input, allow_all),
                Err(Refusal::InsecureNotLoopback),
                "{input}"
            );
        }
        assert_eq!(
            EndpointUrl::parse("http://localhost/", DEMO)
                .unwrap()
                .port(),
            80
        );
    }

    #[test]
    fn resolved_addresses_must_all_pass() {
        let url = EndpointUrl::parse("https://hooks.example.com/", STRICT).unwrap();
        assert_eq!(check_resolved(&url, &[ip("93.184.216.34")], STRICT), Ok(()));
        assert_eq!(
            check_resolved(&url, &[ip("93.184.216.34"), ip("10.0.0.1")], STRICT),
            Err(Refusal::Resolved {
                addr: ip("10.0.0.1"),
                class: AddressClass::Private
            })
        );
        let metadata = check_resolved(&url, &[ip("169.254.169.254")], STRICT).unwrap_err();
        assert!(metadata
            .to_string()
            .starts_with("the endpoint host resolves to 169.254.169.254, a link-local address"));
        assert_eq!(check_resolved(&url, &[], STRICT), Err(Refusal::NoAddress));
        assert!(check_resolved(&url, &[ip("::ffff:192.168.0.1")], STRICT).is_err());
        let private = Policy {
            allow_private: true,
            ..STRICT
        };
        assert_eq!(check_resolved(&url, &[ip("10.0.0.1")], private), Ok(()));
        assert!(check_resolved(&url, &[ip("127.0.0.1")], private).is_err());
        assert!(check_resolved(&url, &[ip("0.0.0.0")], private).is_err());
    }

    #[test]
    fn plain_http_stays_on_loopback_after_resolution() {
        let allow_all = Policy {
            allow_insecure_loopback: true,
            allow_private: true,
            allow_link_local: true,
        };
        let url = EndpointUrl::parse("http://localhost:3000/", allow_all).unwrap();
        assert_eq!(
            check_resolved(&url, &[ip("127.0.0.1"), ip("::1")], allow_all),
            Ok(())
        );
        assert_eq!(
            check_resolved(&url, &[ip("10.0.0.1")], allow_all),
            Err(Refusal::InsecureNotLoopback)
        );
        // Without the demo flag, even a loopback answer is refused.
        let https = EndpointUrl::parse("https://hooks.example.com/", STRICT).unwrap();
        assert!(matches!(
            check_resolved(&https, &[ip("127.0.0.1")], STRICT),
            Err(Refusal::Resolved {
                class: AddressClass::Loopback,
                ..
            })
        ));
    }
}
