//! The client vocabulary: Mastodon API entities as serde structs. Ids are strings,
//! dates are ISO 8601 with milliseconds (see [`crate::time::iso8601`]).
//!
//! Fields that only make sense for a signed-in viewer (`favourited`, `reblogged`,
//! ...) are `Option` and left out of the JSON when there is no viewer, as Mastodon does.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CustomEmoji {
    pub shortcode: String,
    pub url: String,
    pub static_url: String,
    pub visible_in_picker: bool,
    /// The picker's group (`null` when the operator gave none).
    #[serde(default)]
    pub category: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Field {
    pub name: String,
    pub value: String,
    pub verified_at: Option<String>,
}

/// The `source` of a CredentialAccount (verify_credentials, update_credentials).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Source {
    pub privacy: String,
    pub sensitive: bool,
    pub language: Option<String>,
    pub note: String,
    pub fields: Vec<Field>,
    pub follow_requests_count: i64,
    pub discoverable: bool,
    pub indexable: bool,
    pub hide_collections: bool,
    pub attribution_domains: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Role {
    pub id: String,
    pub name: String,
    pub permissions: String,
    pub color: String,
    pub highlighted: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Account {
    pub id: String,
    pub username: String,
    pub acct: String,
    pub url: String,
    pub uri: String,
    pub display_name: String,
    pub note: String,
    pub avatar: String,
    pub avatar_static: String,
    pub header: String,
    pub header_static: String,
    pub locked: bool,
    pub fields: Vec<Field>,
    pub emojis: Vec<CustomEmoji>,
    pub bot: bool,
    pub group: bool,
    pub discoverable: Option<bool>,
    pub indexable: bool,
    pub hide_collections: Option<bool>,
    pub noindex: Option<bool>,
    pub created_at: String,
    pub last_status_at: Option<String>,
    pub statuses_count: i64,
    pub followers_count: i64,
    pub following_count: i64,
    pub roles: Vec<Role>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moved: Option<Box<Account>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suspended: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limited: Option<bool>,
    /// Only on the viewer's own account (verify_credentials, update_credentials).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Relationship {
    pub id: String,
    pub following: bool,
    pub showing_reblogs: bool,
    pub notifying: bool,
    pub languages: Option<Vec<String>>,
    pub followed_by: bool,
    pub blocking: bool,
    pub blocked_by: bool,
    pub muting: bool,
    pub muting_notifications: bool,
    pub requested: bool,
    pub requested_by: bool,
    pub domain_blocking: bool,
    pub endorsed: bool,
    pub note: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Mention {
    pub id: String,
    pub username: String,
    pub url: String,
    pub acct: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TagHistory {
    pub day: String,
    pub uses: String,
    pub accounts: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tag {
    /// Only on the tag endpoints (`GET /api/v1/tags/:name`, followed tags), as in
    /// Mastodon 4.3; a status's tags carry name and url only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub name: String,
    pub url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<TagHistory>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub following: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Application {
    pub name: String,
    pub website: Option<String>,
}

/// A file attached to a status (or uploaded for one); see [`crate::media`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MediaAttachment {
    pub id: String,
    /// `image`, `gifv`, `video`, `audio` or `unknown`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Null while the file is still being processed.
    pub url: Option<String>,
    pub preview_url: Option<String>,
    pub remote_url: Option<String>,
    pub preview_remote_url: Option<String>,
    pub text_url: Option<String>,
    pub meta: serde_json::Value,
    pub description: Option<String>,
    pub blurhash: Option<String>,
}

/// A status to be posted later: what the author asked for (`params`, Mastodon's
/// names, see [`crate::actions::scheduled::ScheduledParams`]) and the uploads
/// reserved for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduledStatus {
    pub id: String,
    pub scheduled_at: String,
    pub params: crate::actions::scheduled::ScheduledParams,
    pub media_attachments: Vec<MediaAttachment>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PollOption {
    pub title: String,
    pub votes_count: Option<i64>,
}

/// A poll on a status; `voted` and `own_votes` only for a signed-in viewer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Poll {
    pub id: String,
    pub expires_at: Option<String>,
    pub expired: bool,
    pub multiple: bool,
    pub votes_count: i64,
    pub voters_count: Option<i64>,
    pub options: Vec<PollOption>,
    pub emojis: Vec<CustomEmoji>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voted: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub own_votes: Option<Vec<i64>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Status {
    pub id: String,
    pub uri: String,
    pub url: Option<String>,
    pub created_at: String,
    pub account: Account,
    pub content: String,
    pub visibility: String,
    pub sensitive: bool,
    pub spoiler_text: String,
    pub media_attachments: Vec<MediaAttachment>,
    pub application: Option<Application>,
    pub mentions: Vec<Mention>,
    pub tags: Vec<Tag>,
    pub emojis: Vec<CustomEmoji>,
    pub reblogs_count: i64,
    pub favourites_count: i64,
    pub replies_count: i64,
    pub in_reply_to_id: Option<String>,
    pub in_reply_to_account_id: Option<String>,
    pub reblog: Option<Box<Status>>,
    pub poll: Option<Poll>,
    pub card: Option<serde_json::Value>,
    pub language: Option<String>,
    pub edited_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub favourited: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reblogged: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub muted: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bookmarked: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pinned: Option<bool>,
    /// The source text, only when deleting (for delete-and-redraft) or editing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The viewer's filters that match this status (signed-in viewers only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filtered: Option<Vec<FilterResult>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Context {
    pub ancestors: Vec<Status>,
    pub descendants: Vec<Status>,
}

/// A report the viewer filed (`POST /api/v1/reports`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub id: String,
    pub action_taken: bool,
    pub action_taken_at: Option<String>,
    /// `spam`, `legal`, `violation` or `other`.
    pub category: String,
    pub comment: String,
    /// Whether it was forwarded to the reported account's server.
    pub forwarded: bool,
    pub created_at: String,
    pub status_ids: Option<Vec<String>>,
    pub rule_ids: Option<Vec<String>>,
    pub target_account: Account,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub group_key: String,
    pub created_at: String,
    pub account: Account,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
}

/// A list of accounts the user follows, with its own timeline.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct List {
    pub id: String,
    pub title: String,
    /// `followed`, `list` or `none`.
    pub replies_policy: String,
    /// Members' posts are left out of the home timeline.
    pub exclusive: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Marker {
    pub last_read_id: String,
    pub version: i64,
    pub updated_at: String,
}

/// The source of a status, for the edit form (`GET /api/v1/statuses/:id/source`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StatusSource {
    pub id: String,
    pub text: String,
    pub spoiler_text: String,
}

/// A poll option's title as a past version showed it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StatusEditPollOption {
    pub title: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StatusEditPoll {
    pub options: Vec<StatusEditPollOption>,
}

/// One version of a status (`GET /api/v1/statuses/:id/history`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StatusEdit {
    pub content: String,
    pub spoiler_text: String,
    pub sensitive: bool,
    pub created_at: String,
    pub account: Account,
    pub poll: Option<StatusEditPoll>,
    pub media_attachments: Vec<MediaAttachment>,
    pub emojis: Vec<CustomEmoji>,
}

/// Notifications of one `group_key` on a page of `GET /api/v2/notifications`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NotificationGroup {
    pub group_key: String,
    pub notifications_count: i64,
    #[serde(rename = "type")]
    pub kind: String,
    pub most_recent_notification_id: String,
    pub page_min_id: String,
    pub page_max_id: String,
    pub latest_page_notification_at: String,
    pub sample_account_ids: Vec<String>,
    pub status_id: Option<String>,
}

