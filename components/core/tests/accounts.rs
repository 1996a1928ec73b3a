//! Native tests of `actions::accounts` against the in-memory harness.

mod common;

use aerie_core::actions::Origin;
use aerie_core::actions::accounts::delete_remote;
use aerie_core::actions::favourites::favourite;
use aerie_core::store::follows::{self, Request};
use aerie_sdk::db::{self, Value};
use aerie_sdk::settings;
use common::*;

#[test]
fn a_remote_accounts_delete_takes_its_statuses_follows_and_counters() {
    let local = local_account("local");
    let other = local_account("other");
    let gone = remote_account("gone", "remote.example");
    let tx = db::begin().unwrap();
    follows::create(&tx, local, gone, true, false).unwrap();
    follows::create(&tx, gone, local, true, false).unwrap();
    tx.commit().unwrap();
    let request = Request { id: settings::next_id(), follower: gone, target: other, show_reblogs: true, notify: false, uri: None };
    follows::insert_request(&db::Autocommit, &request, settings::now_millis(), false).unwrap();
    let first = status(gone, false, "one", &[]);
    status(gone, false, "two", &[]);
    let mine = status(local, true, "mine", &[]);
    favourite(gone, &mine, &Origin::Remote { uri: "https://remote.example/likes/1".into() }).unwrap();
    assert_eq!(account(gone).statuses_count, 2);
    assert_eq!(account(local).followers_count, 1);
    assert_eq!(notifications(local, gone, "favourite"), 1);

    delete_remote(gone).unwrap();

    assert!(account(gone).deleted_at.is_some());
    let live = count("SELECT COUNT(*) AS n FROM statuses WHERE account_id = $1 AND deleted_at IS NULL", &[Value::Int64(gone)]);
    assert_eq!(live, 0);
    assert!(status_row(first.id).deleted_at.is_some());
    assert!(!follows::exists(&db::Autocommit, local, gone).unwrap());
    assert!(!follows::exists(&db::Autocommit, gone, local).unwrap());
    assert!(follows::request(&db::Autocommit, gone, other).unwrap().is_none());
    assert_eq!((account(local).following_count, account(local).followers_count), (0, 0));
    assert_eq!((account(gone).following_count, account(gone).followers_count), (0, 0));
    assert_eq!(notifications(local, gone, "favourite"), 0);
    // The local account's own status is untouched.
    assert!(status_row(mine.id).deleted_at.is_none());
}

/// Mentions are looked up in one statement, one IN list per domain, case-insensitively:
/// local names never match a remote account of the same name and the other way round,
/// and hundreds of names stay one shallow statement.
#[test]
fn named_accounts_are_found_per_domain_case_insensitively() {
    let ann = local_account("ann");
    let bob = local_account("bob");
    let remote_ann = remote_account("ann", "far.example");
    let other = remote_account("cy", "other.example");
    let _unnamed = remote_account("bob", "far.example");
    let mut names = vec![("ANN", None), ("Bob", None), ("ann", Some("FAR.example")), ("cy", Some("other.example")), ("nobody", None)];
    let many: Vec<String> = (0..400).map(|n| format!("ghost{n}")).collect();
    names.extend(many.iter().map(|n| (n.as_str(), None)));
    let mut found: Vec<i64> = aerie_core::store::accounts::named(&db::Autocommit, &names).unwrap().iter().map(|a| a.id).collect();
    found.sort();
    let mut expected = vec![ann, bob, remote_ann, other];
    expected.sort();
    assert_eq!(found, expected);
}
