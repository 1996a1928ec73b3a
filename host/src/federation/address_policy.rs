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
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

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
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        // Unique local fc00::/7, link-local fe80::/10, documentation 2001:db8::/32.
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        || (first == 0x2001 && ip.segments()[1] == 0x0db8))
}

/// The rule for one instance: fixed addresses for some names, and whether private
/// addresses are allowed.
#[derive(Debug, Clone)]
pub struct AddressPolicy {
    pub allow_private: bool,
    pub fixed: Arc<HashMap<String, SocketAddr>>,
}

/// The reason a destination is refused; the text says how the operator allows it.
pub const REFUSED_PRIVATE: &str = "resolves only to private, loopback or link-local addresses, which federation does not reach \
                                   (set [federation] allow_private_networks = true to allow them)";

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

    #[test]
    fn private_loopback_and_link_local_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.10",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:192.168.1.1",
            "2001:db8::1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip} must not be public");
        }
        for ip in ["1.1.1.1", "93.184.216.34", "2606:4700::1111", "::ffff:8.8.8.8"] {
            assert!(is_public(ip.parse().unwrap()), "{ip} is public");
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
