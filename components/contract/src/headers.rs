//! The request headers only the host sets on requests to HTTP components: the host
//! writes them (`host/src/server/`, `host/src/mastodon/streaming/`,
//! `host/src/federation/`), components read them (the SDK's `auth` and `http`, the
//! `activitypub` component). Any incoming header starting with [`PREFIX`] is dropped by
//! the host first, so a client can never forge one.

/// What every host-set header starts with; incoming copies are stripped.
pub const PREFIX: &str = "x-aerie-";

/// Decimal id of the authenticated local account; absent without a token or for an
/// app-only (`client_credentials`) token.
pub const ACCOUNT_ID: &str = "x-aerie-account-id";
/// Space-separated scopes of the token; present whenever a valid token was given.
pub const SCOPES: &str = "x-aerie-scopes";
/// Decimal `applications.id` of the token's app.
pub const APP_ID: &str = "x-aerie-app-id";

/// The request's public scheme (`http` or `https`), after the host applied its
/// trusted-proxy rules.
pub const SCHEME: &str = "x-aerie-scheme";
/// The public host name the client used (`Host`, or `X-Forwarded-Host` from a trusted
/// proxy); wasi:http itself drops `Host`.
pub const HOST: &str = "x-aerie-host";
/// The client's address, after the trusted-proxy rules.
pub const CLIENT_IP: &str = "x-aerie-client-ip";

/// The account id of a request's verified HTTP signature (a signed fetch by a known
/// remote account), the viewer of the visibility rule for ActivityPub reads.
pub const SIGNER_ACCOUNT_ID: &str = "x-aerie-signer-account-id";

/// Every header above (for checks that the WIT's documentation names them all).
pub const ALL: [&str; 7] = [ACCOUNT_ID, SCOPES, APP_ID, SCHEME, HOST, CLIENT_IP, SIGNER_ACCOUNT_ID];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_header_carries_the_stripped_prefix() {
        for name in ALL {
            assert!(name.starts_with(PREFIX), "{name}");
            assert_eq!(name, name.to_ascii_lowercase(), "header names are lower case");
        }
    }
}
