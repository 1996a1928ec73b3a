//! Native tests of `actions::scheduled` against the in-memory harness: Mastodon's
//! rules, and that publishing posts exactly once through the status action.

mod common;

use aerie_core::actions::scheduled::{self, ScheduleRefused, ScheduledParams};
use aerie_core::compose::LocalPost;
use aerie_core::store::notifications::MENTION;
use aerie_core::store::scheduled_statuses::{self, ScheduledRow};
use aerie_sdk::db::{Autocommit, Value};
use aerie_sdk::{harness, settings};
use common::*;

fn post(text: &str) -> LocalPost {
    LocalPost { text: text.into(), visibility: "public".into(), ..LocalPost::default() }
}

/// A scheduled row written directly (the harness serves no job queue).
fn stored(account: i64, at: i64, post: &LocalPost) -> ScheduledRow {
    let row = ScheduledRow {
        id: settings::next_id(),
        account_id: account,
        scheduled_at: at,
        params: serde_json::to_string(&ScheduledParams::of(post, None)).unwrap(),
        created_at: settings::now_millis(),
    };
    scheduled_statuses::insert(&Autocommit, &row).unwrap();
    row
}

#[test]
fn too_soon_and_over_the_daily_limit_are_refused() {
    let author = local_account("author");
    let now = settings::now_millis();
    let soon = scheduled::schedule(author, now + scheduled::MIN_OFFSET_MS - 1_000, &post("soon"), None, now);
    assert!(matches!(soon, Err(ScheduleRefused::TooSoon)), "{soon:?}");
    let message = ScheduleRefused::TooSoon.message().unwrap();
    assert_eq!(message, "Scheduled at The scheduled date must be in the future");

    // 25 on one UTC day: the 26th that day is refused, another day is not.
    let day = 86_400_000;
    let tomorrow = (now / day + 2) * day;
    for i in 0..scheduled::DAILY_LIMIT {
        stored(author, tomorrow + i * 1_000, &post("busy day"));
    }
    let full = scheduled::schedule(author, tomorrow + 3_600_000, &post("one more"), None, now);
    assert!(matches!(full, Err(ScheduleRefused::OverDailyLimit)), "{full:?}");
    // Moving one of that day's within the day stays allowed (it is not counted twice).
    let first = scheduled_statuses::page(&Autocommit, author, &Default::default()).unwrap().pop().unwrap();
    let moved = scheduled::reschedule(author, first.id, tomorrow + 7_200_000, now);
    // The harness serves no queue: the check passed, only queueing failed.
    assert!(matches!(moved, Err(ScheduleRefused::Db(_))), "{moved:?}");
    let kept = scheduled_statuses::by_id(&Autocommit, first.id).unwrap().unwrap();
    assert_eq!(kept.scheduled_at, first.scheduled_at, "back to the time whose job is queued");
}

#[test]
fn a_status_that_cannot_be_queued_is_not_kept() {
    let author = local_account("author");
    let now = settings::now_millis();
    let result = scheduled::schedule(author, now + 3_600_000, &post("later"), None, now);
    assert!(matches!(result, Err(ScheduleRefused::Db(_))), "{result:?}");
    assert_eq!(count("SELECT COUNT(*) AS n FROM scheduled_statuses", &[]), 0);
}

#[test]
fn publishing_posts_once_and_removes_the_schedule() {
    let author = local_account("author");
    let friend = local_account("friend");
    let now = settings::now_millis();
    let row = stored(author, now - 1, &post("hello @friend, from the past"));
    harness::take_events();

    let posted = scheduled::publish(&row).unwrap().expect("posted");
    assert_eq!(status_row(posted.id).text, "hello @friend, from the past");
    assert!(posted.content_html.contains("friend"), "{}", posted.content_html);
    assert_eq!(account(author).statuses_count, 1);
    assert_eq!(notifications(friend, author, MENTION), 1);
    assert_eq!(count("SELECT COUNT(*) AS n FROM scheduled_statuses", &[]), 0);
    let events = harness::take_events();
    assert_eq!(events.iter().filter(|e| e.kind == "update" && e.id == posted.id).count(), 1, "{events:?}");

    // A retried job (or the job of an earlier time) finds nothing to post.
    assert!(scheduled::publish(&row).unwrap().is_none());
    assert!(scheduled::run(row.id.to_string().as_bytes()).is_ok());
    assert_eq!(account(author).statuses_count, 1);
    assert_eq!(notifications(friend, author, MENTION), 1);
    assert_eq!(count("SELECT COUNT(*) AS n FROM statuses WHERE account_id = $1", &[Value::Int64(author)]), 1);
}

#[test]
fn a_moved_or_cancelled_status_is_not_posted_by_its_job() {
    let author = local_account("author");
    let now = settings::now_millis();
    let later = stored(author, now + 3_600_000, &post("not yet"));
    scheduled::run(later.id.to_string().as_bytes()).unwrap();
    assert_eq!(account(author).statuses_count, 0, "moved later: the job of the new time posts it");
    // Even a job that read the row before it was moved does not post it.
    assert!(scheduled::publish(&later).unwrap().is_none());
    assert_eq!(account(author).statuses_count, 0);
    assert_eq!(count("SELECT COUNT(*) AS n FROM scheduled_statuses WHERE id = $1", &[Value::Int64(later.id)]), 1, "still scheduled");

    let cancelled = stored(author, now - 1, &post("never"));
    assert!(scheduled::cancel(author, cancelled.id).unwrap());
    scheduled::run(cancelled.id.to_string().as_bytes()).unwrap();
    assert_eq!(account(author).statuses_count, 0);
    let other = local_account("other");
    assert!(!scheduled::cancel(other, later.id).unwrap(), "not someone else's");
}
