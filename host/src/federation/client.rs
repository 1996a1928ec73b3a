//! The one outbound HTTP client for federation: signed GETs of remote documents and
//! signed POSTs to inboxes, with the address policy, a timeout, a body size cap and
//! redirects followed by hand (each hop re-checked and re-signed).
//!
//! Requests are signed draft-cavage (`Signature`, `Digest`), or with
//! `federation.rfc9421_outbound` RFC 9421 (`Signature-Input`, `Content-Digest`).

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use futures::StreamExt as _;
use sha2::{Digest as _, Sha256};

use super::address_policy::AddressPolicy;
use super::rfc9421;
use super::signatures::{SigningKey, sign};
use crate::config::FederationConfig;
use crate::operator_error::OperatorError;

/// Documents larger than this are refused (actors, notes and collection pages are a
/// few kilobytes; a megabyte is generous).
pub const MAX_DOCUMENT_BYTES: usize = 1024 * 1024;
const MAX_REDIRECTS: usize = 3;
/// Mastodon's Accept for ActivityPub documents.
pub const ACTIVITY_ACCEPT: &str = "application/activity+json, application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"";

/// Who signs a request: a key id (`…#main-key`) and its private key.
#[derive(Clone)]
pub struct RequestSigner {
    pub key_id: String,
    pub key: Arc<SigningKey>,
}

/// Why an outbound request did not give a usable answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutboundError {
    /// Not allowed: a private address, not http(s), a malformed URL.
    Refused(String),
    NotFound(String),
    Gone(String),
    /// Another error status (`status`, reason).
    Failed(u16, String),
    /// Too large, or not text.
    Invalid(String),
    /// Network trouble, a timeout, 429 or a 5xx: worth retrying later.
    Unavailable(String),
}

impl std::fmt::Display for OutboundError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OutboundError::Refused(m) => write!(f, "refused: {m}"),
            OutboundError::NotFound(m) => write!(f, "not found: {m}"),
            OutboundError::Gone(m) => write!(f, "gone: {m}"),
            OutboundError::Failed(status, m) => write!(f, "answered {status}: {m}"),
            OutboundError::Invalid(m) => write!(f, "invalid: {m}"),
            OutboundError::Unavailable(m) => write!(f, "unavailable: {m}"),
        }
    }
}

impl OutboundError {
    /// Whether a later retry may succeed.
    pub fn is_temporary(&self) -> bool {
        matches!(self, OutboundError::Unavailable(_) | OutboundError::Failed(408 | 429, _))
    }
}

/// The federation HTTP client of this node.
#[derive(Clone)]
pub struct Outbound {
    client: reqwest::Client,
    policy: AddressPolicy,
    user_agent: String,
    /// Sign with RFC 9421 instead of draft-cavage.
    rfc9421: bool,
}

impl Outbound {
    pub fn new(config: &FederationConfig, domain: &str) -> anyhow::Result<Outbound> {
        let fixed = config.resolve.iter().filter_map(|(host, addr)| Some((host.to_ascii_lowercase(), addr.parse().ok()?))).collect();
        let policy = AddressPolicy { allow_private: config.allow_private_networks, fixed: Arc::new(fixed) };
        let timeout = Duration::from_secs(config.request_timeout_secs);
        let mut builder = reqwest::Client::builder();
        if let Some(path) = &config.extra_ca_file {
            for certificate in load_extra_ca(path)? {
                builder = builder.add_root_certificate(certificate);
            }
        }
        let client = builder
            .dns_resolver(Arc::new(policy.clone()))
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .pool_idle_timeout(Duration::from_secs(30))
            .build()?;
        let user_agent = format!("Aerie/{} (+https://{domain}/)", env!("CARGO_PKG_VERSION"));
        Ok(Outbound { client, policy, user_agent, rfc9421: config.rfc9421_outbound })
    }

