//! RFC 9421 HTTP Message Signatures, beside the draft-cavage ones in [`super::signatures`]:
//!
//! ```text
//! Signature-Input: sig1=("@method" "@target-uri" "content-digest");created=1700000000;keyid="https://a.example/users/x#main-key";alg="rsa-v1_5-sha256"
//! Signature: sig1=:BASE64…:
//! ```
//!
//! Mastodon 4.5 verifies these when a request carries `Signature-Input`; it requires
//! `created`, `@method` and `@target-uri`, and `content-digest` on POSTs. The inbox
//! does the same here. Only RSA PKCS#1 v1.5 with SHA-256 (`rsa-v1_5-sha256`, or no
//! `alg` with an RSA key) is understood: it is what fediverse actor keys are.
//!
//! The two headers are RFC 8941 structured-field dictionaries; the subset parsed and
//! serialized here (items, inner lists, parameters, every bare item type) is written
//! by hand, so that the `@signature-params` line of the signature base is the
//! canonical serialization of what was parsed, as §2.3 asks.

use std::time::{Duration, SystemTime};

use base64::Engine as _;
use sha2::{Digest as _, Sha256, Sha512};

use super::signatures::{MAX_AGE, MAX_SKEW, SigningKey, VerifyingKey};

/// The label this instance signs under.
pub const LABEL: &str = "sig1";
/// The one algorithm understood.
pub const ALG_RSA_V1_5_SHA256: &str = "rsa-v1_5-sha256";

/// Why an RFC 9421 signature does not verify; the text goes into the 401 answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("the Signature-Input or Signature header is malformed: {0}")]
    Malformed(String),
    #[error("the signature algorithm {0:?} is not supported (use rsa-v1_5-sha256)")]
    Algorithm(String),
    #[error("the covered component {0} is not supported")]
    Unsupported(String),
    #[error("the covered component {0} is missing from the request")]
    MissingComponent(String),
    #[error("the signature must cover {0}")]
    MustCover(&'static str),
    #[error("the signature must have the {0} parameter")]
    MissingParameter(&'static str),
    #[error("the signature's created time is outside the accepted window")]
    Stale,
    #[error("the signature has expired")]
    Expired,
    #[error("{0}")]
    Digest(String),
    #[error("the signature does not match the request")]
    Mismatch,
}

// ---------------------------------------------------------------------------------
// RFC 8941 structured field values (the parts Signature-Input and Signature use)
// ---------------------------------------------------------------------------------

/// A bare item. Decimals keep their canonical text (they never occur in signature
/// parameters, but a dictionary holding one is still well formed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BareItem {
    Integer(i64),
    Decimal(String),
    String(String),
    Token(String),
    Bytes(Vec<u8>),
    Boolean(bool),
}

/// Parameters, in order.
pub type Params = Vec<(String, BareItem)>;

/// An item with its parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub value: BareItem,
    pub params: Params,
}

/// A dictionary member's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Member {
    Item(Item),
    InnerList(Vec<Item>, Params),
}

/// Parses an RFC 8941 dictionary (RFC 8941 §4.2.2). Duplicate keys: the last wins,
/// in the first one's place.
pub fn parse_dictionary(text: &str) -> Result<Vec<(String, Member)>, Error> {
    let mut p = Parser { s: text.as_bytes(), i: 0 };
    p.skip_sp();
    let mut out: Vec<(String, Member)> = Vec::new();
    if p.done() {
        return Ok(out);
    }
    loop {
        let key = p.key()?;
        let member =
            if p.eat(b'=') { p.item_or_inner_list()? } else { Member::Item(Item { value: BareItem::Boolean(true), params: p.params()? }) };
        match out.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = member,
            None => out.push((key, member)),
        }
        p.skip_ows();
        if p.done() {
            return Ok(out);
        }
        if !p.eat(b',') {
            return Err(p.error("expected a comma between dictionary members"));
        }
        p.skip_ows();
        if p.done() {
            return Err(p.error("a trailing comma"));
        }
    }
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn done(&self) -> bool {
        self.i >= self.s.len()
    }
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn skip_sp(&mut self) {
        while self.peek() == Some(b' ') {
            self.i += 1;
        }
    }
    fn skip_ows(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.i += 1;
        }
    }
    fn error(&self, what: &str) -> Error {
        Error::Malformed(format!("{what} at byte {}", self.i))
    }

    fn key(&mut self) -> Result<String, Error> {
        let start = self.i;
        match self.peek() {
            Some(c) if c.is_ascii_lowercase() || c == b'*' => self.i += 1,
            _ => return Err(self.error("expected a key")),
        }
        while let Some(c) = self.peek() {
            if c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'_' | b'-' | b'.' | b'*') {
                self.i += 1;
            } else {
                break;
            }
        }
        Ok(String::from_utf8_lossy(&self.s[start..self.i]).into_owned())
    }

    fn params(&mut self) -> Result<Params, Error> {
        let mut params: Params = Vec::new();
        while self.eat(b';') {
            self.skip_sp();
            let key = self.key()?;
            let value = if self.eat(b'=') { self.bare_item()? } else { BareItem::Boolean(true) };
            match params.iter_mut().find(|(k, _)| *k == key) {
                Some(slot) => slot.1 = value,
                None => params.push((key, value)),
            }
        }
        Ok(params)
    }

    fn item_or_inner_list(&mut self) -> Result<Member, Error> {
        if self.eat(b'(') {
            let mut items = Vec::new();
            loop {
                self.skip_sp();
                if self.eat(b')') {
                    return Ok(Member::InnerList(items, self.params()?));
                }
                items.push(self.item()?);
                if !matches!(self.peek(), Some(b' ' | b')')) {
                    return Err(self.error("expected a space or ) in an inner list"));
                }
            }
        }
        Ok(Member::Item(self.item()?))
    }

    fn item(&mut self) -> Result<Item, Error> {
        let value = self.bare_item()?;
        Ok(Item { value, params: self.params()? })
    }

    fn bare_item(&mut self) -> Result<BareItem, Error> {
        match self.peek() {
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b'"') => self.string(),
            Some(b':') => self.bytes(),
            Some(b'?') => {
                self.i += 1;
                match self.peek() {
                    Some(b'1') => {
                        self.i += 1;
                        Ok(BareItem::Boolean(true))
                    }
                    Some(b'0') => {
                        self.i += 1;
                        Ok(BareItem::Boolean(false))
                    }
                    _ => Err(self.error("expected ?0 or ?1")),
                }
            }
            Some(c) if c.is_ascii_alphabetic() || c == b'*' => {
                let start = self.i;
                self.i += 1;
                while let Some(c) = self.peek() {
                    if is_tchar(c) || c == b':' || c == b'/' {
                        self.i += 1;
                    } else {
                        break;
                    }
                }
                Ok(BareItem::Token(String::from_utf8_lossy(&self.s[start..self.i]).into_owned()))
            }
            _ => Err(self.error("expected an item")),
        }
    }

    fn number(&mut self) -> Result<BareItem, Error> {
        let negative = self.eat(b'-');
        let start = self.i;
        let mut dot = None;
        while let Some(c) = self.peek() {
            if c.is_ascii_digit() {
                self.i += 1;
            } else if c == b'.' && dot.is_none() {
                dot = Some(self.i);
                self.i += 1;
            } else {
                break;
            }
        }
        let digits = std::str::from_utf8(&self.s[start..self.i]).unwrap_or_default();
        match dot {
            None => {
                if digits.is_empty() || digits.len() > 15 {
                    return Err(self.error("an integer of 1 to 15 digits"));
                }
                let n: i64 = digits.parse().map_err(|_| self.error("a bad integer"))?;
                Ok(BareItem::Integer(if negative { -n } else { n }))
            }
            Some(_) => {
                let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
                if int.is_empty() || int.len() > 12 || frac.is_empty() || frac.len() > 3 {
                    return Err(self.error("a bad decimal"));
                }
                let frac = frac.trim_end_matches('0');
                let frac = if frac.is_empty() { "0" } else { frac };
                let int = int.trim_start_matches('0');
                let int = if int.is_empty() { "0" } else { int };
                Ok(BareItem::Decimal(format!("{}{int}.{frac}", if negative { "-" } else { "" })))
            }
        }
    }

    fn string(&mut self) -> Result<BareItem, Error> {
        self.i += 1; // the opening quote
        let mut out = String::new();
        loop {
            match self.peek() {
                None => return Err(self.error("an unterminated string")),
                Some(b'"') => {
                    self.i += 1;
                    return Ok(BareItem::String(out));
                }
                Some(b'\\') => {
                    self.i += 1;
                    match self.peek() {
                        Some(c @ (b'"' | b'\\')) => {
                            out.push(c as char);
                            self.i += 1;
                        }
                        _ => return Err(self.error("a bad escape in a string")),
                    }
                }
                Some(c @ 0x20..=0x7e) => {
                    out.push(c as char);
                    self.i += 1;
                }
                Some(_) => return Err(self.error("a character not allowed in a string")),
            }
        }
    }

    fn bytes(&mut self) -> Result<BareItem, Error> {
        self.i += 1; // the opening colon
        let start = self.i;
        while let Some(c) = self.peek() {
            if c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'=') {
                self.i += 1;
            } else {
                break;
            }
        }
        let text = &self.s[start..self.i];
        if !self.eat(b':') {
            return Err(self.error("an unterminated byte sequence"));
        }
        // RFC 8941 lets parsers accept a missing padding.
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(text))
            .map(BareItem::Bytes)
            .map_err(|_| self.error("a byte sequence that is not base64"))
    }
}

