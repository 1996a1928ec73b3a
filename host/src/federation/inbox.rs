//! The inboxes (`POST /inbox`, `/users/NAME/inbox`, `/actor/inbox`): nothing from
//! another server reaches a component before the host has checked, in order, that
//! the body matches its digest, that the signature can verify at all (algorithm,
//! covered headers, Date window: checks that need no key, made before the key is
//! looked up or fetched, so that a request bound to fail costs no fetch), that it
//! verifies with the signer's key, and that the key belongs to the activity's actor.
//! Then the activity is stored as a durable `inbox` job and the sender hears 202; the
//! `inbox` component does what it means.
//!
//! Key fetches are bounded ([`super::key_fetch_limits`]): a stored key that fails is
//! refetched at most once per interval (401 with that reason otherwise), and key
//! fetches to one host beyond its token bucket are answered 429 with `Retry-After`
//! (senders retry both; Mastodon gives up only on other 4xx).
//!
//! When the signer is not the actor (a relay, inbox forwarding), the activity is
//! accepted when it carries its actor's RsaSignature2017 LD signature
//! ([`super::ld_signature`]) and that verifies; otherwise only as its origin serves
//! it: it is fetched again from there (the activity, or for a Create/Update its
//! object) and the fetched copy is what gets processed.
//! A Delete signed by a key this instance never saw is answered 202 and dropped:
//! fetching the keys of deleted actors is how fetch storms start.
//!
//! A request with `Signature-Input` is signed the RFC 9421 way ([`super::rfc9421`]:
//! `created` in the same window, `@method`, `@target-uri` and `content-digest`
//! covered); any other is read as draft-cavage. Key lookup, refetch and the owner
//! check are the same for both.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Path, Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine as _;
use serde_json::Value as Json;
use sha2::{Digest as _, Sha256};

use super::key_fetch_limits::Refused;
use aerie_contract::jobs::{self, InboxJob};

use super::remote_keys::{self, SignerKey, Unknown, VerifyError, host_of, same_actor};
use super::service::Federation;
use super::signatures::{self, SignatureHeader, SignedParts, VerifyingKey};
use super::{ld_signature, rfc9421};
use crate::jobs::NewJob;
use crate::server::AppState;
use crate::server::error::json_error;

/// The job kind the `inbox` component handles.
pub const INBOX_KIND: &str = jobs::INBOX;
/// Activities are small; Mastodon refuses bodies over 1 MB too.
const MAX_ACTIVITY_BYTES: usize = 1024 * 1024;
/// Inbox jobs are retried (temporary failures: a remote fetch timed out) this often.
const INBOX_ATTEMPTS: u32 = 10;

pub fn routes() -> axum::Router<Arc<AppState>> {
    axum::Router::new()
        .route("/inbox", post(shared_inbox))
        .route("/actor/inbox", post(shared_inbox))
        .route("/users/{name}/inbox", post(personal_inbox))
}

async fn shared_inbox(State(state): State<Arc<AppState>>, request: Request) -> Response {
    receive(&state, None, request).await
}

async fn personal_inbox(State(state): State<Arc<AppState>>, Path(name): Path<String>, request: Request) -> Response {
    let rows = state
        .database
        .query("SELECT id FROM accounts WHERE lower(username) = lower($1) AND domain IS NULL AND deleted_at IS NULL", vec![name.into()])
        .await;
    match rows {
        Ok(rows) => match rows.i64(0, "id") {
            Some(id) => receive(&state, Some(id), request).await,
            None => json_error(404, "No such account here"),
        },
        Err(e) => unavailable(e.into()),
    }
}

fn unavailable(e: anyhow::Error) -> Response {
    tracing::error!(error = %format!("{e:#}"), "inbox: the database failed");
    if crate::disk_full::caused(&e) {
        // Still a 5xx: the sender keeps the activity and retries later.
        return json_error(507, crate::disk_full::CLIENT_MESSAGE);
    }
    json_error(503, "The inbox cannot take activities right now; retry later")
}

