//! Who is asking: the client address every per-client limit is keyed by, taken from the
//! TCP peer (or, behind a proxy the operator named, the address that proxy saw).

use axum::extract::ConnectInfo;
use axum::http::request::Parts;
use axum::http::Extensions;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};

/// A client as the limits see it: an IPv4 address, or an IPv6 /64 (one subscriber line
/// usually holds a whole /64, so keying by full address would let one host rotate freely).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Client(IpAddr);

impl Client {
    pub fn from_ip(ip: IpAddr) -> Client {
        match ip {
            IpAddr::V4(_) => Client(ip),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Client(IpAddr::V4(v4)),
                None => {
                    let s = v6.segments();
                    Client(IpAddr::V6(Ipv6Addr::new(
                        s[0], s[1], s[2], s[3], 0, 0, 0, 0,
                    )))
                }
            },
        }
    }

    pub fn ip(self) -> IpAddr {
        self.0
    }
}

impl std::fmt::Display for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            IpAddr::V6(ip) => write!(f, "{ip}/64"),
            IpAddr::V4(ip) => write!(f, "{ip}"),
        }
    }
}

/// The request's client, or `None` when the request did not come over a socket (the
/// router driven in process: tests, the demo shop's own calls), which no limit applies to.
///
/// When the TCP peer is one of `trusted_proxies`, the last address of its
/// `X-Forwarded-For` (the one that proxy appended) is the client: anything before it
/// was written by the client and proves nothing.
pub fn client_of(parts: &Parts, trusted_proxies: &[IpAddr]) -> Option<Client> {
    client_from(&parts.extensions, &parts.headers, trusted_proxies)
}

pub fn client_from(
    extensions: &Extensions,
    headers: &axum::http::HeaderMap,
    trusted_proxies: &[IpAddr],
) -> Option<Client> {
    let peer = extensions.get::<ConnectInfo<SocketAddr>>()?.0.ip();
    if trusted_proxies.contains(&peer) {
        let forwarded = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|a| a.trim().parse::<IpAddr>().ok())
            .next_back();
        if let Some(ip) = forwarded {
            return Some(Client::from_ip(ip));
        }
    }
    Some(Client::from_ip(peer))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderMap, HeaderValue};

    fn with_peer(ip: &str) -> Extensions {
        let mut ext = Extensions::new();
        ext.insert(ConnectInfo(SocketAddr::new(ip.parse().unwrap(), 4000)));
        ext
    }

    #[test]
    fn ipv6_clients_are_keyed_by_their_64_and_mapped_v4_by_the_v4() {
        let a = Client::from_ip("2001:db8:1:2:aaaa::1".parse().unwrap());
        let b = Client::from_ip("2001:db8:1:2:bbbb::9".parse().unwrap());
        let c = Client::from_ip("2001:db8:1:3::1".parse().unwrap());
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.to_string(), "2001:db8:1:2::/64");
        let mapped = Client::from_ip("::ffff:192.0.2.7".parse().unwrap());
        assert_eq!(mapped.to_string(), "192.0.2.7");
    }

    #[test]
    fn forwarded_for_is_believed_only_from_a_trusted_proxy() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            HeaderValue::from_static("6.6.6.6, 203.0.113.9"),
        );
        let proxy: IpAddr = "10.0.0.2".parse().unwrap();
        let via_proxy = client_from(&with_peer("10.0.0.2"), &headers, &[proxy]).unwrap();
        assert_eq!(via_proxy.to_string(), "203.0.113.9");
        let direct = client_from(&with_peer("198.51.100.1"), &headers, &[proxy]).unwrap();
        assert_eq!(direct.to_string(), "198.51.100.1");
        assert!(client_from(&Extensions::new(), &headers, &[proxy]).is_none());
    }
}
