//! Native tests of what clients discover: announcements (shown until they end,
//! read per account, unicode reactions only, at most eight per account), trends (a
//! hashtag needs two accounts' public posts; private posts never count; statuses by
//! favourites and boosts) and follow suggestions (friends of friends; never the
//! viewer, followed, blocked, muted, undiscoverable or dismissed accounts).

mod common;

use aerie_core::actions::Origin;
use aerie_core::actions::announcements::{self as actions, MAX_REACTIONS, Refusal};
use aerie_core::rows::StatusRow;
use aerie_core::store::{announcements, suggestions, tags, trends};
use aerie_sdk::db::{self, Autocommit, Value};
use aerie_sdk::{harness, settings};
use common::*;

const DAY: i64 = 86_400_000;

/// An announcement the operator published now, ending at `ends_at`.
fn announce(text: &str, ends_at: Option<i64>) -> i64 {
    let id = settings::next_id();
    let now = settings::now_millis();
    db::execute(
        "INSERT INTO announcements (id, text, starts_at, ends_at, all_day, published_at, updated_at) VALUES ($1, $2, NULL, $3, 0, $4, $4)",
        &[Value::Int64(id), Value::Text(text.into()), ends_at.map_or(Value::Null, Value::Int64), Value::Int64(now)],
    )
    .expect("announced");
    id
}

#[test]
fn announcements_are_read_and_reacted_to_per_account() {
    harness::reset();
    let (alice, bob) = (local_account("alice"), local_account("bob"));
    let now = settings::now_millis();
    let shown = announce("hello", Some(now + DAY));
    let ended = announce("over", Some(now - 1));
    let ids: Vec<i64> = announcements::shown(&Autocommit, now).unwrap().iter().map(|a| a.id).collect();
    assert_eq!(ids, vec![shown]);

    assert_eq!(actions::dismiss(alice, ended).unwrap(), Err(Refusal::NotFound));
    assert_eq!(actions::dismiss(alice, shown).unwrap(), Ok(()));
    assert_eq!(actions::dismiss(alice, shown).unwrap(), Ok(()), "again is fine");
    assert!(announcements::read_among(&Autocommit, alice, &[shown]).unwrap().contains(&shown));
    assert!(announcements::read_among(&Autocommit, bob, &[shown]).unwrap().is_empty());

    assert_eq!(actions::react(alice, shown, "👍").unwrap(), Ok(()));
    assert_eq!(actions::react(bob, shown, "👍").unwrap(), Ok(()));
    harness::advance(1);
    assert_eq!(actions::react(bob, shown, "🎉").unwrap(), Ok(()));
    assert_eq!(actions::react(bob, shown, ":blobcat:").unwrap(), Err(Refusal::Invalid("Name is not a recognized emoji")));
    assert_eq!(actions::react(bob, ended, "👍").unwrap(), Err(Refusal::NotFound));
    let reactions = announcements::reactions(&Autocommit, alice, &[shown]).unwrap();
    let seen: Vec<(&str, i64, bool)> = reactions.iter().map(|r| (r.name.as_str(), r.count, r.me)).collect();
    assert_eq!(seen, vec![("👍", 2, true), ("🎉", 1, false)]);
    assert_eq!(actions::unreact(alice, shown, "🎉").unwrap(), Err(Refusal::NotFound), "alice never added it");
    assert_eq!(actions::unreact(bob, shown, "🎉").unwrap(), Ok(()));

    let emoji = ["😀", "😁", "😂", "🤣", "😃", "😄", "😅", "😆", "😉"];
    for name in &emoji[..MAX_REACTIONS - 1] {
        assert_eq!(actions::react(bob, shown, name).unwrap(), Ok(()));
    }
    assert_eq!(actions::react(bob, shown, emoji[8]).unwrap(), Err(Refusal::Invalid("You cannot add more reactions")));
    assert_eq!(actions::react(bob, shown, "👍").unwrap(), Ok(()), "one already given is no new one");
}

/// A status by `account` with `visibility`, carrying hashtags `tags`.
fn tagged(account: i64, visibility: &str, names: &[&str]) -> StatusRow {
    let now = settings::now_millis();
    let mut row =
        StatusRow { id: settings::next_id(), account_id: account, local: true, created_at: now, updated_at: now, ..Default::default() };
    row.visibility = visibility.into();
    row.text = names.join(" ");
    row.uri = Some(format!("https://local.example/statuses/{}", row.id));
    let row = match post_row(&Origin::Local, row, &[]) {
        aerie_core::actions::statuses::Posted::Created(row) => *row,
        _ => panic!("posted"),
    };
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    tags::set(&Autocommit, row.id, &names, now).unwrap();
    row
}