fn refuse(reason: impl std::fmt::Display) -> Response {
    tracing::info!(%reason, "inbox: refused an activity");
    json_error(401, &format!("Verification failed: {reason}"))
}

fn accepted() -> Response {
    (http::StatusCode::ACCEPTED, [(http::header::CONTENT_TYPE, "application/json")], "{}").into_response()
}

async fn receive(state: &AppState, recipient: Option<i64>, request: Request) -> Response {
    let Some(federation) = state.runtime.federation() else {
        return json_error(503, "This node does not federate");
    };
    let (parts, body) = request.into_parts();
    let body: Bytes = match axum::body::to_bytes(Body::new(body), MAX_ACTIVITY_BYTES).await {
        Ok(b) => b,
        Err(_) => return json_error(413, &format!("An activity is at most {MAX_ACTIVITY_BYTES} bytes")),
    };
    let activity: Json = match serde_json::from_slice(&body) {
        Ok(v @ Json::Object(_)) => v,
        _ => return json_error(400, "The body is not a JSON object (an ActivityStreams activity)"),
    };
    let Some(actor) = id_of(activity.get("actor")) else {
        return json_error(400, "The activity has no actor");
    };
    let kind = activity.get("type").and_then(Json::as_str).unwrap_or_default().to_string();

    if let Err(reason) = check_digest(&parts.headers, &body) {
        return refuse(reason);
    }
    let header = if rfc9421::is_present(&parts.headers) {
        match rfc9421::Signed::from_headers(&parts.headers) {
            Ok(s) => Presented::Rfc9421(s),
            Err(e) => return refuse(e),
        }
    } else {
        let Some(raw) = signature_header(&parts.headers) else {
            return refuse("the request is not signed (no Signature header)");
        };
        match SignatureHeader::parse(&raw) {
            Ok(h) => Presented::Cavage(h),
            Err(e) => return refuse(e),
        }
    };
    let key_id = header.key_id().to_string();
    let path_and_query = parts.uri.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| parts.uri.path().to_string());
    let target_uri = target_uri(state, &parts, &path_and_query);
    let signed = Signed {
        parts: SignedParts { method: parts.method.as_str(), path_and_query: &path_and_query, headers: &parts.headers },
        target_uri: &target_uri,
        body: &body,
    };
    // Everything that needs no key comes first: a stale, thin or unknown-algorithm
    // signature must not cost a key lookup, let alone a fetch.
    let signed_text = match checked_text(&signed, &header) {
        Ok(text) => text,
        Err(reason) => return refuse(reason),
    };

    // An unknown key on a Delete is not fetched: the Delete is answered 202 and dropped.
    let unknown = if kind == "Delete" { Unknown::Skip } else { Unknown::Fetch };
    let verified = remote_keys::verified_by(federation, &state.database, &key_id, unknown, None, |key: &SignerKey| {
        std::future::ready(check_signature(&signed_text, &header, key))
    })
    .await;
    let key = match verified {
        Ok(key) => key,
        Err(VerifyError::NotStored) => return accepted(),
        Err(VerifyError::Lookup(e)) => return unavailable(e),
        Err(VerifyError::Fetch(e)) => return refuse(format!("the signing key {key_id} could not be fetched: {e}")),
        Err(VerifyError::Refetch(e)) => {
            return refuse(format!("the signature does not verify and the key could not be refetched: {e}"));
        }
        Err(VerifyError::Rejected(reason)) => return refuse(reason),
        Err(VerifyError::Limited { refetch, refused }) => return limited(&key_id, refetch, &refused),
        // No owner is required of the HTTP signature's key; who owns it is compared
        // with the actor below.
        Err(VerifyError::NotOwner(owner)) => return refuse(format!("the signing key {key_id} belongs to {owner}")),
    };

    // Signed by someone else (a relay, a server forwarding a reply): believed when
    // the author's LD signature verifies, or as the origin serves it.
    let activity = if same_actor(&key.owner, &actor) {
        activity
    } else {
        match author_ld_signed(state, federation, &activity, &actor).await {
            Ok(()) => activity,
            Err(ld_reason) => match from_origin(federation, &activity, &actor).await {
                Some(fetched) => fetched,
                None => {
                    return refuse(format!(
                        "the request is signed by {} but the activity's actor is {actor}; {ld_reason}, and the \
                         activity could not be confirmed by its origin",
                        key.owner
                    ));
                }
            },
        }
    };

    let id = activity.get("id").and_then(Json::as_str).map(str::to_string);
    // From here the actor is the one who vouches (by signature or through its origin).
    let payload = InboxJob { activity, signer: actor, verified: true, recipient };
    let mut job = NewJob::new(INBOX_KIND, payload.to_json());
    job.max_attempts = INBOX_ATTEMPTS;
    // The same activity arriving at several inboxes (personal and shared) runs once.
    job.idempotency_key = id.map(|id| format!("inbox {id}"));
    match state.runtime.jobs().enqueue(job).await {
        Ok(_) => accepted(),
        Err(e) => unavailable(e),
    }
}

