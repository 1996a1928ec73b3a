//! `follows` and `follow_requests`: the `follows` row and both accounts' counters
//! (`following_count`, `followers_count`) change together.

use aerie_sdk::db::{Error, Handle, Value};
use aerie_sdk::settings;

use crate::contract::paging::Page;
use crate::rows::{ACCOUNT_COLUMNS, AccountRow};

/// Makes `follower` follow `target` (or updates the options of an existing follow).
/// Returns whether a new follow was made.
pub fn create(tx: &impl Handle, follower: i64, target: i64, show_reblogs: bool, notify: bool) -> Result<bool, Error> {
    let updated = tx.execute(
        "UPDATE follows SET show_reblogs = $3, notify = $4 WHERE account_id = $1 AND target_account_id = $2",
        &[Value::Int64(follower), Value::Int64(target), Value::Int64(show_reblogs as i64), Value::Int64(notify as i64)],
    )?;
    if updated > 0 {
        return Ok(false);
    }
    tx.execute(
        "INSERT INTO follows (id, account_id, target_account_id, show_reblogs, notify, languages, uri, created_at) \
         VALUES ($1, $2, $3, $4, $5, NULL, NULL, $6)",
        &[
            Value::Int64(settings::next_id()),
            Value::Int64(follower),
            Value::Int64(target),
            Value::Int64(show_reblogs as i64),
            Value::Int64(notify as i64),
            Value::Int64(settings::now_millis()),
        ],
    )?;
    tx.execute("UPDATE accounts SET following_count = following_count + 1 WHERE id = $1", &[Value::Int64(follower)])?;
    tx.execute("UPDATE accounts SET followers_count = followers_count + 1 WHERE id = $1", &[Value::Int64(target)])?;
    Ok(true)
}

/// Ends `follower`'s follow of `target`, if any, and any pending request; `target`
/// leaves `follower`'s lists with the follow (Mastodon lists only hold followed
/// accounts), whichever action ended it (unfollow, block, a remote `Undo`, a removed
/// follower, a deleted account).
pub fn remove(tx: &impl Handle, follower: i64, target: i64) -> Result<(), Error> {
    let pair = [Value::Int64(follower), Value::Int64(target)];
    tx.execute("DELETE FROM follow_requests WHERE account_id = $1 AND target_account_id = $2", &pair)?;
    if tx.execute("DELETE FROM follows WHERE account_id = $1 AND target_account_id = $2", &pair)? > 0 {
        crate::store::lists::leave_lists_of(tx, follower, target)?;
        crate::store::endorsements::remove(tx, follower, target)?;
        tx.execute(
            "UPDATE accounts SET following_count = following_count - 1 WHERE id = $1 AND following_count > 0",
            &[Value::Int64(follower)],
        )?;
        tx.execute(
            "UPDATE accounts SET followers_count = followers_count - 1 WHERE id = $1 AND followers_count > 0",
            &[Value::Int64(target)],
        )?;
    }
    Ok(())
}

/// A pending follow request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub id: i64,
    pub follower: i64,
    pub target: i64,
    pub show_reblogs: bool,
    pub notify: bool,
    /// The `Follow` activity's id: minted for a local follower, the remote one's.
    pub uri: Option<String>,
}

fn pair(follower: i64, target: i64) -> [Value; 2] {
    [Value::Int64(follower), Value::Int64(target)]
}

/// Whether `follower` follows `target`.
pub fn exists(db: &impl Handle, follower: i64, target: i64) -> Result<bool, Error> {
    Ok(!db.query("SELECT 1 AS x FROM follows WHERE account_id = $1 AND target_account_id = $2", &pair(follower, target))?.is_empty())
}

/// The id of `follower`'s follow of `target`, if any.
pub fn id_of(db: &impl Handle, follower: i64, target: i64) -> Result<Option<i64>, Error> {
    let rows = db.query("SELECT id FROM follows WHERE account_id = $1 AND target_account_id = $2", &pair(follower, target))?;
    Ok(rows.first().and_then(|r| r.i64("id")))
}

/// Keeps `uri` (the `Follow`'s id) on `follower`'s follow of `target`; with
/// `only_if_missing`, only when it has none yet.
pub fn set_uri(db: &impl Handle, follower: i64, target: i64, uri: Option<&str>, only_if_missing: bool) -> Result<(), Error> {
    let [a, b] = pair(follower, target);
    let uri = uri.map(|u| Value::Text(u.into())).unwrap_or(Value::Null);
    if only_if_missing {
        db.execute("UPDATE follows SET uri = $3 WHERE account_id = $1 AND target_account_id = $2 AND uri IS NULL", &[a, b, uri])?;
    } else {
        db.execute("UPDATE follows SET uri = $3 WHERE account_id = $1 AND target_account_id = $2", &[a, b, uri])?;
    }
    Ok(())
}

