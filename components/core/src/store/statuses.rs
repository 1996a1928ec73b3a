//! `statuses`: every write of a status row, and the counters statuses drive (a
//! status's `replies_count` and `reblogs_count`, an account's `statuses_count` and
//! `last_status_at`), with the reads by id and by URI.

use aerie_sdk::db::{Error, Handle, Value, ids, placeholders};

use crate::contract::paging::Page;
use crate::contract::visibility::visible_sql;
use crate::rows::{STATUS_COLUMNS, StatusRow};

fn opt_int(v: Option<i64>) -> Value {
    v.map(Value::Int64).unwrap_or(Value::Null)
}

fn opt_text(v: &Option<String>) -> Value {
    v.clone().map(Value::Text).unwrap_or(Value::Null)
}

// ---------------------------------------------------------------------------------
// Reads

/// A status by id, deleted ones included.
pub fn by_id(db: &impl Handle, id: i64) -> Result<Option<StatusRow>, Error> {
    let rows = db.query(&format!("SELECT {STATUS_COLUMNS} FROM statuses s WHERE s.id = $1"), &[Value::Int64(id)])?;
    Ok(rows.first().map(|r| StatusRow::from_row(&r)))
}

/// A status by URI (or URL), deleted ones included.
pub fn by_uri(db: &impl Handle, uri: &str) -> Result<Option<StatusRow>, Error> {
    let rows = db.query(
        &format!("SELECT {STATUS_COLUMNS} FROM statuses s WHERE s.uri = $1 OR s.url = $1 ORDER BY s.id LIMIT 1"),
        &[Value::Text(uri.into())],
    )?;
    Ok(rows.first().map(|r| StatusRow::from_row(&r)))
}

/// The id and author of the live local status with URI (or URL) `uri`.
pub fn local_by_uri(db: &impl Handle, uri: &str) -> Result<Option<(i64, i64)>, Error> {
    let rows = db.query(
        "SELECT id, account_id FROM statuses WHERE (uri = $1 OR url = $1) AND local = 1 AND deleted_at IS NULL",
        &[Value::Text(uri.to_string())],
    )?;
    Ok(rows.first().and_then(|row| Some((row.i64("id")?, row.i64("account_id")?))))
}

/// The URIs of statuses `status_ids` that have one, as `(id, uri)`.
pub fn uris_of(db: &impl Handle, status_ids: &[i64]) -> Result<Vec<(i64, String)>, Error> {
    if status_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!("SELECT id, uri FROM statuses WHERE id IN ({}) AND uri IS NOT NULL", placeholders(1, status_ids.len()));
    Ok(db.query(&sql, &ids(status_ids))?.iter().map(|r| (r.i64("id").unwrap_or_default(), r.string("uri").unwrap_or_default())).collect())
}

/// The reblogs of status `id` that are not deleted.
pub fn live_reblogs_of(db: &impl Handle, id: i64) -> Result<Vec<StatusRow>, Error> {
    Ok(db
        .query(&format!("SELECT {STATUS_COLUMNS} FROM statuses s WHERE s.reblog_of_id = $1 AND s.deleted_at IS NULL"), &[Value::Int64(id)])?
        .iter()
        .map(|r| StatusRow::from_row(&r))
        .collect())
}

/// The accounts with a live reblog of status `id` (told of its edits).
pub fn rebloggers(db: &impl Handle, id: i64) -> Result<Vec<i64>, Error> {
    Ok(db
        .query("SELECT DISTINCT r.account_id FROM statuses r WHERE r.reblog_of_id = $1 AND r.deleted_at IS NULL", &[Value::Int64(id)])?
        .iter()
        .filter_map(|r| r.i64("account_id"))
        .collect())
}

/// Who reblogged, favourited or replied to status `id`.
pub fn interacted_account_ids(db: &impl Handle, id: i64) -> Result<Vec<i64>, Error> {
    Ok(db
        .query(
            "SELECT account_id FROM statuses WHERE reblog_of_id = $1 \
             UNION SELECT account_id FROM favourites WHERE status_id = $1 \
             UNION SELECT account_id FROM statuses WHERE in_reply_to_id = $1",
            &[Value::Int64(id)],
        )?
        .iter()
        .filter_map(|r| r.i64("account_id"))
        .collect())
}

