//! Who is asking, and over what: the peer address, scheme and host, believing
//! `X-Forwarded-For/-Proto/-Host` only from `server.trusted_proxies`.
//!
//! Behind a tunnel or reverse proxy every connection comes from the proxy; trusting
//! its headers gives rate limits and logs the real client. Trusting them from anyone
//! would let any client claim any address, so untrusted peers' headers are ignored.
//!
//! Once the instance has a configured domain, the public host is that domain whatever
//! `Host` or `X-Forwarded-Host` say: every absolute URL the API renders (streaming URL,
//! `Link` pages, media and profile URLs) follows from it, so a forged `Host` cannot
//! plant another origin in an answer a cache or client keeps. The one exception is a
//! loopback host (`localhost`, `127.0.0.1:8080`, `[::1]`): it can only point a client
//! back at its own machine, and it is how an operator (or the test suite) reaches an
//! instance directly, before DNS and a proxy are in place.

use std::net::{IpAddr, SocketAddr};

use http::HeaderMap;
use ipnet::IpNet;

/// The effective client of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientInfo {
    pub ip: IpAddr,
    pub https: bool,
    pub host: Option<String>,
}

/// Decides what to believe about requests.
#[derive(Debug, Clone)]
pub struct ProxyTrust {
    trusted: Vec<IpNet>,
    default_https: bool,
    /// The configured web domain; `None` on a first-start trial, where the request's
    /// own host is all there is to go by.
    configured_host: Option<String>,
}

impl ProxyTrust {
    /// `default_https`: the scheme to assume when no trusted proxy says otherwise.
    pub fn new(trusted: Vec<IpNet>, default_https: bool) -> ProxyTrust {
        ProxyTrust { trusted, default_https, configured_host: None }
    }

    /// The instance's configured web domain, which then names the public host of every
    /// request (but a loopback one, see the module notes).
    pub fn with_configured_host(mut self, host: Option<String>) -> ProxyTrust {
        self.configured_host = host;
        self
    }

    /// The public host for a request that claimed `claimed`.
    fn public_host(&self, claimed: Option<&str>) -> Option<String> {
        match (&self.configured_host, claimed) {
            (Some(_), Some(claimed)) if is_loopback_authority(claimed) => Some(claimed.to_string()),
            (Some(configured), _) => Some(configured.clone()),
            (None, claimed) => claimed.map(str::to_string),
        }
    }

    /// Whether `ip` is one of `server.trusted_proxies`.
    pub fn is_trusted(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(IpAddr::V6(v6)),
            v4 => v4,
        };
        self.trusted.iter().any(|net| net.contains(&ip))
    }

    /// The client behind `peer`, walking `X-Forwarded-For` from the right while the hops are trusted.
    pub fn client(&self, peer: SocketAddr, headers: &HeaderMap) -> ClientInfo {
        let direct = ClientInfo { ip: peer.ip(), https: self.default_https, host: self.public_host(header(headers, "host")) };
        if !self.is_trusted(peer.ip()) {
            return direct;
        }
        let mut ip = peer.ip();
        if let Some(chain) = header(headers, "x-forwarded-for") {
            for hop in chain.rsplit(',').map(str::trim) {
                let Ok(hop_ip) = hop.parse::<IpAddr>() else { break };
                ip = hop_ip;
                if !self.is_trusted(hop_ip) {
                    break;
                }
            }
        }
        let https = match header(headers, "x-forwarded-proto").map(|p| p.split(',').next().unwrap_or("").trim().to_ascii_lowercase()) {
            Some(proto) if proto == "https" => true,
            Some(proto) if proto == "http" => false,
            _ => self.default_https,
        };
        let host = match header(headers, "x-forwarded-host") {
            Some(forwarded) => self.public_host(Some(forwarded)),
            None => direct.host,
        };
        ClientInfo { ip, https, host }
    }
}

/// Whether `authority` (`host` or `host:port`) names this machine's loopback interface.
fn is_loopback_authority(authority: &str) -> bool {
    let host = match authority.strip_prefix('[') {
        Some(rest) => rest.split_once(']').map_or(rest, |(inside, _)| inside),
        None => authority.rsplit_once(':').filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit())).map_or(authority, |(host, _)| host),
    };
    host.eq_ignore_ascii_case("localhost") || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(http::HeaderName::from_bytes(k.as_bytes()).unwrap(), v.parse().unwrap());
        }
        map
    }

    fn trust() -> ProxyTrust {
        ProxyTrust::new(vec!["127.0.0.1/32".parse().unwrap(), "10.0.0.0/8".parse().unwrap()], false)
    }

    #[test]
    fn untrusted_peers_cannot_claim_an_address_or_scheme() {
        let peer: SocketAddr = "203.0.113.9:5000".parse().unwrap();
        let info = trust().client(peer, &headers(&[("x-forwarded-for", "1.2.3.4"), ("x-forwarded-proto", "https")]));
        assert_eq!(info.ip, peer.ip());
        assert!(!info.https);
    }

    #[test]
    fn trusted_proxy_chain_yields_the_first_untrusted_hop() {
        let peer: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        let info = trust().client(
            peer,
            &headers(&[
                ("x-forwarded-for", "198.51.100.7, 203.0.113.5, 10.1.2.3"),
                ("x-forwarded-proto", "https"),
                ("x-forwarded-host", "social.example"),
            ]),
        );
        assert_eq!(info.ip, "203.0.113.5".parse::<IpAddr>().unwrap());
        assert!(info.https);
        assert_eq!(info.host.as_deref(), Some("social.example"));
    }

    #[test]
    fn a_configured_domain_wins_over_any_claimed_host_but_loopback() {
        let configured = trust().with_configured_host(Some("social.example".into()));
        let outside: SocketAddr = "203.0.113.9:5000".parse().unwrap();
        let proxy: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        let host_of = |peer, pairs: &[(&str, &str)]| configured.client(peer, &headers(pairs)).host;
        assert_eq!(host_of(outside, &[("host", "evil.example")]).as_deref(), Some("social.example"));
        assert_eq!(host_of(proxy, &[("host", "social.example"), ("x-forwarded-host", "evil.example")]).as_deref(), Some("social.example"));
        assert_eq!(host_of(outside, &[]).as_deref(), Some("social.example"), "HTTP/1.0 without Host");
        for local in ["127.0.0.1:8080", "localhost", "LOCALHOST:3000", "[::1]:8080", "127.1.2.3"] {
            assert_eq!(host_of(proxy, &[("host", local)]).as_deref(), Some(local));
        }
        for not_local in ["127.0.0.1.evil.example", "localhost.evil.example:80", "[::2]:80", "evil.example:127"] {
            assert_eq!(host_of(proxy, &[("host", not_local)]).as_deref(), Some("social.example"), "{not_local}");
        }
        // A first-start trial has no domain of its own: the request's host stands.
        assert_eq!(trust().client(outside, &headers(&[("host", "evil.example")])).host.as_deref(), Some("evil.example"));
    }

    #[test]
    fn ipv4_mapped_peers_match_ipv4_ranges() {
        let peer: SocketAddr = "[::ffff:127.0.0.1]:5000".parse().unwrap();
        let info = trust().client(peer, &headers(&[("x-forwarded-for", "192.0.2.1")]));
        assert_eq!(info.ip, "192.0.2.1".parse::<IpAddr>().unwrap());
    }
}