fn is_tchar(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c)
}

fn serialize_bare(item: &BareItem, out: &mut String) {
    match item {
        BareItem::Integer(n) => out.push_str(&n.to_string()),
        BareItem::Decimal(d) => out.push_str(d),
        BareItem::String(s) => {
            out.push('"');
            for c in s.chars() {
                if c == '"' || c == '\\' {
                    out.push('\\');
                }
                out.push(c);
            }
            out.push('"');
        }
        BareItem::Token(t) => out.push_str(t),
        BareItem::Bytes(b) => {
            out.push(':');
            out.push_str(&base64::engine::general_purpose::STANDARD.encode(b));
            out.push(':');
        }
        BareItem::Boolean(b) => out.push_str(if *b { "?1" } else { "?0" }),
    }
}

fn serialize_params(params: &Params, out: &mut String) {
    for (key, value) in params {
        out.push(';');
        out.push_str(key);
        if *value != BareItem::Boolean(true) {
            out.push('=');
            serialize_bare(value, out);
        }
    }
}

fn serialize_item(item: &Item, out: &mut String) {
    serialize_bare(&item.value, out);
    serialize_params(&item.params, out);
}

/// An inner list with its parameters, serialized (RFC 8941 §4.1.1.1).
pub fn serialize_inner_list(items: &[Item], params: &Params) -> String {
    let mut out = String::from("(");
    for (n, item) in items.iter().enumerate() {
        if n > 0 {
            out.push(' ');
        }
        serialize_item(item, &mut out);
    }
    out.push(')');
    serialize_params(params, &mut out);
    out
}

/// Whether a string can be an sf-string (printable ASCII).
fn is_sf_string(s: &str) -> bool {
    s.bytes().all(|c| (0x20..=0x7e).contains(&c))
}

// ---------------------------------------------------------------------------------
// The signature on a request
// ---------------------------------------------------------------------------------

/// One signature of a request: its `Signature-Input` member and `Signature` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    pub label: String,
    /// The covered component identifiers (sf-strings with their parameters), in order.
    pub covered: Vec<Item>,
    /// The signature parameters, in order (`created`, `keyid`, `alg`…).
    pub params: Params,
    pub key_id: String,
    pub alg: Option<String>,
    pub created: Option<i64>,
    pub expires: Option<i64>,
    pub nonce: Option<String>,
    pub tag: Option<String>,
    pub signature: Vec<u8>,
}

/// What a verified signature says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedInput {
    pub label: String,
    pub key_id: String,
    /// The covered component names (`@method`, `content-digest`…), in order.
    pub covered: Vec<String>,
}

/// Whether the request carries an RFC 9421 signature (then `Signature` is its
/// dictionary, not a draft-cavage header).
pub fn is_present(headers: &http::HeaderMap) -> bool {
    headers.contains_key("signature-input")
}

/// All field lines of `name`, combined with ", " as HTTP allows for list fields.
fn combined(headers: &http::HeaderMap, name: &str) -> Result<Option<String>, Error> {
    let mut values = Vec::new();
    for value in headers.get_all(name) {
        values.push(value.to_str().map_err(|_| Error::Malformed(format!("the {name} header is not ASCII")))?.trim());
    }
    Ok(if values.is_empty() { None } else { Some(values.join(", ")) })
}

