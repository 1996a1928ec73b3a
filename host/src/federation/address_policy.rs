//! Which addresses outbound federation requests may reach.
//!
//! A remote document names URLs this server then fetches (keys, actors, objects,
//! inboxes). Without a rule, anyone could make the server probe its own network —
//! the router, the NAS, a database on localhost. So only public addresses are
//! reachable unless the operator sets `[federation] allow_private_networks`, and
//! names listed in `[federation.resolve]` go where the operator said.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

/// Whether `ip` is a public unicast address.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

/// IPv4, against the IANA special-purpose address registry.
fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_unspecified()
        || ip.is_multicast()
        || a == 0
        // Carrier-grade NAT (100.64.0.0/10), IETF protocol assignments, benchmarking, reserved.
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && c == 0)
        || (a == 198 && (b == 18 || b == 19))
        // The 6to4 relay anycast (deprecated by RFC 7526): a relay, never a server.
        || (a == 192 && b == 88 && c == 99)
        || a >= 240)
}

/// IPv6: only global unicast (`2000::/3`) outside the special-purpose blocks in it.
/// That one allowlist also refuses everything else the IANA registries set apart:
/// `::/8` (unspecified, loopback, the deprecated IPv4-compatible `::a.b.c.d`),
/// discard-only `100::/64`, local-use NAT64 `64:ff9b:1::/48` (its embedding depends
/// on the operator's prefix length, so it cannot be read back), unique local
/// `fc00::/7`, link-local `fe80::/10`, site-local `fec0::/10`, multicast `ff00::/8`,
/// SRv6 `5f00::/16`.
///
/// Three forms carry an IPv4 address that the traffic really goes to, so that
/// address decides: IPv4-mapped `::ffff:a.b.c.d` (a dual-stack socket connects to
/// it over IPv4), the well-known NAT64 prefix `64:ff9b::/96` (RFC 6052: the
/// translator forwards to it; refusing the whole prefix would cut IPv6-only hosts
/// behind DNS64 off from every IPv4-only server) and 6to4 `2002:AABB:CCDD::/48`
/// (RFC 3056: the tunnel ends at `AA.BB.CC.DD`).
fn is_public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = embedded_ipv4(ip) {
        return is_public_v4(v4);
    }
    let s = ip.segments();
    let global_unicast = (s[0] & 0xe000) == 0x2000;
    !(!global_unicast
        // IETF protocol assignments 2001::/23: Teredo 2001::/32 (an obfuscated IPv4
        // address behind a relay), benchmarking 2001:2::/48, ORCHID, and anycast
        // service addresses; no ActivityPub server lives there.
        || (s[0] == 0x2001 && s[1] < 0x0200)
        // Documentation: 2001:db8::/32 and 3fff::/20 (RFC 9637).
        || (s[0] == 0x2001 && s[1] == 0x0db8)
        || (s[0] == 0x3fff && s[1] < 0x1000))
}

/// The IPv4 address an IPv6 address stands for, in the forms where the packets go to
/// it: IPv4-mapped, well-known-prefix NAT64, 6to4.
fn embedded_ipv4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let from = |hi: u16, lo: u16| Ipv4Addr::from(((hi as u32) << 16) | lo as u32);
    if let Some(v4) = ip.to_ipv4_mapped() {
        Some(v4)
    } else if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        Some(from(s[6], s[7]))
    } else if s[0] == 0x2002 {
        Some(from(s[1], s[2]))
    } else {
        None
    }
}

/// The rule for one instance: fixed addresses for some names, and whether private
/// addresses are allowed.
#[derive(Debug, Clone)]
pub struct AddressPolicy {
    pub allow_private: bool,
    pub fixed: Arc<HashMap<String, SocketAddr>>,
}

/// The reason a destination is refused; the text says how the operator allows it.
pub const REFUSED_PRIVATE: &str = "resolves only to private, loopback, link-local or other special-purpose addresses, which \
                                   federation does not reach (set [federation] allow_private_networks = true to allow them)";

impl AddressPolicy {
    /// Refuses a URL whose host is an IP literal this policy does not allow (names are
    /// checked when they resolve).
    pub fn check_literal(&self, host: &str) -> Result<(), String> {
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        match bare.parse::<IpAddr>() {
            Ok(ip) if !self.allow_private && !is_public(ip) => Err(format!("{host} {REFUSED_PRIVATE}")),
            _ => Ok(()),
        }
    }

    /// The addresses `name` may be reached at.
    pub async fn resolve(&self, name: &str) -> Result<Vec<SocketAddr>, String> {
        if let Some(addr) = self.fixed.get(&name.to_ascii_lowercase()) {
            return Ok(vec![*addr]);
        }
        let found: Vec<SocketAddr> =
            tokio::net::lookup_host((name, 0)).await.map_err(|e| format!("{name} could not be resolved: {e}"))?.collect();
        let allowed: Vec<SocketAddr> = found.iter().copied().filter(|a| self.allow_private || is_public(a.ip())).collect();
        if allowed.is_empty() && !found.is_empty() {
            return Err(format!("{name} {REFUSED_PRIVATE}"));
        }
        Ok(allowed)
    }
}

