//! RsaSignature2017 Linked Data signatures, as Mastodon signs public activities and
//! as relays forward them.
//!
//! A relay (or a server forwarding a reply to its followers) POSTs an activity whose
//! HTTP signature is its own, not the author's. The embedded `signature` object lets
//! the receiver check the author anyway: it signs, with the author's RSA key,
//! `sha256hex(canon(options)) + sha256hex(canon(document without signature))`, where
//! `options` is the signature object minus `type`, `id` and `signatureValue` under
//! the `https://w3id.org/identity/v1` context, and `canon` is the JSON-LD document
//! turned into RDF and canonicalized (URDNA2015 / RDFC-1.0) as N-Quads.
//!
//! Contexts are never fetched: the four a signed activity normally uses are embedded
//! (`ld_contexts/`); a document needing any other remote context does not verify here
//! and the inbox confirms it with its origin instead.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};
use std::time::SystemTime;

use base64::Engine;
use json_syntax::Parse;
use locspan::{Location, Meta};
use rdf_types::IriVocabularyMut;
use serde_json::{Map, Value as Json};
use sha2::{Digest, Sha256};
use sophia_api::source::QuadSource;
use sophia_inmem::dataset::LightDataset;
use sophia_iri::Iri;
use sophia_jsonld::json_ld::future::{BoxFuture, FutureExt as _};
use sophia_jsonld::json_ld::{Loader, LoadingResult, RemoteDocument};
use sophia_jsonld::vocabulary::ArcIri;
use sophia_jsonld::{JsonLdOptions, JsonLdParser};

use super::signatures::{SigningKey, VerifyingKey};

/// The signature type this module makes and checks.
pub const SIGNATURE_TYPE: &str = "RsaSignature2017";

/// The context the signature options are canonicalized under.
const OPTIONS_CONTEXT: &str = "https://w3id.org/identity/v1";

/// Embedded context documents, by the URL documents name them with.
const CONTEXTS: [(&str, &str); 4] = [
    ("https://www.w3.org/ns/activitystreams", include_str!("ld_contexts/activitystreams.jsonld")),
    ("https://w3id.org/security/v1", include_str!("ld_contexts/security-v1.jsonld")),
    ("https://w3id.org/identity/v1", include_str!("ld_contexts/identity-v1.jsonld")),
    ("https://w3id.org/security/data-integrity/v1", include_str!("ld_contexts/data-integrity-v1.jsonld")),
];

/// A context document as the JSON-LD parser takes it: every node located in its text.
type ContextDocument = Meta<json_syntax::Value<Location<ArcIri>>, Location<ArcIri>>;

/// The embedded contexts, parsed once, by URL.
static EMBEDDED: LazyLock<HashMap<&'static str, ContextDocument>> = LazyLock::new(|| {
    CONTEXTS
        .into_iter()
        .map(|(url, text)| {
            let iri: ArcIri = Iri::new_unchecked(Arc::from(url));
            let value = json_syntax::Value::parse_str(text, |span| Location::new(iri.clone(), span))
                .expect("the embedded JSON-LD contexts are valid JSON");
            (url, value)
        })
        .collect()
});

/// The document loader: answers from [`EMBEDDED`] and fetches nothing. The parser
/// makes a loader for every document it reads (twice per signature check); this one
/// is zero-sized, so that costs nothing, whereas a loader holding the contexts (like
/// sophia's `StaticLoader`) would deep-copy all four each time. A load copies only the
/// context asked for, as the loader API hands out owned documents.
#[derive(Debug, Clone, Copy, Default)]
struct EmbeddedContexts;

/// A context that is not embedded (remote contexts are never fetched).
#[derive(Debug, thiserror::Error)]
#[error("the context {0} is not one of the embedded ones (remote contexts are not fetched)")]
struct NotEmbedded(String);

impl Loader<ArcIri, Location<ArcIri>> for EmbeddedContexts {
    type Output = json_syntax::Value<Location<ArcIri>>;
    type Error = NotEmbedded;