impl Signed {
    /// The request's signature: the first `Signature-Input` member that has a
    /// `Signature` under the same label.
    pub fn from_headers(headers: &http::HeaderMap) -> Result<Signed, Error> {
        let input = combined(headers, "signature-input")?.ok_or_else(|| Error::Malformed("there is no Signature-Input header".into()))?;
        let signature = combined(headers, "signature")?.ok_or_else(|| Error::Malformed("there is no Signature header".into()))?;
        Signed::parse(&input, &signature)
    }

    /// From the two header values.
    pub fn parse(signature_input: &str, signature: &str) -> Result<Signed, Error> {
        let inputs = parse_dictionary(signature_input)?;
        let signatures = parse_dictionary(signature)?;
        for (label, member) in inputs {
            let Member::InnerList(covered, params) = member else { continue };
            let Some(bytes) = signatures.iter().find(|(l, _)| *l == label).and_then(|(_, m)| match m {
                Member::Item(Item { value: BareItem::Bytes(b), .. }) => Some(b.clone()),
                _ => None,
            }) else {
                continue;
            };
            return Signed::from_parts(label, covered, params, bytes);
        }
        Err(Error::Malformed("no Signature-Input member has a Signature under its label".into()))
    }

    fn from_parts(label: String, covered: Vec<Item>, params: Params, signature: Vec<u8>) -> Result<Signed, Error> {
        let mut names: Vec<&Item> = Vec::new();
        for item in &covered {
            let BareItem::String(name) = &item.value else {
                return Err(Error::Malformed("a covered component is not a quoted string".into()));
            };
            if name.is_empty() || name.bytes().any(|c| c.is_ascii_uppercase()) {
                return Err(Error::Malformed(format!("the component name {name:?} is not lower case")));
            }
            if names.contains(&item) {
                return Err(Error::Malformed(format!("the component {name:?} is covered twice")));
            }
            names.push(item);
        }
        let text = |key: &str| -> Result<Option<String>, Error> {
            match params.iter().find(|(k, _)| k == key) {
                None => Ok(None),
                Some((_, BareItem::String(s))) => Ok(Some(s.clone())),
                Some(_) => Err(Error::Malformed(format!("the {key} parameter is not a string"))),
            }
        };
        let number = |key: &str| -> Result<Option<i64>, Error> {
            match params.iter().find(|(k, _)| k == key) {
                None => Ok(None),
                Some((_, BareItem::Integer(n))) => Ok(Some(*n)),
                Some(_) => Err(Error::Malformed(format!("the {key} parameter is not an integer"))),
            }
        };
        Ok(Signed {
            key_id: text("keyid")?.filter(|k| !k.is_empty()).ok_or(Error::MissingParameter("keyid"))?,
            alg: text("alg")?,
            created: number("created")?,
            expires: number("expires")?,
            nonce: text("nonce")?,
            tag: text("tag")?,
            label,
            covered,
            params,
            signature,
        })
    }

    /// The covered component names, in order.
    pub fn covered_names(&self) -> Vec<String> {
        self.covered
            .iter()
            .filter_map(|item| match &item.value {
                BareItem::String(name) => Some(name.clone()),
                _ => None,
            })
            .collect()
    }

    fn covers(&self, name: &str) -> bool {
        self.covered.iter().any(|item| item.value == BareItem::String(name.to_string()) && item.params.is_empty())
    }
}

/// What a request looks like to the signature: the method, the full target URI
/// (`https://host/path?query`, as the sender addressed it) and the headers.
pub struct RequestParts<'a> {
    pub method: &'a str,
    pub target_uri: &'a str,
    pub headers: &'a http::HeaderMap,
}

/// The target URI taken apart, for the derived components.
struct Target {
    scheme: String,
    authority: String,
    path: String,
    query: Option<String>,
}

fn target(uri: &str) -> Result<Target, Error> {
    let parsed: http::Uri = uri.parse().map_err(|_| Error::Malformed(format!("the target URI {uri:?} is not a URI")))?;
    let scheme =
        parsed.scheme_str().ok_or_else(|| Error::Malformed(format!("the target URI {uri:?} is not absolute")))?.to_ascii_lowercase();
    let authority = parsed.authority().ok_or_else(|| Error::Malformed(format!("the target URI {uri:?} has no authority")))?;
    let host = authority.host().to_ascii_lowercase();
    // The authority as HTTP normalizes it: host lower-cased, a default port left out.
    let authority = match (authority.port_u16(), scheme.as_str()) {
        (None, _) | (Some(443), "https") | (Some(80), "http") => host,
        (Some(port), _) => format!("{host}:{port}"),
    };
    let path = if parsed.path().is_empty() { "/".to_string() } else { parsed.path().to_string() };
    Ok(Target { scheme, authority, path, query: parsed.query().map(str::to_string) })
}

/// The value of one covered component (RFC 9421 §2.1 and §2.2).
fn component_value(parts: &RequestParts<'_>, target: &Target, item: &Item) -> Result<String, Error> {
    let BareItem::String(name) = &item.value else {
        return Err(Error::Malformed("a covered component is not a quoted string".into()));
    };
    let mut shown = String::new();
    serialize_item(item, &mut shown);
    // No component parameters (sf, key, bs, req, tr, name) are needed by federation.
    if !item.params.is_empty() {
        return Err(Error::Unsupported(shown));
    }
    let value = match name.as_str() {
        "@method" => parts.method.to_string(),
        "@target-uri" => parts.target_uri.to_string(),
        "@authority" => target.authority.clone(),
        "@scheme" => target.scheme.clone(),
        "@path" => target.path.clone(),
        "@query" => format!("?{}", target.query.as_deref().unwrap_or_default()),
        "@request-target" => match &target.query {
            Some(q) => format!("{}?{q}", target.path),
            None => target.path.clone(),
        },
        derived if derived.starts_with('@') => return Err(Error::Unsupported(shown)),
        field => {
            let mut values = Vec::new();
            for value in parts.headers.get_all(field) {
                let text = value.to_str().map_err(|_| Error::Malformed(format!("the {field} header is not ASCII")))?;
                // Obsolete line folding becomes a single space (§2.1).
                let text =
                    text.split(['\r', '\n']).map(|l| l.trim_matches([' ', '\t'])).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(" ");
                values.push(text);
            }
            if values.is_empty() {
                return Err(Error::MissingComponent(shown));
            }
            values.join(", ")
        }
    };
    if value.contains(['\r', '\n']) {
        return Err(Error::Malformed(format!("the value of {shown} spans lines")));
    }
    Ok(value)
}