/// The policy as reqwest's resolver.
impl reqwest::dns::Resolve for AddressPolicy {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.clone();
        Box::pin(async move {
            let addrs = policy.resolve(name.as_str()).await.map_err(|e| -> Box<dyn std::error::Error + Send + Sync> { e.into() })?;
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_refused(ips: &[&str]) {
        for ip in ips {
            assert!(!is_public(ip.parse().unwrap()), "{ip} must not be reachable");
        }
    }

    fn assert_public(ips: &[&str]) {
        for ip in ips {
            assert!(is_public(ip.parse().unwrap()), "{ip} is public");
        }
    }

    #[test]
    fn ipv4_special_purpose_ranges_are_not_public() {
        assert_refused(&[
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.10",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.255",
            "0.0.0.0",
            "0.1.2.3",
            "192.0.0.8",
            "192.0.2.1",
            "198.18.0.1",
            "198.19.255.1",
            "198.51.100.7",
            "203.0.113.9",
            "192.88.99.1",
            "224.0.0.1",
            "240.0.0.1",
            "255.255.255.255",
        ]);
        // Just outside each range.
        assert_public(&["1.1.1.1", "93.184.216.34", "172.32.0.1", "100.128.0.1", "198.20.0.1", "192.88.98.1", "223.255.255.1"]);
    }

    #[test]
    fn ipv6_outside_global_unicast_is_not_public() {
        assert_refused(&[
            "::",
            "::1",
            // IPv4-compatible (deprecated), whatever the address: never routed.
            "::127.0.0.1",
            "::10.0.0.1",
            "::8.8.8.8",
            // Discard-only, local-use NAT64, unique local, link-local, site-local, multicast, SRv6.
            "100::1",
            "64:ff9b:1::8.8.8.8",
            "fc00::1",
            "fd00::1",
            "fe80::1",
            "febf::1",
            "fec0::1",
            "ff02::1",
            "ff0e::1",
            "5f00::1",
            "4000::1",
        ]);
    }

    #[test]
    fn ipv6_special_blocks_inside_global_unicast_are_not_public() {
        assert_refused(&[
            // Teredo, and the rest of the IETF protocol assignments 2001::/23.
            "2001::1",
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
            "2001:2::1",
            "2001:1ff::1",
            // Documentation.
            "2001:db8::1",
            "3fff::1",
            "3fff:fff::1",
        ]);
        assert_public(&["2606:4700::1111", "2a00:1450:4001::1", "2001:200::1", "2001:db9::1", "3fff:1000::1", "2c0f:f248::1", "3ffe::1"]);
    }

    #[test]
    fn ipv6_forms_that_carry_ipv4_follow_the_ipv4_rule() {
        // IPv4-mapped, well-known NAT64, 6to4: the embedded address decides.
        assert_refused(&[
            "::ffff:192.168.1.1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::127.0.0.1",
            "64:ff9b::10.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "2002:7f00:1::1",
            "2002:c0a8:101::1",
            "2002:a00:1:1::1",
        ]);
        assert_public(&["::ffff:8.8.8.8", "64:ff9b::8.8.8.8", "64:ff9b::5db8:d822", "2002:808:808::1"]);
        assert_eq!(embedded_ipv4("2002:c0a8:101::1".parse().unwrap()), Some(Ipv4Addr::new(192, 168, 1, 1)));
        assert_eq!(embedded_ipv4("64:ff9b::a9fe:a9fe".parse().unwrap()), Some(Ipv4Addr::new(169, 254, 169, 254)));
        assert_eq!(embedded_ipv4("2606:4700::1111".parse().unwrap()), None);
    }

    #[test]
    fn literals_in_urls_are_checked_and_operators_can_allow_private_ones() {
        let mut policy = AddressPolicy { allow_private: false, fixed: Arc::new(HashMap::new()) };
        for host in ["[::127.0.0.1]", "[64:ff9b::7f00:1]", "[2002:7f00:1::1]", "[2001::1]", "[fd00::1]", "[::ffff:10.0.0.1]", "10.0.0.1"] {
            let refused = policy.check_literal(host).unwrap_err();
            assert!(refused.contains("allow_private_networks"), "{refused}");
        }
        assert!(policy.check_literal("[2606:4700::1111]").is_ok());
        assert!(policy.check_literal("[64:ff9b::808:808]").is_ok());
        assert!(policy.check_literal("social.example").is_ok(), "names are checked when they resolve");
        policy.allow_private = true;
        for host in ["[::1]", "[64:ff9b::7f00:1]", "[fd00::1]", "127.0.0.1"] {
            assert!(policy.check_literal(host).is_ok(), "{host} is allowed when the operator allows private networks");
        }
    }

    #[tokio::test]
    async fn names_resolving_to_private_addresses_are_refused_unless_allowed() {
        let mut policy = AddressPolicy { allow_private: false, fixed: Arc::new(HashMap::new()) };
        let refused = policy.resolve("localhost").await.unwrap_err();
        assert!(refused.contains("allow_private_networks"), "{refused}");
        assert!(policy.check_literal("127.0.0.1").is_err());
        assert!(policy.check_literal("[::1]").is_err());
        policy.allow_private = true;
        assert!(!policy.resolve("localhost").await.unwrap().is_empty());
        assert!(policy.check_literal("127.0.0.1").is_ok());
    }

    #[tokio::test]
    async fn fixed_names_go_where_the_operator_said() {
        let fixed = HashMap::from([("b.test".to_string(), "127.0.0.1:9002".parse().unwrap())]);
        let policy = AddressPolicy { allow_private: false, fixed: Arc::new(fixed) };
        assert_eq!(policy.resolve("B.test").await.unwrap(), vec!["127.0.0.1:9002".parse().unwrap()]);
    }
}
