//! The home timeline of a prolific viewer, on both engines: a viewer with thousands of
//! their own statuses, interleaved with followed accounts' statuses of every kind and
//! with a stretch of strangers' statuses longer than the first statement's window
//! (so that every statement of `aerie_contract::home` serves pages). Every page the API
//! answers, walked with `max_id`, `min_id` and `since_id`, must equal what the
//! single-walk predicate the home timeline used before gives on the same database, and
//! its `Link` header must point past its ends. On SQLite the statements' plans are
//! checked too: no statement walks the whole of `statuses`.

use aerie::db::{Database, Value};
use aerie_contract::paging::Page;
use aerie_contract::visibility::visible_sql;
use serde_json::Value as Json;

use crate::support::{ENGINES, Engine, Instance, client};

/// The home timeline as one predicate over one walk of `statuses`, as it was read
/// before the two statements: the reference every page is compared with.
const SINGLE_WALK: &str = "(s.account_id = $1 OR EXISTS (SELECT 1 FROM follows hf WHERE hf.account_id = $1 AND hf.target_account_id = s.account_id \
        AND (s.reblog_of_id IS NULL OR hf.show_reblogs = 1))) \
     AND (s.in_reply_to_account_id IS NULL OR s.in_reply_to_account_id = s.account_id OR s.in_reply_to_account_id = $1 \
        OR EXISTS (SELECT 1 FROM follows rf WHERE rf.account_id = $1 AND rf.target_account_id = s.in_reply_to_account_id)) \
     AND NOT EXISTS (SELECT 1 FROM mutes mu WHERE mu.account_id = $1 AND mu.target_account_id = s.account_id \
        AND (mu.expires_at IS NULL OR mu.expires_at > $2))";

/// Statuses in the table, oldest first; the strangers' stretch is `STRETCH`.
const STATUSES: usize = 3_400;
const STRETCH: std::ops::Range<usize> = 1_500..2_100;

/// Accounts inserted directly (the viewer and the reader are made with the CLI).
const FRIEND: i64 = 71_001;
const STRANGER: i64 = 71_002;
const MUTED: i64 = 71_003;
const BOOSTER: i64 = 71_004;

struct Row {
    author: i64,
    visibility: &'static str,
    reply_to_account: Option<i64>,
    reblog_of: Option<usize>,
    mentions_viewer: bool,
}

/// What status `i` is. Outside the stretch three in four are the viewer's own (all four
/// visibilities); the fourth cycles through what a home timeline must sort out.
fn layout(i: usize, viewer: i64) -> Row {
    let row = |author, visibility| Row { author, visibility, reply_to_account: None, reblog_of: None, mentions_viewer: false };
    const VISIBILITIES: [&str; 4] = ["public", "unlisted", "private", "direct"];
    if STRETCH.contains(&i) {
        return match i % 150 {
            0 => row(FRIEND, "public"),
            7 => Row { mentions_viewer: true, ..row(STRANGER, "private") },
            _ => row(STRANGER, "public"),
        };
    }
    if !i.is_multiple_of(4) {
        return row(viewer, VISIBILITIES[i / 4 % 4]);
    }
    // Originals for the reblogs: strangers' public statuses in the stretch (not its
    // followers-only ones, which the reader may not see).
    let original = Some(STRETCH.start + 10 + i % 100);
    match i / 4 % 11 {
        0 => row(FRIEND, "public"),
        1 => row(FRIEND, "private"),
        2 => Row { mentions_viewer: true, ..row(FRIEND, "direct") },
        3 => row(FRIEND, "direct"),
        4 => Row { reply_to_account: Some(STRANGER), ..row(FRIEND, "public") },
        5 => Row { reply_to_account: Some(viewer), ..row(FRIEND, "public") },
        6 => row(MUTED, "public"),
        7 => Row { reblog_of: original, ..row(BOOSTER, "public") },
        8 => Row { reblog_of: original, ..row(FRIEND, "public") },
        9 => row(STRANGER, "public"),
        _ => Row { mentions_viewer: true, ..row(STRANGER, "private") },
    }
}

