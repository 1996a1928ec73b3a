//! The home timeline's statements on their own, for `benches/home_query` (see
//! benches/README.md, "Home timeline of a prolific viewer"): a SQLite database shaped
//! like `benches/timeline`'s (500 accounts, 100,000 public statuses round-robin) plus
//! a prolific viewer with 40,000 statuses of their own among them, and the cost of one
//! page's statements for four viewers, before and after this change:
//!
//! - `prolific`: follows the 500, wrote 40,000 of the statuses (2 in 7, interleaved);
//! - `reader`: follows the 500 and the prolific viewer, wrote nothing;
//! - `newcomer`: follows nobody, wrote 5 statuses before everything else;
//! - `few`: follows 10 of the 500 (1.4 % of the statuses are theirs).
//!
//! "before" is one walk of `statuses` with the whole predicate (as the home timeline
//! read until `aerie_contract::home`), and the "reblogged by the viewer" lookup with the
//! index the schema had before migration 0011; "after" is `home::window_sql`, then
//! `home::nearest_rest_sql` and `home::rest_sql` as the home route runs them, and the
//! lookup with migration 0011's index.
//!
//! Run: `cargo run --release --example home_query -- seed DB` once, then
//! `home_query time DB [RUNS]` (median wall time of RUNS runs per statement) or
//! `home_query once DB CASE` under `valgrind --tool=callgrind --toggle-collect='*measured*'`
//! for a repeatable instruction count of one case (`VIEWER/before` or `VIEWER/after`).

use std::time::Instant;

use aerie::config::DatabaseConfig;
use aerie::db::{Database, Value};
use aerie_contract::home::{bounds, nearest_rest_sql, rest_sql, window_sql};
use aerie_contract::paging::Page;
use aerie_contract::visibility::visible_sql;

/// The columns `load.rs` reads for a page (`aerie_core::rows::STATUS_COLUMNS`).
const COLUMNS: &str = "s.id, s.account_id, s.local, s.text, s.content_html, s.uri, s.url, s.visibility, s.in_reply_to_id, \
    s.in_reply_to_account_id, s.reblog_of_id, s.conversation_id, s.language, s.sensitive, s.spoiler_text, s.application_id, \
    s.poll_id, s.replies_count, s.reblogs_count, s.favourites_count, s.edited_at, s.deleted_at, s.created_at, s.updated_at";

/// The home timeline as one predicate for one walk of `statuses` (before).
const SINGLE_WALK: &str = "(s.account_id = $1 OR EXISTS (SELECT 1 FROM follows hf WHERE hf.account_id = $1 AND hf.target_account_id = s.account_id \
        AND (s.reblog_of_id IS NULL OR hf.show_reblogs = 1))) \
     AND (s.in_reply_to_account_id IS NULL OR s.in_reply_to_account_id = s.account_id OR s.in_reply_to_account_id = $1 \
        OR EXISTS (SELECT 1 FROM follows rf WHERE rf.account_id = $1 AND rf.target_account_id = s.in_reply_to_account_id)) \
     AND NOT EXISTS (SELECT 1 FROM mutes mu WHERE mu.account_id = $1 AND mu.target_account_id = s.account_id \
        AND (mu.expires_at IS NULL OR mu.expires_at > $2))";

const VIEWERS: [(&str, i64); 4] = [("prolific", 1), ("reader", 2), ("newcomer", 503), ("few", 504)];

const SEED: &[&str] = &[
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 504) \
     INSERT INTO accounts (id, username, created_at, uri) SELECT i, 'bench_' || i, 0, 'http://bench.test/users/' || i FROM n",
    "WITH RECURSIVE n(i) AS (SELECT 3 UNION ALL SELECT i + 1 FROM n WHERE i < 502) \
     INSERT INTO follows (id, account_id, target_account_id, created_at) \
     SELECT i * 10 + 1, 1, i, 0 FROM n UNION ALL SELECT i * 10 + 2, 2, i, 0 FROM n UNION ALL SELECT i * 10 + 3, 504, i, 0 FROM n WHERE i < 13",
    "INSERT INTO follows (id, account_id, target_account_id, created_at) VALUES (9, 2, 1, 0)",
    "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 139999) \
     INSERT INTO statuses (id, account_id, text, content_html, uri, visibility, created_at) \
     SELECT 1000000 + i, CASE WHEN i % 7 IN (2, 5) THEN 1 ELSE 3 + i % 500 END, 'status ' || i, '<p>status ' || i || '</p>', \
     'http://bench.test/statuses/' || i, 'public', i FROM n",
    "INSERT INTO statuses (id, account_id, text, uri, created_at) VALUES (10, 503, 'a', 'u10', 0), (11, 503, 'b', 'u11', 0), \
     (12, 503, 'c', 'u12', 0), (13, 503, 'd', 'u13', 0), (14, 503, 'e', 'u14', 0)",
];

/// Ids of the newest statuses, to ask "which of these did the viewer reblog?" about.
const PAGE_IDS: std::ops::Range<i64> = 1_139_980..1_140_000;