/// The author of status `id`.
pub fn author_of(db: &impl Handle, id: i64) -> Result<Option<i64>, Error> {
    Ok(db.query("SELECT account_id FROM statuses WHERE id = $1", &[Value::Int64(id)])?.first().and_then(|r| r.i64("account_id")))
}

/// The URI of status `id`, when it has one.
pub fn uri_of(db: &impl Handle, id: i64) -> Result<Option<String>, Error> {
    Ok(db.query("SELECT uri FROM statuses WHERE id = $1", &[Value::Int64(id)])?.first().and_then(|r| r.string("uri")))
}

// ---------------------------------------------------------------------------------
// Rows

/// Inserts local status `row` (its `created_at` is also its `updated_at`).
pub fn insert_local(db: &impl Handle, row: &StatusRow) -> Result<(), Error> {
    db.execute(
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
            opt_int(row.conversation_id),
            opt_text(&row.language),
            Value::Int64(row.sensitive as i64),
            Value::Text(row.spoiler_text.clone()),
            opt_int(row.application_id),
            Value::Int64(row.created_at),
        ],
    )?;
    Ok(())
}

/// The id to store remote object `uri` under, given the id it `wanted`. A remote
/// object's id is its publication millisecond and 16 bits of a hash of its URI
/// (`settings::id_at`), and servers publish with a resolution of a second, so two
/// objects can want the same id; without this the second insert failed on the primary
/// key on every retry and the post was lost. The answer is `wanted` when it is free or
/// already holds `uri`, else the next free id of the same millisecond, so the status
/// still sorts where it was published. One indexed lookup when there is no clash.
pub fn unused_id(db: &impl Handle, wanted: i64, uri: &str) -> Result<i64, Error> {
    let millisecond = wanted & !0xffff;
    for step in 0..=0xffff_i64 {
        let id = millisecond | ((wanted + step) & 0xffff);
        let rows = db.query("SELECT uri FROM statuses WHERE id = $1", &[Value::Int64(id)])?;
        match rows.first() {
            None => return Ok(id),
            Some(row) if row.string("uri").as_deref() == Some(uri) => return Ok(id),
            Some(_) => {}
        }
    }
    Err(Error::ConstraintViolation(format!("every status id of the millisecond of {wanted} is taken")))
}

/// Inserts remote status `row`, stored at `now`, unless a status with its URI is
/// already stored; returns whether it was written.
pub fn insert_remote(db: &impl Handle, row: &StatusRow, now: i64) -> Result<bool, Error> {
    let written = db.execute(
        "INSERT INTO statuses (id, account_id, local, text, content_html, uri, url, visibility, in_reply_to_id, in_reply_to_account_id, \
           conversation_id, language, sensitive, spoiler_text, edited_at, created_at, updated_at) \
         VALUES ($1, $2, 0, '', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) ON CONFLICT (uri) DO NOTHING",
        &[
            Value::Int64(row.id),
            Value::Int64(row.account_id),
            Value::Text(row.content_html.clone()),
            opt_text(&row.uri),
            opt_text(&row.url),
            Value::Text(row.visibility.clone()),
            opt_int(row.in_reply_to_id),
            opt_int(row.in_reply_to_account_id),
            opt_int(row.conversation_id),
            opt_text(&row.language),
            Value::Int64(row.sensitive as i64),
            Value::Text(row.spoiler_text.clone()),
            opt_int(row.edited_at),
            Value::Int64(row.created_at),
            Value::Int64(now),
        ],
    )?;
    Ok(written > 0)
}

