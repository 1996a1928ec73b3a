//! Scheduled statuses: a local author's status to post later. [`schedule`] keeps what
//! the author asked for (and reserves the uploads) and queues one durable
//! `scheduled-status` job due at `scheduled_at`; [`reschedule`] moves it (a new job
//! for the new time; the old one finds the row moved and does nothing); [`cancel`]
//! deletes it. The job ([`run`], in the `inbox` component) composes the status as
//! the client API does ([`crate::compose`]) and posts it through
//! [`statuses::post`], which deletes the scheduled row in its own transaction: a
//! retried job, or two jobs for one row, post it once. Then it federates the post.
//!
//! The rules are Mastodon's: at least five minutes ahead, at most 300 scheduled per
//! account and 25 on one (UTC) day.

use serde::{Deserialize, Serialize};

use aerie_sdk::db::{self, Autocommit, Error};
use aerie_sdk::queue::{self, JobOptions};
use aerie_sdk::{log, settings};

use crate::actions::Origin;
use crate::actions::polls::NewPoll;
use crate::actions::statuses::{self, Posted, Refused};
use crate::compose::{self, LocalPost};
use crate::outbound;
use crate::rows::StatusRow;
use crate::store::scheduled_statuses::{self, ScheduledRow};
use crate::store::{accounts, media, statuses as status_store};

/// The job kind (listed by the `inbox` component's manifest entry).
pub const KIND: &str = crate::contract::jobs::SCHEDULED_STATUS;
/// How far ahead a status must be scheduled (Mastodon's `MIN_SCHEDULE_OFFSET`).
pub const MIN_OFFSET_MS: i64 = 5 * 60 * 1000;
/// Most statuses one account may have scheduled.
pub const TOTAL_LIMIT: i64 = 300;
/// Most statuses one account may have scheduled on one UTC day.
pub const DAILY_LIMIT: i64 = 25;
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// The poll of a scheduled status, as its `params` show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduledPoll {
    pub options: Vec<String>,
    pub expires_in: i64,
    pub multiple: bool,
    pub hide_totals: bool,
}

/// What the author asked for, stored as JSON and shown as the entity's `params`
/// (Mastodon's names; ids as strings).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScheduledParams {
    pub text: String,
    pub poll: Option<ScheduledPoll>,
    pub media_ids: Option<Vec<String>>,
    pub sensitive: Option<bool>,
    pub spoiler_text: Option<String>,
    pub visibility: String,
    pub in_reply_to_id: Option<String>,
    pub language: Option<String>,
    pub application_id: Option<i64>,
    /// Always null: the time is the entity's own `scheduled_at`.
    pub scheduled_at: Option<String>,
    pub idempotency: Option<String>,
    pub with_rate_limit: bool,
}

impl ScheduledParams {
    /// The params of `post` (idempotency key `idempotency`).
    pub fn of(post: &LocalPost, idempotency: Option<String>) -> ScheduledParams {
        ScheduledParams {
            text: post.text.clone(),
            poll: post.poll.as_ref().map(|p| ScheduledPoll {
                options: p.options.clone(),
                expires_in: p.expires_in_secs,
                multiple: p.multiple,
                hide_totals: p.hide_totals,
            }),
            media_ids: (!post.media_ids.is_empty()).then(|| post.media_ids.iter().map(i64::to_string).collect()),
            sensitive: post.sensitive,
            spoiler_text: Some(post.spoiler_text.clone()).filter(|s| !s.is_empty()),
            visibility: post.visibility.clone(),
            in_reply_to_id: post.in_reply_to.as_ref().map(|p| p.id.to_string()),
            language: post.language.clone(),
            application_id: post.application_id,
            scheduled_at: None,
            idempotency,
            with_rate_limit: false,
        }
    }

    /// Reads the stored JSON.
    pub fn parse(json: &str) -> Result<ScheduledParams, String> {
        serde_json::from_str(json).map_err(|e| format!("unreadable params: {e}"))
    }

    fn media_ids(&self) -> Vec<i64> {
        self.media_ids.iter().flatten().filter_map(|id| id.parse().ok()).collect()
    }

