//! The instance's identity as the host keeps it in `instance_settings`.

use aerie_core::store;
use aerie_sdk::db;
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
        let settings = store::instance::settings(&db::Autocommit)?;
        let domain = settings.domain_or_localhost();
        Ok(Instance { base: settings.base(&domain), web_domain: settings.web_domain_or(&domain), domain })
    }

    /// Whether `host` names this instance (its domain or web domain).
    pub fn is_local(&self, host: &str) -> bool {
        host.eq_ignore_ascii_case(&self.domain) || host.eq_ignore_ascii_case(&self.web_domain)
    }

    /// The instance actor's URI.
    pub fn actor_uri(&self) -> String {
        aerie_core::contract::uris::instance_actor(&self.base)
    }
}

/// The instance actor's public key, when the host has published it.
pub fn public_key_pem() -> Result<Option<String>, Response> {
    Ok(store::instance::setting(&db::Autocommit, PUBLIC_KEY_SETTING)?.filter(|pem| !pem.is_empty()))
}