/// The signature base (RFC 9421 §2.5): one `"name": value` line per covered
/// component, then the `"@signature-params"` line, joined by LF with none at the end.
pub fn signature_base(parts: &RequestParts<'_>, covered: &[Item], params: &Params) -> Result<String, Error> {
    let target = target(parts.target_uri)?;
    let mut base = String::new();
    for item in covered {
        if item.value == BareItem::String("@signature-params".into()) {
            return Err(Error::Malformed("@signature-params cannot be covered".into()));
        }
        let value = component_value(parts, &target, item)?;
        serialize_item(item, &mut base);
        base.push_str(": ");
        base.push_str(&value);
        base.push('\n');
    }
    base.push_str("\"@signature-params\": ");
    base.push_str(&serialize_inner_list(covered, params));
    Ok(base)
}

/// Parses and verifies the request's RFC 9421 signature with `key`. `body` is the
/// request body when it has one: then `content-digest` must be covered and match it.
pub fn verify(parts: &RequestParts<'_>, key: &VerifyingKey, body: Option<&[u8]>) -> Result<VerifiedInput, Error> {
    let signed = Signed::from_headers(parts.headers)?;
    verify_signed(parts, &signed, key, body)
}

/// Verifies an already parsed signature (the inbox parses first to find the key).
pub fn verify_signed(parts: &RequestParts<'_>, signed: &Signed, key: &VerifyingKey, body: Option<&[u8]>) -> Result<VerifiedInput, Error> {
    verify_at(parts, signed, key, body, unix_now())
}

fn unix_now() -> i64 {
    SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap_or(Duration::ZERO).as_secs() as i64
}

/// [`verify_signed`] at the clock reading `now` (Unix seconds).
pub fn verify_at(
    parts: &RequestParts<'_>,
    signed: &Signed,
    key: &VerifyingKey,
    body: Option<&[u8]>,
    now: i64,
) -> Result<VerifiedInput, Error> {
    let base = checked_base_at(parts, signed, body, now)?;
    verify_base(&base, signed, key)
}

/// The RSA check of a signature base from [`checked_base`].
pub fn verify_base(base: &str, signed: &Signed, key: &VerifyingKey) -> Result<VerifiedInput, Error> {
    if !key.verify(base.as_bytes(), &signed.signature) {
        return Err(Error::Mismatch);
    }
    Ok(VerifiedInput { label: signed.label.clone(), key_id: signed.key_id.clone(), covered: signed.covered_names() })
}

/// Everything that needs no key: the algorithm, the required coverage (`@method`,
/// `@target-uri` or `@authority` with a path, `content-digest` with a body), the
/// `created`/`expires` window, the body's digest and every covered component being
/// present. Returns the signature base. The inbox runs this before it looks the key
/// up, so that a request that cannot verify costs no key fetch.
pub fn checked_base(parts: &RequestParts<'_>, signed: &Signed, body: Option<&[u8]>) -> Result<String, Error> {
    checked_base_at(parts, signed, body, unix_now())
}

fn checked_base_at(parts: &RequestParts<'_>, signed: &Signed, body: Option<&[u8]>, now: i64) -> Result<String, Error> {
    match signed.alg.as_deref() {
        None | Some(ALG_RSA_V1_5_SHA256) => {}
        Some(other) => return Err(Error::Algorithm(other.to_string())),
    }
    if !signed.covers("@method") {
        return Err(Error::MustCover("@method"));
    }
    if !signed.covers("@target-uri") && !(signed.covers("@authority") && (signed.covers("@path") || signed.covers("@request-target"))) {
        return Err(Error::MustCover("@target-uri (or @authority and @path)"));
    }
    if body.is_some() && !signed.covers("content-digest") {
        return Err(Error::MustCover("content-digest"));
    }
    check_window(signed, now)?;
    if let Some(body) = body {
        check_content_digest(parts.headers, body)?;
    }
    signature_base(parts, &signed.covered, &signed.params)
}

/// `created` within the window the draft-cavage `Date` gets (MAX_AGE back, MAX_SKEW
/// ahead); `expires`, when given, not passed (with the same skew allowance).
fn check_window(signed: &Signed, now: i64) -> Result<(), Error> {
    let created = signed.created.ok_or(Error::MissingParameter("created"))?;
    let (max_age, max_skew) = (MAX_AGE.as_secs() as i64, MAX_SKEW.as_secs() as i64);
    if created > now.saturating_add(max_skew) || now.saturating_sub(created) > max_age {
        return Err(Error::Stale);
    }
    if let Some(expires) = signed.expires {
        if expires < created {
            return Err(Error::Malformed("expires lies before created".into()));
        }
        if now >= expires.saturating_add(max_skew) {
            return Err(Error::Expired);
        }
    }
    Ok(())
}

/// Checks `Content-Digest` (RFC 9530) against the body: every sha-256 and sha-512
/// digest given must match, and there must be one.
pub fn check_content_digest(headers: &http::HeaderMap, body: &[u8]) -> Result<(), Error> {
    let value = combined(headers, "content-digest")?.ok_or_else(|| Error::Digest("the request has no Content-Digest header".into()))?;
    let members = parse_dictionary(&value).map_err(|e| Error::Digest(format!("the Content-Digest header is malformed: {e}")))?;
    let mut checked = false;
    for (alg, member) in &members {
        let Member::Item(Item { value: BareItem::Bytes(given), .. }) = member else { continue };
        let computed = match alg.as_str() {
            "sha-256" => Sha256::digest(body).to_vec(),
            "sha-512" => Sha512::digest(body).to_vec(),
            _ => continue,
        };
        if *given != computed {
            return Err(Error::Digest(format!("the Content-Digest {alg} does not match the body")));
        }
        checked = true;
    }
    if checked { Ok(()) } else { Err(Error::Digest("the Content-Digest header has no sha-256 or sha-512 digest".into())) }
}

/// `sha-256=:…:` for `body`.
pub fn content_digest(body: &[u8]) -> String {
    format!("sha-256=:{}:", base64::engine::general_purpose::STANDARD.encode(Sha256::digest(body)))
}

