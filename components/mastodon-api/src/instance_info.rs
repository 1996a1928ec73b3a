//! What the instance says about itself: the settings the host keeps in
//! `instance_settings` and live counts, read by `aerie_core::store::instance_info`.

use aerie_core::store::instance_info as store;
use aerie_sdk::db::{self, Autocommit};
use aerie_sdk::http::Request;

/// The instance's public identity, limits and counts.
pub struct InstanceInfo {
    pub domain: String,
    pub web_domain: String,
    /// `https` unless the instance runs as a local trial over plain http.
    pub scheme: String,
    pub title: String,
    pub description: String,
    pub contact_email: String,
    pub software_version: String,
    pub registrations_open: bool,
    pub approval_required: bool,
    pub max_characters: i64,
    pub user_count: i64,
    pub status_count: i64,
    pub domain_count: i64,
    pub active_month: i64,
    /// The host's VAPID public key (Web Push), base64url.
    pub vapid_public_key: String,
}

impl InstanceInfo {
    /// `scheme://web_domain`, the base of every URL the instance hands out.
    pub fn base_url(&self) -> String {
        format!("{}://{}", self.scheme, self.web_domain)
    }
}

fn now_millis() -> i64 {
    let now = wasip2::clocks::wall_clock::now();
    now.seconds as i64 * 1000 + (now.nanoseconds / 1_000_000) as i64
}

/// Loads the instance information.
pub fn load() -> Result<InstanceInfo, db::Error> {
    let rows = store::settings(&Autocommit)?;
    let setting = |key: &str| -> String { rows.iter().find(|(k, _)| k == key).map(|(_, value)| value.clone()).unwrap_or_default() };
    let thirty_days_ago = now_millis() - 30 * 24 * 3600 * 1000;
    let counts = store::counts(&Autocommit, thirty_days_ago)?;
    Ok(InstanceInfo {
        domain: setting("domain"),
        web_domain: setting("web_domain"),
        scheme: setting("scheme"),
        title: setting("title"),
        description: setting("description"),
        contact_email: setting("contact_email"),
        software_version: setting("software_version"),
        registrations_open: setting("registrations_open") == "1",
        approval_required: setting("approval_required") == "1",
        max_characters: setting("max_characters").parse().unwrap_or(500),
        user_count: counts.users,
        status_count: counts.statuses,
        domain_count: counts.domains,
        active_month: counts.active,
        vapid_public_key: setting("vapid_public_key"),
    })
}

/// The `version` string Mastodon clients parse: they gate features on the
/// Mastodon version, so aerie states the API level it implements first.
pub fn mastodon_version(info: &InstanceInfo) -> String {
    let aerie = if info.software_version.is_empty() { env!("CARGO_PKG_VERSION") } else { info.software_version.as_str() };
    format!("4.3.0 (compatible; Aerie {aerie})")
}

/// The streaming API where the client reached the instance: `ws://HOST` on plain
/// http, `wss://HOST` behind TLS (the web domain when the host sent no host name).
pub fn streaming_url(info: &InstanceInfo, request: &Request) -> String {
    let ws = if request.scheme() == "https" { "wss" } else { "ws" };
    format!("{ws}://{}", request.host().unwrap_or(&info.web_domain))
}

/// The instance rules: `instance_settings.rules` when it holds a JSON list (of
/// strings or `{text, hint}` objects), as Rule entities.
pub fn rules() -> Result<serde_json::Value, db::Error> {
    let stored: Vec<serde_json::Value> = store::rules(&Autocommit)?.and_then(|v| serde_json::from_str(&v).ok()).unwrap_or_default();
    let rules = stored
        .iter()
        .enumerate()
        .map(|(i, rule)| {
            let text = rule.as_str().or_else(|| rule.get("text").and_then(|t| t.as_str())).unwrap_or_default();
            let hint = rule.get("hint").and_then(|h| h.as_str()).unwrap_or_default();
            serde_json::json!({ "id": (i + 1).to_string(), "text": text, "hint": hint })
        })
        .collect();
    Ok(serde_json::Value::Array(rules))
}
