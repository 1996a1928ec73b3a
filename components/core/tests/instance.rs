//! Native tests of `store::instance::settings` against the in-memory harness: the
//! identity settings as stored and their defaults.

use aerie_core::store::instance;
use aerie_sdk::db::{self, Autocommit, Value};

fn set(key: &str, value: &str) {
    db::execute(
        "INSERT INTO instance_settings (key, value, updated_at) VALUES ($1, $2, 1)",
        &[Value::Text(key.into()), Value::Text(value.into())],
    )
    .unwrap();
}

#[test]
fn the_identity_settings_and_their_defaults() {
    let unset = instance::settings(&Autocommit).unwrap();
    assert_eq!(unset, instance::Settings::default());
    assert_eq!(unset.domain_or_localhost(), "localhost");
    assert_eq!(unset.base("localhost"), "https://localhost");
    assert_eq!(unset.base(""), "https://");
    assert_eq!(unset.federation_scheme(), "https");

    set("domain", "example.com");
    set("web_domain", "social.example.com");
    set("scheme", "http");
    set("max_characters", "1000");
    let settings = instance::settings(&Autocommit).unwrap();
    assert_eq!(settings.domain_or_localhost(), "example.com");
    assert_eq!(settings.web_domain_or("example.com"), "social.example.com");
    assert_eq!(settings.base("example.com"), "http://social.example.com");
    assert_eq!(settings.max_characters, "1000");
    assert_eq!(settings.federation_scheme(), "https");
}