    /// The post, with its parent (`None` when it was deleted meanwhile).
    fn to_post(&self, in_reply_to: Option<StatusRow>) -> LocalPost {
        LocalPost {
            text: self.text.clone(),
            spoiler_text: self.spoiler_text.clone().unwrap_or_default(),
            sensitive: self.sensitive,
            language: self.language.clone(),
            media_ids: self.media_ids(),
            poll: self.poll.as_ref().map(|p| NewPoll {
                options: p.options.clone(),
                expires_in_secs: p.expires_in,
                multiple: p.multiple,
                hide_totals: p.hide_totals,
            }),
            visibility: self.visibility.clone(),
            in_reply_to,
            application_id: self.application_id,
        }
    }
}

/// Why a status could not be scheduled (or moved).
#[derive(Debug)]
pub enum ScheduleRefused {
    /// Less than [`MIN_OFFSET_MS`] ahead.
    TooSoon,
    /// [`TOTAL_LIMIT`] reached.
    OverTotalLimit,
    /// [`DAILY_LIMIT`] reached for that day.
    OverDailyLimit,
    /// Uploads that are not the author's, or are attached or reserved already.
    MediaNotFound(Vec<i64>),
    /// No such scheduled status of the author's.
    NotFound,
    Db(Error),
}

impl From<Error> for ScheduleRefused {
    fn from(e: Error) -> Self {
        ScheduleRefused::Db(e)
    }
}

