//! The instance's identity as the host keeps it in `instance_settings`.

use aerie_sdk::db::{self, Value};
use aerie_sdk::http::Response;

/// The settings key of the instance actor's public key (PEM), written by the host.
pub const PUBLIC_KEY_SETTING: &str = "instance_public_key_pem";

pub struct Instance {
    /// The `acct:` domain (Mastodon's LOCAL_DOMAIN).
    pub domain: String,
    /// Where the instance is served (WEB_DOMAIN).
    pub web_domain: String,
    /// `scheme://web_domain`.
    pub base: String,
}

impl Instance {
    pub fn load() -> Result<Instance, Response> {
        let rows = db::query("SELECT key, value FROM instance_settings WHERE key IN ('domain', 'web_domain', 'scheme')", &[])?;
        let get = |key: &str| rows.iter().find(|r| r.text("key") == Some(key)).and_then(|r| r.string("value")).unwrap_or_default();
        let domain = Some(get("domain")).filter(|d| !d.is_empty()).unwrap_or_else(|| "localhost".into());
        let web_domain = Some(get("web_domain")).filter(|w| !w.is_empty()).unwrap_or_else(|| domain.clone());
        let scheme = Some(get("scheme")).filter(|s| !s.is_empty()).unwrap_or_else(|| "https".into());
        Ok(Instance { base: format!("{scheme}://{web_domain}"), domain, web_domain })
    }

    /// Whether `host` names this instance (its domain or web domain).
    pub fn is_local(&self, host: &str) -> bool {
        host.eq_ignore_ascii_case(&self.domain) || host.eq_ignore_ascii_case(&self.web_domain)
    }

    /// The instance actor's URI.
    pub fn actor_uri(&self) -> String {
        format!("{}/actor", self.base)
    }
}

/// The instance actor's public key, when the host has published it.
pub fn public_key_pem() -> Result<Option<String>, Response> {
    let rows = db::query("SELECT value FROM instance_settings WHERE key = $1", &[Value::Text(PUBLIC_KEY_SETTING.into())])?;
    Ok(rows.first().and_then(|r| r.string("value")).filter(|pem| !pem.is_empty()))
}
