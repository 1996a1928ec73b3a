//! `aerie admin announcement …`: the announcements every local user sees in their
//! client (`GET /api/v1/announcements`, served by the API component from the
//! `announcements` table): publish one, list them, remove one. Works while the
//! server runs; clients see a change on their next fetch.

use std::sync::Arc;

use clap::Subcommand;

use crate::clock::now_millis;
use crate::db::Value;
use crate::ids::{self, IdGenerator};
use crate::operator_error::OperatorError;
use crate::startup::{self, GlobalArgs};

#[derive(Debug, Subcommand)]
pub enum AnnouncementCommand {
    /// Publish an announcement now (plain text: paragraphs, links, #hashtags and
    /// @mentions of local accounts are rendered).
    Add {
        text: String,
        /// When the event announced starts: RFC 3339 (2026-12-24T18:00:00Z) or a date (2026-12-24).
        #[arg(long)]
        starts_at: Option<String>,
        /// When it ends; past this time the announcement is no longer shown.
        #[arg(long)]
        ends_at: Option<String>,
        /// The event lasts whole days (clients show dates without times).
        #[arg(long)]
        all_day: bool,
    },
    /// List announcements, newest first, with how many users read each.
    List,
    /// Remove an announcement (with its reads and reactions).
    Remove { id: i64 },
}

/// A time the operator typed: RFC 3339, or a date meaning its midnight UTC.
fn parse_time(flag: &str, text: &str) -> Result<i64, OperatorError> {
    if let Ok(at) = chrono::DateTime::parse_from_rfc3339(text.trim()) {
        return Ok(at.timestamp_millis());
    }
    if let Ok(day) = chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
        return Ok(day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc().timestamp_millis());
    }
    Err(OperatorError::new(
        format!("{flag} {text:?} is not a time"),
        format!("give {flag} as RFC 3339 (2026-12-24T18:00:00Z) or as a date (2026-12-24)"),
    ))
}

fn format_time(millis: Option<i64>) -> String {
    millis.and_then(chrono::DateTime::from_timestamp_millis).map(|t| t.format("%Y-%m-%d %H:%M").to_string()).unwrap_or_else(|| "-".into())
}

pub async fn run(global: &GlobalArgs, command: &AnnouncementCommand) -> anyhow::Result<()> {
    let instance = startup::open_instance(global, true).await?;
    let db = &instance.database;
    let result = async {
        match command {
            AnnouncementCommand::Add { text, starts_at, ends_at, all_day } => {
                if text.trim().is_empty() {
                    return Err(OperatorError::new("the announcement text is empty", "give the text to announce").into());
                }
                let starts = starts_at.as_deref().map(|t| parse_time("--starts-at", t)).transpose()?;
                let ends = ends_at.as_deref().map(|t| parse_time("--ends-at", t)).transpose()?;
                if let (Some(starts), Some(ends)) = (starts, ends)
                    && ends < starts
                {
                    return Err(OperatorError::new("--ends-at is before --starts-at", "give an end after the start").into());
                }
                let node = format!("cli-{}", startup::node_name());
                let tag = ids::claim_node_tag(db, &node).await?;
                let id = Arc::new(IdGenerator::new(tag)).next();
                let _ = ids::release_node_tag(db, &node, tag).await;
                let now = now_millis();
                db.execute(
                    "INSERT INTO announcements (id, text, starts_at, ends_at, all_day, published_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $6)",
                    vec![id.into(), text.trim().to_string().into(), starts.into(), ends.into(), i64::from(*all_day).into(), now.into()],
                )
                .await?;
                println!("aerie: published announcement {id}");
            }
            AnnouncementCommand::List => {
                let rows = db
                    .query(
                        "SELECT a.id, a.text, a.starts_at, a.ends_at, a.published_at, \
                           (SELECT COUNT(*) FROM announcement_reads r WHERE r.announcement_id = a.id) AS reads \
                         FROM announcements a ORDER BY a.id DESC",
                        Vec::<Value>::new(),
                    )
                    .await?;
                println!("{:<20} {:<17} {:<17} {:<17} {:<6} TEXT", "ID", "PUBLISHED (UTC)", "STARTS", "ENDS", "READS");
                for i in 0..rows.len() {
                    let text: String = rows.text(i, "text").unwrap_or_default().replace('\n', " ").chars().take(80).collect();
                    println!(
                        "{:<20} {:<17} {:<17} {:<17} {:<6} {text}",
                        rows.i64(i, "id").unwrap_or_default(),
                        format_time(rows.i64(i, "published_at")),
                        format_time(rows.i64(i, "starts_at")),
                        format_time(rows.i64(i, "ends_at")),
                        rows.i64(i, "reads").unwrap_or_default(),
                    );
                }
                println!("{} announcement(s)", rows.len());
            }
            AnnouncementCommand::Remove { id } => {
                let tx = db.begin().await?;
                tx.execute("DELETE FROM announcement_reactions WHERE announcement_id = $1", vec![(*id).into()]).await?;
                tx.execute("DELETE FROM announcement_reads WHERE announcement_id = $1", vec![(*id).into()]).await?;
                let removed = tx.execute("DELETE FROM announcements WHERE id = $1", vec![(*id).into()]).await?;
                if removed == 0 {
                    return Err(OperatorError::new(
                        format!("there is no announcement {id}"),
                        "see the ids with `aerie admin announcement list`",
                    )
                    .into());
                }
                tx.commit().await?;
                println!("aerie: removed announcement {id}");
            }
        }
        anyhow::Ok(())
    }
    .await;
    db.close().await;
    result
}