/// The id and stored `Follow` id of `follower`'s follow of `target`, or else of its
/// pending request.
pub fn follow_or_request(db: &impl Handle, follower: i64, target: i64) -> Result<Option<(i64, Option<String>)>, Error> {
    let rows = db.query(
        "SELECT id, uri FROM follows WHERE account_id = $1 AND target_account_id = $2 \
         UNION ALL SELECT id, uri FROM follow_requests WHERE account_id = $1 AND target_account_id = $2",
        &pair(follower, target),
    )?;
    Ok(rows.first().and_then(|row| Some((row.i64("id")?, row.string("uri")))))
}

/// Whom `follower` follows or asked to follow with the `Follow` whose id is `uri`.
pub fn target_by_uri(db: &impl Handle, follower: i64, uri: &str) -> Result<Option<i64>, Error> {
    let rows = db.query(
        "SELECT target_account_id FROM follows WHERE account_id = $1 AND uri = $2 \
         UNION SELECT target_account_id FROM follow_requests WHERE account_id = $1 AND uri = $2",
        &[Value::Int64(follower), Value::Text(uri.into())],
    )?;
    Ok(rows.first().and_then(|r| r.i64("target_account_id")))
}

/// `target`'s followers whose account is on `domain` (compared in lower case).
pub fn followers_on_domain(db: &impl Handle, target: i64, domain: &str) -> Result<Vec<i64>, Error> {
    let rows = db.query(
        "SELECT f.account_id FROM follows f JOIN accounts a ON a.id = f.account_id WHERE f.target_account_id = $1 AND lower(a.domain) = $2",
        &[Value::Int64(target), Value::Text(domain.into())],
    )?;
    Ok(rows.iter().filter_map(|r| r.i64("account_id")).collect())
}

/// The local followers of remote `target` (or, with `requests`, those asking to
/// follow it too) named by an Accept/Reject/Undo: by the `Follow`'s id `follow_uri`
/// or the follower's actor URI `follower_uri` (either may be empty).
pub fn local_followers_named(
    db: &impl Handle,
    target: i64,
    follow_uri: &str,
    follower_uri: &str,
    requests: bool,
) -> Result<Vec<i64>, Error> {
    let params = [Value::Int64(target), Value::Text(follow_uri.into()), Value::Text(follower_uri.into())];
    let rows = if requests {
        db.query(
            "SELECT fr.account_id FROM follow_requests fr JOIN accounts a ON a.id = fr.account_id AND a.domain IS NULL \
             WHERE fr.target_account_id = $1 AND ((fr.uri = $2 AND $2 <> '') OR (a.uri = $3 AND $3 <> '')) \
             UNION SELECT f.account_id FROM follows f JOIN accounts a ON a.id = f.account_id AND a.domain IS NULL \
             WHERE f.target_account_id = $1 AND ((f.uri = $2 AND $2 <> '') OR (a.uri = $3 AND $3 <> ''))",
            &params,
        )?
    } else {
        db.query(
            "SELECT f.account_id FROM follows f JOIN accounts a ON a.id = f.account_id AND a.domain IS NULL \
             WHERE f.target_account_id = $1 AND ((f.uri = $2 AND $2 <> '') OR (a.uri = $3 AND $3 <> ''))",
            &params,
        )?
    };
    Ok(rows.iter().filter_map(|r| r.i64("account_id")).collect())
}

fn request_from_row(row: &aerie_sdk::db::Row, follower: i64, target: i64) -> Request {
    Request {
        id: row.i64("id").unwrap_or_default(),
        follower,
        target,
        show_reblogs: row.bool("show_reblogs"),
        notify: row.bool("notify"),
        uri: row.string("uri"),
    }
}

/// `follower`'s pending request to follow `target`, if any.
pub fn request(db: &impl Handle, follower: i64, target: i64) -> Result<Option<Request>, Error> {
    let rows = db.query(
        "SELECT id, uri, show_reblogs, notify FROM follow_requests WHERE account_id = $1 AND target_account_id = $2",
        &pair(follower, target),
    )?;
    Ok(rows.first().map(|r| request_from_row(&r, follower, target)))
}