/// Writes the new content of local status `row`, edited at `now`.
pub fn update_local_content(db: &impl Handle, row: &StatusRow, now: i64) -> Result<(), Error> {
    db.execute(
        "UPDATE statuses SET text = $2, content_html = $3, spoiler_text = $4, sensitive = $5, language = $6, edited_at = $7, updated_at = $7 \
         WHERE id = $1",
        &[
            Value::Int64(row.id),
            Value::Text(row.text.clone()),
            Value::Text(row.content_html.clone()),
            Value::Text(row.spoiler_text.clone()),
            Value::Int64(row.sensitive as i64),
            opt_text(&row.language),
            Value::Int64(now),
        ],
    )?;
    Ok(())
}

/// Writes the new content of remote status `row`, edited at `edited_at` (its
/// server's date), stored at `now`.
pub fn update_remote_content(db: &impl Handle, row: &StatusRow, edited_at: i64, now: i64) -> Result<(), Error> {
    db.execute(
        "UPDATE statuses SET content_html = $2, spoiler_text = $3, sensitive = $4, language = $5, edited_at = $6, updated_at = $7 WHERE id = $1",
        &[
            Value::Int64(row.id),
            Value::Text(row.content_html.clone()),
            Value::Text(row.spoiler_text.clone()),
            Value::Int64(row.sensitive as i64),
            opt_text(&row.language),
            Value::Int64(edited_at),
            Value::Int64(now),
        ],
    )?;
    Ok(())
}

/// Sets (or clears) the poll of status `id`.
pub fn set_poll(db: &impl Handle, id: i64, poll: Option<i64>) -> Result<(), Error> {
    match poll {
        Some(poll) => db.execute("UPDATE statuses SET poll_id = $2 WHERE id = $1", &[Value::Int64(id), Value::Int64(poll)])?,
        None => db.execute("UPDATE statuses SET poll_id = NULL WHERE id = $1", &[Value::Int64(id)])?,
    };
    Ok(())
}

/// Marks status `id` deleted at `now`; returns whether it was not already.
pub fn mark_deleted(db: &impl Handle, id: i64, now: i64) -> Result<bool, Error> {
    let changed = db.execute(
        "UPDATE statuses SET deleted_at = $2, updated_at = $2 WHERE id = $1 AND deleted_at IS NULL",
        &[Value::Int64(id), Value::Int64(now)],
    )?;
    Ok(changed > 0)
}

/// Marks the live reblogs of status `id` deleted at `now`, taking them off their
/// authors' `statuses_count` first.
pub fn delete_reblogs_of(db: &impl Handle, id: i64, now: i64) -> Result<(), Error> {
    db.execute(
        "UPDATE accounts SET statuses_count = statuses_count - 1 \
         WHERE statuses_count > 0 AND id IN (SELECT account_id FROM statuses WHERE reblog_of_id = $1 AND deleted_at IS NULL)",
        &[Value::Int64(id)],
    )?;
    db.execute(
        "UPDATE statuses SET deleted_at = $2, updated_at = $2 WHERE reblog_of_id = $1 AND deleted_at IS NULL",
        &[Value::Int64(id), Value::Int64(now)],
    )?;
    Ok(())
}

/// Marks every status of account `account` deleted at `now` and zeroes its count.
pub fn delete_all_of(db: &impl Handle, account: i64, now: i64) -> Result<(), Error> {
    db.execute(
        "UPDATE statuses SET deleted_at = $2, updated_at = $2 WHERE account_id = $1 AND deleted_at IS NULL",
        &[Value::Int64(account), Value::Int64(now)],
    )?;
    db.execute("UPDATE accounts SET statuses_count = 0 WHERE id = $1", &[Value::Int64(account)])?;
    Ok(())
}

// ---------------------------------------------------------------------------------
// Counters

/// One more status by `account`, posted at `at`: a local post is the latest
/// (`last_status_at = at`); a remote one may arrive out of order (the later date wins).
pub fn count_status(db: &impl Handle, account: i64, at: i64, local: bool) -> Result<(), Error> {
    let sql = if local {
        "UPDATE accounts SET statuses_count = statuses_count + 1, last_status_at = $2 WHERE id = $1"
    } else {
        "UPDATE accounts SET statuses_count = statuses_count + 1, \
           last_status_at = CASE WHEN last_status_at IS NULL OR last_status_at < $2 THEN $2 ELSE last_status_at END WHERE id = $1"
    };
    db.execute(sql, &[Value::Int64(account), Value::Int64(at)])?;
    Ok(())
}

