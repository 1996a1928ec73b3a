//! What turns status rows into client entities besides the rows themselves: their
//! authors by id, their surroundings (mentions, tags, applications, the viewer's
//! state) in one statement, and pages of statuses under the visibility rule.

use std::collections::{HashMap, HashSet};

use aerie_sdk::db::{Error, Handle, Row, Value, ids, placeholders};

use crate::contract::paging::Page;
use crate::contract::visibility::visible_sql;
use crate::convert;
use crate::entities::{Mention, Tag};
use crate::rows::{AccountRow, ApplicationRow, STATUS_COLUMNS, StatusRow};
use crate::store::timelines::paged_rows;
use crate::visible::viewer_value;

/// Accounts by id (deleted ones left out), read as `columns` and parsed by `parse`.
pub fn accounts_with(
    db: &impl Handle,
    columns: &str,
    parse: fn(&Row) -> AccountRow,
    account_ids: &[i64],
) -> Result<HashMap<i64, AccountRow>, Error> {
    let mut unique: Vec<i64> = account_ids.to_vec();
    unique.sort_unstable();
    unique.dedup();
    if unique.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = format!("SELECT {columns} FROM accounts a WHERE a.id IN ({}) AND a.deleted_at IS NULL", placeholders(1, unique.len()));
    let rows = db.query(&sql, &ids(&unique))?;
    Ok(rows.iter().map(|row| parse(&row)).map(|a| (a.id, a)).collect())
}

/// The viewer's state on a set of statuses.
#[derive(Default)]
pub struct ViewerState {
    pub favourited: HashSet<i64>,
    pub reblogged: HashSet<i64>,
    pub bookmarked: HashSet<i64>,
    pub pinned: HashSet<i64>,
    pub muted: HashSet<i64>,
}

/// What surrounds a page's statuses besides authors, polls and media: mentions, tags,
/// the posting applications and the viewer's state, read in one statement (one round
/// trip on PostgreSQL, one read transaction on SQLite) as rows tagged by kind `k`:
/// `m` mention (`sid`, the account in `id`/`name`/`domain`/`url`/`uri`), `t` tag
/// (`sid`, `name`), `a` application (`id`, `name`, website in `url`), and for a
/// viewer `f` favourited, `b` bookmarked, `p` pinned, `r` reblogged, `x` muted (`sid`),
/// and `q` the expiry of each of the viewer's filters (in `ord`).
#[derive(Default)]
pub struct Surroundings {
    pub mentions: HashMap<i64, Vec<Mention>>,
    pub tags: HashMap<i64, Vec<Tag>>,
    pub apps: HashMap<i64, ApplicationRow>,
    pub state: ViewerState,
    /// When each of the viewer's filters expires (`None`: never); empty when the
    /// viewer has none, so a page costs nothing more for them.
    pub filter_expiries: Vec<Option<i64>>,
}

