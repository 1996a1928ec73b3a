//! Federation in the host: what must happen before any component sees a request from
//! another server (HTTP signatures checked against the sender's key), and signing what
//! this instance sends.
//!
//! - [`signatures`]: draft-cavage HTTP signatures (rsa-sha256 / hs2019): parse, build
//!   the signing string, verify and sign (ring for the RSA operations).
//! - [`signed_fetch`]: GETs of ActivityPub documents that carry a signature from a
//!   known remote account get `x-aerie-signer-account-id`, which the `activitypub`
//!   component uses as the viewer of the one visibility rule.

pub mod signatures;
pub mod signed_fetch;
