//! Tests of the capability list: linking and grant checks without the binary, and the
//! docs' capability table against the list. (Each capability's own calls are tested in
//! its folder.)

use wasmtime::Engine;
use wasmtime::component::Component;

use super::*;
use crate::config::DatabaseConfig;

/// A fresh SQLite database with the migrations run, for capability tests.
pub(crate) async fn database() -> (tempfile::TempDir, Database) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("aerie.db").display());
    let database = Database::open(&url, &DatabaseConfig::default(), true).await.unwrap();
    (dir, database)
}

fn engine() -> Engine {
    Engine::default()
}

/// The import name a component would use for `interface`.
fn versioned(interface: &str) -> String {
    match interface {
        i if i.contains('@') => i.to_string(),
        i if i.starts_with("aerie:") => format!("{i}@0.1.0"),
        i => format!("{i}@0.2.0"),
    }
}

/// Grants that allow `capability`, and (unless it is always linked) grants that do not.
fn grants_for(capability: &dyn Capability) -> (Grants, Option<Grants>) {
    let parse = |text: String| toml::from_str::<Grants>(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
    match capability.grant() {
        Grant::Always => (Grants::default(), None),
        Grant::Switch(key) => (parse(format!("{key} = true")), Some(parse(format!("{key} = false")))),
        Grant::Access(key) => (parse(format!("{key} = \"read-only\"")), Some(parse(format!("{key} = \"none\"")))),
    }
}

fn entry(grants: Grants) -> ComponentEntry {
    ComponentEntry { id: "probe".into(), source: "probe.wasm".into(), grants, ..Default::default() }
}

/// One item each interface exports, named so a test component can import it.
fn an_export_of(interface: &str) -> &'static str {
    match interface.split('@').next().unwrap() {
        "aerie:host/db" => "(export \"begin\" (func))",
        "aerie:host/log" => "(export \"log\" (func))",
        "aerie:host/kv" | "aerie:host/config" => "(export \"get\" (func))",
        "aerie:host/clock" => "(export \"now-millis\" (func))",
        "aerie:host/queue" => "(export \"enqueue\" (func))",
        "aerie:host/blobs" => "(export \"size\" (func))",
        "aerie:host/events" => "(export \"publish\" (func))",
        "aerie:host/federation" => "(export \"fetch\" (func))",
        "fermyon:spin/key-value" => "(export \"store\" (type (sub resource)))",
        "fermyon:spin/variables" => "(export \"get\" (func))",
        "wasi:http/outgoing-handler" => "(export \"handle\" (func))",
        other => panic!("no export named for {other}: add one here"),
    }
}

/// Whether `linker` defines `import`: a component importing one of its exports (with a
/// deliberately wrong type, so a linked one fails on the type) finds it, or finds it missing.
fn links(engine: &Engine, linker: &Linker<StoreState>, import: &str) -> bool {
    let wat = format!("(component (import {import:?} (instance {})))", an_export_of(import));
    let component = Component::new(engine, wat).unwrap();
    match linker.instantiate_pre(&component) {
        Ok(_) => true,
        Err(e) => !format!("{e:#}").contains("implementation is missing"),
    }
}

#[test]
fn each_capability_is_linked_and_allowed_only_when_granted() {
    let engine = engine();
    for &capability in ALL {
        let (on, off) = grants_for(capability);
        assert!(capability.granted(&on), "{}", capability.name());
        for interface in capability.interfaces() {
            let import = versioned(interface);
            check_import(&entry(on.clone()), &import).unwrap_or_else(|e| panic!("{import}: {e}"));
            let mut linker = Linker::<StoreState>::new(&engine);
            add_granted_to_linker(&on, &mut linker).unwrap();
            assert!(links(&engine, &linker, &import), "{import} granted but not linked");

            let Some(off) = &off else { continue };
            assert!(!capability.granted(off), "{}", capability.name());
            let refused = check_import(&entry(off.clone()), &import).unwrap_err().to_string();
            assert!(refused.contains(&capability.grant().fix()), "{refused}");
            let mut linker = Linker::<StoreState>::new(&engine);
            add_granted_to_linker(off, &mut linker).unwrap();
            assert!(!links(&engine, &linker, &import), "{import} linked without its grant");
        }
    }
}

