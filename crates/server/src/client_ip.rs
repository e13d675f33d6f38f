//! The client's address: the peer of the connection, or, when that peer is one of the
//! configured trusted proxies, the address the proxies report in `X-Forwarded-For`.

use std::net::IpAddr;

/// An address or a CIDR range, such as `10.0.0.0/8` or `::1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpRange {
    network: IpAddr,
    prefix: u8,
}

impl IpRange {
    /// Parses `a.b.c.d`, `a.b.c.d/n`, an IPv6 address or an IPv6 `addr/n`.
    ///
    /// # Errors
    /// A sentence naming what is wrong.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        let (address, prefix) = match raw.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (raw, None),
        };
        let network: IpAddr = address
            .parse()
            .map_err(|_| format!("{raw:?} is not an IP address or CIDR range"))?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(prefix) => prefix
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("{raw:?} has a prefix length outside 0..={max}"))?,
        };
        Ok(Self { network, prefix })
    }

    /// Whether `ip` lies in the range.
    #[must_use]
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, ip.to_canonical()) {
            (IpAddr::V4(network), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(network) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(network), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(network) & mask == u128::from(ip) & mask
            }
            (IpAddr::V4(_), IpAddr::V6(_)) | (IpAddr::V6(_), IpAddr::V4(_)) => false,
        }
    }
}

/// The client behind `peer`: `peer` itself unless it is a trusted proxy, in which case the
/// nearest address in `forwarded_for` (`X-Forwarded-For`, read from the right) that is not
/// a trusted proxy. A proxy that forwards no usable address leaves `peer`.
#[must_use]
pub fn client_ip(peer: IpAddr, forwarded_for: &[&str], trusted: &[IpRange]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|range| range.contains(ip));
    if !is_trusted(peer) {
        return peer.to_canonical();
    }
    let hops = forwarded_for
        .iter()
        .flat_map(|value| value.split(','))
        .rev()
        .map(|hop| hop.trim().parse::<IpAddr>());
    let mut client = peer.to_canonical();
    for hop in hops {
        match hop {
            Ok(ip) => {
                client = ip.to_canonical();
                if !is_trusted(ip) {
                    break;
                }
            }
            // A hop that is not an address cannot be trusted to have come from a proxy.
            Err(_) => break,
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(raw: &str) -> IpAddr {
        raw.parse().unwrap_or_else(|e| panic!("{raw}: {e}"))
    }

    fn ranges(raw: &[&str]) -> Vec<IpRange> {
        raw.iter()
            .map(|r| IpRange::parse(r).unwrap_or_else(|e| panic!("{e}")))
            .collect()
    }

    #[test]
    fn ranges_parse_and_match() {
        let net = ranges(&["10.0.0.0/8", "192.168.1.7", "fd00::/8"]);
        assert!(net[0].contains(ip("10.200.3.4")));
        assert!(!net[0].contains(ip("11.0.0.1")));
        assert!(net[1].contains(ip("192.168.1.7")));
        assert!(!net[1].contains(ip("192.168.1.8")));
        assert!(net[2].contains(ip("fd12::1")));
        assert!(net[0].contains(ip("::ffff:10.1.2.3")), "IPv4-mapped");
        assert!(IpRange::parse("0.0.0.0/0").is_ok_and(|all| all.contains(ip("8.8.8.8"))));
        for bad in ["", "nonsense", "10.0.0.0/33", "::/129", "10.0.0.0/x"] {
            assert!(IpRange::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_a_trusted_proxy_may_name_the_client() {
        let trusted = ranges(&["10.0.0.0/8"]);
        // Straight from the internet: the header is whatever the client wrote.
        assert_eq!(
            client_ip(ip("203.0.113.9"), &["1.2.3.4"], &trusted),
            ip("203.0.113.9")
        );
        // Through the load balancer: the address it saw.
        assert_eq!(
            client_ip(ip("10.0.0.2"), &["198.51.100.7"], &trusted),
            ip("198.51.100.7")
        );
        // A forged left part is skipped: the rightmost untrusted hop is the client.
        assert_eq!(
            client_ip(
                ip("10.0.0.2"),
                &["6.6.6.6, 198.51.100.7, 10.0.0.9"],
                &trusted
            ),
            ip("198.51.100.7")
        );
        assert_eq!(
            client_ip(ip("10.0.0.2"), &["6.6.6.6", "198.51.100.7"], &trusted),
            ip("198.51.100.7")
        );
        assert_eq!(client_ip(ip("10.0.0.2"), &[], &trusted), ip("10.0.0.2"));
        assert_eq!(
            client_ip(ip("10.0.0.2"), &["garbage"], &trusted),
            ip("10.0.0.2")
        );
        assert_eq!(client_ip(ip("10.0.0.2"), &["1.1.1.1"], &[]), ip("10.0.0.2"));
    }
}
