//! Native tests of `actions::boosts` against the in-memory harness.

mod common;

use aerie_core::actions::boosts::{boost, unboost};
use aerie_core::rows::StatusRow;
use aerie_core::store::notifications::REBLOG;
use aerie_core::store::statuses;
use aerie_sdk::db::Autocommit;
use aerie_sdk::{harness, settings};
use common::*;

/// A local account's reblog row of `original`, as the API builds it.
fn reblog_row(account: i64, original: &StatusRow) -> StatusRow {
    let id = settings::next_id();
    let now = settings::now_millis();
    StatusRow {
        id,
        account_id: account,
        local: true,
        uri: Some(format!("https://local.example/statuses/{id}/activity")),
        visibility: "public".into(),
        reblog_of_id: Some(original.id),
        created_at: now,
        updated_at: now,
        ..Default::default()
    }
}

#[test]
fn boosting_and_unboosting_move_both_counters_and_the_notification() {
    let author = local_account("author");
    let booster = local_account("booster");
    let original = status(author, true, "worth sharing", &[]);
    harness::take_events();

    let reblog = reblog_row(booster, &original);
    assert!(boost(&reblog, &original).unwrap());
    // The same reblog (same URI) again adds nothing.
    assert!(!boost(&reblog, &original).unwrap());
    assert_eq!(status_row(original.id).reblogs_count, 1);
    assert_eq!(account(booster).statuses_count, 1);
    assert_eq!(notifications(author, booster, REBLOG), 1);
    let kinds: Vec<_> = harness::take_events().into_iter().map(|e| (e.kind, e.id)).collect();
    assert!(kinds.iter().any(|(kind, _)| kind == "notification"), "{kinds:?}");
    assert!(kinds.contains(&("update".into(), reblog.id)), "{kinds:?}");

    let rows: Vec<_> =
        statuses::live_reblogs_of(&Autocommit, original.id).unwrap().into_iter().filter(|r| r.account_id == booster).collect();
    assert!(unboost(booster, original.id, &rows, settings::now_millis()).unwrap());
    assert!(!unboost(booster, original.id, &[], settings::now_millis()).unwrap());
    assert_eq!(status_row(original.id).reblogs_count, 0);
    assert_eq!(account(booster).statuses_count, 0);
    assert_eq!(notifications(author, booster, REBLOG), 0);
    let deleted: Vec<_> = harness::take_events().into_iter().filter(|e| e.kind == "delete").map(|e| e.id).collect();
    assert_eq!(deleted, [reblog.id]);
}
