//! Seeds a home timeline for `benches/timeline`: ACCOUNTS local accounts followed by
//! the reader, and STATUSES public statuses spread over them, with time-ordered ids in
//! the past. Works on a stopped or running instance (SQLite in WAL mode, or PostgreSQL).
//!
//! Run: `cargo run --release --example timeline_seed -- DATABASE_URL READER [ACCOUNTS] [STATUSES]`
//! (READER is the reader's username or account id; defaults 500 and 100000).

use std::time::Instant;

use aerie::clock::now_millis;
use aerie::config::DatabaseConfig;
use aerie::db::{Database, Engine, Transaction, Value};

/// Rows per INSERT statement and statuses per transaction.
const ROWS: usize = 500;
const PER_TX: usize = 20_000;
/// The seeded statuses are one second apart, the newest a minute ago.
const STEP_MS: i64 = 1_000;

/// An id like `aerie::ids` makes, at `millis` (node bits left 0).
fn id_at(millis: i64, seq: i64) -> i64 {
    (millis << 16) | seq
}

/// One multi-row INSERT: `row` is one row's values with placeholders `$1..$width`,
/// renumbered for each of the `params.len() / width` rows.
async fn insert(tx: &Transaction, head: &str, row: &str, width: usize, params: Vec<Value>) -> anyhow::Result<()> {
    let rows: Vec<String> = (0..params.len() / width)
        .map(|r| {
            let mut out = String::new();
            let mut rest = row;
            while let Some(at) = rest.find('$') {
                out.push_str(&rest[..at]);
                let digits = rest[at + 1..].chars().take_while(char::is_ascii_digit).count();
                let n: usize = rest[at + 1..at + 1 + digits].parse().unwrap_or(0);
                out.push_str(&format!("${}", r * width + n));
                rest = &rest[at + 1 + digits..];
            }
            out.push_str(rest);
            out
        })
        .collect();
    tx.execute(&format!("{head} VALUES {}", rows.join(", ")), params).await?;
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, reader, rest @ ..] = args.as_slice() else {
        anyhow::bail!("usage: timeline_seed DATABASE_URL READER [ACCOUNTS] [STATUSES]");
    };
    let accounts: usize = rest.first().map_or(Ok(500), |n| n.parse())?;
    let statuses: usize = rest.get(1).map_or(Ok(100_000), |n| n.parse())?;
    anyhow::ensure!(accounts > 0, "ACCOUNTS must be at least 1");
    let config = DatabaseConfig { max_connections: 2, transaction_timeout_ms: 600_000, busy_timeout_ms: 30_000, ..Default::default() };
    let db = Database::open(url, &config, false).await?;

    let found = db
        .query(
            "SELECT id, uri FROM accounts WHERE domain IS NULL AND (lower(username) = lower($1) OR CAST(id AS TEXT) = $1)",
            vec![Value::Text(reader.clone())],
        )
        .await?;
    let reader_id = found.i64(0, "id").ok_or_else(|| anyhow::anyhow!("no local account {reader:?}"))?;
    // The reader's URI is `{base}/users/{name}`: the seeded accounts share its base.
    let base = found.text(0, "uri").and_then(|u| u.rsplit_once("/users/")).map(|(b, _)| b.to_string()).unwrap_or_default();

    let started = Instant::now();
    let first_ms = now_millis() - 60_000 - statuses as i64 * STEP_MS;
    let joined_ms = first_ms - 86_400_000;
    let status_ms = |i: usize| first_ms + i as i64 * STEP_MS;
    // Statuses go round-robin: status i belongs to account i % accounts.
    let account_id = |a: usize| id_at(joined_ms, a as i64);

    // The accounts, with their final counts, and the reader's follows.
    let tx = db.begin().await?;
    for chunk in (0..accounts).collect::<Vec<_>>().chunks(ROWS) {
        let mut accounts_params = Vec::new();
        let mut follows_params = Vec::new();
        for &a in chunk {
            let name = format!("bench_{a:04}");
            let uri = format!("{base}/users/{name}");
            let count = statuses / accounts + usize::from(a < statuses % accounts);
            let last = if count > 0 { Value::Int(status_ms(a + (count - 1) * accounts)) } else { Value::Null };
            accounts_params.extend([
                Value::Int(account_id(a)),
                Value::Text(name.clone()),
                Value::Text(format!("Bench {a}")),
                Value::Int(joined_ms),
                Value::Text(format!("{base}/@{name}")),
                Value::Text(format!("{uri}/inbox")),
                Value::Text(format!("{base}/inbox")),
                Value::Text(format!("{uri}/outbox")),
                Value::Text(format!("{uri}/followers")),
                Value::Text(format!("{uri}/collections/featured")),
                Value::Int(count as i64),
                last,
                Value::Text(uri),
            ]);
            follows_params.extend([Value::Int(id_at(joined_ms + 1, a as i64)), Value::Int(account_id(a)), Value::Int(joined_ms + 1)]);
        }
        insert(
            &tx,
            "INSERT INTO accounts (id, username, domain, display_name, created_at, updated_at, url, inbox_url, shared_inbox_url, \
             outbox_url, followers_url, featured_url, statuses_count, last_status_at, uri, followers_count)",
            "($1, $2, NULL, $3, $4, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 1)",
            13,
            accounts_params,
        )
        .await?;
        let mut with_reader = Vec::new();
        for f in follows_params.chunks(3) {
            with_reader.extend([f[0].clone(), Value::Int(reader_id), f[1].clone(), f[2].clone()]);
        }
        insert(&tx, "INSERT INTO follows (id, account_id, target_account_id, created_at)", "($1, $2, $3, $4)", 4, with_reader).await?;
    }
    tx.execute(
        "UPDATE accounts SET following_count = following_count + $2 WHERE id = $1",
        vec![Value::Int(reader_id), Value::Int(accounts as i64)],
    )
    .await?;
    tx.commit().await?;
    let accounts_s = started.elapsed().as_secs_f64();

    // The statuses, oldest first, PER_TX to a transaction.
    for tx_start in (0..statuses).step_by(PER_TX) {
        let tx = db.begin().await?;
        let tx_end = (tx_start + PER_TX).min(statuses);
        for chunk_start in (tx_start..tx_end).step_by(ROWS) {
            let mut params = Vec::new();
            for i in chunk_start..(chunk_start + ROWS).min(tx_end) {
                let a = i % accounts;
                let id = id_at(status_ms(i), 0);
                let name = format!("bench_{a:04}");
                params.extend([
                    Value::Int(id),
                    Value::Int(account_id(a)),
                    Value::Text(format!("status {i}")),
                    Value::Text(format!("<p>status {i}</p>")),
                    Value::Text(format!("{base}/users/{name}/statuses/{id}")),
                    Value::Text(format!("{base}/@{name}/{id}")),
                    Value::Int(status_ms(i)),
                ]);
            }
            insert(
                &tx,
                "INSERT INTO statuses (id, account_id, local, text, content_html, uri, url, visibility, created_at, updated_at)",
                "($1, $2, 1, $3, $4, $5, $6, 'public', $7, $7)",
                7,
                params,
            )
            .await?;
        }
        tx.commit().await?;
    }
    let total_s = started.elapsed().as_secs_f64();
    // Fresh statistics, as autovacuum would gather within a minute or so: without them
    // PostgreSQL joins every followed status before sorting (~350 ms a page).
    if db.engine() == Engine::Postgres {
        db.execute("ANALYZE", vec![]).await?;
    }
    println!(
        "seeded {accounts} accounts followed by {reader} (id {reader_id}) in {accounts_s:.2} s, {statuses} statuses in {:.2} s ({:.0} rows/s)",
        total_s - accounts_s,
        statuses as f64 / (total_s - accounts_s)
    );
    db.close().await;
    Ok(())
}