/// The signature a request carries: draft-cavage `Signature`, or RFC 9421
/// `Signature-Input` + `Signature`.
enum Presented {
    Cavage(SignatureHeader),
    Rfc9421(rfc9421::Signed),
}

impl Presented {
    fn key_id(&self) -> &str {
        match self {
            Presented::Cavage(h) => &h.key_id,
            Presented::Rfc9421(s) => &s.key_id,
        }
    }
}

/// The request as either kind of signature sees it.
struct Signed<'a> {
    parts: SignedParts<'a>,
    /// The full URI the sender addressed (RFC 9421 `@target-uri`).
    target_uri: &'a str,
    body: &'a [u8],
}

/// The checks that need no key (algorithm, coverage, time window, covered headers
/// present); the text the signature must be over.
fn checked_text(signed: &Signed<'_>, header: &Presented) -> Result<String, String> {
    match header {
        Presented::Cavage(header) => signatures::checked_signing_string(&signed.parts, header, true).map_err(|e| e.to_string()),
        Presented::Rfc9421(input) => {
            let parts = rfc9421::RequestParts { method: signed.parts.method, target_uri: signed.target_uri, headers: signed.parts.headers };
            rfc9421::checked_base(&parts, input, Some(signed.body)).map_err(|e| e.to_string())
        }
    }
}

/// The RSA check of `text` (from [`checked_text`]) with `key`.
fn check_signature(text: &str, header: &Presented, key: &SignerKey) -> Result<(), String> {
    let verifying = VerifyingKey::from_pem(&key.pem).map_err(|e| format!("the key {} is not usable: {e}", key.key_id))?;
    match header {
        Presented::Cavage(header) => signatures::verify_text(text, header, &verifying).map_err(|e| e.to_string()),
        Presented::Rfc9421(input) => rfc9421::verify_base(text, input, &verifying).map(|_| ()).map_err(|e| e.to_string()),
    }
}

/// A key fetch the bounds refused. A stored key refetched recently: 401, the
/// signature does not verify and nothing new can be learnt now. A host whose key
/// fetches are spent: 429 with `Retry-After`, since the request may be sound.
fn limited(key_id: &str, refetch: bool, refused: &Refused) -> Response {
    let reason = if refetch {
        format!("the signature does not verify with the stored key {key_id}, which is not refetched now: {refused}")
    } else {
        format!("the signing key {key_id} is not fetched now: {refused}")
    };
    if let Refused::RecentlyRefetched { .. } = refused {
        return refuse(reason);
    }
    tracing::info!(%reason, "inbox: a key fetch was held back");
    let mut response = json_error(429, &reason);
    let seconds = refused.retry_after().as_secs().max(1);
    response.headers_mut().insert(http::header::RETRY_AFTER, seconds.into());
    response
}

