//! The one visibility rule (aerie_contract::visibility) and id paging, on both engines.
//!
//! The matrix: 4 visibilities × {author, follower, mentioned, stranger, account the
//! author blocked, account that blocked the author, anonymous, a remote non-follower
//! as an ActivityPub fetch would sign} × the paths that exist so far: a status by id,
//! an account's statuses, the public timeline. Later paths (API, streaming, search,
//! notifications, HTML, AP fetches) add their columns when they land, using the same
//! predicate.

use aerie::config::DatabaseConfig;
use aerie::db::{Database, Value};
use aerie::ids::IdGenerator;
use aerie_contract::paging::Page;
use aerie_contract::visibility::{ViewerFacts, Visibility, visible_sql};

use crate::support::{ENGINES, test_db};

const AUTHOR: i64 = 1;
const FOLLOWER: i64 = 2;
const MENTIONED: i64 = 3;
const STRANGER: i64 = 4;
const BLOCKED: i64 = 5;
const BLOCKER: i64 = 6;
const REMOTE: i64 = 7;
const SUSPENDED_DOMAIN_AUTHOR: i64 = 8;

async fn seed(db: &Database) -> Vec<(Visibility, i64)> {
    for (id, name, domain) in [
        (AUTHOR, "author", None),
        (FOLLOWER, "follower", None),
        (MENTIONED, "mentioned", None),
        (STRANGER, "stranger", None),
        (BLOCKED, "blocked", None),
        (BLOCKER, "blocker", None),
        (REMOTE, "remote", Some("elsewhere.example")),
        (SUSPENDED_DOMAIN_AUTHOR, "shouty", Some("bad.example")),
    ] {
        db.execute(
            "INSERT INTO accounts (id, username, domain, created_at) VALUES ($1, $2, $3, 0)",
            vec![id.into(), name.into(), domain.map(Value::from).unwrap_or(Value::Null)],
        )
        .await
        .unwrap();
    }
    db.execute(
        "INSERT INTO follows (id, account_id, target_account_id, created_at) VALUES (1, $1, $2, 0)",
        vec![FOLLOWER.into(), AUTHOR.into()],
    )
    .await
    .unwrap();
    db.execute(
        "INSERT INTO blocks (id, account_id, target_account_id, created_at) VALUES (1, $1, $2, 0)",
        vec![AUTHOR.into(), BLOCKED.into()],
    )
    .await
    .unwrap();
    db.execute(
        "INSERT INTO blocks (id, account_id, target_account_id, created_at) VALUES (2, $1, $2, 0)",
        vec![BLOCKER.into(), AUTHOR.into()],
    )
    .await
    .unwrap();
    // The blocked account also follows and is mentioned: the block still wins.
    db.execute(
        "INSERT INTO follows (id, account_id, target_account_id, created_at) VALUES (2, $1, $2, 0)",
        vec![BLOCKED.into(), AUTHOR.into()],
    )
    .await
    .unwrap();
    db.execute("INSERT INTO domain_blocks (domain, severity, created_at) VALUES ('bad.example', 'suspend', 0)", vec![]).await.unwrap();

    let ids = IdGenerator::new(3);
    let mut statuses = Vec::new();
    // Mention ids of their own: status ids made in one millisecond are consecutive,
    // so `status id + n` would collide between statuses.
    let mut mention_id = 0_i64;
    for visibility in [Visibility::Public, Visibility::Unlisted, Visibility::Private, Visibility::Direct] {
        let id = ids.next();
        db.execute(
            "INSERT INTO statuses (id, account_id, local, text, visibility, created_at) VALUES ($1, $2, 1, 'hi', $3, 0)",
            vec![id.into(), AUTHOR.into(), visibility.as_str().into()],
        )
        .await
        .unwrap();
        for who in [MENTIONED, BLOCKED] {
            mention_id += 1;
            db.execute(
                "INSERT INTO mentions (id, status_id, account_id, created_at) VALUES ($1, $2, $3, 0)",
                vec![mention_id.into(), id.into(), who.into()],
            )
            .await
            .unwrap();
        }
        statuses.push((visibility, id));
    }
    // Never visible to anyone: a deleted status, and one from a suspended domain.
    let deleted = ids.next();
    db.execute(
        "INSERT INTO statuses (id, account_id, local, visibility, deleted_at, created_at) VALUES ($1, $2, 1, 'public', 1, 0)",
        vec![deleted.into(), AUTHOR.into()],
    )
    .await
    .unwrap();
    let suspended = ids.next();
    db.execute(
        "INSERT INTO statuses (id, account_id, local, visibility, created_at) VALUES ($1, $2, 0, 'public', 0)",
        vec![suspended.into(), SUSPENDED_DOMAIN_AUTHOR.into()],
    )
    .await
    .unwrap();
    statuses
}

