//! The subscribing access token at rest. Mastodon's push payload carries it
//! (`access_token`, so a client knows which of its accounts a push is for), so the
//! host must get it back; the database keeps only tokens' hashes otherwise, and a
//! copy of the database (a backup, a PostgreSQL replica) must not hand out live
//! tokens. The token is sealed with AES-256-GCM under a key derived (HKDF-SHA256)
//! from the VAPID private key, which lives with the instance keys.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::hkdf::{HKDF_SHA256, Salt};
use ring::rand::{SecureRandom as _, SystemRandom};

/// What a sealed token starts with (the format's version).
const PREFIX: &str = "sealed-v1:";
/// The HKDF `info`: this key seals push tokens and nothing else.
const INFO: &[u8] = b"aerie web-push access token at rest";

/// Seals and opens subscribing tokens.
pub struct TokenSeal {
    key: LessSafeKey,
}

impl TokenSeal {
    /// The seal whose key derives from `secret` (the VAPID private key's bytes).
    pub fn new(secret: &[u8]) -> TokenSeal {
        let prk = Salt::new(HKDF_SHA256, b"aerie").extract(secret);
        let mut bytes = [0u8; 32];
        prk.expand(&[INFO], &AES_256_GCM).and_then(|okm| okm.fill(&mut bytes)).expect("32 bytes is AES-256's key length");
        TokenSeal { key: LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &bytes).expect("a 32-byte key")) }
    }

    /// `token` sealed: `sealed-v1:` and base64url of a random nonce and the ciphertext.
    pub fn seal(&self, token: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new().fill(&mut nonce).expect("the system's random source");
        let mut sealed = token.as_bytes().to_vec();
        self.key.seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::empty(), &mut sealed).expect("a short token seals");
        let mut out = nonce.to_vec();
        out.extend(sealed);
        format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(out))
    }

    /// The token `stored` holds; `None` when it was sealed under another key or damaged.
    pub fn open(&self, stored: &str) -> Option<String> {
        let bytes = URL_SAFE_NO_PAD.decode(stored.strip_prefix(PREFIX)?).ok()?;
        if bytes.len() < NONCE_LEN {
            return None;
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut sealed = sealed.to_vec();
        let token = self.key.open_in_place(nonce, Aad::empty(), &mut sealed).ok()?;
        String::from_utf8(token.to_vec()).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_token_opens_only_under_its_key_and_never_shows_in_the_clear() {
        let seal = TokenSeal::new(&[7; 32]);
        let sealed = seal.seal("the-access-token");
        assert!(!sealed.contains("the-access-token"));
        assert_ne!(sealed, seal.seal("the-access-token"), "a fresh nonce each time");
        assert_eq!(seal.open(&sealed).as_deref(), Some("the-access-token"));
        assert_eq!(TokenSeal::new(&[8; 32]).open(&sealed), None);
        assert_eq!(seal.open("the-access-token"), None, "a clear token is not accepted as sealed");
        let mut damaged = sealed.clone();
        let last = damaged.pop().unwrap();
        damaged.push(if last == 'A' { 'B' } else { 'A' });
        assert_eq!(seal.open(&damaged), None);
    }
}