/// Status `i`'s id: time-ordered like the host's, one second apart, newest a minute ago.
fn status_id(i: usize, now: i64) -> i64 {
    (now - 60_000 - (STATUSES - i) as i64 * 1_000) << 16
}

async fn insert_rows(db: &Database, head: &str, width: usize, rows: Vec<Vec<Value>>) {
    for chunk in rows.chunks(400) {
        let groups: Vec<String> = (0..chunk.len())
            .map(|r| format!("({})", (1..=width).map(|c| format!("${}", r * width + c)).collect::<Vec<_>>().join(", ")))
            .collect();
        let params: Vec<Value> = chunk.iter().flatten().cloned().collect();
        db.execute(&format!("{head} VALUES {}", groups.join(", ")), params).await.unwrap();
    }
}

async fn account_id(db: &Database, name: &str) -> i64 {
    db.query("SELECT id FROM accounts WHERE username = $1 AND domain IS NULL", vec![name.into()]).await.unwrap().i64(0, "id").unwrap()
}

/// The accounts, follows, mute and statuses of the layout; returns (viewer, reader).
async fn seed(db: &Database, now: i64) -> (i64, i64) {
    let viewer = account_id(db, "viewer").await;
    let reader = account_id(db, "reader").await;
    let accounts = [(FRIEND, "friend"), (STRANGER, "stranger"), (MUTED, "muted"), (BOOSTER, "booster")];
    insert_rows(
        db,
        "INSERT INTO accounts (id, username, domain, created_at, uri, url)",
        6,
        accounts
            .iter()
            .map(|(id, name)| {
                vec![
                    Value::Int(*id),
                    (*name).into(),
                    Value::Null,
                    Value::Int(0),
                    format!("http://social.test/users/{name}").into(),
                    format!("http://social.test/@{name}").into(),
                ]
            })
            .collect(),
    )
    .await;
    // (follower, followed, show_reblogs)
    let follows = [(viewer, FRIEND, 1), (viewer, MUTED, 1), (viewer, BOOSTER, 0), (reader, viewer, 1), (reader, FRIEND, 1)];
    insert_rows(
        db,
        "INSERT INTO follows (id, account_id, target_account_id, show_reblogs, created_at)",
        5,
        follows
            .iter()
            .enumerate()
            .map(|(n, (a, b, show))| vec![Value::Int(72_000 + n as i64), Value::Int(*a), Value::Int(*b), Value::Int(*show), Value::Int(0)])
            .collect(),
    )
    .await;
    db.execute(
        "INSERT INTO mutes (id, account_id, target_account_id, created_at) VALUES (73000, $1, $2, 0)",
        vec![Value::Int(viewer), Value::Int(MUTED)],
    )
    .await
    .unwrap();

    let mut statuses = Vec::new();
    let mut mentions = Vec::new();
    for i in 0..STATUSES {
        let row = layout(i, viewer);
        let id = status_id(i, now);
        let reply_to = row.reply_to_account.map(|_| Value::Int(status_id(i - 1, now))).unwrap_or(Value::Null);
        statuses.push(vec![
            Value::Int(id),
            Value::Int(row.author),
            format!("status {i}").into(),
            format!("<p>status {i}</p>").into(),
            format!("http://social.test/statuses/{i}").into(),
            row.visibility.into(),
            reply_to,
            row.reply_to_account.map(Value::Int).unwrap_or(Value::Null),
            row.reblog_of.map(|o| Value::Int(status_id(o, now))).unwrap_or(Value::Null),
            Value::Int(id >> 16),
        ]);
        if row.mentions_viewer {
            mentions.push(vec![Value::Int(74_000 + i as i64), Value::Int(id), Value::Int(viewer), Value::Int(0)]);
        }
    }
    insert_rows(
        db,
        "INSERT INTO statuses (id, account_id, text, content_html, uri, visibility, in_reply_to_id, in_reply_to_account_id, reblog_of_id, created_at)",
        10,
        statuses,
    )
    .await;
    insert_rows(db, "INSERT INTO mentions (id, status_id, account_id, created_at)", 4, mentions).await;
    (viewer, reader)
}