/// The answer of `GET /api/v2/notifications`: accounts and statuses once, groups referring to them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GroupedNotificationsResults {
    pub accounts: Vec<Account>,
    pub statuses: Vec<Status>,
    pub notification_groups: Vec<NotificationGroup>,
}

/// One week of instance activity (`GET /api/v1/instance/activity`), numbers as strings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Activity {
    pub week: String,
    pub statuses: String,
    pub logins: String,
    pub registrations: String,
}

/// A filter (v2). `keywords` and `statuses` are left out where Mastodon leaves them
/// out (inside a [`FilterResult`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Filter {
    pub id: String,
    pub title: String,
    pub context: Vec<String>,
    pub expires_at: Option<String>,
    /// `warn`, `hide` or `blur`.
    pub filter_action: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keywords: Option<Vec<FilterKeyword>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statuses: Option<Vec<FilterStatus>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FilterKeyword {
    pub id: String,
    pub keyword: String,
    pub whole_word: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FilterStatus {
    pub id: String,
    pub status_id: String,
}

/// Why a status matched one of the viewer's filters (`Status.filtered`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FilterResult {
    pub filter: Filter,
    pub keyword_matches: Option<Vec<String>>,
    pub status_matches: Option<Vec<String>>,
}

/// A v1 filter: one keyword of a filter, with the filter's context and expiry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FilterV1 {
    /// The keyword's id.
    pub id: String,
    pub phrase: String,
    pub context: Vec<String>,
    pub whole_word: bool,
    pub expires_at: Option<String>,
    /// The filter's action is `hide`.
    pub irreversible: bool,
}

/// A hashtag an account features on its profile (`/api/v1/featured_tags`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FeaturedTag {
    pub id: String,
    pub name: String,
    pub url: String,
    /// A number as a string, as Mastodon sends it.
    pub statuses_count: String,
    /// A date (`2024-05-01`), or null before the first use.
    pub last_status_at: Option<String>,
}
