//! draft-cavage HTTP signatures, as Mastodon, GoToSocial and Pleroma send them:
//! `Signature: keyId="…",algorithm="rsa-sha256",headers="(request-target) host date digest",signature="…"`.
//! `hs2019` is read as RSA-SHA256, which is what every fediverse server means by it.
//!
//! RSA keys are PEM (SPKI public, PKCS#8 private) as the `rsa` crate writes them; the
//! RSA operations themselves use ring, which is already in the tree through rustls and
//! is several times faster than `rsa` on the hot path (and constant-time for signing).

use std::time::{Duration, SystemTime};

use base64::Engine as _;
use rsa::pkcs1::EncodeRsaPublicKey as _;
use rsa::pkcs8::{DecodePrivateKey as _, DecodePublicKey as _, EncodePrivateKey as _};

/// How far a signed `Date` may lie in the past (Mastodon: 12 hours plus skew).
pub const MAX_AGE: Duration = Duration::from_secs(13 * 3600);
/// How far a signed `Date` may lie in the future (clock skew).
pub const MAX_SKEW: Duration = Duration::from_secs(3600);

/// A parsed `Signature` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureHeader {
    pub key_id: String,
    pub algorithm: Option<String>,
    /// Lower-cased names of the signed headers, in order.
    pub headers: Vec<String>,
    pub signature: Vec<u8>,
    pub created: Option<i64>,
    pub expires: Option<i64>,
}

/// Why a signature does not verify; the text goes into the 401 answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the Signature header is malformed: {0}")]
    Malformed(String),
    #[error("the signature algorithm {0:?} is not supported (use rsa-sha256 or hs2019)")]
    Algorithm(String),
    #[error("the signed header {0:?} is missing from the request")]
    MissingHeader(String),
    #[error("the signature must cover {0}")]
    MustCover(&'static str),
    #[error("the signed Date is outside the accepted window (at most 13 hours old, 1 hour ahead)")]
    Stale,
    #[error("the signature has expired (its (expires) time has passed)")]
    Expired,
    #[error("the key {0} is not a usable RSA public key")]
    BadKey(String),
    #[error("the signature does not match the request")]
    Mismatch,
}

impl SignatureHeader {
    /// Parses the `Signature` header (or the `Authorization: Signature …` form).
    pub fn parse(value: &str) -> Result<SignatureHeader, SignatureError> {
        let value = value.trim().strip_prefix("Signature ").unwrap_or(value.trim());
        let mut key_id = None;
        let mut algorithm = None;
        let mut headers = None;
        let mut signature = None;
        let mut created = None;
        let mut expires = None;
        for (key, raw) in split_params(value)? {
            match key.as_str() {
                "keyId" => key_id = Some(raw),
                "algorithm" => algorithm = Some(raw.to_ascii_lowercase()),
                "headers" => headers = Some(raw.split_whitespace().map(str::to_ascii_lowercase).collect()),
                "signature" => {
                    signature = Some(
                        base64::engine::general_purpose::STANDARD
                            .decode(raw.trim())
                            .map_err(|_| SignatureError::Malformed("signature is not base64".into()))?,
                    )
                }
                "created" => created = raw.parse().ok(),
                "expires" => expires = raw.parse().ok(),
                _ => {}
            }
        }
        Ok(SignatureHeader {
            key_id: key_id.ok_or_else(|| SignatureError::Malformed("keyId is missing".into()))?,
            algorithm,
            // The draft's default when `headers` is absent.
            headers: headers.unwrap_or_else(|| vec!["date".to_string()]),
            signature: signature.ok_or_else(|| SignatureError::Malformed("signature is missing".into()))?,
            created,
            expires,
        })
    }
}

/// `k1="v1",k2="v2"` (values quoted; `created`/`expires` may be bare numbers).
fn split_params(text: &str) -> Result<Vec<(String, String)>, SignatureError> {
    let mut out = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let (key, after) = rest.split_once('=').ok_or_else(|| SignatureError::Malformed(format!("expected key=value at {rest:?}")))?;
        let key = key.trim().trim_start_matches(',').trim().to_string();
        let after = after.trim_start();
        let (value, remaining) = if let Some(quoted) = after.strip_prefix('"') {
            let end = quoted.find('"').ok_or_else(|| SignatureError::Malformed(format!("unterminated value for {key}")))?;
            (quoted[..end].to_string(), &quoted[end + 1..])
        } else {
            let end = after.find(',').unwrap_or(after.len());
            (after[..end].trim().to_string(), &after[end..])
        };
        out.push((key, value));
        rest = remaining.trim_start().trim_start_matches(',').trim_start();
    }
    Ok(out)
}

