//! Mastodon's OAuth scopes, as the contract defines them (`aerie_contract::scopes`,
//! the one copy components check with too).

pub use aerie_contract::scopes::*;