fn expected(visibility: Visibility, viewer: Option<i64>) -> bool {
    let facts = match viewer {
        None | Some(STRANGER) | Some(REMOTE) => ViewerFacts::default(),
        Some(AUTHOR) => ViewerFacts { is_author: true, ..Default::default() },
        Some(FOLLOWER) => ViewerFacts { follows_author: true, ..Default::default() },
        Some(MENTIONED) => ViewerFacts { mentioned: true, ..Default::default() },
        Some(BLOCKED) | Some(BLOCKER) => {
            ViewerFacts { follows_author: true, mentioned: true, blocked_either_way: true, ..Default::default() }
        }
        Some(other) => panic!("no expectation for viewer {other}"),
    };
    visibility.allows(&facts)
}

fn viewer_param(viewer: Option<i64>) -> Value {
    viewer.map(Value::Int).unwrap_or(Value::Null)
}

#[tokio::test]
async fn the_visibility_matrix_on_every_existing_path() {
    let viewers = [Some(AUTHOR), Some(FOLLOWER), Some(MENTIONED), Some(STRANGER), Some(BLOCKED), Some(BLOCKER), None, Some(REMOTE)];
    for engine in ENGINES {
        let t = test_db(engine, &DatabaseConfig::default()).await;
        let statuses = seed(&t.db).await;
        let rule = visible_sql("s", 1);
        let mut cells = 0;
        for viewer in viewers {
            // Path: one status by id.
            for (visibility, id) in &statuses {
                let rows = t
                    .db
                    .query(&format!("SELECT s.id FROM statuses s WHERE s.id = $2 AND {rule}"), vec![viewer_param(viewer), (*id).into()])
                    .await
                    .unwrap();
                assert_eq!(!rows.rows.is_empty(), expected(*visibility, viewer), "{engine:?}: GET {visibility:?} status as {viewer:?}");
                cells += 1;
            }
            // Path: the author's statuses.
            let rows =
                t.db.query(
                    &format!("SELECT s.id FROM statuses s WHERE s.account_id = $2 AND {rule} ORDER BY s.id DESC"),
                    vec![viewer_param(viewer), AUTHOR.into()],
                )
                .await
                .unwrap();
            let seen: Vec<i64> = rows.rows.iter().filter_map(|r| r[0].as_i64()).collect();
            for (visibility, id) in &statuses {
                assert_eq!(seen.contains(id), expected(*visibility, viewer), "{engine:?}: account statuses, {visibility:?} as {viewer:?}");
                cells += 1;
            }
            // Path: the public timeline (public statuses only, then the rule).
            let rows =
                t.db.query(
                    &format!("SELECT s.id FROM statuses s WHERE s.visibility = 'public' AND {rule} ORDER BY s.id DESC"),
                    vec![viewer_param(viewer)],
                )
                .await
                .unwrap();
            let seen: Vec<i64> = rows.rows.iter().filter_map(|r| r[0].as_i64()).collect();
            for (visibility, id) in &statuses {
                let wanted = *visibility == Visibility::Public && expected(*visibility, viewer);
                assert_eq!(seen.contains(id), wanted, "{engine:?}: public timeline, {visibility:?} as {viewer:?}");
                cells += 1;
            }
            assert_eq!(
                seen.len(),
                usize::from(expected(Visibility::Public, viewer)),
                "{engine:?}: nothing deleted or suspended leaks ({viewer:?})"
            );
        }
        assert_eq!(cells, 4 * viewers.len() * 3);
        t.db.close().await;
    }
}