#[test]
fn only_public_activity_of_several_accounts_trends() {
    harness::reset();
    let (alice, bob, carol) = (local_account("alice"), local_account("bob"), local_account("carol"));
    let dan = local_account("dan");
    let since = settings::now_millis() - 7 * DAY;
    let first = tagged(alice, "public", &["Rust"]);
    tagged(dan, "public", &["rust", "solo"]);
    tagged(bob, "private", &["secret"]);
    tagged(carol, "direct", &["secret"]);
    tagged(alice, "private", &["secret"]);
    let names: Vec<String> = trends::tags(&Autocommit, since, 2, 10, 0).unwrap().into_iter().map(|t| t.name).collect();
    assert_eq!(names, vec!["Rust"], "two accounts' public posts; private ones never count");
    let tag = trends::tags(&Autocommit, since, 2, 10, 0).unwrap().remove(0);
    let day = since - since.rem_euclid(DAY);
    let history = trends::history(&Autocommit, &[tag.id], day, DAY).unwrap();
    let today = (settings::now_millis() - day) / DAY;
    assert_eq!(history.get(&(tag.id, today)).map(|d| (d.uses, d.accounts)), Some((2, 2)));
    assert!(trends::tags(&Autocommit, settings::now_millis() + 1, 2, 10, 0).unwrap().is_empty(), "outside the window");

    assert!(trends::statuses(&Autocommit, since, 10, 0).unwrap().is_empty(), "nothing favourited yet");
    let private = tagged(bob, "private", &[]);
    for status in [first.id, private.id] {
        db::execute("UPDATE statuses SET favourites_count = favourites_count + 1 WHERE id = $1", &[Value::Int64(status)]).unwrap();
    }
    assert_eq!(trends::statuses(&Autocommit, since, 10, 0).unwrap(), vec![first.id], "the private status never trends");
}

#[test]
fn suggestions_leave_out_the_viewer_and_whom_it_follows_blocks_or_dismissed() {
    harness::reset();
    let names = ["alice", "bob", "carol", "dave", "eve", "frank"];
    let ids: Vec<i64> = names.iter().map(|n| local_account(n)).collect();
    let (alice, bob, carol, dave, eve, frank) = (ids[0], ids[1], ids[2], ids[3], ids[4], ids[5]);
    db::execute("UPDATE accounts SET discoverable = 1 WHERE id <> $1", &[Value::Int64(eve)]).unwrap();
    // Their logins (the host makes these with the account).
    for id in &ids {
        db::execute(
            "INSERT INTO users (id, account_id, email, created_at) VALUES ($1, $1, $2, 0)",
            &[Value::Int64(*id), Value::Text(format!("{id}@local.example"))],
        )
        .unwrap();
    }
    let follow = |a: i64, b: i64| {
        aerie_core::actions::follows::follow(a, &account(b), Default::default(), &Origin::Local).expect("followed");
    };
    follow(alice, bob);
    follow(bob, carol);
    follow(bob, eve);
    follow(bob, alice);
    follow(dave, carol);
    let usernames = |rows: Vec<aerie_core::rows::AccountRow>| rows.into_iter().map(|a| a.username).collect::<Vec<_>>();
    assert_eq!(usernames(suggestions::friends_of_friends(&Autocommit, alice, 10).unwrap()), vec!["carol"]);
    let mut active = usernames(suggestions::active_local(&Autocommit, alice, 10).unwrap());
    active.sort();
    assert_eq!(active, vec!["carol", "dave", "frank"], "never alice, bob (followed) or eve (not discoverable)");

    db::execute(
        "INSERT INTO blocks (id, account_id, target_account_id, created_at) VALUES ($1, $2, $3, 0)",
        &[Value::Int64(settings::next_id()), Value::Int64(dave), Value::Int64(alice)],
    )
    .unwrap();
    db::execute(
        "INSERT INTO mutes (id, account_id, target_account_id, created_at) VALUES ($1, $2, $3, 0)",
        &[Value::Int64(settings::next_id()), Value::Int64(alice), Value::Int64(frank)],
    )
    .unwrap();
    suggestions::dismiss(&Autocommit, alice, carol, 0).unwrap();
    assert!(suggestions::friends_of_friends(&Autocommit, alice, 10).unwrap().is_empty());
    assert!(suggestions::active_local(&Autocommit, alice, 10).unwrap().is_empty(), "blocked by dave, muting frank, carol dismissed");

    let directory = |viewer| usernames(suggestions::directory(&Autocommit, viewer, suggestions::DirectoryOrder::New, true, 10, 0).unwrap());
    assert_eq!(directory(None), vec!["frank", "dave", "carol", "bob", "alice"]);
    assert_eq!(directory(Some(alice)), vec!["carol", "bob", "alice"], "not dave (blocks alice) or frank (muted)");
}
