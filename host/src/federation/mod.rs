//! Federation in the host: what must happen before any component sees a request from
//! another server (HTTP signatures checked against the sender's key), and signing what
//! this instance sends.
//!
//! - [`signatures`]: draft-cavage HTTP signatures (rsa-sha256 / hs2019): parse, build
//!   the signing string, verify and sign (ring for the RSA operations).
//! - [`rfc9421`]: RFC 9421 HTTP Message Signatures (`Signature-Input` + `Signature`,
//!   rsa-v1_5-sha256): verified at the inbox when a request carries them; signing
//!   them is opt-in (`federation.rfc9421_outbound`).
//! - [`ld_signature`]: RsaSignature2017 Linked Data signatures inside activities:
//!   public activities leave signed by their author, and the inbox accepts an activity
//!   relayed by someone else when its author's LD signature verifies.
//! - [`signed_fetch`]: GETs of ActivityPub documents that carry a signature from a
//!   known remote account get `x-aerie-signer-account-id`, which the `activitypub`
//!   component uses as the viewer of the one visibility rule.
//! - [`inbox`]: POSTs to the inboxes: digest, signature, key owner, then a durable
//!   `inbox` job and 202; [`remote_keys`] finds (or fetches) the signer's key
//!   and verifies with it, for HTTP and LD signatures alike, within the bounds of
//!   [`key_fetch_limits`] (one refetch per key per interval, a token bucket per host).
//! - [`client`] with [`address_policy`]: the outbound HTTP client (signed, size- and
//!   time-limited, private addresses refused); [`service`] holds it with the signers and
//!   queues deliveries; [`delivery`] runs one (retry, give up, circuit breaker).

pub mod address_policy;
pub mod client;
pub mod delivery;
pub mod inbox;
pub mod key_fetch_limits;
pub mod ld_signature;
pub mod remote_keys;
pub mod rfc9421;
pub mod service;
pub mod signatures;
pub mod signed_fetch;