/// The URI the sender addressed: the public scheme and host (after the
/// trusted-proxy rules, as the components see them) with the request's path.
fn target_uri(state: &AppState, parts: &http::request::Parts, path_and_query: &str) -> String {
    // Without connection info (a test router) the peer is no trusted proxy.
    let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0).unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 0)));
    let client = state.trust.client(peer, &parts.headers);
    let host = client.host.unwrap_or_else(|| state.web_domain.clone());
    format!("{}://{host}{path_and_query}", if client.https { "https" } else { "http" })
}

fn signature_header(headers: &http::HeaderMap) -> Option<String> {
    headers.get("signature").and_then(|v| v.to_str().ok()).map(str::to_string).or_else(|| {
        headers.get(http::header::AUTHORIZATION).and_then(|v| v.to_str().ok()).filter(|v| v.starts_with("Signature ")).map(str::to_string)
    })
}

/// Checks `Digest: SHA-256=…` or `Content-Digest: sha-256=:…:` against the body.
pub fn check_digest(headers: &http::HeaderMap, body: &[u8]) -> Result<(), String> {
    let expected = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(body));
    if let Some(value) = headers.get("digest").and_then(|v| v.to_str().ok()) {
        for part in value.split(',') {
            if let Some((alg, digest)) = part.trim().split_once('=')
                && alg.eq_ignore_ascii_case("sha-256")
            {
                return if digest.trim() == expected { Ok(()) } else { Err("the Digest header does not match the body".into()) };
            }
        }
        return Err("the Digest header has no SHA-256 digest".into());
    }
    if let Some(value) = headers.get("content-digest").and_then(|v| v.to_str().ok()) {
        for part in value.split(',') {
            if let Some((alg, digest)) = part.trim().split_once('=')
                && alg.eq_ignore_ascii_case("sha-256")
            {
                let digest = digest.trim().trim_matches(':');
                return if digest == expected { Ok(()) } else { Err("the Content-Digest header does not match the body".into()) };
            }
        }
        return Err("the Content-Digest header has no sha-256 digest".into());
    }
    Err("the request has no Digest header (sign a SHA-256 Digest of the body)".into())
}

/// The id of an object given as a string or as an object with `id`.
fn id_of(value: Option<&Json>) -> Option<String> {
    match value? {
        Json::String(s) => Some(s.clone()),
        Json::Object(o) => o.get("id").and_then(Json::as_str).map(str::to_string),
        _ => None,
    }
    .filter(|s| !s.is_empty())
}

/// Checks the activity's RsaSignature2017 LD signature: made by a key its actor owns
/// (looked up like an HTTP signature's key, and refetched once if it no longer
/// verifies) and matching the document. The error says why not.
async fn author_ld_signed(state: &AppState, federation: &Federation, activity: &Json, actor: &str) -> Result<(), String> {
    let presented = ld_signature::presented(activity).map_err(|e| e.to_string())?;
    let creator = presented.creator.as_str();
    let verified = remote_keys::verified_by(federation, &state.database, creator, Unknown::Fetch, Some(actor), |key: &SignerKey| {
        ld_verify(activity, &presented, key.clone())
    })
    .await;
    match verified {
        Ok(_) => Ok(()),
        Err(VerifyError::Lookup(e)) => Err(format!("the LD signature's key could not be looked up: {e}")),
        Err(VerifyError::Fetch(e)) => Err(format!("the LD signature's key {creator} could not be fetched: {e}")),
        Err(VerifyError::NotOwner(owner)) => Err(format!("the LD signature is by {owner}, not by the actor")),
        Err(VerifyError::Rejected(reason)) => Err(reason),
        Err(VerifyError::Refetch(e)) => Err(format!("the LD signature does not verify and its key could not be refetched: {e}")),
        Err(VerifyError::Limited { refused, .. }) => Err(format!("the LD signature's key {creator} is not fetched now: {refused}")),
        // Unknown::Fetch: an unknown key is fetched, never skipped.
        Err(VerifyError::NotStored) => Err(format!("the LD signature's key {creator} is not known")),
    }
}

