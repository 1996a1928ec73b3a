//! A status's poll: read from `poll[options][]`, `poll[expires_in]`, `poll[multiple]`,
//! `poll[hide_totals]` (form or JSON), checked against the advertised limits; the
//! status actions write it (`aerie_core::actions::polls`). Whether totals are hidden
//! lives in the component's key-value store under [`hide_totals_key`] (the `polls`
//! table has no column for it).

pub use aerie_core::actions::polls::{NewPoll, hide_totals_key};
use aerie_sdk::http::Response;
use aerie_sdk::params::Params;

use crate::ctx::invalid;

pub const MAX_OPTIONS: usize = 4;
pub const MAX_OPTION_CHARACTERS: usize = 50;
pub const MIN_EXPIRATION_SECS: i64 = 300;
pub const MAX_EXPIRATION_SECS: i64 = 2_629_746;

/// The poll in the request, if any, or the Mastodon validation error.
pub fn from_params(params: &Params) -> Result<Option<NewPoll>, Response> {
    let options: Vec<String> = params.all("poll[options]").iter().map(|o| o.trim().to_string()).collect();
    if options.is_empty() {
        return Ok(None);
    }
    if options.len() < 2 {
        return Err(invalid("Poll must have at least 2 options"));
    }
    if options.len() > MAX_OPTIONS {
        return Err(invalid(&format!("Poll can't contain more than {MAX_OPTIONS} options")));
    }
    if options.iter().any(|o| o.is_empty()) {
        return Err(invalid("Poll options can't be blank"));
    }
    if options.iter().any(|o| o.chars().count() > MAX_OPTION_CHARACTERS) {
        return Err(invalid(&format!("Poll options can't be longer than {MAX_OPTION_CHARACTERS} characters")));
    }
    let lowered: Vec<String> = options.iter().map(|o| o.to_lowercase()).collect();
    if lowered.iter().enumerate().any(|(i, o)| lowered[..i].contains(o)) {
        return Err(invalid("Poll options must be unique"));
    }
    let expires_in_secs = params.i64("poll[expires_in]").ok_or_else(|| invalid("Poll expires in can't be blank"))?;
    if expires_in_secs < MIN_EXPIRATION_SECS {
        return Err(invalid("Poll duration too short"));
    }
    if expires_in_secs > MAX_EXPIRATION_SECS {
        return Err(invalid("Poll duration too long"));
    }
    Ok(Some(NewPoll {
        options,
        expires_in_secs,
        multiple: params.bool("poll[multiple]").unwrap_or(false),
        hide_totals: params.bool("poll[hide_totals]").unwrap_or(false),
    }))
}
