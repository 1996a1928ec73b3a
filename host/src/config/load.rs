//! Reading the file and the environment into a [`Config`], collecting every problem.

use std::collections::HashMap;
use std::path::Path;

use serde::de::DeserializeOwned;
use toml::{Table, Value};

use super::{
    BlobsConfig, ComponentEntry, Config, DatabaseConfig, FederationConfig, Grants, InstanceConfig, JobsConfig, Problems, RuntimeConfig,
    ServerConfig, StorageConfig, validate,
};

/// Environment variables that are global options, not config keys.
const GLOBAL_ENV: &[&str] = &["AERIE_DATA_DIR", "AERIE_CONFIG", "AERIE_LOG"];
const SECTIONS: &[&str] = &["instance", "server", "database", "storage", "runtime", "jobs", "blobs", "federation"];
const EXAMPLE_HINT: &str = "deploy/aerie.example.toml (also in the README's configuration reference)";

/// Loads `path` with overrides from `env` (pass `std::env::vars()`).
pub fn load_file(path: &Path, env: impl IntoIterator<Item = (String, String)>) -> Result<Config, Problems> {
    let source = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        let mut problems = Problems::default();
        problems.push(
            "(file)",
            &source,
            format!("cannot read the configuration file: {e}"),
            "create it (aerie writes one on first start without --config), or point --config at an existing file".to_string(),
        );
        problems
    })?;
    from_sources(Some((&text, &source)), env)
}

/// Builds a config from optional file text (with its name) and environment overrides.
pub fn from_sources(file: Option<(&str, &str)>, env: impl IntoIterator<Item = (String, String)>) -> Result<Config, Problems> {
    let mut problems = Problems::default();
    let mut sources: HashMap<String, String> = HashMap::new();
    let mut table = Table::new();
    let file_source = file.map(|(_, name)| name.to_string()).unwrap_or_else(|| "defaults".into());

    if let Some((text, name)) = file {
        match text.parse::<Table>() {
            Ok(parsed) => table = parsed,
            Err(e) => {
                problems.push("(syntax)", name, format!("the file is not valid TOML: {}", e.message()), syntax_fix(text, &e));
                return Err(problems);
            }
        }
    }

    let mut env_raw: HashMap<String, String> = HashMap::new();
    for (name, raw) in env {
        if !name.starts_with("AERIE_") || GLOBAL_ENV.contains(&name.as_str()) {
            continue;
        }
        let rest = name["AERIE_".len()..].to_ascii_lowercase();
        let Some(section) = SECTIONS.iter().find(|s| rest.starts_with(&format!("{s}_"))) else {
            problems.push(
                name.clone(),
                format!("environment variable {name}"),
                "no configuration section matches this variable",
                format!("unset it, or name it AERIE_<SECTION>_<KEY> with SECTION one of {}", SECTIONS.join(", ").to_uppercase()),
            );
            continue;
        };
        let key = rest[section.len() + 1..].to_string();
        let entry = table.entry(section.to_string()).or_insert_with(|| Value::Table(Table::new()));
        if let Value::Table(section_table) = entry {
            section_table.insert(key.clone(), parse_env_value(&raw));
            sources.insert(format!("{section}.{key}"), format!("environment variable {name}"));
            env_raw.insert(format!("{section}.{key}"), raw);
        }
    }
    let source_of = |key: &str| sources.get(key).cloned().unwrap_or_else(|| file_source.clone());
    // A value outside an enum (a hook, a grant) is a mistake of meaning: reported with the
    // checks of meaning, after the types are right, and its key left at its default.
    let mut values = Problems::default();
    let mut found = Found { problems: &mut problems, values: &mut values };

    for (name, value) in table.iter_mut() {
        match name.as_str() {
            "instance" => check_section::<InstanceConfig>(name, value, &source_of, &env_raw, &mut found),
            "server" => check_section::<ServerConfig>(name, value, &source_of, &env_raw, &mut found),
            "database" => check_section::<DatabaseConfig>(name, value, &source_of, &env_raw, &mut found),
            "storage" => check_section::<StorageConfig>(name, value, &source_of, &env_raw, &mut found),
            "runtime" => check_section::<RuntimeConfig>(name, value, &source_of, &env_raw, &mut found),
            "jobs" => check_section::<JobsConfig>(name, value, &source_of, &env_raw, &mut found),
            "blobs" => check_section::<BlobsConfig>(name, value, &source_of, &env_raw, &mut found),
            "federation" => check_section::<FederationConfig>(name, value, &source_of, &env_raw, &mut found),
            "components" => match value {
                Value::Array(entries) => {
                    for (i, entry) in entries.iter_mut().enumerate() {
                        let at = format!("components[{i}]");
                        // Grants key by key, so a problem names e.g. `components[0].grants.db`.
                        if let Value::Table(fields) = &mut *entry
                            && let Some(grants @ Value::Table(_)) = fields.get_mut("grants")
                        {
                            let before = found.problems.0.len();
                            check_section::<Grants>(&format!("{at}.grants"), grants, &source_of, &env_raw, &mut found);
                            if found.problems.0.len() > before {
                                fields.remove("grants");
                            }
                        }
                        check_section::<ComponentEntry>(&at, entry, &source_of, &env_raw, &mut found);
                    }
                }
                _ => found.problems.push(
                    "components",
                    source_of("components"),
                    "expected a list of [[components]] tables",
                    "write each component as its own [[components]] table",
                ),
            },
            other => found.problems.push(
                other,
                source_of(other),
                "unknown section or top-level key",
                format!(
                    "remove it or fix the spelling; sections are {} and [[components]] (keys such as domain belong under [instance])",
                    SECTIONS.iter().map(|s| format!("[{s}]")).collect::<Vec<_>>().join(", ")
                ),
            ),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }

    let config: Config = match Value::Table(table).try_into() {
        Ok(config) => config,
        Err(e) => {
            problems.push("(config)", file_source, e.to_string(), format!("compare with {EXAMPLE_HINT}"));
            return Err(problems);
        }
    };
    problems.extend(validate::validate(&config, &source_of));
    problems.extend(values);
    if problems.is_empty() { Ok(config) } else { Err(problems) }
}

/// Environment values are TOML when they parse as TOML (`8080`, `true`, `["a"]`),
/// otherwise plain strings.
fn parse_env_value(raw: &str) -> Value {
    format!("v = {raw}").parse::<Table>().ok().and_then(|mut t| t.remove("v")).unwrap_or_else(|| Value::String(raw.to_string()))
}

/// Where [`check_section`] reports: type problems, and values outside an enum.
struct Found<'a> {
    problems: &'a mut Problems,
    values: &'a mut Problems,
}

