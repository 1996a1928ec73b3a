//! The instance's identity: `domain` and `web_domain` are recorded in the database on
//! first start and any later change is refused, because the domain is part of every
//! actor and post id other servers have stored. A local trial (`localhost`) may be
//! given a real domain as long as it has no local accounts yet.

use std::path::Path;

use crate::config::Config;
use crate::db::{Database, Value};
use crate::operator_error::OperatorError;

/// Reads one instance setting.
pub async fn setting(db: &Database, key: &str) -> anyhow::Result<Option<String>> {
    let rows = db.query("SELECT value FROM instance_settings WHERE key = $1", vec![key.into()]).await?;
    Ok(rows.get(0, "value").and_then(Value::as_str).map(str::to_string))
}

/// Writes instance settings in one transaction.
pub async fn set_settings(db: &Database, pairs: &[(&str, String)]) -> anyhow::Result<()> {
    let now = crate::clock::now_millis();
    let tx = db.begin().await?;
    for (key, value) in pairs {
        tx.execute(
            "INSERT INTO instance_settings (key, value, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            vec![(*key).into(), value.clone().into(), now.into()],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Compares the configured identity with the recorded one; records it the first time.
/// With `record = false` (config check) only compares.
pub async fn check(db: &Database, config: &Config, config_file: &Path, record: bool) -> anyhow::Result<()> {
    let stored_domain = setting(db, "domain").await?;
    let stored_web = setting(db, "web_domain").await?;
    let (domain, web_domain) = (config.domain().to_string(), config.web_domain().to_string());

    let Some(stored_domain) = stored_domain else {
        if record {
            set_settings(db, &[("domain", domain), ("web_domain", web_domain)]).await?;
        }
        return Ok(());
    };
    let stored_web = stored_web.unwrap_or_else(|| stored_domain.clone());
    if stored_domain == domain && stored_web == web_domain {
        return Ok(());
    }
    if stored_domain == "localhost" && local_accounts(db).await? == 0 {
        if record {
            tracing::info!(%domain, "the local trial instance now has a domain");
            set_settings(db, &[("domain", domain), ("web_domain", web_domain)]).await?;
        }
        return Ok(());
    }
    let (key, was, now) =
        if stored_domain != domain { ("domain", stored_domain.clone(), domain) } else { ("web_domain", stored_web.clone(), web_domain) };
    Err(OperatorError::new(
        format!(
            "this instance was created with {key} {was:?}, but {} now says {now:?}. The domain is part of every \
             account and post id that other servers have stored, so it cannot change",
            config_file.display()
        ),
        format!(
            "set [instance] {key} = \"{was}\" back in {} (to use a new domain, start a new instance with its own --data-dir)",
            config_file.display()
        ),
    )
    .into())
}

async fn local_accounts(db: &Database) -> anyhow::Result<i64> {
    let rows = db.query("SELECT COUNT(*) AS n FROM accounts WHERE domain IS NULL", vec![]).await?;
    Ok(rows.get(0, "n").and_then(Value::as_i64).unwrap_or(0))
}

/// Copies the public instance profile from the config into `instance_settings`, where
/// components read it.
pub async fn sync_settings(db: &Database, config: &Config) -> anyhow::Result<()> {
    let i = &config.instance;
    let flag = |b: bool| if b { "1".to_string() } else { "0".to_string() };
    set_settings(
        db,
        &[
            ("scheme", config.scheme().to_string()),
            // How components build URLs to other servers from a domain (WebFinger).
            ("federation_scheme", config.federation.scheme.clone()),
            ("title", i.title.clone()),
            ("description", i.description.clone()),
            ("contact_email", i.contact_email.clone()),
            ("registrations_open", flag(i.registrations_open)),
            ("approval_required", flag(i.approval_required)),
            ("max_characters", i.max_characters.to_string()),
            ("software_version", env!("CARGO_PKG_VERSION").to_string()),
        ],
    )
    .await?;
    sync_texts(db, config).await
}

/// Copies the operator's texts about the instance (`extended_description`,
/// `privacy_policy`, `terms_of_service`) into `instance_settings`; a text's
/// `updated_at` moves only when it changed, since clients show it as the text's date.
async fn sync_texts(db: &Database, config: &Config) -> anyhow::Result<()> {
    let i = &config.instance;
    let now = crate::clock::now_millis();
    for (key, value) in [
        ("extended_description", &i.extended_description),
        ("privacy_policy", &i.privacy_policy),
        ("terms_of_service", &i.terms_of_service),
    ] {
        db.execute(
            "INSERT INTO instance_settings (key, value, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at \
             WHERE instance_settings.value <> excluded.value",
            vec![key.into(), value.trim().to_string().into(), now.into()],
        )
        .await?;
    }
    Ok(())
}

/// The setting holding a local trial's public base with its port (see
/// [`Config::trial_base`]); components prefer it to `scheme://web_domain`.
pub const PUBLIC_BASE: &str = "public_base";

/// The base URL local accounts are created with: a trial's recorded public base
/// (written by the running server, which knows its port), else `scheme://web_domain`.
pub async fn account_base(db: &Database, config: &Config) -> anyhow::Result<String> {
    let configured = format!("{}://{}", config.scheme(), config.web_domain());
    if !config.is_trial() {
        return Ok(configured);
    }
    Ok(setting(db, PUBLIC_BASE).await?.filter(|b| !b.is_empty()).unwrap_or(configured))
}

/// Records the public base of the server now listening on `port`. For a local trial
/// that is `http://localhost:PORT`, and local accounts and statuses made under an
/// earlier base (another port, or none) have their URIs moved to it: a trial cannot
/// federate, so nobody else holds them. With a domain nothing is recorded and no URI
/// changes.
pub async fn record_public_base(db: &Database, config: &Config, port: u16) -> anyhow::Result<()> {
    let Some(base) = config.trial_base(port) else {
        db.execute("DELETE FROM instance_settings WHERE key = $1", vec![PUBLIC_BASE.into()]).await?;
        return Ok(());
    };
    let configured = format!("{}://{}", config.scheme(), config.web_domain());
    let previous = setting(db, PUBLIC_BASE).await?.filter(|b| !b.is_empty()).unwrap_or(configured);
    if previous != base {
        let tx = db.begin().await?;
        let moves: [(&str, &[&str], &str); 2] = [
            (
                "accounts",
                &["uri", "url", "inbox_url", "shared_inbox_url", "outbox_url", "followers_url", "featured_url", "public_key_id"],
                "domain IS NULL",
            ),
            ("statuses", &["uri", "url"], "local = 1"),
        ];
        for (table, columns, local) in moves {
            for column in columns {
                tx.execute(
                    &format!(
                        "UPDATE {table} SET {column} = CAST($1 AS TEXT) || substr({column}, length(CAST($2 AS TEXT)) + 1) \
                         WHERE {local} AND ({column} = $2 OR {column} LIKE $3)"
                    ),
                    vec![base.clone().into(), previous.clone().into(), format!("{previous}/%").into()],
                )
                .await?;
            }
        }
        tx.commit().await?;
        tracing::info!(from = %previous, to = %base, "the local trial's URLs follow its port");
    }
    set_settings(db, &[(PUBLIC_BASE, base)]).await
}