    /// GETs `url` signed by `signer`, following up to three redirects; the body as text.
    pub async fn get(&self, url: &str, accept: &str, signer: &RequestSigner) -> Result<String, OutboundError> {
        let mut url = parse(url)?;
        for _ in 0..=MAX_REDIRECTS {
            let request = self.request(reqwest::Method::GET, &url, accept, None, signer)?;
            let response = self.client.execute(request).await.map_err(|e| network_error(&url, e))?;
            let status = response.status();
            if status.is_redirection() {
                let location = response.headers().get(http::header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or_default();
                url = url.join(location).map_err(|_| OutboundError::Invalid(format!("{url} redirected to a bad URL {location:?}")))?;
                continue;
            }
            check_status(&url, status)?;
            let bytes = read_capped(&url, response).await?;
            return String::from_utf8(bytes).map_err(|_| OutboundError::Invalid(format!("{url} answered with a body that is not UTF-8")));
        }
        Err(OutboundError::Invalid(format!("{url} redirected more than {MAX_REDIRECTS} times")))
    }

    /// POSTs an activity to an inbox, signed by `signer`; `Ok` on any 2xx.
    pub async fn post(&self, url: &str, body: bytes::Bytes, signer: &RequestSigner) -> Result<u16, OutboundError> {
        let url = parse(url)?;
        let request = self.request(reqwest::Method::POST, &url, "application/activity+json", Some(body), signer)?;
        let response = self.client.execute(request).await.map_err(|e| network_error(&url, e))?;
        let status = response.status();
        check_status(&url, status)?;
        Ok(status.as_u16())
    }

    /// POSTs `body` with `headers` and no HTTP signature (a Web Push to a push
    /// service, authorized by its own VAPID header), under the same address policy,
    /// timeout and redirect refusal as federation; `Ok` on any 2xx.
    pub async fn post_unsigned(&self, url: &str, headers: http::HeaderMap, body: Vec<u8>) -> Result<u16, OutboundError> {
        let url = parse(url)?;
        let host = url.host_str().ok_or_else(|| OutboundError::Refused(format!("{url} has no host")))?;
        self.policy.check_literal(host).map_err(OutboundError::Refused)?;
        let mut request = reqwest::Request::new(reqwest::Method::POST, url.clone());
        *request.headers_mut() = headers;
        request.headers_mut().insert(http::header::USER_AGENT, self.user_agent.parse().expect("the user agent is a valid header"));
        *request.body_mut() = Some(body.into());
        let response = self.client.execute(request).await.map_err(|e| network_error(&url, e))?;
        let status = response.status();
        check_status(&url, status)?;
        Ok(status.as_u16())
    }

    fn request(
        &self,
        method: reqwest::Method,
        url: &reqwest::Url,
        accept: &str,
        body: Option<bytes::Bytes>,
        signer: &RequestSigner,
    ) -> Result<reqwest::Request, OutboundError> {
        let host = url.host_str().ok_or_else(|| OutboundError::Refused(format!("{url} has no host")))?;
        self.policy.check_literal(host).map_err(OutboundError::Refused)?;
        let authority = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_string(),
        };
        let mut headers = http::HeaderMap::new();
        headers.insert(http::header::HOST, authority.parse().map_err(|_| OutboundError::Refused(format!("{url} has a bad host")))?);
        headers.insert(http::header::ACCEPT, accept.parse().map_err(|_| OutboundError::Invalid(format!("bad Accept {accept:?}")))?);
        headers.insert(http::header::USER_AGENT, self.user_agent.parse().expect("the user agent is a valid header"));
        if let Some(body) = &body {
            if !self.rfc9421 {
                let digest = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(body));
                headers.insert("digest", format!("SHA-256={digest}").parse().expect("base64 is a valid header"));
            }
            headers.insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("application/activity+json"));
        }
        if self.rfc9421 {
            // The target URI as the receiver sees it: no fragment.
            let mut target = url.clone();
            target.set_fragment(None);
            rfc9421::sign(method.as_str(), target.as_str(), &mut headers, body.as_deref(), &signer.key_id, &signer.key)
                .map_err(|e| OutboundError::Invalid(format!("signing the request failed: {e}")))?;
        } else {
            let path_and_query = match url.query() {
                Some(q) => format!("{}?{q}", url.path()),
                None => url.path().to_string(),
            };
            sign(method.as_str(), &path_and_query, &mut headers, &signer.key_id, &signer.key)
                .map_err(|e| OutboundError::Invalid(format!("signing the request failed: {e}")))?;
        }
        let mut request = reqwest::Request::new(method, url.clone());
        *request.headers_mut() = headers;
        if let Some(body) = body {
            *request.body_mut() = Some(body.into());
        }
        Ok(request)
    }
}