fn reblogged_sql() -> String {
    let list: Vec<String> = (0..PAGE_IDS.count()).map(|n| format!("${}", n + 2)).collect();
    format!("SELECT reblog_of_id FROM statuses WHERE account_id = $1 AND reblog_of_id IN ({}) AND deleted_at IS NULL", list.join(", "))
}

fn query(db: &Database, sql: &str, params: &[Value]) -> usize {
    futures::executor::block_on(db.query(sql, params.to_vec())).expect("statement").len()
}

/// [`run_case`], under its own name for callgrind's `--toggle-collect`.
#[inline(never)]
fn measured(db: &Database, viewer: i64, after: bool) -> usize {
    run_case(db, viewer, after)
}

/// One page of `viewer`'s home and the reblogged lookup, the `before` or `after` way;
/// returns the rows of the page statement(s).
fn run_case(db: &Database, viewer: i64, after: bool) -> usize {
    let page = Page::from_query("limit=20");
    let mut params = vec![Value::Int(viewer), Value::Int(0)];
    params.extend(bounds(&page).1.into_iter().map(Value::Int));
    let rows = if after {
        let found = query(db, &window_sql(COLUMNS, &page), &params);
        let missing = page.limit() as usize - found.min(page.limit() as usize);
        if missing == 0 {
            found
        } else {
            match query(db, &nearest_rest_sql(COLUMNS, &page, missing as u32), &params) {
                nearest if nearest == missing => found + nearest,
                _ => found + query(db, &rest_sql(COLUMNS, &page, missing as u32), &params),
            }
        }
    } else {
        let (condition, order, _) = page.sql("s.id", 3);
        let sql = format!(
            "SELECT s.id AS page_id, {COLUMNS} FROM statuses s WHERE {} AND ({SINGLE_WALK}) AND {condition} {order}",
            visible_sql("s", 1)
        );
        query(db, &sql, &params)
    };
    let mut lookup = vec![Value::Int(viewer)];
    lookup.extend(PAGE_IDS.map(Value::Int));
    query(db, &reblogged_sql(), &lookup);
    rows
}

/// The index migration 0011 replaced, or migration 0011's (SQLite plans per statement,
/// so a switch between runs takes effect at the next prepare).
async fn use_index(db: &Database, after: bool) {
    let (drop, create) = if after {
        (
            "DROP INDEX IF EXISTS statuses_reblog",
            "CREATE INDEX IF NOT EXISTS statuses_reblog_account ON statuses (reblog_of_id, account_id)",
        )
    } else {
        ("DROP INDEX IF EXISTS statuses_reblog_account", "CREATE INDEX IF NOT EXISTS statuses_reblog ON statuses (reblog_of_id)")
    };
    for sql in [drop, create] {
        db.execute(sql, vec![]).await.expect("index");
    }
}

fn case(name: &str) -> anyhow::Result<(i64, bool)> {
    let (viewer, when) = name.split_once('/').ok_or_else(|| anyhow::anyhow!("CASE is VIEWER/before or VIEWER/after"))?;
    let id = VIEWERS.iter().find(|(n, _)| *n == viewer).map(|(_, id)| *id).ok_or_else(|| anyhow::anyhow!("no viewer {viewer}"))?;
    Ok((id, when == "after"))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [mode, path, rest @ ..] = args.as_slice() else {
        anyhow::bail!("usage: home_query seed DB | time DB [RUNS] | once DB VIEWER/(before|after)");
    };
    let db = Database::open(&format!("sqlite://{path}"), &DatabaseConfig::default(), mode == "seed").await?;
    match mode.as_str() {
        "seed" => {
            for sql in SEED {
                db.execute(sql, vec![]).await?;
            }
            println!("seeded {path}");
        }
        "once" => {
            let (viewer, after) = case(rest.first().map(String::as_str).unwrap_or(""))?;
            use_index(&db, after).await;
            // Prepared once outside the measured call, as the server's statement cache has them.
            run_case(&db, viewer, after);
            println!("{} rows", measured(&db, viewer, after));
        }
        "time" => {
            let runs: usize = rest.first().map_or(Ok(50), |n| n.parse())?;
            println!("{:<10} {:>14} {:>14}", "viewer", "before µs", "after µs");
            let mut medians = std::collections::HashMap::new();
            for after in [false, true] {
                use_index(&db, after).await;
                for (name, viewer) in VIEWERS {
                    run_case(&db, viewer, after);
                    let mut times: Vec<f64> = (0..runs)
                        .map(|_| {
                            let started = Instant::now();
                            run_case(&db, viewer, after);
                            started.elapsed().as_secs_f64() * 1e6
                        })
                        .collect();
                    times.sort_by(f64::total_cmp);
                    medians.insert((name, after), times[runs / 2]);
                }
            }
            for (name, _) in VIEWERS {
                println!("{name:<10} {:>14.0} {:>14.0}", medians[&(name, false)], medians[&(name, true)]);
            }
        }
        _ => anyhow::bail!("unknown mode {mode}"),
    }
    db.close().await;
    Ok(())
}
