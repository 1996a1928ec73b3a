//! Who is asking: OAuth 2 for Mastodon clients, local passwords and account creation.
//!
//! The host owns every secret (password hashes, client secrets, token hashes live in
//! host-only tables no component SQL can reach). It serves the OAuth endpoints itself
//! ([`oauth`]) and, for every request it hands to a component, resolves the bearer token
//! ([`tokens`]) into host-set headers naming the account, the app and the scopes.
//!
//! - [`scopes`]: Mastodon's scope names and which scope covers which.
//! - [`secrets`]: random tokens, their hashes, argon2 password hashes.
//! - [`accounts`]: creating and changing local accounts (the admin CLI uses it).
//! - [`login_limit`]: slows password guessing per client address.

pub mod accounts;
pub mod login_limit;
pub mod oauth;
mod oauth_page;
pub mod scopes;
pub mod secrets;
pub mod tokens;

/// The bearer token a request presents: `Authorization: Bearer …`, or the
/// `access_token` query parameter (streaming clients and some libraries use it).
pub fn tokens_in_request(headers: &http::HeaderMap, query: Option<&str>) -> Option<String> {
    if let Some(value) = headers.get(http::header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        let (scheme, token) = value.trim().split_once(' ')?;
        return scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_string()).filter(|t| !t.is_empty());
    }
    let query = query?;
    serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .ok()?
        .into_iter()
        .find(|(key, value)| key == "access_token" && !value.is_empty())
        .map(|(_, value)| value)
}