/// One status fewer by `account`.
pub fn uncount_status(db: &impl Handle, account: i64) -> Result<(), Error> {
    db.execute("UPDATE accounts SET statuses_count = statuses_count - 1 WHERE id = $1 AND statuses_count > 0", &[Value::Int64(account)])?;
    Ok(())
}

/// One more reply to status `parent`.
pub fn count_reply(db: &impl Handle, parent: i64) -> Result<(), Error> {
    db.execute("UPDATE statuses SET replies_count = replies_count + 1 WHERE id = $1", &[Value::Int64(parent)])?;
    Ok(())
}

/// One reply fewer to status `parent`.
pub fn uncount_reply(db: &impl Handle, parent: i64) -> Result<(), Error> {
    db.execute("UPDATE statuses SET replies_count = replies_count - 1 WHERE id = $1 AND replies_count > 0", &[Value::Int64(parent)])?;
    Ok(())
}

/// One reblog fewer of status `original`.
pub fn uncount_reblog(db: &impl Handle, original: i64) -> Result<(), Error> {
    db.execute("UPDATE statuses SET reblogs_count = reblogs_count - 1 WHERE id = $1 AND reblogs_count > 0", &[Value::Int64(original)])?;
    Ok(())
}

/// Removes what only a live status has: its pins and the notifications about it.
pub fn delete_dependents(db: &impl Handle, id: i64) -> Result<(), Error> {
    db.execute("DELETE FROM pins WHERE status_id = $1", &[Value::Int64(id)])?;
    db.execute("DELETE FROM notifications WHERE status_id = $1", &[Value::Int64(id)])?;
    Ok(())
}

// ---------------------------------------------------------------------------------
// Threads

/// Status rows matching `condition` (on alias `s`, after the visibility rule, whose
/// viewer is `$1`; `params` are `$2...`), with `tail` (order, limit) appended and
/// joins in `from`: the reads below that list statuses to a viewer.
pub(crate) fn visible_rows(
    db: &impl Handle,
    viewer: Option<i64>,
    from: &str,
    condition: &str,
    tail: &str,
    params: Vec<Value>,
) -> Result<Vec<StatusRow>, Error> {
    let sql = format!("SELECT {STATUS_COLUMNS} FROM statuses s {from} WHERE {} AND ({condition}) {tail}", visible_sql("s", 1));
    let mut all = vec![opt_int(viewer)];
    all.extend(params);
    Ok(db.query(&sql, &all)?.iter().map(|r| StatusRow::from_row(&r)).collect())
}

/// The local status `id` by `account`, when `viewer` may see it.
pub fn local_visible(db: &impl Handle, viewer: Option<i64>, id: i64, account: i64) -> Result<Option<StatusRow>, Error> {
    Ok(visible_rows(db, viewer, "", "s.id = $2 AND s.account_id = $3 AND s.local = 1", "", vec![Value::Int64(id), Value::Int64(account)])?
        .pop())
}

/// Statuses `status_ids` that are public and that `viewer` may see.
pub fn public_visible(db: &impl Handle, viewer: Option<i64>, status_ids: &[i64]) -> Result<Vec<StatusRow>, Error> {
    if status_ids.is_empty() {
        return Ok(Vec::new());
    }
    let condition = format!("s.id IN ({}) AND s.visibility = 'public'", placeholders(2, status_ids.len()));
    visible_rows(db, viewer, "", &condition, "", ids(status_ids))
}

/// One page of `account`'s outbox as `viewer` may see it: its public and unlisted
/// statuses and reblogs, within `page`.
pub fn outbox_page(db: &impl Handle, viewer: Option<i64>, account: i64, page: &Page) -> Result<Vec<StatusRow>, Error> {
    let (bounds, order, values) = page.sql("s.id", 3);
    let mut params = vec![Value::Int64(account)];
    params.extend(values.into_iter().map(Value::Int64));
    let rows = visible_rows(
        db,
        viewer,
        "",
        &format!("s.account_id = $2 AND s.visibility IN ('public', 'unlisted') AND {bounds}"),
        &order,
        params,
    )?;
    Ok(page.finish(rows))
}