#[tokio::test]
async fn paging_follows_mastodon_semantics() {
    for engine in ENGINES {
        let t = test_db(engine, &DatabaseConfig::default()).await;
        t.db.execute("INSERT INTO accounts (id, username, created_at) VALUES (1, 'a', 0)", vec![]).await.unwrap();
        let ids = IdGenerator::new(9);
        let mut all = Vec::new();
        for _ in 0..50 {
            let id = ids.next();
            t.db.execute("INSERT INTO statuses (id, account_id, created_at) VALUES ($1, 1, 0)", vec![id.into()]).await.unwrap();
            all.push(id);
        }
        all.sort_unstable_by(|a, b| b.cmp(a)); // newest first
        let page = |query: &str| {
            let db = t.db.clone();
            let page = Page::from_query(query);
            async move {
                let (condition, order, params) = page.sql("id", 1);
                let rows = db
                    .query(&format!("SELECT id FROM statuses WHERE {condition} {order}"), params.into_iter().map(Value::Int).collect())
                    .await
                    .unwrap();
                page.finish(rows.rows.iter().filter_map(|r| r[0].as_i64()).collect::<Vec<_>>())
            }
        };
        assert_eq!(page("").await, all[..20].to_vec(), "{engine:?}: default limit, newest first");
        assert_eq!(page("limit=100").await.len(), 40, "{engine:?}: limit capped at 40");
        assert_eq!(page("limit=0").await.len(), 1);
        assert_eq!(page(&format!("max_id={}&limit=5", all[9])).await, all[10..15].to_vec(), "{engine:?}: older than max_id");
        assert_eq!(page(&format!("since_id={}&limit=5", all[30])).await, all[..5].to_vec(), "{engine:?}: since_id gives the newest page");
        assert_eq!(
            page(&format!("min_id={}&limit=5", all[30])).await,
            all[25..30].to_vec(),
            "{engine:?}: min_id gives the page right after it"
        );
        assert_eq!(page(&format!("max_id={}&min_id={}", all[10], all[13])).await, all[11..13].to_vec(), "{engine:?}: both bounds");
        assert!(page(&format!("max_id={}", all[49])).await.is_empty(), "{engine:?}: past the oldest is an empty page");
        assert!(page(&format!("min_id={}", all[0])).await.is_empty(), "{engine:?}: past the newest is an empty page");
        assert_eq!(page("max_id=not-a-number&limit=2").await, all[..2].to_vec(), "{engine:?}: bad ids are ignored");
        t.db.close().await;
    }
}

#[tokio::test]
async fn nodes_lease_distinct_id_tags_and_take_over_stale_ones() {
    use aerie::ids::{NODE_TAGS, claim_node_tag, renew_node_tag};
    for engine in ENGINES {
        let t = test_db(engine, &DatabaseConfig::default()).await;
        let a = claim_node_tag(&t.db, "host-a:1").await.unwrap();
        let b = claim_node_tag(&t.db, "host-b:1").await.unwrap();
        assert_ne!(a, b, "{engine:?}: two live nodes never share a tag");
        assert!(renew_node_tag(&t.db, "host-a:1", a).await.unwrap());
        // Fill every tag, then the next claim fails with the reason.
        for n in 2..NODE_TAGS {
            claim_node_tag(&t.db, &format!("host-{n}:1")).await.unwrap();
        }
        let error = claim_node_tag(&t.db, "one-too-many:1").await.unwrap_err().to_string();
        assert!(error.contains("all 64"), "{engine:?}: {error}");
        // A node that stopped heartbeating loses its tag to the next claimant.
        t.db.execute("UPDATE id_nodes SET heartbeat_at = 0 WHERE tag = $1", vec![(a as i64).into()]).await.unwrap();
        assert_eq!(claim_node_tag(&t.db, "host-c:1").await.unwrap(), a, "{engine:?}");
        assert!(!renew_node_tag(&t.db, "host-a:1", a).await.unwrap(), "{engine:?}: the old holder learns it lost the tag");
        // Ids from different tags never collide, even in the same millisecond.
        let (x, y) = (IdGenerator::new(a), IdGenerator::new(b));
        let xs: std::collections::HashSet<i64> = (0..2000).map(|_| x.next()).collect();
        assert!((0..2000).map(|_| y.next()).all(|id| !xs.contains(&id)));
        t.db.close().await;
    }
}
