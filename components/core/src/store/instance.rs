//! What the instance knows of itself and its peers: its identity settings, the
//! remote domains it has met and its weekly activity.

use aerie_sdk::db::{Error, Handle, Value};

/// The remote domains this instance knows, in order.
pub fn peers(db: &impl Handle) -> Result<Vec<String>, Error> {
    let rows =
        db.query("SELECT domain FROM instances UNION SELECT DISTINCT domain FROM accounts WHERE domain IS NOT NULL ORDER BY domain", &[])?;
    Ok(rows.iter().filter_map(|r| r.string("domain")).collect())
}

/// The instance's identity as the host keeps it in `instance_settings`: each value
/// as stored, empty when unset (the methods give the defaults).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// The `acct:` domain (Mastodon's LOCAL_DOMAIN).
    pub domain: String,
    /// Where the instance is served (WEB_DOMAIN).
    pub web_domain: String,
    /// The scheme it is served with.
    pub scheme: String,
    /// The scheme for URLs of other servers we build (WebFinger).
    pub federation_scheme: String,
    /// The longest status, in characters.
    pub max_characters: String,
    /// A local trial's base with its listening port (`http://localhost:8080`),
    /// recorded by the host; empty with a domain.
    pub public_base: String,
}

fn or_default(value: &str, default: &str) -> String {
    if value.is_empty() { default.to_string() } else { value.to_string() }
}

impl Settings {
    /// The domain, `localhost` when unset.
    pub fn domain_or_localhost(&self) -> String {
        or_default(&self.domain, "localhost")
    }

    /// The web domain, `domain` when unset.
    pub fn web_domain_or(&self, domain: &str) -> String {
        or_default(&self.web_domain, domain)
    }

    /// `scheme://web_domain` (`https` when no scheme is set), with `domain` for an
    /// unset web domain; a local trial's recorded base (with its port) when there is one.
    pub fn base(&self, domain: &str) -> String {
        if !self.public_base.is_empty() {
            return self.public_base.clone();
        }
        format!("{}://{}", or_default(&self.scheme, "https"), self.web_domain_or(domain))
    }

    /// The scheme of other servers' URLs, `https` when unset.
    pub fn federation_scheme(&self) -> String {
        or_default(&self.federation_scheme, "https")
    }
}

/// The instance's identity settings.
pub fn settings(db: &impl Handle) -> Result<Settings, Error> {
    let rows = db.query(
        "SELECT key, value FROM instance_settings WHERE key IN ('domain', 'web_domain', 'scheme', 'federation_scheme', 'max_characters', 'public_base')",
        &[],
    )?;
    let get = |key: &str| rows.iter().find(|r| r.text("key") == Some(key)).and_then(|r| r.string("value")).unwrap_or_default();
    Ok(Settings {
        domain: get("domain"),
        web_domain: get("web_domain"),
        scheme: get("scheme"),
        federation_scheme: get("federation_scheme"),
        max_characters: get("max_characters"),
        public_base: get("public_base"),
    })
}

/// The value of instance setting `key`, when stored.
pub fn setting(db: &impl Handle, key: &str) -> Result<Option<String>, Error> {
    let rows = db.query("SELECT value FROM instance_settings WHERE key = $1", &[Value::Text(key.into())])?;
    Ok(rows.first().and_then(|r| r.string("value")))
}

/// What a week's activity counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counted {
    /// Local statuses posted.
    Statuses,
    /// Users last active that week.
    Logins,
    /// Users registered.
    Registrations,
}

/// Counts by week (the `week`-long windows from `first`, numbered from 0) since `first`.
pub fn activity(db: &impl Handle, first: i64, week: i64) -> Result<Vec<(Counted, i64, i64)>, Error> {
    let rows = db.query(
        "SELECT 's' AS k, (created_at - $1) / $2 AS w, COUNT(*) AS n FROM statuses WHERE local = 1 AND created_at >= $1 \
           GROUP BY 2 \
         UNION ALL SELECT 'l' AS k, (last_active_at - $1) / $2 AS w, COUNT(*) AS n FROM users WHERE last_active_at >= $1 \
           GROUP BY 2 \
         UNION ALL SELECT 'r' AS k, (created_at - $1) / $2 AS w, COUNT(*) AS n FROM users WHERE created_at >= $1 \
           GROUP BY 2",
        &[Value::Int64(first), Value::Int64(week)],
    )?;
    Ok(rows
        .iter()
        .filter_map(|row| {
            let counted = match row.text("k") {
                Some("s") => Counted::Statuses,
                Some("l") => Counted::Logins,
                _ => Counted::Registrations,
            };
            Some((counted, row.i64("w")?, row.i64("n").unwrap_or(0)))
        })
        .collect())
}