#[test]
fn imports_no_capability_provides_are_refused_and_wasi_passes() {
    let err = check_import(&entry(Grants::default()), "aerie:host/telepathy@0.1.0").unwrap_err().to_string();
    assert!(err.contains("does not provide") && err.contains("aerie:host/db"), "{err}");
    assert!(check_import(&entry(Grants::default()), "fermyon:spin/sqlite@2.0.0").is_err());
    check_import(&entry(Grants::default()), "wasi:cli/environment@0.2.0").unwrap();
    assert!(matches!(provider("aerie:host/kv@0.1.0"), Provider::Capability(c) if c.name() == "kv"));
    assert!(matches!(provider("wasi:io/streams@0.2.0"), Provider::Wasi));
}

#[test]
fn a_database_grant_is_refused_with_the_access_fix() {
    let err = check_import(&entry(Grants::default()), "aerie:host/db@0.1.0").unwrap_err().to_string();
    assert!(err.contains("grants = { db = \"read-only\" } (or \"read-write\")"), "{err}");
}

/// The text of the grant column for `grant`, as the docs write it.
fn grant_cell(grant: Grant) -> String {
    match grant {
        Grant::Always => "always".into(),
        Grant::Switch(key) => format!("`grants.{key}`"),
        Grant::Access(key) => format!("`grants.{key}` = `read-only` / `read-write`"),
    }
}

/// The interface column for `capability`: `aerie:host` interfaces by their short name.
fn interface_cell(capability: &dyn Capability) -> String {
    capability.interfaces().iter().map(|i| format!("`{}`", i.strip_prefix("aerie:host/").unwrap_or(i))).collect::<Vec<_>>().join(", ")
}

#[test]
fn the_docs_capability_table_lists_exactly_the_capabilities_with_their_grants() {
    let plugins = include_str!("../../../docs/plugins.md");
    let section = plugins.split("## Capabilities and grants").nth(1).expect("docs/plugins.md has a Capabilities and grants section");
    let rows: Vec<(String, String)> = section
        .lines()
        .skip_while(|line| !line.starts_with('|'))
        .take_while(|line| line.starts_with('|'))
        .skip(2) // the header and its rule
        .map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            (cells[1].to_string(), cells[2].to_string())
        })
        .collect();
    let mut documented: Vec<&str> = rows.iter().map(|(interfaces, _)| interfaces.as_str()).collect();
    let expected: Vec<String> = ALL.iter().map(|&c| interface_cell(c)).collect();
    let mut listed: Vec<&str> = expected.iter().map(String::as_str).collect();
    documented.sort();
    listed.sort();
    assert_eq!(documented, listed, "docs/plugins.md's capability table and capabilities::ALL differ");
    for &capability in ALL {
        let (_, grant) = rows.iter().find(|(interfaces, _)| *interfaces == interface_cell(capability)).unwrap();
        assert!(grant.starts_with(&grant_cell(capability.grant())), "{}: the table says {grant:?}", capability.name());
    }
}

#[test]
fn a_policy_may_be_granted_only_what_reaches_neither_data_nor_the_network() {
    let for_policy: Vec<&str> =
        ALL.iter().filter(|c| c.grant() != Grant::Always && c.hooks().contains(&Hook::Policy)).map(|c| c.name()).collect();
    assert_eq!(for_policy, ["log", "kv", "spin key-value"]);
}

#[test]
fn every_interface_the_worlds_import_is_a_capability() {
    for (world, text) in [
        ("wit/app/worlds.wit", include_str!("../../../wit/app/worlds.wit")),
        ("wit/app/jobs.wit", include_str!("../../../wit/app/jobs.wit")),
        ("wit/app/policy.wit", include_str!("../../../wit/app/policy.wit")),
    ] {
        let imports: Vec<&str> =
            text.lines().filter_map(|line| line.trim().strip_prefix("import aerie:host/")).map(|rest| rest.trim_end_matches(';')).collect();
        assert!(!imports.is_empty(), "{world} imports nothing from aerie:host");
        for import in imports {
            let import = format!("aerie:host/{import}");
            assert!(matches!(provider(&import), Provider::Capability(_)), "{world} imports {import}, which no capability provides");
        }
    }
}
