//! The WIT documents parts of the host↔component contract for authors in other
//! languages; these tests keep that text equal to aerie-contract, which the host and
//! the Rust components compile against.

/// The doc comment of world `name` in `wit`: the `///` lines right above it.
fn world_docs(wit: &str, name: &str) -> String {
    let lines: Vec<&str> = wit.lines().collect();
    let at = lines.iter().position(|l| l.trim() == format!("world {name} {{")).unwrap_or_else(|| panic!("no world {name}"));
    let mut docs: Vec<&str> = lines[..at].iter().rev().map(|l| l.trim()).take_while(|l| l.starts_with("///")).collect();
    docs.reverse();
    docs.join("\n")
}

#[test]
fn the_http_component_world_documents_every_host_set_header() {
    use aerie_contract::headers::{ALL, PREFIX};
    let docs = world_docs(include_str!("../../wit/app/worlds.wit"), "http-component");
    assert!(docs.contains(&format!("`{PREFIX}`")), "the stripped prefix is documented:\n{docs}");
    for name in ALL {
        assert!(docs.contains(&format!("- `{name}`:")), "{name} is not documented in wit/app/worlds.wit's http-component:\n{docs}");
    }
    // And it names no header the contract does not have.
    let documented = docs.matches("- `x-aerie-").count();
    assert_eq!(documented, ALL.len(), "wit/app/worlds.wit documents a header aerie-contract's headers.rs lacks:\n{docs}");
}