/// JSON-LD canonicalization is CPU work: off the async threads.
async fn ld_verify(activity: &Json, presented: &ld_signature::Presented, key: SignerKey) -> Result<(), String> {
    let (activity, presented) = (activity.clone(), presented.clone());
    tokio::task::spawn_blocking(move || {
        let verifying = VerifyingKey::from_pem(&key.pem).map_err(|e| format!("the key {} is not usable: {e}", key.key_id))?;
        ld_signature::verify(&activity, &presented, &verifying).map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| format!("the LD signature check failed: {e}"))?
}

/// The activity as its origin serves it, when the signer is someone else: the
/// activity fetched by id, or (Create/Update) the object fetched by id and wrapped
/// again. `None` when the origin does not confirm it.
async fn from_origin(federation: &Federation, activity: &Json, actor: &str) -> Option<Json> {
    let actor_host = host_of(actor);
    let id = activity.get("id").and_then(Json::as_str)?;
    if host_of(id) == actor_host
        && let Ok(body) = federation.fetch(id, None).await
        && let Ok(fetched) = serde_json::from_str::<Json>(&body)
        && fetched.get("id").and_then(Json::as_str) == Some(id)
        && id_of(fetched.get("actor")).is_some_and(|a| same_actor(&a, actor))
    {
        return Some(fetched);
    }
    let kind = activity.get("type").and_then(Json::as_str)?;
    if !matches!(kind, "Create" | "Update") {
        return None;
    }
    let object_id = id_of(activity.get("object"))?;
    if host_of(&object_id) != actor_host {
        return None;
    }
    let body = federation.fetch(&object_id, None).await.ok()?;
    let object: Json = serde_json::from_str(&body).ok()?;
    let author = id_of(object.get("attributedTo")).or_else(|| id_of(object.get("actor")))?;
    if object.get("id").and_then(Json::as_str) != Some(object_id.as_str()) || !same_actor(&author, actor) {
        return None;
    }
    let mut confirmed = activity.clone();
    confirmed["object"] = object;
    Some(confirmed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_must_match_the_body() {
        let body = br#"{"type":"Follow"}"#;
        let good = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(body));
        let mut headers = http::HeaderMap::new();
        assert!(check_digest(&headers, body).unwrap_err().contains("no Digest"));
        headers.insert("digest", format!("SHA-256={good}").parse().unwrap());
        assert!(check_digest(&headers, body).is_ok());
        assert!(check_digest(&headers, b"{}").unwrap_err().contains("does not match"));
        let mut headers = http::HeaderMap::new();
        headers.insert("content-digest", format!("sha-256=:{good}:").parse().unwrap());
        assert!(check_digest(&headers, body).is_ok());
    }

    #[test]
    fn rfc9421_signatures_are_checked_with_the_same_key() {
        use rsa::pkcs8::{EncodePrivateKey as _, EncodePublicKey as _, LineEnding};
        let private = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048).unwrap();
        let pem = rsa::RsaPublicKey::from(&private).to_public_key_pem(LineEnding::LF).unwrap();
        let signing = super::super::signatures::SigningKey::from_pem(&private.to_pkcs8_pem(LineEnding::LF).unwrap()).unwrap();
        let body = br#"{"type":"Follow"}"#;
        let target = "https://aerie.example/inbox";
        let mut headers = http::HeaderMap::new();
        headers.insert("host", "aerie.example".parse().unwrap());
        rfc9421::sign("POST", target, &mut headers, Some(body), "https://b.example/u#k", &signing).unwrap();
        assert!(check_digest(&headers, body).is_ok());
        let header = Presented::Rfc9421(rfc9421::Signed::from_headers(&headers).unwrap());
        assert_eq!(header.key_id(), "https://b.example/u#k");
        let key = SignerKey { key_id: "https://b.example/u#k".into(), owner: "https://b.example/u".into(), pem, fresh: false };
        let signed = |target_uri, body| Signed {
            parts: SignedParts { method: "POST", path_and_query: "/inbox", headers: &headers },
            target_uri,
            body,
        };
        let text = checked_text(&signed(target, body), &header).unwrap();
        assert_eq!(check_signature(&text, &header, &key), Ok(()));
        let elsewhere = checked_text(&signed("https://aerie.example/actor/inbox", body), &header).unwrap();
        assert!(check_signature(&elsewhere, &header, &key).is_err());
        // Another body fails before any key is needed (its digest).
        assert!(checked_text(&signed(target, b"{}"), &header).unwrap_err().contains("Content-Digest"));
    }

    /// What `checked_text` refuses, it refuses without a key: the inbox calls it
    /// before the key is looked up or fetched.
    #[test]
    fn checks_that_need_no_key_come_first() {
        use super::super::signatures::{httpdate, signing_string};
        use std::time::{Duration, SystemTime};
        let body = br#"{"type":"Follow"}"#;
        let base = |date: SystemTime| {
            let mut headers = http::HeaderMap::new();
            headers.insert("host", "aerie.example".parse().unwrap());
            headers.insert("date", httpdate(date).parse().unwrap());
            let digest = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(body));
            headers.insert("digest", format!("SHA-256={digest}").parse().unwrap());
            headers
        };
        let cavage = |headers: &http::HeaderMap, algorithm: Option<&str>, covered: &str| {
            let names: Vec<String> = covered.split_whitespace().map(str::to_string).collect();
            let header = SignatureHeader {
                key_id: "https://b.example/u#k".into(),
                algorithm: algorithm.map(str::to_string),
                headers: names,
                signature: vec![1; 256],
                created: None,
                expires: None,
            };
            let signed = Signed {
                parts: SignedParts { method: "POST", path_and_query: "/inbox", headers },
                target_uri: "https://aerie.example/inbox",
                body,
            };
            checked_text(&signed, &Presented::Cavage(header))
        };
        let now = base(SystemTime::now());
        let full = "(request-target) host date digest";
        let text = cavage(&now, Some("hs2019"), full).unwrap();
        let parts = SignedParts { method: "POST", path_and_query: "/inbox", headers: &now };
        let names: Vec<String> = full.split_whitespace().map(str::to_string).collect();
        assert_eq!(text, signing_string(&parts, &names, None).unwrap());
        assert!(cavage(&now, Some("rsa-sha256"), full).is_ok());
        assert!(cavage(&now, None, full).is_ok());

        let stale = base(SystemTime::now() - Duration::from_secs(14 * 3600));
        assert!(cavage(&stale, Some("rsa-sha256"), full).unwrap_err().contains("window"));
        let ahead = base(SystemTime::now() + Duration::from_secs(2 * 3600));
        assert!(cavage(&ahead, Some("rsa-sha256"), full).unwrap_err().contains("window"));
        assert!(cavage(&now, Some("rsa-sha512"), full).unwrap_err().contains("not supported"));
        assert!(cavage(&now, Some("ed25519"), full).unwrap_err().contains("not supported"));
        for (covered, missing) in [
            ("host date digest", "(request-target)"),
            ("(request-target) date digest", "host"),
            ("(request-target) host date", "digest"),
            ("(request-target) host digest", "date"),
        ] {
            let refused = cavage(&now, Some("rsa-sha256"), covered).unwrap_err();
            assert!(refused.contains(&format!("must cover {missing}")), "{covered}: {refused}");
        }
        // A covered header the request does not carry.
        let refused = cavage(&now, Some("rsa-sha256"), "(request-target) host date digest x-absent").unwrap_err();
        assert!(refused.contains("x-absent"), "{refused}");
        let mut undated = now.clone();
        undated.remove("date");
        assert!(cavage(&undated, Some("rsa-sha256"), full).unwrap_err().contains("\"date\" is missing"));
    }
}