/// Signs a request: sets `Content-Digest` (when there is a body), `Signature-Input`
/// and `Signature` under [`LABEL`], covering `@method @target-uri` (+
/// `content-digest`) with `created`, `keyid` and `alg`.
pub fn sign(
    method: &str,
    target_uri: &str,
    headers: &mut http::HeaderMap,
    body: Option<&[u8]>,
    key_id: &str,
    key: &SigningKey,
) -> Result<(), Error> {
    sign_at(method, target_uri, headers, body, key_id, key, unix_now())
}

/// [`sign`] with a given `created` time.
pub fn sign_at(
    method: &str,
    target_uri: &str,
    headers: &mut http::HeaderMap,
    body: Option<&[u8]>,
    key_id: &str,
    key: &SigningKey,
    created: i64,
) -> Result<(), Error> {
    if !is_sf_string(key_id) {
        return Err(Error::Malformed("the keyid cannot go in a header".into()));
    }
    let mut covered = vec![component("@method"), component("@target-uri")];
    if let Some(body) = body {
        headers.insert("content-digest", content_digest(body).parse().expect("base64 is a valid header"));
        covered.push(component("content-digest"));
    }
    let params: Params = vec![
        ("created".into(), BareItem::Integer(created)),
        ("keyid".into(), BareItem::String(key_id.into())),
        ("alg".into(), BareItem::String(ALG_RSA_V1_5_SHA256.into())),
    ];
    let base = signature_base(&RequestParts { method, target_uri, headers }, &covered, &params)?;
    let signature = base64::engine::general_purpose::STANDARD.encode(key.sign(base.as_bytes()));
    let input = format!("{LABEL}={}", serialize_inner_list(&covered, &params));
    headers.insert("signature-input", input.parse().map_err(|_| Error::Malformed("the Signature-Input cannot go in a header".into()))?);
    headers.insert("signature", format!("{LABEL}=:{signature}:").parse().expect("base64 is a valid header"));
    Ok(())
}