/// What to do when `federation.extra_ca_file` cannot be used.
pub const EXTRA_CA_FIX: &str =
    "point federation.extra_ca_file at a readable PEM bundle of CA certificates (-----BEGIN CERTIFICATE-----), or remove the key";

/// The certificates of `federation.extra_ca_file`, or why the file cannot be used
/// (missing, unreadable, not PEM certificates).
pub fn read_extra_ca(path: &std::path::Path) -> Result<Vec<reqwest::Certificate>, String> {
    let pem = std::fs::read(path).map_err(|e| format!("cannot read the CA file {}: {e}", path.display()))?;
    let certificates = reqwest::Certificate::from_pem_bundle(&pem)
        .map_err(|e| format!("the CA file {} is not a PEM certificate bundle: {e}", path.display()))?;
    if certificates.is_empty() {
        return Err(format!("the CA file {} holds no PEM certificate", path.display()));
    }
    // A certificate that is PEM but not a usable X.509 certificate shows only when a
    // client takes it: try one without the system roots.
    let mut probe = reqwest::Client::builder().tls_built_in_root_certs(false);
    for certificate in &certificates {
        probe = probe.add_root_certificate(certificate.clone());
    }
    probe.build().map_err(|e| {
        let mut reason = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(inner) = source {
            reason = format!("{reason}: {inner}");
            source = inner.source();
        }
        format!("the CA file {} holds a certificate that cannot be used: {reason}", path.display())
    })?;
    Ok(certificates)
}

fn load_extra_ca(path: &std::path::Path) -> Result<Vec<reqwest::Certificate>, OperatorError> {
    read_extra_ca(path).map_err(|why| OperatorError::new(format!("federation.extra_ca_file: {why}"), EXTRA_CA_FIX))
}

fn parse(url: &str) -> Result<reqwest::Url, OutboundError> {
    let parsed = reqwest::Url::parse(url).map_err(|e| OutboundError::Refused(format!("{url:?} is not a URL: {e}")))?;
    match parsed.scheme() {
        "https" | "http" => Ok(parsed),
        other => Err(OutboundError::Refused(format!("{url}: scheme {other:?} is not http or https"))),
    }
}

fn check_status(url: &reqwest::Url, status: reqwest::StatusCode) -> Result<(), OutboundError> {
    match status.as_u16() {
        200..=299 => Ok(()),
        404 => Err(OutboundError::NotFound(url.to_string())),
        410 => Err(OutboundError::Gone(url.to_string())),
        code @ (429 | 500..=599) => Err(OutboundError::Unavailable(format!("{url} answered {code}"))),
        code => Err(OutboundError::Failed(code, url.to_string())),
    }
}

fn network_error(url: &reqwest::Url, error: reqwest::Error) -> OutboundError {
    // The address policy's refusal comes back wrapped in a connect error.
    let chain = format!("{error:?}");
    if chain.contains("allow_private_networks") {
        let host = url.host_str().unwrap_or_default();
        return OutboundError::Refused(format!("{host} {}", super::address_policy::REFUSED_PRIVATE));
    }
    if error.is_timeout() {
        return OutboundError::Unavailable(format!("{url} timed out"));
    }
    let mut reason = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(inner) = source {
        reason = format!("{reason}: {inner}");
        source = inner.source();
    }
    OutboundError::Unavailable(format!("{url}: {reason}"))
}

async fn read_capped(url: &reqwest::Url, response: reqwest::Response) -> Result<Vec<u8>, OutboundError> {
    if response.content_length().is_some_and(|n| n as usize > MAX_DOCUMENT_BYTES) {
        return Err(OutboundError::Invalid(format!("{url} is larger than {MAX_DOCUMENT_BYTES} bytes")));
    }
    let mut body = Vec::new();
    let mut stream = response.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| network_error(url, e))?;
        if body.len() + chunk.len() > MAX_DOCUMENT_BYTES {
            return Err(OutboundError::Invalid(format!("{url} is larger than {MAX_DOCUMENT_BYTES} bytes")));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