/// What a request looks like to the signature: method, path with query, headers.
pub struct SignedParts<'a> {
    pub method: &'a str,
    pub path_and_query: &'a str,
    pub headers: &'a http::HeaderMap,
}

/// The string the signature covers, for `names` in order.
pub fn signing_string(parts: &SignedParts<'_>, names: &[String], header: Option<&SignatureHeader>) -> Result<String, SignatureError> {
    let mut lines = Vec::with_capacity(names.len());
    for name in names {
        let line = match name.as_str() {
            "(request-target)" => format!("(request-target): {} {}", parts.method.to_ascii_lowercase(), parts.path_and_query),
            "(created)" => format!("(created): {}", header.and_then(|h| h.created).ok_or(SignatureError::MissingHeader(name.clone()))?),
            "(expires)" => format!("(expires): {}", header.and_then(|h| h.expires).ok_or(SignatureError::MissingHeader(name.clone()))?),
            other => {
                let values: Vec<&str> = parts.headers.get_all(other).iter().filter_map(|v| v.to_str().ok()).map(str::trim).collect();
                if values.is_empty() {
                    return Err(SignatureError::MissingHeader(other.to_string()));
                }
                format!("{other}: {}", values.join(", "))
            }
        };
        lines.push(line);
    }
    Ok(lines.join("\n"))
}

/// A public key ready for verifying (PKCS#1 DER, as ring wants it).
#[derive(Clone)]
pub struct VerifyingKey(Vec<u8>);

impl VerifyingKey {
    /// From an SPKI PEM (`-----BEGIN PUBLIC KEY-----`, what actors publish).
    pub fn from_pem(pem: &str) -> Result<VerifyingKey, SignatureError> {
        let key = rsa::RsaPublicKey::from_public_key_pem(pem.trim())
            .or_else(|_| <rsa::RsaPublicKey as rsa::pkcs1::DecodeRsaPublicKey>::from_pkcs1_pem(pem.trim()))
            .map_err(|_| SignatureError::BadKey("(PEM)".into()))?;
        let der = key.to_pkcs1_der().map_err(|_| SignatureError::BadKey("(PEM)".into()))?;
        Ok(VerifyingKey(der.as_bytes().to_vec()))
    }

    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        ring::signature::UnparsedPublicKey::new(&ring::signature::RSA_PKCS1_2048_8192_SHA256, &self.0).verify(message, signature).is_ok()
    }
}

/// Verifies `header` over the request `parts` with `key`: [`checked_signing_string`],
/// then the RSA signature itself.
pub fn verify(parts: &SignedParts<'_>, header: &SignatureHeader, key: &VerifyingKey, has_body: bool) -> Result<(), SignatureError> {
    let text = checked_signing_string(parts, header, has_body)?;
    verify_text(&text, header, key)
}

/// The RSA check of a signing string from [`checked_signing_string`].
pub fn verify_text(text: &str, header: &SignatureHeader, key: &VerifyingKey) -> Result<(), SignatureError> {
    if key.verify(text.as_bytes(), &header.signature) { Ok(()) } else { Err(SignatureError::Mismatch) }
}

/// Everything that needs no key, in the order the inbox wants the reasons: the
/// algorithm, the required coverage (`(request-target)` and `host`, plus `digest` for
/// bodies), the Date (or `(created)`/`(expires)`) window and every covered header
/// being present. Returns the signing string. The inbox runs this before it looks the
/// key up, so that a request that cannot verify costs no key fetch.
pub fn checked_signing_string(parts: &SignedParts<'_>, header: &SignatureHeader, has_body: bool) -> Result<String, SignatureError> {
    check_algorithm(header)?;
    for required in ["(request-target)", "host"] {
        if !header.headers.iter().any(|h| h == required) {
            return Err(SignatureError::MustCover(required));
        }
    }
    if has_body && !header.headers.iter().any(|h| h == "digest" || h == "content-digest") {
        return Err(SignatureError::MustCover("digest"));
    }
    check_date(parts.headers, header, SystemTime::now())?;
    signing_string(parts, &header.headers, Some(header))
}

/// `rsa-sha256`, or `hs2019` (the draft's "derive it from the key": every fediverse
/// key is RSA), or none given.
fn check_algorithm(header: &SignatureHeader) -> Result<(), SignatureError> {
    match header.algorithm.as_deref() {
        None | Some("rsa-sha256") | Some("hs2019") => Ok(()),
        Some(other) => Err(SignatureError::Algorithm(other.to_string())),
    }
}

