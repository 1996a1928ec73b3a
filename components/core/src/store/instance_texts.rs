//! The operator's texts about the instance, kept by the host in `instance_settings`
//! (from `[instance] extended_description`, `privacy_policy` and `terms_of_service`
//! in aerie.toml): each with when it last changed.

use aerie_sdk::db::{Error, Handle, Value};

/// The setting keys of the texts.
pub const EXTENDED_DESCRIPTION: &str = "extended_description";
pub const PRIVACY_POLICY: &str = "privacy_policy";
pub const TERMS_OF_SERVICE: &str = "terms_of_service";

/// One text: as the operator wrote it and when it last changed (milliseconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub text: String,
    pub updated_at: i64,
}

/// The text under `key`, when the operator set one (an empty text is unset).
pub fn get(db: &impl Handle, key: &str) -> Result<Option<Text>, Error> {
    let rows = db.query("SELECT value, updated_at FROM instance_settings WHERE key = $1", &[Value::Text(key.to_string())])?;
    Ok(rows
        .first()
        .map(|r| Text { text: r.string("value").unwrap_or_default(), updated_at: r.i64("updated_at").unwrap_or_default() })
        .filter(|t| !t.text.trim().is_empty()))
}
