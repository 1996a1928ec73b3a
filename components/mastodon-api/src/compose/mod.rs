//! Writing statuses: a new status ([`create`]) or a new version of one ([`edit`])
//! with its mentions, tags, media, poll, counters and notifications in one
//! transaction, then its streaming events. Reblogs are in
//! `routes/api/v1/statuses/actions.rs`.

pub mod content;
mod edit;
pub mod poll;
mod references;
pub mod render;
mod subscribers;

pub use content::Content;
pub use edit::edit;

use aerie_core::rows::{AccountRow, StatusRow};
use aerie_sdk::db::{self, Value};
use aerie_sdk::http::Response;
use aerie_sdk::settings;

use aerie_core::actions::notify;
use aerie_core::stream_audience;

/// The instance facts composing needs.
pub struct Instance {
    pub domain: String,
    /// `scheme://web_domain`.
    pub base: String,
    pub max_characters: usize,
}

pub fn instance() -> Result<Instance, Response> {
    let rows =
        db::query("SELECT key, value FROM instance_settings WHERE key IN ('domain', 'web_domain', 'scheme', 'max_characters')", &[])?;
    let get = |key: &str| rows.iter().find(|r| r.text("key") == Some(key)).and_then(|r| r.string("value")).unwrap_or_default();
    let domain = get("domain");
    let web_domain = Some(get("web_domain")).filter(|w| !w.is_empty()).unwrap_or_else(|| domain.clone());
    let scheme = Some(get("scheme")).filter(|s| !s.is_empty()).unwrap_or_else(|| "https".into());
    Ok(Instance { base: format!("{scheme}://{web_domain}"), domain, max_characters: get("max_characters").parse().unwrap_or(500) })
}

/// A status to write, already validated by the handler.
pub struct NewStatus {
    pub content: Content,
    pub visibility: String,
    pub in_reply_to: Option<StatusRow>,
    pub application_id: Option<i64>,
}

/// The `uri` and `url` of a local status (or of a reblog's activity).
pub fn local_status_urls(author: &AccountRow, instance: &Instance, id: i64) -> (String, String) {
    let uri = author.uri.clone().unwrap_or_else(|| format!("{}/users/{}", instance.base, author.username));
    let url = author.url.clone().unwrap_or_else(|| format!("{}/@{}", instance.base, author.username));
    (format!("{uri}/statuses/{id}"), format!("{url}/{id}"))
}

/// Writes `new` by `author`, publishes it and returns the stored row.
pub fn create(author: &AccountRow, new: NewStatus, instance: &Instance) -> Result<StatusRow, Response> {
    let content = &new.content;
    let accounts = render::mentionable_accounts(&content.text, &instance.domain)?;
    let rendered = render::render(&content.text, &accounts, &instance.domain, &instance.base);

    let now = settings::now_millis();
    let id = settings::next_id();
    let (uri, url) = local_status_urls(author, instance, id);
    let parent = new.in_reply_to.as_ref();
    let tx = db::begin()?;
    let conversation_id = match parent.and_then(|p| p.conversation_id) {
        Some(existing) => existing,
        None => {
            let conversation = settings::next_id();
            tx.execute(
                "INSERT INTO conversations (id, uri, created_at) VALUES ($1, NULL, $2)",
                &[Value::Int64(conversation), Value::Int64(now)],
            )?;
            conversation
        }
    };
    let mut row = StatusRow {
        id,
        account_id: author.id,
        local: true,
        text: content.text.clone(),
        content_html: rendered.html.clone(),
        uri: Some(uri),
        url: Some(url),
        visibility: new.visibility.clone(),
        in_reply_to_id: parent.map(|p| p.id),
        in_reply_to_account_id: parent.map(|p| p.account_id),
        conversation_id: Some(conversation_id),
        language: content.language.clone(),
        sensitive: content.sensitive.unwrap_or(false) || !content.spoiler_text.is_empty(),
        spoiler_text: content.spoiler_text.clone(),
        application_id: new.application_id,
        created_at: now,
        updated_at: now,
        ..StatusRow::default()
    };
    let opt_int = |v: Option<i64>| v.map(Value::Int64).unwrap_or(Value::Null);
    let opt_text = |v: &Option<String>| v.clone().map(Value::Text).unwrap_or(Value::Null);
    tx.execute(
        "INSERT INTO statuses (id, account_id, local, text, content_html, uri, url, visibility, in_reply_to_id, in_reply_to_account_id, \
           conversation_id, language, sensitive, spoiler_text, application_id, created_at, updated_at) \
         VALUES ($1, $2, 1, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15)",
        &[
            Value::Int64(row.id),
            Value::Int64(row.account_id),
            Value::Text(row.text.clone()),
            Value::Text(row.content_html.clone()),
            opt_text(&row.uri),
            opt_text(&row.url),
            Value::Text(row.visibility.clone()),
            opt_int(row.in_reply_to_id),
            opt_int(row.in_reply_to_account_id),
            Value::Int64(conversation_id),
            opt_text(&row.language),
            Value::Int64(row.sensitive as i64),
            Value::Text(row.spoiler_text.clone()),
            opt_int(row.application_id),
            Value::Int64(now),
        ],
    )?;
    let mut notices = references::set_mentions(&tx, id, author.id, &rendered.mentions, now)?;
    references::set_tags(&tx, id, &rendered.tags, now)?;
    references::set_media(&tx, id, author.id, &content.media_ids)?;
    if let Some(new_poll) = &content.poll {
        row.poll_id = Some(poll::insert(&tx, id, author.id, new_poll, now)?);
    }
    tx.execute(
        "UPDATE accounts SET statuses_count = statuses_count + 1, last_status_at = $2 WHERE id = $1",
        &[Value::Int64(author.id), Value::Int64(now)],
    )?;
    // Public and unlisted replies only: the count is shown to everyone.
    if let Some(parent) = parent
        && row.counts_in_replies()
    {
        tx.execute("UPDATE statuses SET replies_count = replies_count + 1 WHERE id = $1", &[Value::Int64(parent.id)])?;
    }
    let mentioned: Vec<i64> = notices.iter().map(|n| n.recipient).collect();
    notices.extend(subscribers::notify(&tx, &row, &mentioned, now)?);
    tx.commit()?;
    if let (Some(new_poll), Some(poll_id)) = (&content.poll, row.poll_id) {
        poll::remember(poll_id, new_poll, now);
    }
    notify::publish(notices);
    stream_audience::publish_created(&row);
    crate::federate::status_created(&row);
    Ok(row)
}
