//! `GET /api/v1/accounts/verify_credentials` and `PATCH update_credentials`: the
//! viewer's own account with its `source` (what the profile editor shows). An update
//! may carry `avatar` and `header` files (multipart, see [`crate::profile_images`]);
//! every update is sent to followers' servers as an `Update` of the actor.

use aerie_core::contract::visibility::Visibility;
use aerie_core::convert;
use aerie_core::entities::{Account, Field, Role, Source};
use aerie_core::rows::{AccountRow, FieldRow};
use aerie_core::store;
use aerie_core::time::iso8601;
use aerie_sdk::db::{self, Autocommit};
use aerie_sdk::http::Response;
use aerie_sdk::settings;

use crate::ctx::{Answer, Ctx, invalid};
use crate::{load, profile_images};

const MAX_DISPLAY_NAME: usize = 30;
const MAX_NOTE: usize = 500;
const MAX_FIELDS: usize = 4;
const MAX_FIELD_LENGTH: usize = 255;

fn role_to_api(role: &str) -> Role {
    let (id, name, permissions) = match role {
        "owner" => ("3", "Owner", "1"),
        "admin" => ("2", "Admin", "1"),
        "moderator" => ("1", "Moderator", "1308"),
        _ => ("-99", "", "65536"),
    };
    Role { id: id.into(), name: name.into(), permissions: permissions.into(), color: String::new(), highlighted: id != "-99" }
}

/// The viewer's account as a CredentialAccount.
pub fn credential_account(ctx: &Ctx, account: &AccountRow) -> Result<Account, Response> {
    let facts = store::accounts::user_facts(&Autocommit, account.id)?;
    let requests = store::accounts::pending_follow_requests(&Autocommit, account.id)?;
    let setting = |key: &str| facts.settings.get(key).cloned().unwrap_or(serde_json::Value::Null);
    let mut entity = convert::account_to_api(account, &ctx.base);
    entity.source = Some(Source {
        privacy: setting("default_privacy").as_str().unwrap_or("public").to_string(),
        sensitive: setting("default_sensitive").as_bool().unwrap_or(false),
        language: setting("default_language").as_str().map(str::to_string),
        note: account.note.clone(),
        fields: account
            .field_list()
            .into_iter()
            .map(|f| Field { name: f.name, value: f.value, verified_at: f.verified_at.map(iso8601) })
            .collect(),
        follow_requests_count: requests,
        discoverable: account.discoverable,
        indexable: account.indexable,
        hide_collections: false,
        attribution_domains: Vec::new(),
    });
    entity.role = Some(role_to_api(&facts.role));
    Ok(entity)
}

/// `GET /api/v1/accounts/verify_credentials` (`read:accounts`, or `profile`).
pub fn verify(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.user_or_profile("read:accounts")?;
    let account = load::account_or_404(viewer)?;
    Ok(Response::to_json(200, &credential_account(ctx, &account)?))
}

/// The fields from `fields_attributes[i][name|value]` (form, JSON array or JSON
/// object keyed by index all flatten to that), in index order.
fn submitted_fields(ctx: &Ctx) -> Option<Vec<FieldRow>> {
    let mut by_index: Vec<(usize, FieldRow)> = Vec::new();
    let mut seen = false;
    for (name, value) in ctx.params.pairs() {
        let Some(rest) = name.strip_prefix("fields_attributes[") else { continue };
        seen = true;
        let Some((index, key)) = rest.split_once("][") else { continue };
        let Ok(index) = index.parse::<usize>() else { continue };
        let position = match by_index.iter().position(|(i, _)| *i == index) {
            Some(p) => p,
            None => {
                by_index.push((index, FieldRow::default()));
                by_index.len() - 1
            }
        };
        match key.trim_end_matches(']') {
            "name" => by_index[position].1.name = value.trim().to_string(),
            "value" => by_index[position].1.value = value.trim().to_string(),
            _ => {}
        }
    }
    by_index.sort_by_key(|(i, _)| *i);
    seen.then(|| by_index.into_iter().map(|(_, f)| f).filter(|f| !(f.name.is_empty() && f.value.is_empty())).collect())
}