/// The page the single-walk predicate gives, newest first.
async fn reference(db: &Database, viewer: i64, now: i64, query: &str) -> Vec<i64> {
    let page = Page::from_query(query);
    let (bounds, order, values) = page.sql("s.id", 3);
    let sql = format!("SELECT s.id FROM statuses s WHERE {} AND ({SINGLE_WALK}) AND {bounds} {order}", visible_sql("s", 1));
    let mut params = vec![Value::Int(viewer), Value::Int(now)];
    params.extend(values.into_iter().map(Value::Int));
    let rows = db.query(&sql, params).await.unwrap();
    page.finish((0..rows.len()).map(|r| rows.i64(r, "id").unwrap()).collect())
}

/// A page from the API: the status ids and the `max_id` / `min_id` of the `Link` header.
async fn api_page(instance: &Instance, token: &str, query: &str) -> (Vec<i64>, Option<(i64, i64)>) {
    let response = client().get(instance.url(&format!("/api/v1/timelines/home?{query}"))).bearer_auth(token).send().await.unwrap();
    assert_eq!(response.status(), 200, "{query}");
    let link = response.headers().get("link").map(|l| l.to_str().unwrap().to_string());
    let body: Json = response.json().await.unwrap();
    let ids = body.as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap().parse().unwrap()).collect();
    let value_after = |link: &str, key: &str| -> i64 {
        let at = link.find(key).unwrap_or_else(|| panic!("{key} in {link}")) + key.len();
        link[at..].chars().take_while(char::is_ascii_digit).collect::<String>().parse().unwrap()
    };
    let bounds = link.map(|link| {
        assert!(link.find("rel=\"next\"") < link.find("rel=\"prev\""), "next comes first: {link}");
        (value_after(&link, "max_id="), value_after(&link, "min_id="))
    });
    (ids, bounds)
}

/// Checks one page against the reference and returns it.
async fn check(instance: &Instance, db: &Database, token: &str, viewer: i64, now: i64, query: &str) -> Vec<i64> {
    let expected = reference(db, viewer, now, query).await;
    let (ids, link) = api_page(instance, token, query).await;
    assert_eq!(ids, expected, "{:?} page {query:?}", instance.engine);
    match (ids.first(), ids.last()) {
        (Some(first), Some(last)) => assert_eq!(link, Some((*last, *first)), "Link of page {query:?}"),
        _ => assert_eq!(link, None, "an empty page has no Link ({query:?})"),
    }
    ids
}

/// Walks the whole timeline of `viewer` back with `max_id`, then (`both_ways`) forward
/// again with `min_id` from its oldest end, and tries `since_id` pages; returns every
/// id seen.
async fn walk(instance: &Instance, db: &Database, token: &str, viewer: i64, now: i64, both_ways: bool) -> Vec<i64> {
    let mut seen = Vec::new();
    let mut query = "limit=40".to_string();
    loop {
        let ids = check(instance, db, token, viewer, now, &query).await;
        let Some(last) = ids.last() else { break };
        query = format!("limit=40&max_id={last}");
        seen.extend(ids);
    }
    assert!(seen.windows(2).all(|w| w[0] > w[1]), "newest first, no repeats");
    if !both_ways {
        return seen;
    }
    let mut forward = Vec::new();
    let mut query = "limit=40&min_id=0".to_string();
    loop {
        let ids = check(instance, db, token, viewer, now, &query).await;
        let Some(first) = ids.first() else { break };
        query = format!("limit=40&min_id={first}");
        forward.splice(0..0, ids);
    }
    assert_eq!(forward, seen, "walking forward with min_id gives the same timeline");
    // since_id: the newest page above a bound (with a gap), alone and under max_id.
    for at in [seen.len() / 3, seen.len() / 2, seen.len() - 2] {
        check(instance, db, token, viewer, now, &format!("limit=20&since_id={}", seen[at])).await;
        check(instance, db, token, viewer, now, &format!("limit=20&since_id={}&max_id={}", seen[at], seen[at / 2])).await;
        check(instance, db, token, viewer, now, &format!("limit=20&min_id={}&max_id={}", seen[at], seen[at / 2])).await;
    }
    seen
}