/// The signed time within the window: the `Date` header when covered, else
/// `(created)` when covered (an uncovered `created` parameter is not signed, so it
/// proves nothing). A covered `(expires)` must not have passed.
fn check_date(headers: &http::HeaderMap, header: &SignatureHeader, now: SystemTime) -> Result<(), SignatureError> {
    let covers = |name: &str| header.headers.iter().any(|h| h == name);
    let signed_at = if covers("date") {
        let date = headers.get(http::header::DATE).and_then(|v| v.to_str().ok()).ok_or(SignatureError::MissingHeader("date".into()))?;
        httpdate_parse(date).ok_or(SignatureError::Stale)?
    } else if covers("(created)") {
        let created = header.created.ok_or(SignatureError::MissingHeader("(created)".into()))?;
        SystemTime::UNIX_EPOCH + Duration::from_secs(created.max(0) as u64)
    } else {
        return Err(SignatureError::MustCover("date"));
    };
    let too_old = now.duration_since(signed_at).is_ok_and(|age| age > MAX_AGE);
    let too_new = signed_at.duration_since(now).is_ok_and(|ahead| ahead > MAX_SKEW);
    if too_old || too_new {
        return Err(SignatureError::Stale);
    }
    if covers("(expires)") {
        let expires = header.expires.ok_or(SignatureError::MissingHeader("(expires)".into()))?;
        let expires = SystemTime::UNIX_EPOCH + Duration::from_secs(expires.max(0) as u64);
        if now.duration_since(expires).is_ok_and(|past| past > MAX_SKEW) {
            return Err(SignatureError::Expired);
        }
    }
    Ok(())
}

/// Parses an HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`).
pub fn httpdate_parse(text: &str) -> Option<SystemTime> {
    let parsed = chrono::DateTime::parse_from_rfc2822(text.trim()).ok()?;
    Some(SystemTime::UNIX_EPOCH + Duration::from_secs(parsed.timestamp().max(0) as u64))
}

/// Formats `time` as an HTTP date.
pub fn httpdate(time: SystemTime) -> String {
    let time: chrono::DateTime<chrono::Utc> = time.into();
    time.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// A private key ready for signing.
pub struct SigningKey(ring::signature::RsaKeyPair);

impl SigningKey {
    /// From a PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`).
    pub fn from_pem(pem: &str) -> anyhow::Result<SigningKey> {
        let key = rsa::RsaPrivateKey::from_pkcs8_pem(pem.trim())?;
        let der = key.to_pkcs8_der()?;
        let pair = ring::signature::RsaKeyPair::from_pkcs8(der.as_bytes())
            .map_err(|e| anyhow::anyhow!("the key is not usable for signing: {e}"))?;
        Ok(SigningKey(pair))
    }

    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        let mut signature = vec![0; self.0.public().modulus_len()];
        self.0
            .sign(&ring::signature::RSA_PKCS1_SHA256, &ring::rand::SystemRandom::new(), message, &mut signature)
            .expect("signing with a valid RSA key");
        signature
    }
}