/// The pending request of a local account to follow remote `target` that an
/// `Accept` names (by the `Follow`'s id or the follower's actor URI, see
/// [`local_followers_named`]).
pub fn request_named(db: &impl Handle, target: i64, follow_uri: &str, follower_uri: &str) -> Result<Option<Request>, Error> {
    let rows = db.query(
        "SELECT fr.id, fr.account_id, fr.show_reblogs, fr.notify, fr.uri FROM follow_requests fr \
           JOIN accounts a ON a.id = fr.account_id AND a.domain IS NULL \
         WHERE fr.target_account_id = $1 AND ((fr.uri = $2 AND $2 <> '') OR (a.uri = $3 AND $3 <> '')) LIMIT 1",
        &[Value::Int64(target), Value::Text(follow_uri.into()), Value::Text(follower_uri.into())],
    )?;
    Ok(rows.first().map(|r| request_from_row(&r, r.i64("account_id").unwrap_or_default(), target)))
}

/// Adds `request` at `now`; an existing one is kept as it is, or with `update`
/// takes the new `show_reblogs` and `notify`.
pub fn insert_request(db: &impl Handle, request: &Request, now: i64, update: bool) -> Result<(), Error> {
    let on_conflict = if update {
        "ON CONFLICT (account_id, target_account_id) DO UPDATE SET show_reblogs = excluded.show_reblogs, notify = excluded.notify"
    } else {
        "ON CONFLICT (account_id, target_account_id) DO NOTHING"
    };
    db.execute(
        &format!(
            "INSERT INTO follow_requests (id, account_id, target_account_id, show_reblogs, notify, uri, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) {on_conflict}"
        ),
        &[
            Value::Int64(request.id),
            Value::Int64(request.follower),
            Value::Int64(request.target),
            Value::Int64(request.show_reblogs as i64),
            Value::Int64(request.notify as i64),
            request.uri.clone().map(Value::Text).unwrap_or(Value::Null),
            Value::Int64(now),
        ],
    )?;
    Ok(())
}

/// Keeps `uri` on the request `id`.
pub fn set_request_uri(db: &impl Handle, id: i64, uri: &str) -> Result<(), Error> {
    db.execute("UPDATE follow_requests SET uri = $2 WHERE id = $1", &[Value::Int64(id), Value::Text(uri.into())])?;
    Ok(())
}

/// Keeps `uri` on `follower`'s request to follow `target`.
pub fn set_request_uri_of(db: &impl Handle, follower: i64, target: i64, uri: &str) -> Result<(), Error> {
    db.execute(
        "UPDATE follow_requests SET uri = $3 WHERE account_id = $1 AND target_account_id = $2",
        &[Value::Int64(follower), Value::Int64(target), Value::Text(uri.into())],
    )?;
    Ok(())
}

/// Removes `follower`'s request to follow `target` and returns it, if there was one.
pub fn take_request(db: &impl Handle, follower: i64, target: i64) -> Result<Option<Request>, Error> {
    let rows = db.query(
        "DELETE FROM follow_requests WHERE account_id = $1 AND target_account_id = $2 RETURNING id, uri, show_reblogs, notify",
        &pair(follower, target),
    )?;
    Ok(rows.first().map(|r| request_from_row(&r, follower, target)))
}

/// Removes `follower`'s request to follow `target`, if any.
pub fn delete_request(db: &impl Handle, follower: i64, target: i64) -> Result<(), Error> {
    db.execute("DELETE FROM follow_requests WHERE account_id = $1 AND target_account_id = $2", &pair(follower, target))?;
    Ok(())
}

/// Removes the request `id`.
pub fn delete_request_by_id(db: &impl Handle, id: i64) -> Result<(), Error> {
    db.execute("DELETE FROM follow_requests WHERE id = $1", &[Value::Int64(id)])?;
    Ok(())
}

/// The pending requests to follow `target`, as `(request id, account)` for the
/// accounts `a` not deleted, within `page` (bounds from `$2`).
pub fn requests_page(db: &impl Handle, target: i64, page: &Page) -> Result<Vec<(i64, AccountRow)>, Error> {
    let (bounds, order, values) = page.sql("fr.id", 2);
    let sql = format!(
        "SELECT fr.id AS page_id, {ACCOUNT_COLUMNS} FROM follow_requests fr JOIN accounts a ON a.id = fr.account_id \
         WHERE fr.target_account_id = $1 AND a.deleted_at IS NULL AND {bounds} {order}"
    );
    let mut params = vec![Value::Int64(target)];
    params.extend(values.into_iter().map(Value::Int64));
    let rows = db.query(&sql, &params)?;
    Ok(page.finish(rows.iter().map(|r| (r.i64("page_id").unwrap_or_default(), AccountRow::from_row(&r))).collect()))
}