/// The [`Surroundings`] of `status_ids` (with the applications `app_ids`) for `viewer`;
/// `base` is `scheme://web_domain` for tag links.
pub fn surroundings(db: &impl Handle, viewer: Option<i64>, base: &str, status_ids: &[i64], app_ids: &[i64]) -> Result<Surroundings, Error> {
    let mut out = Surroundings::default();
    if status_ids.is_empty() {
        return Ok(out);
    }
    let list = placeholders(1, status_ids.len());
    let mut params = ids(status_ids);
    // The first SELECT names and types the columns; `ord` keeps mentions in order.
    let mut parts = vec![
        format!(
            "SELECT 'm' AS k, m.status_id AS sid, a.id AS id, a.username AS name, a.domain AS domain, a.url AS url, a.uri AS uri, \
             m.id AS ord FROM mentions m JOIN accounts a ON a.id = m.account_id WHERE m.status_id IN ({list}) AND m.silent = 0"
        ),
        format!(
            "SELECT 't', st.status_id, NULL, t.name, NULL, NULL, NULL, NULL FROM status_tags st JOIN tags t ON t.id = st.tag_id \
             WHERE st.status_id IN ({list})"
        ),
    ];
    if !app_ids.is_empty() {
        let apps = placeholders(params.len() + 1, app_ids.len());
        params.extend(ids(app_ids));
        parts.push(format!("SELECT 'a', NULL, ap.id, ap.name, NULL, ap.website, NULL, NULL FROM applications ap WHERE ap.id IN ({apps})"));
    }
    // The viewer is a parameter only when there is one: PostgreSQL refuses a
    // parameter no statement part uses (its type cannot be inferred).
    if let Some(viewer) = viewer {
        params.push(Value::Int64(viewer));
        let v = format!("${}", params.len());
        for (kind, status, from) in [
            ("f", "status_id", format!("favourites WHERE account_id = {v} AND status_id IN ({list})")),
            ("b", "status_id", format!("bookmarks WHERE account_id = {v} AND status_id IN ({list})")),
            ("p", "status_id", format!("pins WHERE account_id = {v} AND status_id IN ({list})")),
            ("r", "reblog_of_id", format!("statuses WHERE account_id = {v} AND reblog_of_id IN ({list}) AND deleted_at IS NULL")),
            (
                "x",
                "ms.id",
                format!(
                    "statuses ms JOIN status_mutes sm ON sm.conversation_id = ms.conversation_id \
                     WHERE sm.account_id = {v} AND ms.id IN ({list})"
                ),
            ),
        ] {
            parts.push(format!("SELECT '{kind}', {status}, NULL, NULL, NULL, NULL, NULL, NULL FROM {from}"));
        }
        parts.push(crate::store::filters::expiries_part(&v));
    }
    let sql = format!("{} ORDER BY ord", parts.join(" UNION ALL "));
    for row in db.query(&sql, &params)?.iter() {
        let kind = row.text("k");
        let sid = row.i64("sid").unwrap_or_default();
        let set = match kind {
            Some("m") => {
                let account = AccountRow {
                    id: row.i64("id").unwrap_or_default(),
                    username: row.string("name").unwrap_or_default(),
                    domain: row.string("domain"),
                    url: row.string("url"),
                    uri: row.string("uri"),
                    ..AccountRow::default()
                };
                out.mentions.entry(sid).or_default().push(convert::account_to_mention(&account));
                continue;
            }
            Some("t") => {
                out.tags.entry(sid).or_default().push(convert::tag_to_api(row.text("name").unwrap_or_default(), base));
                continue;
            }
            Some("a") => {
                let id = row.i64("id").unwrap_or_default();
                out.apps.insert(id, ApplicationRow { id, name: row.string("name").unwrap_or_default(), website: row.string("url") });
                continue;
            }
            Some("q") => {
                out.filter_expiries.push(row.i64("ord"));
                continue;
            }
            Some("f") => &mut out.state.favourited,
            Some("b") => &mut out.state.bookmarked,
            Some("p") => &mut out.state.pinned,
            Some("r") => &mut out.state.reblogged,
            _ => &mut out.state.muted,
        };
        set.insert(sid);
    }
    Ok(out)
}

/// One page of statuses `viewer` may see, before [`Page::finish`]: `condition` and
/// `from` (joins) on alias `s` with the viewer as `$1` and `params` as `$2...`, paged
/// on `page_column` (`s.id`, or the id of a joined bookmark or favourite).
pub fn page(
    db: &impl Handle,
    viewer: Option<i64>,
    page: &Page,
    from: &str,
    condition: &str,
    mut params: Vec<Value>,
    page_column: &str,
) -> Result<Vec<(i64, StatusRow)>, Error> {
    let (bounds, order, values) = page.sql(page_column, params.len() + 2);
    params.extend(values.into_iter().map(Value::Int64));
    let sql = format!(
        "SELECT {page_column} AS page_id, {STATUS_COLUMNS} FROM statuses s {from} WHERE {} AND ({condition}) AND {bounds} {order}",
        visible_sql("s", 1)
    );
    let mut all = vec![viewer_value(viewer)];
    all.extend(params);
    Ok(paged_rows(&db.query(&sql, &all)?))
}