/// Checks each key of one section on its own, so every bad key is reported, not
/// just the first. A value from the environment that fails with its TOML reading is
/// retried as a string, then as a comma-separated list. A value outside an enum is
/// reported with the allowed values and removed (its key takes its default).
fn check_section<T: DeserializeOwned>(
    section: &str,
    value: &mut Value,
    source_of: &dyn Fn(&str) -> String,
    env_raw: &HashMap<String, String>,
    found: &mut Found<'_>,
) {
    let Value::Table(table) = value else {
        found.problems.push(
            section,
            source_of(section),
            "expected a table",
            format!("write it as [{section}] followed by key = value lines"),
        );
        return;
    };
    let mut outside_enums = Vec::new();
    for (key, val) in table.iter_mut() {
        let dotted = format!("{section}.{key}");
        let attempt = |v: &Value| -> Result<(), String> {
            let mut single = Table::new();
            single.insert(key.clone(), v.clone());
            Value::Table(single).try_into::<T>().map(|_| ()).map_err(|e| e.message().to_string())
        };
        let Err(first_error) = attempt(val) else { continue };
        if let Some(raw) = env_raw.get(&dotted) {
            let as_string = Value::String(raw.clone());
            let as_list = Value::Array(raw.split(',').map(|s| Value::String(s.trim().to_string())).collect());
            if let Some(fixed) = [as_string, as_list].into_iter().find(|v| attempt(v).is_ok()) {
                *val = fixed;
                continue;
            }
        }
        if let Some((value, allowed)) = unknown_variant(&first_error) {
            let what = if section.ends_with(".grants") {
                format!("{key} grant")
            } else if key == "hook" {
                "hook this host runs".to_string()
            } else {
                format!("{key} value")
            };
            found.values.push(dotted.clone(), source_of(&dotted), format!("{value:?} is not a {what}"), format!("use {key} = {allowed}"));
            outside_enums.push(key.clone());
            continue;
        }
        let fix = if first_error.starts_with("unknown field") {
            format!("remove `{key}` or fix its spelling (see {EXAMPLE_HINT})")
        } else {
            format!("give {dotted} a value of the expected type (see {EXAMPLE_HINT})")
        };
        found.problems.push(dotted.clone(), source_of(&dotted), first_error, fix);
    }
    for key in outside_enums {
        table.remove(&key);
    }
}

/// Serde's `unknown variant `x`, expected one of `a`, `b`, `c`` as `x` and
/// `"a", "b" or "c"`.
fn unknown_variant(error: &str) -> Option<(String, String)> {
    let rest = error.strip_prefix("unknown variant `")?;
    let parts: Vec<&str> = rest.split('`').collect();
    let allowed: Vec<String> = parts.iter().skip(2).step_by(2).map(|v| format!("{v:?}")).collect();
    let (last, others) = allowed.split_last()?;
    let allowed = if others.is_empty() { last.clone() } else { format!("{} or {last}", others.join(", ")) };
    Some((parts[0].to_string(), allowed))
}

fn syntax_fix(text: &str, error: &toml::de::Error) -> String {
    match error.span() {
        Some(span) => {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            format!("correct the TOML syntax on line {line} (strings need quotes, tables are [section])")
        }
        None => "correct the TOML syntax (strings need quotes, tables are [section])".into(),
    }
}
