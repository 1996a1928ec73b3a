//! Seeding and reading helpers shared by the native tests of the actions, which run
//! against `aerie-sdk`'s in-memory harness (feature `native-harness`).
#![allow(dead_code)] // each test file uses some of them

use aerie_core::actions::Origin;
use aerie_core::actions::statuses::{Attachments, Conversation, NewStatus, Posted, post};
use aerie_core::rows::{AccountRow, StatusRow};
use aerie_core::store;
use aerie_sdk::db::{self, Autocommit, Value};
use aerie_sdk::settings;

/// A local account `username` (the host creates these, so there is no store function).
pub fn local_account(username: &str) -> i64 {
    let id = settings::next_id();
    db::execute(
        "INSERT INTO accounts (id, username, domain, uri, url, created_at, updated_at) VALUES ($1, $2, NULL, $3, $3, $4, $4)",
        &[
            Value::Int64(id),
            Value::Text(username.into()),
            Value::Text(format!("https://local.example/users/{username}")),
            Value::Int64(settings::now_millis()),
        ],
    )
    .expect("a local account");
    id
}

/// A remote account `username@domain`, stored as the inbox stores one.
pub fn remote_account(username: &str, domain: &str) -> i64 {
    let id = settings::next_id();
    let actor = format!("https://{domain}/users/{username}");
    let now = settings::now_millis();
    let text = |s: String| Value::Text(s);
    let values = [
        Value::Int64(id),
        text(username.into()),
        text(String::new()),
        text(String::new()),
        text(actor.clone()),
        Value::Null,
        Value::Null,
        text("Person".into()),
        Value::Int64(0),
        Value::Int64(0),
        Value::Int64(1),
        Value::Int64(1),
        text("[]".into()),
        text("[]".into()),
        text(format!("{actor}/inbox")),
        text(format!("https://{domain}/inbox")),
        text(format!("{actor}/outbox")),
        text(format!("{actor}/followers")),
        Value::Null,
        text(format!("{actor}#main-key")),
        Value::Null,
        Value::Int64(now),
        text(actor),
        text(domain.into()),
        Value::Int64(now),
    ];
    store::accounts::insert_remote(&Autocommit, &values).expect("a remote account");
    id
}

/// A public status by `account` (local or remote), posted through the action.
pub fn status(account: i64, local: bool, text: &str, mentioned: &[i64]) -> StatusRow {
    let id = settings::next_id();
    let now = settings::now_millis();
    let row = StatusRow {
        id,
        account_id: account,
        local,
        text: if local { text.into() } else { String::new() },
        content_html: format!("<p>{text}</p>"),
        uri: Some(format!("https://example.test/statuses/{id}")),
        visibility: "public".into(),
        created_at: now,
        updated_at: now,
        ..Default::default()
    };
    let origin = if local { Origin::Local } else { Origin::Remote { uri: String::new() } };
    match post_row(&origin, row, mentioned) {
        Posted::Created(row) => *row,
        Posted::AlreadyStored | Posted::Unscheduled => panic!("a new status was already stored"),
    }
}

/// Posts `row` as it is (a new conversation, no tags, media or poll) through the
/// action, mentioning `mentioned`, and returns what the action answered.
pub fn post_row(origin: &Origin, row: StatusRow, mentioned: &[i64]) -> Posted {
    let local = *origin == Origin::Local;
    let new = NewStatus {
        now: row.updated_at,
        row,
        conversation: Conversation::New,
        mentioned: mentioned.to_vec(),
        silent: Vec::new(),
        tags: Vec::new(),
        media: if local { Attachments::Uploads(Vec::new()) } else { Attachments::Remote(Vec::new()) },
        poll: None,
        scheduled: None,
    };
    post(origin, new).expect("posted")
}

pub fn account(id: i64) -> AccountRow {
    store::accounts::by_id(&Autocommit, id).expect("read").expect("the account")
}

pub fn status_row(id: i64) -> StatusRow {
    store::statuses::by_id(&Autocommit, id).expect("read").expect("the status")
}

/// One number from `sql` (`SELECT COUNT(*) AS n ...`).
pub fn count(sql: &str, params: &[Value]) -> i64 {
    db::query(sql, params).expect("counted").first().and_then(|r| r.i64("n")).expect("a count")
}

/// Notifications of `kind` for `recipient` from `from`.
pub fn notifications(recipient: i64, from: i64, kind: &str) -> i64 {
    count(
        "SELECT COUNT(*) AS n FROM notifications WHERE account_id = $1 AND from_account_id = $2 AND type = $3",
        &[Value::Int64(recipient), Value::Int64(from), Value::Text(kind.into())],
    )
}