#[tokio::test]
async fn a_prolific_viewers_home_timeline_pages_as_the_single_walk_did() {
    for engine in ENGINES {
        let instance = Instance::start(engine).await;
        instance.create_account("viewer", "viewer-password-1");
        instance.create_account("reader", "reader-password-1");
        let viewer_token = instance.token("viewer", "viewer-password-1", "read").await;
        let reader_token = instance.token("reader", "reader-password-1", "read").await;
        let db = instance.database().await;
        let now = aerie::clock::now_millis();
        let (viewer, reader) = seed(&db, now).await;

        let seen = walk(&instance, &db, &viewer_token, viewer, now, true).await;
        // What the layout puts in the viewer's home, counted from the layout itself.
        let expected: Vec<i64> = (0..STATUSES)
            .rev()
            .filter(|&i| {
                let row = layout(i, viewer);
                match row.author {
                    a if a == viewer => true,
                    FRIEND => row.visibility != "direct" || row.mentions_viewer,
                    BOOSTER | MUTED | STRANGER => false,
                    _ => unreachable!(),
                }
            })
            .filter(|&i| layout(i, viewer).reply_to_account != Some(STRANGER))
            .map(|i| status_id(i, now))
            .collect();
        assert_eq!(seen, expected, "{engine:?}: own, followed (followers-only, direct when addressed, known replies, shown reblogs)");
        assert!(seen.len() > 2_000, "{engine:?}: {} statuses", seen.len());

        // An ordinary reader of the same accounts (few statuses of their own).
        let read = walk(&instance, &db, &reader_token, reader, now, false).await;
        assert!(read.len() > 1_500, "{engine:?}: the reader sees the viewer's statuses too");

        if engine == Engine::Sqlite {
            plans_search_an_index(&db, viewer, now).await;
        }
        db.close().await;
    }
}

/// The plan of each statement of the home page and of the "reblogged by the viewer"
/// lookup: `statuses` is reached by an index search every time, never scanned whole.
async fn plans_search_an_index(db: &Database, viewer: i64, now: i64) {
    use aerie_contract::home::{bounds, nearest_rest_sql, rest_sql, window_sql};
    for query in ["limit=20", "limit=40&max_id=9000000000000000", "limit=20&min_id=5", "limit=20&since_id=5&max_id=9000000000000000"] {
        let page = Page::from_query(query);
        let mut params = vec![Value::Int(viewer), Value::Int(now)];
        params.extend(bounds(&page).1.into_iter().map(Value::Int));
        for (name, sql, index) in [
            ("window", window_sql("s.id", &page), "USING INDEX sqlite_autoindex_statuses_1 (id"),
            ("nearest rest", nearest_rest_sql("s.id", &page, 7), "USING COVERING INDEX statuses_account (account_id=? AND id"),
            ("rest", rest_sql("s.id", &page, 7), "USING INDEX statuses_account (account_id=? AND id"),
        ] {
            let plan = plan(db, &sql, params.clone()).await;
            assert!(plan.iter().any(|line| line.starts_with("SEARCH ") && line.contains(index)), "{name} {query}: {plan:#?}");
            assert!(
                !plan.iter().any(|line| line.starts_with("SCAN s") || line.starts_with("SCAN c")),
                "{name} {query} walks statuses: {plan:#?}"
            );
        }
    }
    // The shape load.rs asks for a page's "reblogged" flags.
    let plan = plan(
        db,
        "SELECT reblog_of_id FROM statuses WHERE account_id = $1 AND reblog_of_id IN ($2, $3, $4) AND deleted_at IS NULL",
        vec![Value::Int(viewer), Value::Int(1), Value::Int(2), Value::Int(3)],
    )
    .await;
    assert!(plan.iter().any(|line| line.contains("statuses_reblog_account (reblog_of_id=? AND account_id=?)")), "{plan:#?}");
}

async fn plan(db: &Database, sql: &str, params: Vec<Value>) -> Vec<String> {
    let rows = db.query(&format!("EXPLAIN QUERY PLAN {sql}"), params).await.unwrap();
    (0..rows.len()).map(|r| rows.text(r, "detail").unwrap().to_string()).collect()
}
