//! `keyword-filter`: a moderation policy (`hook = "policy"`) that looks at the text of
//! posts and rejects them, makes them unlisted or marks them sensitive.
//!
//! Config (the manifest entry's `config` table; every value a string):
//!
//! - `reject`: patterns; a post matching one is dropped (the reason names the pattern).
//! - `unlist`: patterns; a matching public post becomes unlisted (the public collection
//!   moves from `to` to `cc`, on the object and on the activity).
//! - `sensitive`: patterns; a matching post gets `sensitive: true`.
//! - `directions`: `incoming` (the default), `outgoing`, or `incoming,outgoing`.
//!
//! Patterns are regular expressions (the `regex` crate's syntax), matched
//! case-insensitively anywhere in the text. A value holding a line break lists one
//! pattern per line (so patterns may contain commas, as in `a{1,3}`); otherwise the
//! patterns are separated by commas. Blank entries are ignored.
//!
//! The text is that of the object of a `Create` or `Update` when it is embedded and a
//! `Note`, `Question`, `Article` or `Page`: `content`, `summary` (the content warning),
//! `name`, the values of `contentMap`, `summaryMap` and `nameMap`, and the names of poll
//! options, with HTML tags stripped. Each field is matched on its own. Anything else
//! passes unchanged, and so does a post nothing matched: the very text that came in.
//!
//! A pattern that does not compile matches nothing (the others still apply) and each
//! call logs one error naming it; a policy never traps on its config or its input.

use aerie_sdk::addressing;
mod text;

use std::cell::RefCell;
use std::rc::Rc;

use regex::{Regex, RegexBuilder};
use serde_json::{Map, Value};

/// Object types whose text is filtered.
const TEXTUAL: [&str; 4] = ["Note", "Question", "Article", "Page"];

/// A compiled pattern and how it was written (for the rejection reason).
#[derive(Debug)]
pub struct Pattern {
    pub source: String,
    regex: Regex,
}

/// The policy's config, compiled.
#[derive(Debug, Default)]
pub struct Rules {
    pub reject: Vec<Pattern>,
    pub unlist: Vec<Pattern>,
    pub sensitive: Vec<Pattern>,
    pub incoming: bool,
    pub outgoing: bool,
    /// Problems with the config (patterns that did not compile, unknown keys): logged on
    /// every call, never fatal.
    pub errors: Vec<String>,
}

/// What the policy decided.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Pass the activity on exactly as it came.
    Unchanged,
    /// Pass on this changed activity.
    Changed(String),
    /// Drop it, for this reason.
    Reject(String),
}

/// The entries of a config value: one per line if it has line breaks, else comma-separated.
pub fn split_list(value: &str) -> Vec<&str> {
    let parts: Vec<&str> = if value.contains('\n') { value.lines().collect() } else { value.split(',').collect() };
    parts.into_iter().map(str::trim).filter(|p| !p.is_empty()).collect()
}

impl Rules {
    pub fn from_config(config: &[(String, String)]) -> Rules {
        let mut rules = Rules { incoming: true, ..Rules::default() };
        let mut directions_seen = false;
        for (key, value) in config {
            let list = match key.as_str() {
                "reject" => &mut rules.reject,
                "unlist" => &mut rules.unlist,
                "sensitive" => &mut rules.sensitive,
                "directions" => {
                    if !directions_seen {
                        directions_seen = true;
                        rules.incoming = false;
                    }
                    for direction in split_list(value) {
                        match direction.to_ascii_lowercase().as_str() {
                            "incoming" => rules.incoming = true,
                            "outgoing" => rules.outgoing = true,
                            other => rules.errors.push(format!("config `directions`: unknown direction `{other}` (incoming, outgoing)")),
                        }
                    }
                    continue;
                }
                other => {
                    rules.errors.push(format!("config: unknown key `{other}` (reject, unlist, sensitive, directions)"));
                    continue;
                }
            };
            for source in split_list(value) {
                match RegexBuilder::new(source).case_insensitive(true).build() {
                    Ok(regex) => list.push(Pattern { source: source.to_string(), regex }),
                    Err(e) => rules.errors.push(format!("config `{key}`: pattern `{source}` ignored: {e}")),
                }
            }
        }
        if directions_seen && !rules.incoming && !rules.outgoing {
            rules.errors.push("config `directions` names no direction: filtering incoming activities".to_string());
            rules.incoming = true;
        }
        rules
    }

    fn is_empty(&self) -> bool {
        self.reject.is_empty() && self.unlist.is_empty() && self.sensitive.is_empty()
    }
}