    fn load_with<'a>(
        &'a mut self,
        _vocabulary: &'a mut (impl Sync + Send + IriVocabularyMut<Iri = ArcIri>),
        url: ArcIri,
    ) -> BoxFuture<'a, LoadingResult<ArcIri, Location<ArcIri>, Self::Output, Self::Error>>
    where
        ArcIri: 'a,
    {
        let loaded = match EMBEDDED.get(url.as_str()) {
            Some(document) => {
                Ok(RemoteDocument::new(Some(url), Some("application/ld+json".parse().expect("a valid MIME type")), document.clone()))
            }
            None => Err(NotEmbedded(url.as_str().to_string())),
        };
        std::future::ready(loaded).boxed()
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum LdError {
    #[error("the document has no RsaSignature2017 signature")]
    NotSigned,
    #[error("the LD signature is malformed: {0}")]
    Malformed(&'static str),
    #[error("the document cannot be canonicalized: {0}")]
    Canonicalize(String),
    #[error("the LD signature does not verify")]
    Mismatch,
}

/// The signature a document carries.
#[derive(Debug, Clone)]
pub struct Presented {
    /// The key id that made it (`creator`).
    pub creator: String,
    value: Vec<u8>,
    /// The signature object (its options are part of what was signed).
    object: Map<String, Json>,
}

/// The RsaSignature2017 signature `document` carries, if any.
pub fn presented(document: &Json) -> Result<Presented, LdError> {
    let Some(object) = document.get("signature").and_then(Json::as_object) else {
        return Err(LdError::NotSigned);
    };
    if object.get("type").and_then(Json::as_str) != Some(SIGNATURE_TYPE) {
        return Err(LdError::NotSigned);
    }
    let creator = object.get("creator").and_then(Json::as_str).ok_or(LdError::Malformed("no creator"))?;
    let value = object.get("signatureValue").and_then(Json::as_str).ok_or(LdError::Malformed("no signatureValue"))?;
    let value =
        base64::engine::general_purpose::STANDARD.decode(value.trim()).map_err(|_| LdError::Malformed("signatureValue is not base64"))?;
    Ok(Presented { creator: creator.to_string(), value, object: object.clone() })
}

/// Checks `signature` (from [`presented`]) over `document` with the creator's key.
/// CPU-bound (JSON-LD expansion and canonicalization, a few hundred µs to a few ms).
pub fn verify(document: &Json, signature: &Presented, key: &VerifyingKey) -> Result<(), LdError> {
    let signed = signed_text(document, &signature.object)?;
    if key.verify(signed.as_bytes(), &signature.value) { Ok(()) } else { Err(LdError::Mismatch) }
}

/// Adds an RsaSignature2017 `signature` by `key_id` to `document` (replacing any).
pub fn sign(document: &mut Json, key_id: &str, key: &SigningKey, created: SystemTime) -> Result<(), LdError> {
    let Json::Object(fields) = document else {
        return Err(LdError::Malformed("the document is not a JSON object"));
    };
    fields.remove("signature");
    let created: chrono::DateTime<chrono::Utc> = created.into();
    let mut object = Map::new();
    object.insert("type".into(), SIGNATURE_TYPE.into());
    object.insert("creator".into(), key_id.into());
    object.insert("created".into(), created.format("%Y-%m-%dT%H:%M:%SZ").to_string().into());
    let signed = signed_text(document, &object)?;
    let value = base64::engine::general_purpose::STANDARD.encode(key.sign(signed.as_bytes()));
    object.insert("signatureValue".into(), value.into());
    document.as_object_mut().expect("checked above").insert("signature".into(), Json::Object(object));
    Ok(())
}

/// What the RSA signature covers: the options' hash followed by the document's.
fn signed_text(document: &Json, signature: &Map<String, Json>) -> Result<String, LdError> {
    let mut options = signature.clone();
    for key in ["type", "id", "signatureValue"] {
        options.remove(key);
    }
    options.insert("@context".into(), OPTIONS_CONTEXT.into());
    let mut unsigned = document.clone();
    if let Some(fields) = unsigned.as_object_mut() {
        fields.remove("signature");
    }
    Ok(format!("{}{}", sha256_hex(&canonical_nquads(&Json::Object(options))?), sha256_hex(&canonical_nquads(&unsigned)?)))
}

/// The document as canonical N-Quads (URDNA2015 / RDFC-1.0).
pub fn canonical_nquads(document: &Json) -> Result<String, LdError> {
    let options = JsonLdOptions::new().with_no_base().with_default_document_loader::<EmbeddedContexts>();
    let parser = JsonLdParser::new_with_options(options);
    // The loader answers from memory, so the future completes without waiting.
    let quads = futures::executor::block_on(parser.async_parse_str(&document.to_string()));
    let dataset: LightDataset = quads.collect_quads().map_err(|e| LdError::Canonicalize(e.to_string()))?;
    let mut out = Vec::new();
    sophia_c14n::rdfc10::normalize(&dataset, &mut out).map_err(|e| LdError::Canonicalize(e.to_string()))?;
    String::from_utf8(out).map_err(|_| LdError::Canonicalize("the canonical form is not UTF-8".into()))
}

fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Whether `activity` is addressed to the public collection (what Mastodon LD-signs).
pub fn is_public(activity: &Json) -> bool {
    ["to", "cc"].iter().any(|field| match activity.get(*field) {
        Some(Json::String(s)) => is_public_iri(s),
        Some(Json::Array(items)) => items.iter().any(|i| i.as_str().is_some_and(is_public_iri)),
        _ => false,
    })
}

fn is_public_iri(iri: &str) -> bool {
    matches!(iri, "https://www.w3.org/ns/activitystreams#Public" | "as:Public" | "Public")
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/activitypub");

    fn fixture(path: &str) -> Json {
        let text = std::fs::read_to_string(format!("{FIXTURES}/{path}")).expect("fixture present");
        serde_json::from_str(&text).expect("fixture is JSON")
    }

    fn test_keys() -> (SigningKey, VerifyingKey) {
        use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
        let private = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048).unwrap();
        let public_pem = private.to_public_key().to_public_key_pem(LineEnding::LF).unwrap();
        let private_pem = private.to_pkcs8_pem(LineEnding::LF).unwrap();
        (SigningKey::from_pem(&private_pem).unwrap(), VerifyingKey::from_pem(&public_pem).unwrap())
    }

    /// A Mastodon server signed this Accept (captured in the fixture corpus with the
    /// signer's actor document): our canonicalization must reproduce its hashes.
    #[test]
    fn a_signature_made_by_mastodon_verifies() {
        let (actor, accept) = (fixture("mastodon/person-admin.json"), fixture("mastodon/accept-follow.json"));
        let key = VerifyingKey::from_pem(actor["publicKey"]["publicKeyPem"].as_str().unwrap()).unwrap();
        let signature = presented(&accept).unwrap();
        assert_eq!(signature.creator, "http://mastodon.example.org/users/admin#main-key");
        verify(&accept, &signature, &key).unwrap();

        // One changed field and it no longer does.
        let mut tampered = accept.clone();
        tampered["object"]["actor"] = "http://mastodon.example.org/users/someone-else".into();
        assert_eq!(verify(&tampered, &signature, &key), Err(LdError::Mismatch));
    }

    #[test]
    fn signs_and_verifies_a_public_note() {
        let (signing, verifying) = test_keys();
        let mut create = serde_json::json!({
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1",
                         {"sensitive": "as:sensitive", "toot": "http://joinmastodon.org/ns#"}],
            "id": "https://a.example/users/alice/statuses/1/activity",
            "type": "Create",
            "actor": "https://a.example/users/alice",
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "cc": ["https://a.example/users/alice/followers"],
            "object": {
                "id": "https://a.example/users/alice/statuses/1", "type": "Note",
                "attributedTo": "https://a.example/users/alice", "sensitive": false,
                "content": "<p>Grüße aus dem Garten 🌱 — \"quoted\"</p>",
                "tag": [{"type": "Hashtag", "name": "#garden", "href": "https://a.example/tags/garden"}]
            }
        });
        assert!(is_public(&create));
        sign(&mut create, "https://a.example/users/alice#main-key", &signing, SystemTime::now()).unwrap();
        let signature = presented(&create).unwrap();
        verify(&create, &signature, &verifying).unwrap();

        create["object"]["content"] = "<p>something else</p>".into();
        assert_eq!(verify(&create, &signature, &verifying), Err(LdError::Mismatch));
        let (_, other) = test_keys();
        create["object"]["content"] = "<p>Grüße aus dem Garten 🌱 — \"quoted\"</p>".into();
        assert_eq!(verify(&create, &signature, &other), Err(LdError::Mismatch));
    }

    #[test]
    fn unknown_remote_contexts_are_not_fetched() {
        let doc = serde_json::json!({"@context": "https://example.com/some-context.jsonld", "type": "Note"});
        assert!(matches!(canonical_nquads(&doc), Err(LdError::Canonicalize(_))));
        assert_eq!(presented(&doc).unwrap_err(), LdError::NotSigned);
    }

    #[test]
    fn every_fixture_canonicalizes_or_fails_cleanly() {
        let mut seen = 0;
        for dir in std::fs::read_dir(FIXTURES).expect("fixture corpus").flatten().filter(|d| d.path().is_dir()) {
            for file in std::fs::read_dir(dir.path()).unwrap().flatten() {
                let Ok(text) = std::fs::read_to_string(file.path()) else { continue };
                let Ok(doc) = serde_json::from_str::<Json>(&text) else { continue };
                // No panic, whatever the shape (unknown contexts are an error, not a fetch).
                let _ = canonical_nquads(&doc);
                let _ = presented(&doc);
                seen += 1;
            }
        }
        assert!(seen > 100, "only {seen} fixtures read");
    }
}
