//! The SDK's JSON writer ([`aerie_sdk::json::to_vec`]) writes the Mastodon entities
//! exactly as serde_json does.

use std::fmt;

use aerie_core::entities::{Account, Status};
use serde::Serialize;

/// Asserts [`aerie_sdk::json::to_vec`] writes exactly what serde_json writes.
fn same<T: Serialize + ?Sized + fmt::Debug>(value: &T) {
    let ours = String::from_utf8(aerie_sdk::json::to_vec(value).expect("ours")).expect("UTF-8");
    let theirs = serde_json::to_string(value).expect("serde_json");
    assert_eq!(ours, theirs, "for {value:?}");
}

#[test]
fn entities_like_serde_json() {
    let account = Account {
        id: "1".into(),
        username: "alice".into(),
        acct: "alice".into(),
        display_name: "Alice \"A\" <b>".into(),
        note: "<p>line\nbreak</p>".into(),
        url: "https://example.com/@alice".into(),
        ..Account::default()
    };
    let status = Status {
        id: "2".into(),
        content: "<p>Hi <a href=\"https://example.com/tags/rust\">#rust</a> 🦀\u{7}</p>".into(),
        account: account.clone(),
        ..Status::default()
    };
    same(&account);
    same(&status);
    same(&vec![status.clone(), Status { reblog: Some(Box::new(status)), ..Status::default() }]);
}