impl ScheduleRefused {
    /// The validation message Mastodon gives (attribute and text), for a 422.
    pub fn message(&self) -> Option<String> {
        match self {
            ScheduleRefused::TooSoon => Some("Scheduled at The scheduled date must be in the future".into()),
            ScheduleRefused::OverTotalLimit => Some(format!("Scheduled at You have exceeded the limit of {TOTAL_LIMIT} scheduled posts")),
            ScheduleRefused::OverDailyLimit => {
                Some(format!("Scheduled at You have exceeded the limit of {DAILY_LIMIT} scheduled posts for today"))
            }
            ScheduleRefused::MediaNotFound(ids) => {
                Some(format!("Media not found: {}", ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")))
            }
            ScheduleRefused::NotFound | ScheduleRefused::Db(_) => None,
        }
    }
}

/// Checks Mastodon's rules for `account` scheduling at `at` (leaving out `moving`).
fn check(db: &impl db::Handle, account: i64, at: i64, now: i64, moving: Option<i64>) -> Result<(), ScheduleRefused> {
    if at <= now + MIN_OFFSET_MS {
        return Err(ScheduleRefused::TooSoon);
    }
    let day = at - at.rem_euclid(DAY_MS);
    let (total, that_day) = scheduled_statuses::counts(db, account, day, day + DAY_MS, moving)?;
    if total >= TOTAL_LIMIT {
        return Err(ScheduleRefused::OverTotalLimit);
    }
    if that_day >= DAILY_LIMIT {
        return Err(ScheduleRefused::OverDailyLimit);
    }
    Ok(())
}

/// Queues the job that posts `row` at its time. A failure fails the caller (a
/// scheduled status nobody would post must not be accepted).
fn queue_job(row: &ScheduledRow, now: i64) -> Result<(), Error> {
    let options = JobOptions {
        delay_ms: Some((row.scheduled_at - now).max(0) as u64),
        idempotency_key: Some(format!("{KIND} {} {}", row.id, row.scheduled_at)),
        max_attempts: Some(10),
    };
    queue::enqueue(KIND, row.id.to_string().as_bytes(), &options).map_err(|e| Error::Unavailable(format!("queueing the post: {e:?}")))?;
    Ok(())
}

/// Schedules `post` by `account` for `at` (ms): the row, its uploads reserved, the job.
pub fn schedule(account: i64, at: i64, post: &LocalPost, idempotency: Option<String>, now: i64) -> Result<ScheduledRow, ScheduleRefused> {
    let params = serde_json::to_string(&ScheduledParams::of(post, idempotency)).expect("plain fields always serialize");
    let row = ScheduledRow { id: settings::next_id(), account_id: account, scheduled_at: at, params, created_at: now };
    let tx = db::begin()?;
    check(&tx, account, at, now, None)?;
    scheduled_statuses::insert(&tx, &row)?;
    media::reserve(&tx, row.id, account, &post.media_ids)?.map_err(ScheduleRefused::MediaNotFound)?;
    tx.commit()?;
    // After the commit (the queue writes to the database too); without its job the
    // row would never be posted, so it goes again.
    if let Err(e) = queue_job(&row, now) {
        let _ = cancel(account, row.id);
        return Err(e.into());
    }
    Ok(row)
}

/// Moves `account`'s scheduled status `id` to `at`.
pub fn reschedule(account: i64, id: i64, at: i64, now: i64) -> Result<ScheduledRow, ScheduleRefused> {
    let tx = db::begin()?;
    let Some(mut row) = scheduled_statuses::own(&tx, account, id)? else { return Err(ScheduleRefused::NotFound) };
    check(&tx, account, at, now, Some(id))?;
    scheduled_statuses::set_time(&tx, account, id, at)?;
    tx.commit()?;
    let before = row.scheduled_at;
    row.scheduled_at = at;
    // Without a job for the new time the row would never be posted: back to the old
    // time (whose job is queued) when none can be queued.
    if let Err(e) = queue_job(&row, now) {
        let _ = scheduled_statuses::set_time(&Autocommit, account, id, before);
        return Err(e.into());
    }
    Ok(row)
}

/// Deletes `account`'s scheduled status `id` (its uploads stay, unattached);
/// returns whether there was one.
pub fn cancel(account: i64, id: i64) -> Result<bool, Error> {
    let tx = db::begin()?;
    if scheduled_statuses::own(&tx, account, id)?.is_none() {
        return Ok(false);
    }
    scheduled_statuses::delete(&tx, id)?;
    media::unreserve(&tx, id)?;
    tx.commit()?;
    Ok(true)
}

/// The job: posts scheduled status `payload` (its id) if it is due. Gone (posted,
/// cancelled) or moved later (a job of the new time will post it): nothing to do.
pub fn run(payload: &[u8]) -> Result<(), String> {
    let id: i64 = std::str::from_utf8(payload).ok().and_then(|p| p.trim().parse().ok()).ok_or("the payload is not an id")?;
    let Some(row) = scheduled_statuses::by_id(&Autocommit, id).map_err(|e| e.to_string())? else { return Ok(()) };
    if row.scheduled_at > settings::now_millis() {
        return Ok(());
    }
    publish(&row).map(|_| ())
}

/// Posts `scheduled` now, as its author would have; `None` when it was posted or
/// cancelled meanwhile (or its author is gone).
pub fn publish(scheduled: &ScheduledRow) -> Result<Option<StatusRow>, String> {
    let params = ScheduledParams::parse(&scheduled.params)?;
    let author = accounts::by_id(&Autocommit, scheduled.account_id).map_err(|e| e.to_string())?;
    let Some(author) = author.filter(|a| a.is_local() && a.deleted_at.is_none()) else {
        cancel(scheduled.account_id, scheduled.id).map_err(|e| e.to_string())?;
        return Ok(None);
    };
    // A parent deleted meanwhile: posted as a status of its own.
    let parent = match params.in_reply_to_id.as_deref().and_then(|id| id.parse().ok()) {
        Some(id) => status_store::by_id(&Autocommit, id).map_err(|e| e.to_string())?.filter(|p| p.deleted_at.is_none()),
        None => None,
    };
    let instance = compose::instance().map_err(|e| e.to_string())?;
    let now = settings::now_millis();
    let mut new = compose::new_status(&author, params.to_post(parent), &instance, settings::next_id(), now).map_err(|e| e.to_string())?;
    new.scheduled = Some(scheduled.id);
    match statuses::post(&Origin::Local, new) {
        Ok(Posted::Created(row)) => {
            outbound::status_created(&row);
            Ok(Some(*row))
        }
        Ok(Posted::AlreadyStored | Posted::Unscheduled) => Ok(None),
        Err(Refused::Db(e)) => Err(e.to_string()),
        Err(Refused::MediaNotFound(ids)) => {
            // Only a deleted upload gets here (reserved ones cannot be used elsewhere):
            // a retry cannot help, so the post is dropped, loudly.
            log::warn(&format!("scheduled status {}: its media {ids:?} are gone; not posted", scheduled.id));
            cancel(scheduled.account_id, scheduled.id).map_err(|e| e.to_string())?;
            Ok(None)
        }
    }
}