fn component(name: &str) -> Item {
    Item { value: BareItem::String(name.into()), params: Vec::new() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::pkcs8::{EncodePrivateKey as _, EncodePublicKey as _, LineEnding};
    use std::sync::OnceLock;

    fn keys() -> &'static (SigningKey, VerifyingKey) {
        static KEYS: OnceLock<(SigningKey, VerifyingKey)> = OnceLock::new();
        KEYS.get_or_init(|| {
            let private = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048).unwrap();
            let public_pem = rsa::RsaPublicKey::from(&private).to_public_key_pem(LineEnding::LF).unwrap();
            let private_pem = private.to_pkcs8_pem(LineEnding::LF).unwrap();
            (SigningKey::from_pem(&private_pem).unwrap(), VerifyingKey::from_pem(&public_pem).unwrap())
        })
    }

    fn headers(pairs: &[(&str, &str)]) -> http::HeaderMap {
        let mut map = http::HeaderMap::new();
        for (k, v) in pairs {
            map.append(http::HeaderName::from_bytes(k.as_bytes()).unwrap(), v.parse().unwrap());
        }
        map
    }

    const INBOX: &str = "https://aerie.example/users/alice/inbox";
    const KEY_ID: &str = "https://remote.example/users/bob#main-key";
    const BODY: &[u8] = br#"{"type":"Follow","actor":"https://remote.example/users/bob"}"#;

    fn signed_post(created: i64) -> http::HeaderMap {
        let mut h = headers(&[("host", "aerie.example"), ("content-type", "application/activity+json")]);
        sign_at("POST", INBOX, &mut h, Some(BODY), KEY_ID, &keys().0, created).unwrap();
        h
    }

    #[test]
    fn a_signed_post_verifies_and_names_its_key() {
        let h = signed_post(unix_now());
        assert!(is_present(&h));
        let input = h["signature-input"].to_str().unwrap();
        assert!(input.starts_with(r#"sig1=("@method" "@target-uri" "content-digest");created="#), "{input}");
        assert!(input.ends_with(r#";keyid="https://remote.example/users/bob#main-key";alg="rsa-v1_5-sha256""#), "{input}");
        let parts = RequestParts { method: "POST", target_uri: INBOX, headers: &h };
        let verified = verify(&parts, &keys().1, Some(BODY)).unwrap();
        assert_eq!(verified.key_id, KEY_ID);
        assert_eq!(verified.label, "sig1");
        assert_eq!(verified.covered, ["@method", "@target-uri", "content-digest"]);
        // A signed GET needs no digest.
        let mut get = headers(&[("host", "aerie.example")]);
        sign("GET", "https://aerie.example/users/alice?page=1", &mut get, None, KEY_ID, &keys().0).unwrap();
        let parts = RequestParts { method: "GET", target_uri: "https://aerie.example/users/alice?page=1", headers: &get };
        assert_eq!(verify(&parts, &keys().1, None).unwrap().covered, ["@method", "@target-uri"]);
        let other = RequestParts { method: "GET", target_uri: "https://aerie.example/users/alice?page=2", headers: &get };
        assert_eq!(verify(&other, &keys().1, None), Err(Error::Mismatch));
    }

    #[test]
    fn tampering_fails() {
        let h = signed_post(unix_now());
        let good = RequestParts { method: "POST", target_uri: INBOX, headers: &h };
        // Another body: the digest no longer matches.
        assert!(matches!(verify(&good, &keys().1, Some(b"{}")), Err(Error::Digest(_))));
        // Another method or target: the base differs.
        let method = RequestParts { method: "PUT", target_uri: INBOX, headers: &h };
        assert_eq!(verify(&method, &keys().1, Some(BODY)), Err(Error::Mismatch));
        let target = RequestParts { method: "POST", target_uri: "https://aerie.example/inbox", headers: &h };
        assert_eq!(verify(&target, &keys().1, Some(BODY)), Err(Error::Mismatch));
        // A digest replaced to match another body is caught by the signature.
        let mut swapped = h.clone();
        swapped.insert("content-digest", content_digest(b"{}").parse().unwrap());
        let parts = RequestParts { method: "POST", target_uri: INBOX, headers: &swapped };
        assert_eq!(verify(&parts, &keys().1, Some(b"{}")), Err(Error::Mismatch));
        // Another key.
        let private = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048).unwrap();
        let pem = rsa::RsaPublicKey::from(&private).to_public_key_pem(LineEnding::LF).unwrap();
        assert_eq!(verify(&good, &VerifyingKey::from_pem(&pem).unwrap(), Some(BODY)), Err(Error::Mismatch));
        // A flipped signature byte.
        let mut bad = h.clone();
        let mut signed = Signed::from_headers(&h).unwrap();
        signed.signature[10] ^= 1;
        bad.insert("signature", format!("sig1=:{}:", base64::engine::general_purpose::STANDARD.encode(&signed.signature)).parse().unwrap());
        let parts = RequestParts { method: "POST", target_uri: INBOX, headers: &bad };
        assert_eq!(verify(&parts, &keys().1, Some(BODY)), Err(Error::Mismatch));
    }

    #[test]
    fn the_time_window_is_enforced() {
        let now = unix_now();
        let stale = signed_post(now - 14 * 3600);
        let parts = RequestParts { method: "POST", target_uri: INBOX, headers: &stale };
        assert_eq!(verify(&parts, &keys().1, Some(BODY)), Err(Error::Stale));
        let ahead = signed_post(now + 2 * 3600);
        let parts = RequestParts { method: "POST", target_uri: INBOX, headers: &ahead };
        assert_eq!(verify(&parts, &keys().1, Some(BODY)), Err(Error::Stale));
        // Twelve hours old is still in the window (as for a draft-cavage Date).
        let old = signed_post(now - 12 * 3600);
        let parts = RequestParts { method: "POST", target_uri: INBOX, headers: &old };
        assert!(verify(&parts, &keys().1, Some(BODY)).is_ok());
        // `expires` is honoured, with the clock-skew allowance.
        let h = signed_post(now);
        let mut signed = Signed::from_headers(&h).unwrap();
        let parts = RequestParts { method: "POST", target_uri: INBOX, headers: &h };
        signed.expires = Some(now + 60);
        assert!(verify_at(&parts, &signed, &keys().1, Some(BODY), now).is_ok());
        assert_eq!(verify_at(&parts, &signed, &keys().1, Some(BODY), now + 60 + 3600), Err(Error::Expired));
        signed.expires = Some(now - 1);
        assert!(matches!(verify_at(&parts, &signed, &keys().1, Some(BODY), now), Err(Error::Malformed(_))));
        // `created` is required.
        signed.expires = None;
        signed.created = None;
        assert_eq!(verify_at(&parts, &signed, &keys().1, Some(BODY), now), Err(Error::MissingParameter("created")));
    }

    #[test]
    fn coverage_and_algorithm_are_required() {
        let h = signed_post(unix_now());
        let parts = RequestParts { method: "POST", target_uri: INBOX, headers: &h };
        let signed = Signed::from_headers(&h).unwrap();
        let without = |name: &str| Signed {
            covered: signed.covered.iter().filter(|i| i.value != BareItem::String(name.into())).cloned().collect(),
            ..signed.clone()
        };
        assert_eq!(verify_signed(&parts, &without("@method"), &keys().1, Some(BODY)), Err(Error::MustCover("@method")));
        assert_eq!(
            verify_signed(&parts, &without("@target-uri"), &keys().1, Some(BODY)),
            Err(Error::MustCover("@target-uri (or @authority and @path)"))
        );
        assert_eq!(verify_signed(&parts, &without("content-digest"), &keys().1, Some(BODY)), Err(Error::MustCover("content-digest")));
        let pss = Signed { alg: Some("rsa-pss-sha512".into()), ..signed.clone() };
        assert_eq!(verify_signed(&parts, &pss, &keys().1, Some(BODY)), Err(Error::Algorithm("rsa-pss-sha512".into())));
        // No alg at all is read as RSA (the key says what it is).
        let mut no_alg = Signed { alg: None, ..signed.clone() };
        no_alg.params.retain(|(k, _)| k != "alg");
        let base = signature_base(&parts, &no_alg.covered, &no_alg.params).unwrap();
        assert!(!base.contains("alg="), "{base}");
        assert_eq!(verify_signed(&parts, &no_alg, &keys().1, Some(BODY)), Err(Error::Mismatch));
        no_alg.signature = keys().0.sign(base.as_bytes());
        assert!(verify_signed(&parts, &no_alg, &keys().1, Some(BODY)).is_ok());
    }

    /// The checks that need no key refuse on their own (the inbox runs them before
    /// the key lookup), and what they pass is the base the signature is over.
    #[test]
    fn checks_that_need_no_key_refuse_without_one() {
        let now = unix_now();
        let h = signed_post(now);
        let parts = RequestParts { method: "POST", target_uri: INBOX, headers: &h };
        let signed = Signed::from_headers(&h).unwrap();
        let base = checked_base(&parts, &signed, Some(BODY)).unwrap();
        assert!(verify_base(&base, &signed, &keys().1).is_ok());
        let stale = Signed { created: Some(now - 14 * 3600), ..signed.clone() };
        assert_eq!(checked_base(&parts, &stale, Some(BODY)), Err(Error::Stale));
        let expired = Signed { expires: Some(now - 2 * 3600), created: Some(now - 3 * 3600), ..signed.clone() };
        assert_eq!(checked_base(&parts, &expired, Some(BODY)), Err(Error::Expired));
        let ed = Signed { alg: Some("ed25519".into()), ..signed.clone() };
        assert_eq!(checked_base(&parts, &ed, Some(BODY)), Err(Error::Algorithm("ed25519".into())));
        let thin = Signed { covered: vec![component("@method"), component("@target-uri")], ..signed.clone() };
        assert_eq!(checked_base(&parts, &thin, Some(BODY)), Err(Error::MustCover("content-digest")));
        let mut absent = signed.clone();
        absent.covered.push(component("x-absent"));
        assert_eq!(checked_base(&parts, &absent, Some(BODY)), Err(Error::MissingComponent("\"x-absent\"".into())));
        assert!(matches!(checked_base(&parts, &signed, Some(b"{}")), Err(Error::Digest(_))));
    }

    #[test]
    fn parses_structured_fields() {
        let dict = parse_dictionary(r#"a=1, b;x=?0;y="q\"t",c=(tok "s" :AAAA:);p=-1.50 ,  d=?1, e=3.0"#).unwrap();
        let keys: Vec<&str> = dict.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["a", "b", "c", "d", "e"]);
        assert_eq!(dict[0].1, Member::Item(Item { value: BareItem::Integer(1), params: vec![] }));
        assert_eq!(
            dict[1].1,
            Member::Item(Item {
                value: BareItem::Boolean(true),
                params: vec![("x".into(), BareItem::Boolean(false)), ("y".into(), BareItem::String("q\"t".into()))]
            })
        );
        let Member::InnerList(items, params) = &dict[2].1 else { panic!() };
        assert_eq!(serialize_inner_list(items, params), r#"(tok "s" :AAAA:);p=-1.5"#);
        assert_eq!(dict[4].1, Member::Item(Item { value: BareItem::Decimal("3.0".into()), params: vec![] }));
        for bad in ["a=", "a=1,", "A=1", "a=(1 2", "a=\"x", "a=:AA", "a=1 b=2", "a=(1)(2)", "a=\"\\x\"", "a=1234567890123456"] {
            assert!(parse_dictionary(bad).is_err(), "{bad:?} should not parse");
        }
        assert!(parse_dictionary("").unwrap().is_empty());
        // Signature-Input members that are not inner lists, or have no signature, are skipped.
        let signed = Signed::parse(r#"a=1, other=("@method");keyid="x", sig2=("@method");created=5;keyid="k""#, "sig2=:AAEC:").unwrap();
        assert_eq!((signed.label.as_str(), signed.key_id.as_str(), signed.created), ("sig2", "k", Some(5)));
        assert_eq!(signed.signature, vec![0, 1, 2]);
        assert_eq!(Signed::parse(r#"s=("@method");created=1"#, "s=:AA==:"), Err(Error::MissingParameter("keyid")));
        assert!(matches!(Signed::parse(r#"s=("@method" "@method");keyid="k""#, "s=:AA==:"), Err(Error::Malformed(_))));
        assert!(matches!(Signed::parse(r#"s=("Host");keyid="k""#, "s=:AA==:"), Err(Error::Malformed(_))));
    }

    // --- RFC 9421's own examples ---------------------------------------------------

    /// RFC 9421 Appendix B.1.1, "test-key-rsa" (a test key published in the RFC).
    const RFC_TEST_KEY_RSA_PUBLIC: &str = "-----BEGIN RSA PUBLIC KEY-----
MIIBCgKCAQEAhAKYdtoeoy8zcAcR874L8cnZxKzAGwd7v36APp7Pv6Q2jdsPBRrw
WEBnez6d0UDKDwGbc6nxfEXAy5mbhgajzrw3MOEt8uA5txSKobBpKDeBLOsdJKFq
MGmXCQvEG7YemcxDTRPxAleIAgYYRjTSd/QBwVW9OwNFhekro3RtlinV0a75jfZg
kne/YiktSvLG34lw2zqXBDTC5NHROUqGTlML4PlNZS5Ri2U4aCNx2rUPRcKIlE0P
uKxI4T+HIaFpv8+rdV6eUgOrB2xeI1dSFFn/nnv5OoZJEIB+VmuKn3DCUcCZSFlQ
PSXSfBDiUGhwOw76WuSSsf1D4b/vLoJ10wIDAQAB
-----END RSA PUBLIC KEY-----";

    const RFC_DIGEST: &str = "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:";

    /// Appendix B.2's test request.
    fn rfc_request(host: &str) -> http::HeaderMap {
        headers(&[
            ("host", host),
            ("date", "Tue, 20 Apr 2021 02:07:55 GMT"),
            ("content-type", "application/json"),
            ("content-digest", RFC_DIGEST),
            ("content-length", "18"),
        ])
    }

    #[test]
    fn reproduces_the_rfc_b_2_3_signature_base() {
        let h = rfc_request("example.com");
        let parts = RequestParts { method: "POST", target_uri: "https://example.com/foo?param=Value&Pet=dog", headers: &h };
        let signed = Signed::parse(
            r#"sig-b23=("date" "@method" "@path" "@query" "@authority" "content-type" "content-digest" "content-length");created=1618884473;keyid="test-key-rsa-pss""#,
            "sig-b23=:AAAA:",
        )
        .unwrap();
        let base = signature_base(&parts, &signed.covered, &signed.params).unwrap();
        let expected = [
            r#""date": Tue, 20 Apr 2021 02:07:55 GMT"#,
            r#""@method": POST"#,
            r#""@path": /foo"#,
            r#""@query": ?param=Value&Pet=dog"#,
            r#""@authority": example.com"#,
            r#""content-type": application/json"#,
            &format!(r#""content-digest": {RFC_DIGEST}"#),
            r#""content-length": 18"#,
            r#""@signature-params": ("date" "@method" "@path" "@query" "@authority" "content-type" "content-digest" "content-length");created=1618884473;keyid="test-key-rsa-pss""#,
        ]
        .join("\n");
        assert_eq!(base, expected);
        // The B.2.1 minimal signature: nothing covered but the parameters.
        let minimal =
            Signed::parse(r#"sig-b21=();created=1618884473;keyid="test-key-rsa-pss";nonce="b3k2pp5k7z-50gnwp.yemd""#, "sig-b21=:AA==:")
                .unwrap();
        assert_eq!(minimal.nonce.as_deref(), Some("b3k2pp5k7z-50gnwp.yemd"));
        assert_eq!(
            signature_base(&parts, &minimal.covered, &minimal.params).unwrap(),
            r#""@signature-params": ();created=1618884473;keyid="test-key-rsa-pss";nonce="b3k2pp5k7z-50gnwp.yemd""#
        );
    }

    /// RFC 9421 §4.3: a proxy's `rsa-v1_5-sha256` signature beside the client's, by
    /// the RFC's test-key-rsa. PKCS#1 v1.5 is deterministic, so the published
    /// signature verifying proves the signature base is reproduced byte for byte.
    #[test]
    fn verifies_the_rfc_section_4_3_rsa_v1_5_signature() {
        let mut h = rfc_request("origin.host.internal.example");
        h.insert("date", "Tue, 20 Apr 2021 02:07:56 GMT".parse().unwrap());
        h.insert("forwarded", "for=192.0.2.123;host=example.com;proto=https".parse().unwrap());
        h.insert(
            "signature-input",
            concat!(
                r#"sig1=("@method" "@authority" "@path" "content-digest" "content-type" "content-length");created=1618884475;keyid="test-key-ecc-p256", "#,
                r#"proxy_sig=("@method" "@authority" "@path" "content-digest" "content-type" "content-length" "forwarded");created=1618884480;keyid="test-key-rsa";alg="rsa-v1_5-sha256";expires=1618884540"#
            )
            .parse()
            .unwrap(),
        );
        let proxy_sig = concat!(
            "S6ZzPXSdAMOPjN/6KXfXWNO/f7V6cHm7BXYUh3YD/fRad4BCaRZxP+JH+8XY1I6+8Cy+CM5g92iHgxtRPz+MjniOaYmdkDcnL9cCpXJleXsOckpURl49G",
            "wiyUpZ10KHgOEe11sx3G2gxI8S0jnxQB+Pu68U9vVcasqOWAEObtNKKZd8tSFu7LB5YAv0RAGhB8tmpv7sFnIm9y+7X5kXQfi8NMaZaA8i2ZHwpBdg7a6CMfwnnrtf",
            "lzvZdXAsD3LH2TwevU+/PBPv0B6NMNk93wUs/vfJvye+YuI87HU38lZHowtznbLVdp770I6VHR6WfgS9ddzirrswsE1w5o0LV/g=="
        );
        let parts =
            RequestParts { method: "POST", target_uri: "https://origin.host.internal.example/foo?param=Value&Pet=dog", headers: &h };
        // Only the proxy's signature is RSA; pick it by its label as a verifier would.
        let signed = Signed::parse(
            r#"proxy_sig=("@method" "@authority" "@path" "content-digest" "content-type" "content-length" "forwarded");created=1618884480;keyid="test-key-rsa";alg="rsa-v1_5-sha256";expires=1618884540"#,
            &format!("proxy_sig=:{proxy_sig}:"),
        )
        .unwrap();
        assert_eq!(signed.expires, Some(1618884540));
        let expected = [
            r#""@method": POST"#.to_string(),
            r#""@authority": origin.host.internal.example"#.into(),
            r#""@path": /foo"#.into(),
            format!(r#""content-digest": {RFC_DIGEST}"#),
            r#""content-type": application/json"#.into(),
            r#""content-length": 18"#.into(),
            r#""forwarded": for=192.0.2.123;host=example.com;proto=https"#.into(),
            r#""@signature-params": ("@method" "@authority" "@path" "content-digest" "content-type" "content-length" "forwarded");created=1618884480;keyid="test-key-rsa";alg="rsa-v1_5-sha256";expires=1618884540"#.into(),
        ]
        .join("\n");
        assert_eq!(signature_base(&parts, &signed.covered, &signed.params).unwrap(), expected);
        let key = VerifyingKey::from_pem(RFC_TEST_KEY_RSA_PUBLIC).unwrap();
        let body = b"{\"hello\": \"world\"}";
        let verified = verify_at(&parts, &signed, &key, Some(body), 1618884500).unwrap();
        assert_eq!(verified.key_id, "test-key-rsa");
        // Past expires (plus the skew allowance) it no longer verifies.
        assert_eq!(verify_at(&parts, &signed, &key, Some(body), 1618884540 + 3600), Err(Error::Expired));
        // The same, read from the headers (two signatures, the first one ECDSA).
        h.insert(
            "signature",
            format!(
                "sig1=:X5spyd6CFnAG5QnDyHfqoSNICd+BUP4LYMz2Q0JXlb//4Ijpzp+kve2w4NIyqeAuM7jTDX+sNalzA8ESSaHD3A==:, proxy_sig=:{proxy_sig}:"
            )
            .parse()
            .unwrap(),
        );
        let first = Signed::from_headers(&h).unwrap();
        assert_eq!(first.label, "sig1");
        // A changed covered header breaks it.
        h.insert("forwarded", "for=192.0.2.124;host=example.com;proto=https".parse().unwrap());
        let parts =
            RequestParts { method: "POST", target_uri: "https://origin.host.internal.example/foo?param=Value&Pet=dog", headers: &h };
        assert_eq!(verify_at(&parts, &signed, &key, Some(body), 1618884500), Err(Error::Mismatch));
    }

    #[test]
    fn derived_components_and_field_values() {
        let h = headers(&[("x-multi", " a "), ("x-multi", "b"), ("x-empty", "")]);
        let parts = RequestParts { method: "GET", target_uri: "HTTPS://Example.COM:443?x=1", headers: &h };
        let covered: Vec<Item> =
            ["@authority", "@scheme", "@path", "@query", "@request-target", "x-multi", "x-empty"].into_iter().map(component).collect();
        let base = signature_base(&parts, &covered, &vec![]).unwrap();
        let lines: Vec<&str> = base.lines().collect();
        assert_eq!(
            lines[..7],
            [
                r#""@authority": example.com"#,
                r#""@scheme": https"#,
                r#""@path": /"#,
                r#""@query": ?x=1"#,
                r#""@request-target": /?x=1"#,
                r#""x-multi": a, b"#,
                r#""x-empty": "#,
            ]
        );
        let parts = RequestParts { method: "GET", target_uri: "http://a.example:8080/p", headers: &h };
        let base = signature_base(&parts, &[component("@authority"), component("@query")], &vec![]).unwrap();
        assert!(base.starts_with("\"@authority\": a.example:8080\n\"@query\": ?\n"), "{base}");
        assert_eq!(signature_base(&parts, &[component("x-absent")], &vec![]), Err(Error::MissingComponent("\"x-absent\"".into())));
        assert_eq!(signature_base(&parts, &[component("@status")], &vec![]), Err(Error::Unsupported("\"@status\"".into())));
        let with_param = Item { value: BareItem::String("x-multi".into()), params: vec![("sf".into(), BareItem::Boolean(true))] };
        assert_eq!(signature_base(&parts, &[with_param], &vec![]), Err(Error::Unsupported("\"x-multi\";sf".into())));
    }

    #[test]
    fn content_digests_are_checked() {
        let body = b"{}";
        let mut h = headers(&[("content-digest", &content_digest(body))]);
        assert_eq!(check_content_digest(&h, body), Ok(()));
        assert!(check_content_digest(&h, b"{ }").is_err());
        let sha512 = base64::engine::general_purpose::STANDARD.encode(Sha512::digest(body));
        h.insert("content-digest", format!("sha-512=:{sha512}:, md5=:AAAA:").parse().unwrap());
        assert_eq!(check_content_digest(&h, body), Ok(()));
        h.insert("content-digest", "md5=:AAAA:".parse().unwrap());
        assert!(check_content_digest(&h, body).is_err());
        h.insert("content-digest", "sha-256=not-bytes".parse().unwrap());
        assert!(check_content_digest(&h, body).is_err());
    }
}
