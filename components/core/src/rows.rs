//! The database vocabulary: typed rows read from [`aerie_sdk::db::Row`].
//!
//! Each row type has a column list for `SELECT` with a fixed table alias
//! (`a` for accounts, `s` for statuses), so a query reads
//! `SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE ...` and the row parses by name.

use crate::contract::visibility::Visibility;
use aerie_sdk::db::Row;

/// One `accounts` row, local (`domain` is `None`) or remote.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AccountRow {
    pub id: i64,
    pub username: String,
    pub domain: Option<String>,
    pub display_name: String,
    /// Source text for local accounts, HTML for remote ones.
    pub note: String,
    pub uri: Option<String>,
    pub url: Option<String>,
    /// Where a remote account's server has its pictures.
    pub avatar_url: Option<String>,
    pub header_url: Option<String>,
    /// A local account's uploaded pictures: blob store keys, made into URLs when the
    /// account is rendered (see [`crate::convert::avatar_url`]).
    pub avatar_key: Option<String>,
    pub header_key: Option<String>,
    pub actor_type: String,
    pub locked: bool,
    pub bot: bool,
    pub discoverable: bool,
    pub indexable: bool,
    /// JSON `[{"name", "value", "verified_at"}]`.
    pub fields: String,
    pub moved_to_account_id: Option<i64>,
    pub inbox_url: Option<String>,
    pub shared_inbox_url: Option<String>,
    pub outbox_url: Option<String>,
    pub followers_url: Option<String>,
    pub featured_url: Option<String>,
    pub public_key_id: Option<String>,
    pub public_key_pem: Option<String>,
    pub suspended_at: Option<i64>,
    pub deleted_at: Option<i64>,
    pub statuses_count: i64,
    pub followers_count: i64,
    pub following_count: i64,
    pub last_status_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The list behind [`ACCOUNT_ENTITY_COLUMNS`], a macro so [`ACCOUNT_COLUMNS`] can
/// extend it with `concat!` rather than repeat it.
macro_rules! account_entity_columns {
    () => {
        "a.id, a.username, a.domain, a.display_name, a.note, a.uri, a.url, a.avatar_url, \
         a.header_url, a.avatar_key, a.header_key, a.actor_type, a.locked, a.bot, a.discoverable, a.indexable, a.fields, a.moved_to_account_id, a.suspended_at, \
         a.deleted_at, a.statuses_count, a.followers_count, a.following_count, a.last_status_at, a.created_at, a.updated_at"
    };
}

/// The `accounts` columns the client Account entity shows, for pages that render many
/// accounts ([`AccountRow::from_entity_row`] reads them; the federation ones, a public
/// key alone is half a kilobyte, would be read and copied into the component for
/// nothing).
pub const ACCOUNT_ENTITY_COLUMNS: &str = account_entity_columns!();

/// The `accounts` columns [`AccountRow::from_row`] reads, for a table aliased `a`:
/// [`ACCOUNT_ENTITY_COLUMNS`], then the federation ones, in the order they are read.
pub const ACCOUNT_COLUMNS: &str = concat!(
    account_entity_columns!(),
    ", a.inbox_url, a.shared_inbox_url, a.outbox_url, a.followers_url, a.featured_url, a.public_key_id, a.public_key_pem"
);

impl AccountRow {
    /// A row read with [`ACCOUNT_COLUMNS`].
    pub fn from_row(row: &Row) -> AccountRow {
        // Entity columns first: they come first in the row (see `Row::get`).
        let shown = AccountRow::from_entity_row(row);
        AccountRow {
            inbox_url: row.string("inbox_url"),
            shared_inbox_url: row.string("shared_inbox_url"),
            outbox_url: row.string("outbox_url"),
            followers_url: row.string("followers_url"),
            featured_url: row.string("featured_url"),
            public_key_id: row.string("public_key_id"),
            public_key_pem: row.string("public_key_pem"),
            ..shown
        }
    }

    /// A row read with [`ACCOUNT_ENTITY_COLUMNS`]: the federation fields stay `None`.
    pub fn from_entity_row(row: &Row) -> AccountRow {
        AccountRow {
            id: row.i64("id").unwrap_or_default(),
            username: row.string("username").unwrap_or_default(),
            domain: row.string("domain"),
            display_name: row.string("display_name").unwrap_or_default(),
            note: row.string("note").unwrap_or_default(),
            uri: row.string("uri"),
            url: row.string("url"),
            avatar_url: row.string("avatar_url"),
            header_url: row.string("header_url"),
            avatar_key: row.string("avatar_key"),
            header_key: row.string("header_key"),
            actor_type: row.string("actor_type").unwrap_or_else(|| "Person".into()),
            locked: row.bool("locked"),
            bot: row.bool("bot"),
            discoverable: row.bool("discoverable"),
            indexable: row.bool("indexable"),
            fields: row.string("fields").unwrap_or_else(|| "[]".into()),
            moved_to_account_id: row.i64("moved_to_account_id"),
            suspended_at: row.i64("suspended_at"),
            deleted_at: row.i64("deleted_at"),
            statuses_count: row.i64("statuses_count").unwrap_or_default(),
            followers_count: row.i64("followers_count").unwrap_or_default(),
            following_count: row.i64("following_count").unwrap_or_default(),
            last_status_at: row.i64("last_status_at"),
            created_at: row.i64("created_at").unwrap_or_default(),
            updated_at: row.i64("updated_at").unwrap_or_default(),
            ..AccountRow::default()
        }
    }

