//! The facts about a status its streaming audience depends on (local followers,
//! local mentioned accounts, the lists holding the author, hashtags and who follows
//! them, media, whether the author is local), read across `follows`, `mutes`, `lists`,
//! `list_accounts`, `mentions`, `status_tags`, `tag_follows`, `media_attachments` and
//! `accounts` in one query.

use aerie_sdk::db::{Error, Handle, Value};

/// The facts about a status the streams depend on, read in one query.
#[derive(Default)]
pub struct Facts {
    /// Local followers of the author who hear about it (see [`facts`]).
    pub followers: Vec<i64>,
    /// Local accounts mentioned (not silently).
    pub mentioned: Vec<i64>,
    /// The lists whose timeline shows it (see [`facts`]).
    pub lists: Vec<i64>,
    pub tags: Vec<String>,
    /// Local accounts following one of its hashtags, minus those muting the author or
    /// holding it in an exclusive list (see `contract::home_tags`).
    pub tag_followers: Vec<i64>,
    pub has_media: bool,
    pub author_local: bool,
}

/// The facts of status `status` (the original, for a reblog) by `author` (the
/// reblogger, for a reblog): `followers` are the author's local followers (only
/// those showing their reblogs when `reblog`), minus those muting the author at
/// `now`, and, when `reply_to` (the replied-to account) is set, those who follow
/// neither side of the conversation, and those who put the author in an exclusive
/// list (its posts leave their home timeline). `lists` are the lists holding the
/// author whose timeline shows the status: for a reblog only where the owner's follow
/// shows reblogs, for a reply to another account only by the list's replies policy
/// (see `store::lists::timeline_condition`), minus owners muting the author.
pub fn facts(db: &impl Handle, status: i64, author: i64, reply_to: Option<i64>, reblog: bool, now: i64) -> Result<Facts, Error> {
    let reblog_filter = if reblog { "AND f.show_reblogs = 1" } else { "" };
    let list_reblog_filter = if reblog {
        "AND EXISTS (SELECT 1 FROM follows lf WHERE lf.account_id = l.account_id AND lf.target_account_id = $2 AND lf.show_reblogs = 1)"
    } else {
        ""
    };
    let sql = format!(
        "SELECT 'f' AS k, f.account_id AS id, NULL AS name FROM follows f JOIN accounts fa ON fa.id = f.account_id AND fa.domain IS NULL \
           WHERE f.target_account_id = $2 {reblog_filter} \
           AND NOT EXISTS (SELECT 1 FROM mutes mu WHERE mu.account_id = f.account_id AND mu.target_account_id = $2 \
             AND (mu.expires_at IS NULL OR mu.expires_at > $4)) \
           AND (CAST($3 AS BIGINT) IS NULL OR $3 = $2 OR f.account_id = $3 \
             OR EXISTS (SELECT 1 FROM follows rf WHERE rf.account_id = f.account_id AND rf.target_account_id = $3)) \
           AND NOT EXISTS (SELECT 1 FROM list_accounts xm JOIN lists xl ON xl.id = xm.list_id \
             WHERE xm.account_id = $2 AND xl.account_id = f.account_id AND xl.exclusive = 1) \
         UNION ALL SELECT 'l' AS k, l.id AS id, NULL AS name FROM list_accounts la JOIN lists l ON l.id = la.list_id \
           WHERE la.account_id = $2 {list_reblog_filter} \
           AND NOT EXISTS (SELECT 1 FROM mutes lmu WHERE lmu.account_id = l.account_id AND lmu.target_account_id = $2 \
             AND (lmu.expires_at IS NULL OR lmu.expires_at > $4)) \
           AND (CAST($3 AS BIGINT) IS NULL OR $3 = $2 OR $3 = l.account_id \
             OR (l.replies_policy = 'followed' AND EXISTS (SELECT 1 FROM follows lrf WHERE lrf.account_id = l.account_id AND lrf.target_account_id = $3)) \
             OR (l.replies_policy = 'list' AND EXISTS (SELECT 1 FROM list_accounts lrl WHERE lrl.list_id = l.id AND lrl.account_id = $3))) \
         UNION ALL SELECT 'm' AS k, m.account_id AS id, NULL AS name FROM mentions m JOIN accounts ma ON ma.id = m.account_id AND ma.domain IS NULL \
           WHERE m.status_id = $1 AND m.silent = 0 \
         UNION ALL SELECT 't' AS k, 0 AS id, t.name AS name FROM status_tags st JOIN tags t ON t.id = st.tag_id WHERE st.status_id = $1 \
         UNION ALL SELECT 'g' AS k, tf.account_id AS id, NULL AS name FROM status_tags gt JOIN tag_follows tf ON tf.tag_id = gt.tag_id \
           WHERE gt.status_id = $1 \
           AND NOT EXISTS (SELECT 1 FROM mutes gmu WHERE gmu.account_id = tf.account_id AND gmu.target_account_id = $2 \
             AND (gmu.expires_at IS NULL OR gmu.expires_at > $4)) \
           AND NOT EXISTS (SELECT 1 FROM list_accounts gxm JOIN lists gxl ON gxl.id = gxm.list_id \
             WHERE gxm.account_id = $2 AND gxl.account_id = tf.account_id AND gxl.exclusive = 1) \
         UNION ALL SELECT 'p' AS k, 0 AS id, NULL AS name FROM media_attachments ma2 WHERE ma2.status_id = $1 \
         UNION ALL SELECT 'a' AS k, 0 AS id, NULL AS name FROM accounts aa WHERE aa.id = $2 AND aa.domain IS NULL"
    );
    let params = [Value::Int64(status), Value::Int64(author), reply_to.map(Value::Int64).unwrap_or(Value::Null), Value::Int64(now)];
    let mut facts = Facts::default();
    for r in db.query(&sql, &params)?.iter() {
        let id = r.i64("id").unwrap_or_default();
        match r.text("k") {
            Some("f") => facts.followers.push(id),
            Some("m") => facts.mentioned.push(id),
            Some("l") => facts.lists.push(id),
            Some("t") => facts.tags.extend(r.string("name")),
            Some("g") => facts.tag_followers.push(id),
            Some("p") => facts.has_media = true,
            _ => facts.author_local = true,
        }
    }
    Ok(facts)
}
