//! Who hears about a status on the streaming API: the one place that decides the
//! streams of a new, edited or deleted status (or reblog). The host still renders
//! every event per subscriber through `GET /api/v1/statuses/:id`, so a stream named
//! here that the subscriber may not see gets nothing.
//!
//! - `user:<id>`: the author and their local followers (for a reblog, those who show
//!   the reblogger's reblogs), minus followers muting the author and, for replies,
//!   followers who know neither side of the conversation (the home timeline rule);
//!   a direct status goes only to the author and the mentioned local accounts.
//! - `direct:<id>`: the author and mentioned local accounts of a direct status.
//! - `public`, `public:local` / `public:remote` (and `:media` variants when it has
//!   media): public statuses that are not reblogs nor replies to someone else.
//! - `hashtag:<name>` and, for local statuses, `hashtag:local:<name>`: public statuses.

use crate::contract::events::{direct_stream, user_stream};
use crate::rows::StatusRow;
use aerie_sdk::db::{self, Value};
use aerie_sdk::{events, log, settings};

/// The facts about a status the streams depend on, read in one query.
#[derive(Default)]
struct Facts {
    followers: Vec<i64>,
    mentioned: Vec<i64>,
    tags: Vec<String>,
    has_media: bool,
    author_local: bool,
}

fn facts(row: &StatusRow) -> Result<Facts, db::Error> {
    let reblog_filter = if row.reblog_of_id.is_some() { "AND f.show_reblogs = 1" } else { "" };
    let sql = format!(
        "SELECT 'f' AS k, f.account_id AS id, NULL AS name FROM follows f JOIN accounts fa ON fa.id = f.account_id AND fa.domain IS NULL \
           WHERE f.target_account_id = $2 {reblog_filter} \
           AND NOT EXISTS (SELECT 1 FROM mutes mu WHERE mu.account_id = f.account_id AND mu.target_account_id = $2 \
             AND (mu.expires_at IS NULL OR mu.expires_at > $4)) \
           AND (CAST($3 AS BIGINT) IS NULL OR $3 = $2 OR f.account_id = $3 \
             OR EXISTS (SELECT 1 FROM follows rf WHERE rf.account_id = f.account_id AND rf.target_account_id = $3)) \
         UNION ALL SELECT 'm' AS k, m.account_id AS id, NULL AS name FROM mentions m JOIN accounts ma ON ma.id = m.account_id AND ma.domain IS NULL \
           WHERE m.status_id = $1 AND m.silent = 0 \
         UNION ALL SELECT 't' AS k, 0 AS id, t.name AS name FROM status_tags st JOIN tags t ON t.id = st.tag_id WHERE st.status_id = $1 \
         UNION ALL SELECT 'p' AS k, 0 AS id, NULL AS name FROM media_attachments ma2 WHERE ma2.status_id = $1 \
         UNION ALL SELECT 'a' AS k, 0 AS id, NULL AS name FROM accounts aa WHERE aa.id = $2 AND aa.domain IS NULL"
    );
    let params = [
        Value::Int64(row.reblog_of_id.unwrap_or(row.id)),
        Value::Int64(row.account_id),
        row.in_reply_to_account_id.filter(|_| row.reblog_of_id.is_none()).map(Value::Int64).unwrap_or(Value::Null),
        Value::Int64(settings::now_millis()),
    ];
    let mut facts = Facts::default();
    for r in db::query(&sql, &params)?.iter() {
        let id = r.i64("id").unwrap_or_default();
        match r.text("k") {
            Some("f") => facts.followers.push(id),
            Some("m") => facts.mentioned.push(id),
            Some("t") => facts.tags.extend(r.string("name")),
            Some("p") => facts.has_media = true,
            _ => facts.author_local = true,
        }
    }
    Ok(facts)
}

/// The streams for `row` given its facts.
fn streams(row: &StatusRow, facts: &Facts) -> Vec<String> {
    let mut out = vec![user_stream(row.account_id)];
    let mut add = |stream: String| {
        if !out.contains(&stream) {
            out.push(stream);
        }
    };
    if row.reblog_of_id.is_some() {
        facts.followers.iter().for_each(|id| add(user_stream(*id)));
        return out;
    }
    if row.visibility == "direct" {
        facts.mentioned.iter().for_each(|id| add(user_stream(*id)));
        add(direct_stream(row.account_id));
        facts.mentioned.iter().for_each(|id| add(direct_stream(*id)));
        return out;
    }
    facts.followers.iter().for_each(|id| add(user_stream(*id)));
    if row.visibility != "public" {
        return out;
    }
    let reply_to_other = row.in_reply_to_id.is_some() && row.in_reply_to_account_id != Some(row.account_id);
    if !reply_to_other {
        let place = if facts.author_local { "public:local" } else { "public:remote" };
        add("public".into());
        add(place.into());
        if facts.has_media {
            add("public:media".into());
            add(format!("{place}:media"));
        }
    }
    for tag in &facts.tags {
        add(format!("hashtag:{tag}"));
        if facts.author_local {
            add(format!("hashtag:local:{tag}"));
        }
    }
    out
}

/// The streams of `row`; on a database failure, only the author's (logged).
fn audience(row: &StatusRow) -> Vec<String> {
    match facts(row) {
        Ok(facts) => streams(row, &facts),
        Err(error) => {
            log::warn(&format!("computing the streams of status {}: {error}", row.id));
            vec![user_stream(row.account_id)]
        }
    }
}

/// A new status or reblog, after its transaction committed.
pub fn publish_created(row: &StatusRow) {
    events::status_created(row.id, &audience(row));
}

/// An edited status.
pub fn publish_edited(row: &StatusRow) {
    events::status_edited(row.id, &audience(row));
}

/// A deleted status or reblog.
pub fn publish_deleted(row: &StatusRow) {
    events::status_deleted(row.id, &audience(row));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_by_visibility() {
        let facts = Facts { followers: vec![2], mentioned: vec![3], tags: vec!["rust".into()], has_media: true, author_local: true };
        let public = StatusRow { id: 9, account_id: 1, visibility: "public".into(), ..Default::default() };
        assert_eq!(
            streams(&public, &facts),
            ["user:1", "user:2", "public", "public:local", "public:media", "public:local:media", "hashtag:rust", "hashtag:local:rust"]
        );
        let direct = StatusRow { visibility: "direct".into(), ..public.clone() };
        assert_eq!(streams(&direct, &facts), ["user:1", "user:3", "direct:1", "direct:3"]);
        let reply = StatusRow { in_reply_to_id: Some(5), in_reply_to_account_id: Some(3), ..public.clone() };
        assert!(!streams(&reply, &facts).contains(&"public".to_string()));
        let private = StatusRow { visibility: "private".into(), ..public };
        assert_eq!(streams(&private, &facts), ["user:1", "user:2"]);
    }
}