    pub fn is_local(&self) -> bool {
        self.domain.is_none()
    }

    /// `name` for local accounts, `name@domain` for remote ones.
    pub fn acct(&self) -> String {
        match &self.domain {
            None => self.username.clone(),
            Some(domain) => format!("{}@{domain}", self.username),
        }
    }

    /// The profile fields, `(name, value, verified_at)`.
    pub fn field_list(&self) -> Vec<FieldRow> {
        serde_json::from_str(&self.fields).unwrap_or_default()
    }
}

/// One profile field as stored in `accounts.fields`.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FieldRow {
    pub name: String,
    pub value: String,
    #[serde(default)]
    pub verified_at: Option<i64>,
}

/// One `statuses` row; a reblog is a row with `reblog_of_id` set.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatusRow {
    pub id: i64,
    pub account_id: i64,
    pub local: bool,
    /// The source text (local statuses); empty for remote ones.
    pub text: String,
    pub content_html: String,
    pub uri: Option<String>,
    pub url: Option<String>,
    pub visibility: String,
    pub in_reply_to_id: Option<i64>,
    pub in_reply_to_account_id: Option<i64>,
    pub reblog_of_id: Option<i64>,
    pub conversation_id: Option<i64>,
    pub language: Option<String>,
    pub sensitive: bool,
    pub spoiler_text: String,
    pub application_id: Option<i64>,
    pub poll_id: Option<i64>,
    pub replies_count: i64,
    pub reblogs_count: i64,
    pub favourites_count: i64,
    pub edited_at: Option<i64>,
    pub deleted_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The `statuses` columns [`StatusRow::from_row`] reads, for a table aliased `s`.
pub const STATUS_COLUMNS: &str = "s.id, s.account_id, s.local, s.text, s.content_html, s.uri, s.url, s.visibility, s.in_reply_to_id, \
    s.in_reply_to_account_id, s.reblog_of_id, s.conversation_id, s.language, s.sensitive, s.spoiler_text, s.application_id, \
    s.poll_id, s.replies_count, s.reblogs_count, s.favourites_count, s.edited_at, s.deleted_at, s.created_at, s.updated_at";

impl StatusRow {
    pub fn from_row(row: &Row) -> StatusRow {
        StatusRow {
            id: row.i64("id").unwrap_or_default(),
            account_id: row.i64("account_id").unwrap_or_default(),
            local: row.bool("local"),
            text: row.string("text").unwrap_or_default(),
            content_html: row.string("content_html").unwrap_or_default(),
            uri: row.string("uri"),
            url: row.string("url"),
            visibility: row.string("visibility").unwrap_or_else(|| "public".into()),
            in_reply_to_id: row.i64("in_reply_to_id"),
            in_reply_to_account_id: row.i64("in_reply_to_account_id"),
            reblog_of_id: row.i64("reblog_of_id"),
            conversation_id: row.i64("conversation_id"),
            language: row.string("language"),
            sensitive: row.bool("sensitive"),
            spoiler_text: row.string("spoiler_text").unwrap_or_default(),
            application_id: row.i64("application_id"),
            poll_id: row.i64("poll_id"),
            replies_count: row.i64("replies_count").unwrap_or_default(),
            reblogs_count: row.i64("reblogs_count").unwrap_or_default(),
            favourites_count: row.i64("favourites_count").unwrap_or_default(),
            edited_at: row.i64("edited_at"),
            deleted_at: row.i64("deleted_at"),
            created_at: row.i64("created_at").unwrap_or_default(),
            updated_at: row.i64("updated_at").unwrap_or_default(),
        }
    }

    /// Whether this status, as a reply, counts in its parent's `replies_count`
    /// ([`Visibility::counted_in_replies`]; a stored visibility this build does not
    /// know is not counted).
    pub fn counts_in_replies(&self) -> bool {
        Visibility::parse(&self.visibility).is_some_and(Visibility::counted_in_replies)
    }
}

/// One `notifications` row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NotificationRow {
    pub id: i64,
    pub account_id: i64,
    pub from_account_id: i64,
    pub kind: String,
    pub status_id: Option<i64>,
    pub group_key: Option<String>,
    pub created_at: i64,
}

/// The `notifications` columns [`NotificationRow::from_row`] reads, for alias `n`.
pub const NOTIFICATION_COLUMNS: &str = "n.id, n.account_id, n.from_account_id, n.type, n.status_id, n.group_key, n.created_at";

impl NotificationRow {
    pub fn from_row(row: &Row) -> NotificationRow {
        NotificationRow {
            id: row.i64("id").unwrap_or_default(),
            account_id: row.i64("account_id").unwrap_or_default(),
            from_account_id: row.i64("from_account_id").unwrap_or_default(),
            kind: row.string("type").unwrap_or_default(),
            status_id: row.i64("status_id"),
            group_key: row.string("group_key"),
            created_at: row.i64("created_at").unwrap_or_default(),
        }
    }
}

/// One `applications` row, as statuses show it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ApplicationRow {
    pub id: i64,
    pub name: String,
    pub website: Option<String>,
}

impl ApplicationRow {
    pub fn from_row(row: &Row) -> ApplicationRow {
        ApplicationRow {
            id: row.i64("id").unwrap_or_default(),
            name: row.string("name").unwrap_or_default(),
            website: row.string("website"),
        }
    }
}
