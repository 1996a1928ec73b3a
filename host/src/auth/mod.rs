//! Local accounts and the secrets that guard them: account creation (the admin CLI uses
//! it), password and token hashing, and the limit on password guessing.
//!
//! The host owns every secret (password hashes, client secrets, token hashes live in
//! host-only tables no component SQL can reach). Mastodon's OAuth endpoints, access
//! tokens and scopes, which build on these, are in [`crate::mastodon`].
//!
//! - [`secrets`]: random tokens, their hashes, argon2 password hashes.
//! - [`accounts`]: creating and changing local accounts (the admin CLI uses it).
//! - [`login_limit`]: slows password guessing per client address.

pub mod accounts;
pub mod login_limit;
pub mod secrets;