/// Signs a request: sets `Date` (when missing) and the `Signature` header over
/// `(request-target) host date` (+ `digest` when the request has one).
pub fn sign(
    method: &str,
    path_and_query: &str,
    headers: &mut http::HeaderMap,
    key_id: &str,
    key: &SigningKey,
) -> Result<(), SignatureError> {
    if !headers.contains_key(http::header::DATE) {
        headers.insert(http::header::DATE, httpdate(SystemTime::now()).parse().unwrap());
    }
    let mut names = vec!["(request-target)".to_string(), "host".to_string(), "date".to_string()];
    if headers.contains_key("digest") {
        names.push("digest".to_string());
    }
    let text = signing_string(&SignedParts { method, path_and_query, headers }, &names, None)?;
    let signature = base64::engine::general_purpose::STANDARD.encode(key.sign(text.as_bytes()));
    let value = format!("keyId=\"{key_id}\",algorithm=\"rsa-sha256\",headers=\"{}\",signature=\"{signature}\"", names.join(" "));
    headers.insert("signature", value.parse().map_err(|_| SignatureError::Malformed("the keyId cannot go in a header".into()))?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::pkcs8::{EncodePublicKey, LineEnding};

    fn keys() -> (SigningKey, VerifyingKey) {
        let private = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048).unwrap();
        let public_pem = rsa::RsaPublicKey::from(&private).to_public_key_pem(LineEnding::LF).unwrap();
        let private_pem = private.to_pkcs8_pem(LineEnding::LF).unwrap();
        (SigningKey::from_pem(&private_pem).unwrap(), VerifyingKey::from_pem(&public_pem).unwrap())
    }

    fn request_headers() -> http::HeaderMap {
        let mut headers = http::HeaderMap::new();
        headers.insert("host", "social.example".parse().unwrap());
        headers
    }

    #[test]
    fn a_signed_request_verifies_and_a_changed_one_does_not() {
        let (signing, verifying) = keys();
        let mut headers = request_headers();
        sign("GET", "/users/alice", &mut headers, "https://remote.example/users/bob#main-key", &signing).unwrap();
        let header = SignatureHeader::parse(headers["signature"].to_str().unwrap()).unwrap();
        assert_eq!(header.key_id, "https://remote.example/users/bob#main-key");
        let parts = SignedParts { method: "GET", path_and_query: "/users/alice", headers: &headers };
        assert_eq!(verify(&parts, &header, &verifying, false), Ok(()));
        let other = SignedParts { method: "GET", path_and_query: "/users/carol", headers: &headers };
        assert_eq!(verify(&other, &header, &verifying, false), Err(SignatureError::Mismatch));
        let (_, stranger) = keys();
        assert_eq!(verify(&parts, &header, &stranger, false), Err(SignatureError::Mismatch));
    }

    #[test]
    fn stale_dates_and_thin_coverage_are_refused() {
        let (signing, verifying) = keys();
        let mut headers = request_headers();
        headers.insert(http::header::DATE, httpdate(SystemTime::now() - Duration::from_secs(14 * 3600)).parse().unwrap());
        sign("GET", "/x", &mut headers, "k", &signing).unwrap();
        let header = SignatureHeader::parse(headers["signature"].to_str().unwrap()).unwrap();
        let parts = SignedParts { method: "GET", path_and_query: "/x", headers: &headers };
        assert_eq!(verify(&parts, &header, &verifying, false), Err(SignatureError::Stale));
        assert_eq!(verify(&parts, &header, &verifying, true), Err(SignatureError::MustCover("digest")));
        let thin = SignatureHeader { headers: vec!["date".into()], ..header };
        assert_eq!(verify(&parts, &thin, &verifying, false), Err(SignatureError::MustCover("(request-target)")));
    }

    #[test]
    fn created_counts_only_when_covered_and_expires_is_honoured() {
        let headers = request_headers();
        let parts = SignedParts { method: "GET", path_and_query: "/x", headers: &headers };
        let now = SystemTime::now();
        let unix = |t: SystemTime| t.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs() as i64;
        let header = |covered: &str, created: SystemTime, expires: Option<SystemTime>| SignatureHeader {
            key_id: "k".into(),
            algorithm: Some("hs2019".into()),
            headers: covered.split_whitespace().map(str::to_string).collect(),
            signature: vec![0; 256],
            created: Some(unix(created)),
            expires: expires.map(unix),
        };
        assert!(checked_signing_string(&parts, &header("(request-target) host (created)", now, None), false).is_ok());
        // An uncovered `created` is not signed: it dates nothing.
        assert_eq!(
            checked_signing_string(&parts, &header("(request-target) host", now, None), false),
            Err(SignatureError::MustCover("date"))
        );
        let day_old = now - Duration::from_secs(24 * 3600);
        assert_eq!(
            checked_signing_string(&parts, &header("(request-target) host (created)", day_old, None), false),
            Err(SignatureError::Stale)
        );
        let hour = Duration::from_secs(3600);
        let passed = header("(request-target) host (created) (expires)", now - 3 * hour, Some(now - 2 * hour));
        assert_eq!(checked_signing_string(&parts, &passed, false), Err(SignatureError::Expired));
        let coming = header("(request-target) host (created) (expires)", now, Some(now + hour));
        assert!(checked_signing_string(&parts, &coming, false).is_ok());
    }

    #[test]
    fn parses_real_world_headers() {
        let header = SignatureHeader::parse(
            r#"keyId="https://mastodon.example/users/a#main-key",algorithm="rsa-sha256",headers="(request-target) host date digest content-type",signature="AAAA""#,
        )
        .unwrap();
        assert_eq!(header.headers, ["(request-target)", "host", "date", "digest", "content-type"]);
        assert_eq!(header.signature, vec![0, 0, 0]);
        let gts = SignatureHeader::parse(
            r#"keyId="k", algorithm="hs2019", headers="(request-target) host date", signature="AAAA", created=1700000000"#,
        )
        .unwrap();
        assert_eq!(gts.created, Some(1_700_000_000));
        assert!(SignatureHeader::parse("nonsense").is_err());
    }
}
