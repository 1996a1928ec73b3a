//! Who is asking, and over what: the peer address, scheme and host, believing
//! `X-Forwarded-For/-Proto/-Host` only from `server.trusted_proxies`.
//!
//! Behind a tunnel or reverse proxy every connection comes from the proxy; trusting
//! its headers gives rate limits and logs the real client. Trusting them from anyone
//! would let any client claim any address, so untrusted peers' headers are ignored.

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
}

impl ProxyTrust {
    /// `default_https`: the scheme to assume when no trusted proxy says otherwise.
    pub fn new(trusted: Vec<IpNet>, default_https: bool) -> ProxyTrust {
        ProxyTrust { trusted, default_https }
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
        let direct = ClientInfo { ip: peer.ip(), https: self.default_https, host: header(headers, "host").map(str::to_string) };
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
        let host = header(headers, "x-forwarded-host").map(str::to_string).or(direct.host);
        ClientInfo { ip, https, host }
    }
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
    fn ipv4_mapped_peers_match_ipv4_ranges() {
        let peer: SocketAddr = "[::ffff:127.0.0.1]:5000".parse().unwrap();
        let info = trust().client(peer, &headers(&[("x-forwarded-for", "192.0.2.1")]));
        assert_eq!(info.ip, "192.0.2.1".parse::<IpAddr>().unwrap());
    }
}