/// A local account's follow of someone, with its options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalFollow {
    pub follower: i64,
    pub show_reblogs: bool,
    pub notify: bool,
    /// The `Follow`'s id, when kept.
    pub uri: Option<String>,
}

/// The follows of `target` by local accounts.
pub fn local_followers(db: &impl Handle, target: i64) -> Result<Vec<LocalFollow>, Error> {
    let rows = db.query(
        "SELECT f.account_id, f.show_reblogs, f.notify, f.uri FROM follows f JOIN accounts a ON a.id = f.account_id AND a.domain IS NULL \
         WHERE f.target_account_id = $1",
        &[Value::Int64(target)],
    )?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            Some(LocalFollow {
                follower: r.i64("account_id")?,
                show_reblogs: r.bool("show_reblogs"),
                notify: r.bool("notify"),
                uri: r.string("uri"),
            })
        })
        .collect())
}

/// The inboxes (shared ones first) of `target`'s remote followers, as stored.
pub fn remote_follower_inboxes(db: &impl Handle, target: i64) -> Result<Vec<String>, Error> {
    let rows = db.query(
        "SELECT DISTINCT COALESCE(a.shared_inbox_url, a.inbox_url) AS inbox FROM follows f JOIN accounts a ON a.id = f.account_id \
         WHERE f.target_account_id = $1 AND a.domain IS NOT NULL AND a.deleted_at IS NULL \
           AND COALESCE(a.shared_inbox_url, a.inbox_url) IS NOT NULL",
        &[Value::Int64(target)],
    )?;
    Ok(rows.iter().filter_map(|r| r.string("inbox")).collect())
}

/// The followers (`followers`) or the followed (else) of `account`, as `(follow id,
/// account)` for accounts neither deleted nor suspended, within `page`.
pub fn list_page(db: &impl Handle, account: i64, followers: bool, page: &Page) -> Result<Vec<(i64, AccountRow)>, Error> {
    let (listed, fixed) = if followers { ("account_id", "target_account_id") } else { ("target_account_id", "account_id") };
    let (bounds, order, values) = page.sql("f.id", 2);
    let sql = format!(
        "SELECT f.id AS page_id, {ACCOUNT_COLUMNS} FROM follows f JOIN accounts a ON a.id = f.{listed} \
         WHERE f.{fixed} = $1 AND a.deleted_at IS NULL AND a.suspended_at IS NULL AND {bounds} {order}"
    );
    let mut params = vec![Value::Int64(account)];
    params.extend(values.into_iter().map(Value::Int64));
    let rows = db.query(&sql, &params)?;
    Ok(page.finish(rows.iter().map(|r| (r.i64("page_id").unwrap_or_default(), AccountRow::from_row(&r))).collect()))
}

/// One page of the actor URIs of `account`'s followers (`followers`) or followed
/// (else), newest follow first, `limit` from `offset`; accounts that are gone,
/// suspended or without a URI are left out.
pub fn actor_uris_page(db: &impl Handle, account: i64, followers: bool, limit: i64, offset: i64) -> Result<Vec<String>, Error> {
    let (listed, fixed) = if followers { ("account_id", "target_account_id") } else { ("target_account_id", "account_id") };
    let sql = format!(
        "SELECT a.uri FROM follows f JOIN accounts a ON a.id = f.{listed} \
         WHERE f.{fixed} = $1 AND a.deleted_at IS NULL AND a.suspended_at IS NULL AND a.uri IS NOT NULL \
         ORDER BY f.id DESC LIMIT {limit} OFFSET {offset}"
    );
    Ok(db.query(&sql, &[Value::Int64(account)])?.iter().filter_map(|r| r.string("uri")).collect())
}

/// Every follow `account` is in, either side, as (follower, target).
pub fn pairs_of(db: &impl Handle, account: i64) -> Result<Vec<(i64, i64)>, Error> {
    Ok(db
        .query(
            "SELECT account_id, target_account_id FROM follows WHERE account_id = $1 OR target_account_id = $1",
            &[Value::Int64(account)],
        )?
        .iter()
        .filter_map(|r| Some((r.i64("account_id")?, r.i64("target_account_id")?)))
        .collect())
}

/// Drops every follow request `account` made or received.
pub fn delete_requests_of(db: &impl Handle, account: i64) -> Result<(), Error> {
    db.execute("DELETE FROM follow_requests WHERE account_id = $1 OR target_account_id = $1", &[Value::Int64(account)])?;
    Ok(())
}