/// `PATCH /api/v1/accounts/update_credentials`
pub fn update(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.user("write:accounts")?;
    let mut account = load::account_or_404(viewer)?;
    let p = &ctx.params;
    if let Some(name) = p.get("display_name") {
        if name.chars().count() > MAX_DISPLAY_NAME {
            return Err(invalid(&format!("Display name is too long (maximum is {MAX_DISPLAY_NAME} characters)")));
        }
        account.display_name = name.trim().to_string();
    }
    if let Some(note) = p.get("note") {
        if note.chars().count() > MAX_NOTE {
            return Err(invalid(&format!("Note is too long (maximum is {MAX_NOTE} characters)")));
        }
        account.note = note.to_string();
    }
    for (key, flag) in [
        ("locked", &mut account.locked),
        ("bot", &mut account.bot),
        ("discoverable", &mut account.discoverable),
        ("indexable", &mut account.indexable),
    ] {
        if let Some(value) = p.bool(key) {
            *flag = value;
        }
    }
    if let Some(fields) = submitted_fields(ctx) {
        if fields.len() > MAX_FIELDS {
            return Err(invalid(&format!("Fields is too long (maximum is {MAX_FIELDS} fields)")));
        }
        if fields.iter().any(|f| f.name.chars().count() > MAX_FIELD_LENGTH || f.value.chars().count() > MAX_FIELD_LENGTH) {
            return Err(invalid(&format!("Fields is too long (maximum is {MAX_FIELD_LENGTH} characters per field)")));
        }
        account.fields = serde_json::to_string(&fields).unwrap_or_else(|_| "[]".into());
    }
    let mut facts = store::accounts::user_facts(&Autocommit, viewer)?;
    let mut settings_changed = false;
    if let Some(privacy) = p.get("source[privacy]").filter(|v| !v.is_empty()) {
        let privacy = Visibility::parse(privacy)
            .filter(|v| *v != Visibility::Direct)
            .ok_or_else(|| invalid("Privacy is not included in the list"))?;
        facts.settings["default_privacy"] = privacy.as_str().into();
        settings_changed = true;
    }
    if let Some(sensitive) = p.bool("source[sensitive]") {
        facts.settings["default_sensitive"] = sensitive.into();
        settings_changed = true;
    }
    if let Some(language) = p.get("source[language]") {
        facts.settings["default_language"] = if language.is_empty() { serde_json::Value::Null } else { language.into() };
        settings_changed = true;
    }
    // Last, once every text parameter passed: the files are stored before the
    // transaction that names them, and removed again if it fails.
    let uploads = profile_images::store_uploads(ctx, viewer)?;
    let now = settings::now_millis();
    let written = write(viewer, &account, settings_changed.then_some(&facts.settings), &uploads, now);
    if let Err(error) = written {
        profile_images::discard(&uploads);
        return Err(error);
    }
    profile_images::assigned(&mut account, uploads);
    account.updated_at = now;
    crate::federate::profile_updated(viewer);
    Ok(Response::to_json(200, &credential_account(ctx, &account)?))
}

/// The profile, the settings (when changed) and the uploaded files, in one transaction.
fn write(
    viewer: i64,
    account: &AccountRow,
    settings: Option<&serde_json::Value>,
    uploads: &[profile_images::Stored],
    now: i64,
) -> Result<(), Response> {
    let tx = db::begin()?;
    store::accounts::update_profile(&tx, viewer, account, now)?;
    if let Some(settings) = settings {
        store::accounts::update_user_settings(&tx, viewer, settings, now)?;
    }
    profile_images::assign(&tx, viewer, uploads)?;
    tx.commit()?;
    Ok(())
}
