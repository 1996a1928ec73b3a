//! A local author's new status, made ready for [`actions::statuses::post`]: the text
//! rendered ([`render`]: mentions, hashtags, links), the row with its URIs, the
//! conversation of its parent. The client API composes a status this way when it is
//! posted, and the `scheduled-status` job when its time comes ([`crate::scheduled`]),
//! so both post the same thing.
//!
//! [`actions::statuses::post`]: crate::actions::statuses::post

pub mod render;

use aerie_sdk::db::{self, Error};

use crate::actions::polls::NewPoll;
use crate::actions::statuses::{Attachments, Conversation, NewStatus, Poll};
use crate::contract::uris;
use crate::rows::{AccountRow, StatusRow};

/// The instance facts composing needs.
#[derive(Debug, Clone)]
pub struct Instance {
    pub domain: String,
    /// `scheme://web_domain`.
    pub base: String,
    pub max_characters: usize,
}

/// The instance's domain, base URL and character limit.
pub fn instance() -> Result<Instance, Error> {
    let settings = crate::store::instance::settings(&db::Autocommit)?;
    // No `localhost` default here: an unset domain stays empty.
    let domain = settings.domain.clone();
    Ok(Instance { base: settings.base(&domain), domain, max_characters: settings.max_characters.parse().unwrap_or(500) })
}

/// The `uri` and `url` of a local status (or of a reblog's activity).
pub fn local_status_urls(author: &AccountRow, instance: &Instance, id: i64) -> (String, String) {
    let uri = author.uri.clone().unwrap_or_else(|| uris::actor(&instance.base, &author.username));
    let url = author.url.clone().unwrap_or_else(|| uris::profile(&instance.base, &author.username));
    (uris::status(&uri, id), uris::status_page(&url, id))
}

/// What a local author posts, validated by the caller.
#[derive(Debug, Clone, Default)]
pub struct LocalPost {
    pub text: String,
    pub spoiler_text: String,
    /// `None` when the author did not say.
    pub sensitive: Option<bool>,
    pub language: Option<String>,
    pub media_ids: Vec<i64>,
    pub poll: Option<NewPoll>,
    pub visibility: String,
    pub in_reply_to: Option<StatusRow>,
    pub application_id: Option<i64>,
}

/// The status `author` posts as `id` at `now`: rendered, with its URIs, mentions,
/// tags, files and poll.
pub fn new_status(author: &AccountRow, post: LocalPost, instance: &Instance, id: i64, now: i64) -> Result<NewStatus, Error> {
    let accounts = render::mentionable_accounts(&post.text, &instance.domain)?;
    let rendered = render::render(&post.text, &accounts, &instance.domain, &instance.base);
    let (uri, url) = local_status_urls(author, instance, id);
    let parent = post.in_reply_to.as_ref();
    let row = StatusRow {
        id,
        account_id: author.id,
        local: true,
        text: post.text.clone(),
        content_html: rendered.html,
        uri: Some(uri),
        url: Some(url),
        visibility: post.visibility.clone(),
        in_reply_to_id: parent.map(|p| p.id),
        in_reply_to_account_id: parent.map(|p| p.account_id),
        language: post.language.clone(),
        sensitive: post.sensitive.unwrap_or(false) || !post.spoiler_text.is_empty(),
        spoiler_text: post.spoiler_text.clone(),
        application_id: post.application_id,
        created_at: now,
        updated_at: now,
        ..StatusRow::default()
    };
    Ok(NewStatus {
        row,
        conversation: match parent.and_then(|p| p.conversation_id) {
            Some(existing) => Conversation::Of(existing),
            None => Conversation::New,
        },
        mentioned: rendered.mentions,
        silent: Vec::new(),
        tags: rendered.tags,
        media: Attachments::Uploads(post.media_ids),
        poll: post.poll.map(Poll::Local),
        scheduled: None,
        now,
    })
}