/// The texts of a textual object, HTML stripped.
fn texts(object: &Map<String, Value>) -> Vec<String> {
    let mut texts = Vec::new();
    for field in ["content", "summary", "name"] {
        if let Some(Value::String(s)) = object.get(field) {
            texts.push(text::strip_html(s));
        }
        if let Some(Value::Object(map)) = object.get(&format!("{field}Map")) {
            texts.extend(map.values().filter_map(Value::as_str).map(text::strip_html));
        }
    }
    for options in ["oneOf", "anyOf"] {
        if let Some(Value::Array(list)) = object.get(options) {
            for option in list {
                if let Some(name) = option.get("name").and_then(Value::as_str) {
                    texts.push(text::strip_html(name));
                }
            }
        }
    }
    texts
}

/// The first pattern matching any of `texts`.
fn first_match<'a>(patterns: &'a [Pattern], texts: &[String]) -> Option<&'a Pattern> {
    patterns.iter().find(|p| texts.iter().any(|t| p.regex.is_match(t)))
}

/// Applies `rules` to `activity` (ActivityStreams JSON) going in `incoming` direction.
pub fn apply(activity: &str, incoming: bool, rules: &Rules) -> Outcome {
    if rules.is_empty() || !(if incoming { rules.incoming } else { rules.outgoing }) {
        return Outcome::Unchanged;
    }
    let Ok(Value::Object(mut activity)) = serde_json::from_str::<Value>(activity) else {
        return Outcome::Unchanged;
    };
    if !addressing::has_type(&activity, &["Create", "Update"]) {
        return Outcome::Unchanged;
    }
    let mut unlist_activity = false;
    let mut changed = false;
    {
        let objects: Vec<&mut Map<String, Value>> = match activity.get_mut("object") {
            Some(Value::Object(object)) => vec![object],
            Some(Value::Array(list)) => list.iter_mut().filter_map(Value::as_object_mut).collect(),
            _ => Vec::new(),
        };
        for object in objects {
            if !addressing::has_type(object, &TEXTUAL) {
                continue;
            }
            let texts = texts(object);
            if texts.is_empty() {
                continue;
            }
            if let Some(pattern) = first_match(&rules.reject, &texts) {
                return Outcome::Reject(format!("keyword-filter: matches reject pattern `{}`", pattern.source));
            }
            if first_match(&rules.unlist, &texts).is_some() {
                changed |= addressing::unlist(object);
                unlist_activity = true;
            }
            if first_match(&rules.sensitive, &texts).is_some() {
                changed |= addressing::mark_sensitive(object);
            }
        }
    }
    if unlist_activity {
        changed |= addressing::unlist(&mut activity);
    }
    if !changed {
        return Outcome::Unchanged;
    }
    match serde_json::to_string(&Value::Object(activity)) {
        Ok(json) => Outcome::Changed(json),
        Err(_) => Outcome::Unchanged,
    }
}

/// A config as the host passes it, and what it compiled to.
type Cached = (Vec<(String, String)>, Rc<Rules>);

thread_local! {
    /// The last config seen and its compiled rules: an instance that serves several
    /// calls compiles its patterns once.
    static COMPILED: RefCell<Option<Cached>> = const { RefCell::new(None) };
}

fn compiled(config: Vec<(String, String)>) -> Rc<Rules> {
    COMPILED.with(|cell| {
        let mut cell = cell.borrow_mut();
        if let Some((seen, rules)) = cell.as_ref()
            && *seen == config
        {
            return rules.clone();
        }
        let rules = Rc::new(Rules::from_config(&config));
        *cell = Some((config, rules.clone()));
        rules
    })
}

mod guest {
    use aerie_sdk::policy::{Direction, Verdict};

    use super::{Outcome, apply, compiled};

    #[aerie_sdk::policy]
    fn filter(activity: String, direction: Direction, _peer: String, config: Vec<(String, String)>) -> Verdict {
        let rules = compiled(config);
        if !rules.errors.is_empty() {
            aerie_sdk::log::log(aerie_sdk::log::Level::Error, &format!("keyword-filter: {}", rules.errors.join("; ")));
        }
        match apply(&activity, matches!(direction, Direction::Incoming), &rules) {
            Outcome::Unchanged => Verdict::Accept(activity),
            Outcome::Changed(json) => Verdict::Accept(json),
            Outcome::Reject(reason) => Verdict::Reject(reason),
        }
    }
}

#[cfg(test)]
mod tests;
