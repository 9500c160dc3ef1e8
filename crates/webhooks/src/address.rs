//! What kind of destination an IP address is: public, loopback, private, link-local, or
//! nowhere a webhook could live. The endpoint rules (`endpoint_url.rs`) decide which
//! classes a policy allows; this file only knows the address ranges.

use core::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// What kind of destination an address is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AddressClass {
    Public,
    Loopback,
    Private,
    LinkLocal,
    /// Unspecified (which reaches the local host), multicast, broadcast, documentation,
    /// benchmarking, shared (CGNAT 100.64/10), reserved, and IPv6 outside global unicast:
    /// no webhook endpoint lives there, whatever the policy.
    NonRoutable,
}

impl fmt::Display for AddressClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AddressClass::Public => "public",
            AddressClass::Loopback => "loopback",
            AddressClass::Private => "private",
            AddressClass::LinkLocal => "link-local",
            AddressClass::NonRoutable => "non-routable",
        })
    }
}

/// What kind of destination `addr` is. IPv6 forms that embed an IPv4 address (mapped
/// `::ffff:a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) are classed by that IPv4
/// address, since that is where the packets end up.
pub fn classify_ip(addr: IpAddr) -> AddressClass {
    match addr {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

fn classify_v4(addr: Ipv4Addr) -> AddressClass {
    use AddressClass::*;
    let [a, b, c, _] = addr.octets();
    match (a, b, c) {
        (127, _, _) => Loopback,
        (10, _, _) | (172, 16..=31, _) | (192, 168, _) => Private,
        (169, 254, _) => LinkLocal,
        // 0/8 "this network" (0.0.0.0 reaches the local host), 224/4 multicast, 240/4
        // reserved and broadcast, 100.64/10 shared (CGNAT), 192.0.0/24 protocol
        // assignments, 192.0.2/24 198.51.100/24 203.0.113/24 documentation, 192.88.99/24
        // the retired 6to4 relay, 198.18/15 benchmarking.
        (0 | 224..=255, _, _)
        | (100, 64..=127, _)
        | (192, 0, 0 | 2)
        | (192, 88, 99)
        | (198, 18..=19, _)
        | (198, 51, 100)
        | (203, 0, 113) => NonRoutable,
        _ => Public,
    }
}

fn classify_v6(addr: Ipv6Addr) -> AddressClass {
    use AddressClass::*;
    if let Some(v4) = addr.to_ipv4_mapped() {
        return classify_v4(v4);
    }
    let s = addr.segments();
    let embedded = |hi: u16, lo: u16| {
        let [a, b] = hi.to_be_bytes();
        let [c, d] = lo.to_be_bytes();
        classify_v4(Ipv4Addr::new(a, b, c, d))
    };
    match s {
        [0, 0, 0, 0, 0, 0, 0, 1] => Loopback,
        // NAT64, well-known prefix: a gateway forwards to the embedded IPv4 address.
        [0x64, 0xff9b, 0, 0, 0, 0, hi, lo] => embedded(hi, lo),
        // NAT64 for local use (RFC 8215): inside the operator's network.
        [0x64, 0xff9b, 1, ..] => Private,
        // 6to4: the IPv4 address follows the prefix.
        [0x2002, hi, lo, ..] => embedded(hi, lo),
        // Documentation (2001:db8::/32, 3fff::/20) and IETF protocol assignments
        // (2001::/23, Teredo among them, which hides an IPv4 address).
        [0x2001, 0x0db8, ..] => NonRoutable,
        [0x3fff, b, ..] if b < 0x1000 => NonRoutable,
        [0x2001, b, ..] if b < 0x0200 => NonRoutable,
        [first, ..] if first & 0xfe00 == 0xfc00 => Private,
        [first, ..] if first & 0xffc0 == 0xfe80 => LinkLocal,
        // The retired site-local range, private in effect where still used.
        [first, ..] if first & 0xffc0 == 0xfec0 => Private,
        // Global unicast is 2000::/3; everything else (unspecified, IPv4-compatible,
        // discard-only 100::/64, multicast ff00::/8, unassigned) is not a destination.
        [first, ..] if first & 0xe000 == 0x2000 => Public,
        _ => NonRoutable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn addresses_are_classified() {
        use AddressClass::*;
        for (addr, class) in [
            ("8.8.8.8", Public),
            ("1.1.1.1", Public),
            ("172.32.0.1", Public),
            ("100.128.0.1", Public),
            ("127.0.0.1", Loopback),
            ("127.255.255.254", Loopback),
            ("10.0.0.1", Private),
            ("172.16.0.1", Private),
            ("172.31.255.255", Private),
            ("192.168.1.1", Private),
            ("169.254.169.254", LinkLocal),
            ("0.0.0.0", NonRoutable),
            ("0.1.2.3", NonRoutable),
            ("100.64.0.1", NonRoutable),
            ("100.127.255.255", NonRoutable),
            ("192.0.0.8", NonRoutable),
            ("192.0.2.1", NonRoutable),
            ("198.51.100.7", NonRoutable),
            ("203.0.113.9", NonRoutable),
            ("198.18.0.1", NonRoutable),
            ("224.0.0.1", NonRoutable),
            ("239.255.255.250", NonRoutable),
            ("240.0.0.1", NonRoutable),
            ("255.255.255.255", NonRoutable),
            ("2606:4700:4700::1111", Public),
            ("2a00:1450:4001::200e", Public),
            ("::1", Loopback),
            ("::", NonRoutable),
            ("::ffff:8.8.8.8", Public),
            ("::ffff:127.0.0.1", Loopback),
            ("::ffff:10.1.2.3", Private),
            ("::ffff:169.254.169.254", LinkLocal),
            ("::ffff:0.0.0.0", NonRoutable),
            ("::127.0.0.1", NonRoutable),
            ("64:ff9b::8.8.8.8", Public),
            ("64:ff9b::10.0.0.1", Private),
            ("64:ff9b::169.254.169.254", LinkLocal),
            ("64:ff9b:1::1", Private),
            ("2002:0a00:0001::1", Private),
            ("2002:0808:0808::1", Public),
            ("2001:db8::1", NonRoutable),
            ("2001:0:4136:e378::1", NonRoutable),
            ("3fff::1", NonRoutable),
            ("100::1", NonRoutable),
            ("fc00::1", Private),
            ("fd12:3456::1", Private),
            ("fe80::1", LinkLocal),
            ("febf::1", LinkLocal),
            ("fec0::1", Private),
            ("ff02::1", NonRoutable),
            ("4000::1", NonRoutable),
        ] {
            assert_eq!(classify_ip(ip(addr)), class, "{addr}");
        }
    }
}
