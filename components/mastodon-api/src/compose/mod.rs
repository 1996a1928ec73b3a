//! Composing statuses: a new status ([`create`]) or a new version of one ([`edit`])
//! read from the request and rendered, written by the core's status actions
//! (`aerie_core::actions::statuses`), then federated. Reblogs are in
//! `routes/api/v1/statuses/actions.rs`.

pub mod content;
mod edit;
pub mod poll;
pub mod render;

pub use content::Content;
pub use edit::edit;

use aerie_core::actions::Origin;
use aerie_core::actions::statuses::{self, Attachments, Conversation, NewStatus as NewPost, Poll, Posted, Refused};
use aerie_core::contract::uris;
use aerie_core::rows::{AccountRow, StatusRow};
use aerie_sdk::db;
use aerie_sdk::http::Response;
use aerie_sdk::settings;

use crate::ctx::invalid;

/// The instance facts composing needs.
pub struct Instance {
    pub domain: String,
    /// `scheme://web_domain`.
    pub base: String,
    pub max_characters: usize,
}

pub fn instance() -> Result<Instance, Response> {
    let settings = aerie_core::store::instance::settings(&db::Autocommit)?;
    // No `localhost` default here: an unset domain stays empty.
    let domain = settings.domain.clone();
    Ok(Instance { base: settings.base(&domain), domain, max_characters: settings.max_characters.parse().unwrap_or(500) })
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
    let uri = author.uri.clone().unwrap_or_else(|| uris::actor(&instance.base, &author.username));
    let url = author.url.clone().unwrap_or_else(|| uris::profile(&instance.base, &author.username));
    (uris::status(&uri, id), uris::status_page(&url, id))
}

/// Writes `new` by `author`, publishes it and returns the stored row.
pub fn create(author: &AccountRow, new: NewStatus, instance: &Instance) -> Result<StatusRow, Response> {
    let content = new.content;
    let accounts = render::mentionable_accounts(&content.text, &instance.domain)?;
    let rendered = render::render(&content.text, &accounts, &instance.domain, &instance.base);

    let now = settings::now_millis();
    let id = settings::next_id();
    let (uri, url) = local_status_urls(author, instance, id);
    let parent = new.in_reply_to.as_ref();
    let row = StatusRow {
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
        language: content.language.clone(),
        sensitive: content.sensitive.unwrap_or(false) || !content.spoiler_text.is_empty(),
        spoiler_text: content.spoiler_text.clone(),
        application_id: new.application_id,
        created_at: now,
        updated_at: now,
        ..StatusRow::default()
    };
    let status = NewPost {
        row,
        conversation: match parent.and_then(|p| p.conversation_id) {
            Some(existing) => Conversation::Of(existing),
            None => Conversation::New,
        },
        mentioned: rendered.mentions,
        silent: Vec::new(),
        tags: rendered.tags,
        media: Attachments::Uploads(content.media_ids),
        poll: content.poll.map(Poll::Local),
        now,
    };
    let row = match statuses::post(&Origin::Local, status).map_err(refused)? {
        Posted::Created(row) => *row,
        Posted::AlreadyStored => return Err(Response::error(500, "the status was not stored")),
    };
    crate::federate::status_created(&row);
    Ok(row)
}

/// A status the core refused to write, as the client hears of it.
pub fn refused(refused: Refused) -> Response {
    match refused {
        Refused::Db(e) => e.into(),
        Refused::MediaNotFound(ids) => {
            let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
            invalid(&format!("Media not found: {}", ids.join(", ")))
        }
    }
}