/// The public and unlisted replies to status `parent` with a URI that `viewer` may
/// see, after id `after`, oldest first, at most `limit`.
pub fn public_replies_page(db: &impl Handle, viewer: Option<i64>, parent: i64, after: i64, limit: usize) -> Result<Vec<StatusRow>, Error> {
    visible_rows(
        db,
        viewer,
        "",
        "s.in_reply_to_id = $2 AND s.visibility IN ('public', 'unlisted') AND s.reblog_of_id IS NULL AND s.uri IS NOT NULL AND s.id > $3",
        &format!("ORDER BY s.id LIMIT {limit}"),
        vec![Value::Int64(parent), Value::Int64(after)],
    )
}

/// The first public or unlisted replies with a URI that `viewer` may see (at most
/// `each` per parent) of statuses `parents`, as `(parent, id, uri)`, oldest first.
pub fn first_public_replies(db: &impl Handle, viewer: Option<i64>, parents: &[i64], each: usize) -> Result<Vec<(i64, i64, String)>, Error> {
    if parents.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT parent, id, uri FROM (SELECT s.in_reply_to_id AS parent, s.id, s.uri, \
           ROW_NUMBER() OVER (PARTITION BY s.in_reply_to_id ORDER BY s.id) AS n FROM statuses s \
           WHERE s.in_reply_to_id IN ({}) AND s.visibility IN ('public', 'unlisted') AND s.reblog_of_id IS NULL \
           AND s.uri IS NOT NULL AND {}) r WHERE n <= {each} ORDER BY parent, id",
        placeholders(2, parents.len()),
        visible_sql("s", 1),
    );
    let mut params = vec![opt_int(viewer)];
    params.extend(ids(parents));
    Ok(db.query(&sql, &params)?.iter().filter_map(|r| Some((r.i64("parent")?, r.i64("id")?, r.string("uri")?))).collect())
}

/// Most statuses above or below one status that a thread shows.
pub const THREAD_LIMIT: i64 = 60;

/// The thread around status `id` as `viewer` may see it: its ancestors and its
/// descendants (each at most [`THREAD_LIMIT`] deep), each oldest first.
pub fn thread(db: &impl Handle, viewer: Option<i64>, id: i64) -> Result<(Vec<StatusRow>, Vec<StatusRow>), Error> {
    let visible = visible_sql("s", 1);
    let ancestors_sql = format!(
        "WITH RECURSIVE up (id, parent, depth) AS ( \
           SELECT t.id, t.in_reply_to_id, 0 FROM statuses t WHERE t.id = $2 \
           UNION ALL SELECT t.id, t.in_reply_to_id, up.depth + 1 FROM statuses t JOIN up ON t.id = up.parent WHERE up.depth < {THREAD_LIMIT}) \
         SELECT {STATUS_COLUMNS} FROM statuses s JOIN up ON up.id = s.id WHERE s.id <> $2 AND {visible} ORDER BY s.id"
    );
    let descendants_sql = format!(
        "WITH RECURSIVE down (id, depth) AS ( \
           SELECT t.id, 1 FROM statuses t WHERE t.in_reply_to_id = $2 \
           UNION ALL SELECT t.id, down.depth + 1 FROM statuses t JOIN down ON t.in_reply_to_id = down.id WHERE down.depth < {THREAD_LIMIT}) \
         SELECT {STATUS_COLUMNS} FROM statuses s JOIN down ON down.id = s.id WHERE {visible} ORDER BY s.id LIMIT {THREAD_LIMIT}"
    );
    let params = [viewer.map(Value::Int64).unwrap_or(Value::Null), Value::Int64(id)];
    let read =
        |sql: &str| -> Result<Vec<StatusRow>, Error> { Ok(db.query(sql, &params)?.iter().map(|r| StatusRow::from_row(&r)).collect()) };
    Ok((read(&ancestors_sql)?, read(&descendants_sql)?))
}
