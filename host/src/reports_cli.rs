//! `aerie admin reports …`: the moderation reports, for the operator to read: those
//! other servers sent (Flag activities about local accounts, stored by the `inbox`
//! component; the reporter is `user@domain`, often a server's instance actor) and
//! those local users filed (`POST /api/v1/reports`). Works while the server runs.

use clap::Subcommand;

use crate::db::Value;
use crate::startup::{self, GlobalArgs};

#[derive(Debug, Subcommand)]
pub enum ReportsCommand {
    /// List reports, newest first.
    List {
        /// Only reports nobody has acted on yet.
        #[arg(long)]
        unresolved: bool,
    },
}

pub async fn run(global: &GlobalArgs, command: &ReportsCommand) -> anyhow::Result<()> {
    let instance = startup::open_instance(global, true).await?;
    let db = &instance.database;
    let result = async {
        match command {
            ReportsCommand::List { unresolved } => {
                let filter = if *unresolved { "WHERE r.action_taken_at IS NULL" } else { "" };
                let rows = db
                    .query(
                        &format!(
                            "SELECT r.id, r.created_at, r.status_ids, r.comment, r.action_taken_at, \
                               a.username AS reporter, a.domain AS reporter_domain, t.username AS target, t.domain AS target_domain \
                             FROM reports r JOIN accounts a ON a.id = r.account_id JOIN accounts t ON t.id = r.target_account_id \
                             {filter} ORDER BY r.id DESC"
                        ),
                        Vec::<Value>::new(),
                    )
                    .await?;
                println!(
                    "{:<20} {:<20} {:<32} {:<32} {:<8} {:<9} COMMENT",
                    "ID", "CREATED (UTC)", "REPORTER", "TARGET", "STATUSES", "STATE"
                );
                for i in 0..rows.len() {
                    let created = rows.i64(i, "created_at").and_then(chrono::DateTime::from_timestamp_millis);
                    let acct = |name: &str, domain: &str| match rows.text(i, domain) {
                        Some(domain) => format!("{}@{domain}", rows.text(i, name).unwrap_or_default()),
                        None => rows.text(i, name).unwrap_or_default().to_string(),
                    };
                    let (reporter, target) = (acct("reporter", "reporter_domain"), acct("target", "target_domain"));
                    let statuses = rows
                        .text(i, "status_ids")
                        .and_then(|json| serde_json::from_str::<Vec<serde_json::Value>>(json).ok())
                        .map_or(0, |ids| ids.len());
                    let comment: String = rows.text(i, "comment").unwrap_or_default().replace('\n', " ").chars().take(80).collect();
                    println!(
                        "{:<20} {:<20} {:<32} {:<32} {:<8} {:<9} {comment}",
                        rows.i64(i, "id").unwrap_or_default(),
                        created.map(|t| t.format("%Y-%m-%d %H:%M").to_string()).unwrap_or_default(),
                        reporter,
                        target,
                        statuses,
                        if rows.i64(i, "action_taken_at").is_some() { "resolved" } else { "open" },
                    );
                }
                println!("{} report(s)", rows.len());
            }
        }
        anyhow::Ok(())
    }
    .await;
    db.close().await;
    result
}
