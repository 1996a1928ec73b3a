//! `domain-policy`: a moderation policy (`hook = "policy"`) acting on whole servers,
//! like Pleroma's SimplePolicy.
//!
//! Config (the manifest entry's `config` table; every value a list of domains, separated
//! by commas or line breaks; a domain also stands for its subdomains, `*.` in front is
//! allowed and means the same; case does not matter):
//!
//! - `reject`: drop every activity from or to these servers.
//! - `accept`: if set (not empty), an allowlist: drop every activity from or to any other.
//! - `media_removal`: incoming posts lose their `attachment`.
//! - `force_sensitive`: incoming posts get `sensitive: true`.
//! - `federated_timeline_removal`: incoming public posts become unlisted (the public
//!   collection moves from `to` to `cc`, on the object and on the activity).
//!
//! The servers an activity is from or to: for an outgoing activity, the receiving `peer`;
//! for an incoming one, the sending `peer` and the host of its `actor`, and (for
//! `reject` and the three actions, not for `accept`) the host of the `attributedTo` of
//! its embedded object, so a boost carrying a post from a rejected server is dropped
//! too. (`accept` leaves that one out: a boost of one of this server's own posts names
//! this server there.)
//!
//! The actions apply to the embedded object(s) of a `Create`, `Update` or `Announce`
//! (not to actors: a profile `Update` keeps its `attachment`, which holds its fields).
//! An activity nothing applied to passes on as the very text that came in.

use aerie_sdk::addressing;

use serde_json::{Map, Value};

/// Object types that are actors: the actions leave them alone.
const ACTORS: [&str; 5] = ["Person", "Service", "Application", "Group", "Organization"];

/// The policy's config, parsed.
#[derive(Debug, Default)]
pub struct Policy {
    pub reject: Vec<String>,
    /// `None`: no allowlist.
    pub accept: Option<Vec<String>>,
    pub media_removal: Vec<String>,
    pub force_sensitive: Vec<String>,
    pub federated_timeline_removal: Vec<String>,
    /// Problems with the config (unknown keys): logged on every call, never fatal.
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

/// A configured domain as compared: lower case, without `*.`, dots around, a scheme, a
/// path or a port.
fn normalize_domain(entry: &str) -> String {
    let entry = entry.trim();
    let entry = if entry.contains("://") { host_of(entry).unwrap_or_default() } else { normalize_host(entry) };
    entry.trim_start_matches("*.").trim_matches('.').to_string()
}

/// The domains of a config value: comma- or line-separated, blanks ignored.
pub fn domain_list(value: &str) -> Vec<String> {
    value.split([',', '\n']).map(normalize_domain).filter(|d| !d.is_empty()).collect()
}

/// A host as compared: lower case, without a port or a trailing dot.
fn normalize_host(host: &str) -> String {
    let host = host.trim();
    let host = match host.strip_prefix('[') {
        // An IPv6 literal: `[::1]:8080` → `[::1]`.
        Some(rest) => match rest.find(']') {
            Some(end) => &host[..end + 2],
            None => host,
        },
        None => host.split(':').next().unwrap_or(host),
    };
    host.trim_end_matches('.').to_ascii_lowercase()
}

/// The host of an `http(s)://` URI.
pub fn host_of(uri: &str) -> Option<String> {
    let (_, rest) = uri.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = match authority.rfind('@') {
        Some(at) => &authority[at + 1..],
        None => authority,
    };
    let host = normalize_host(host);
    (!host.is_empty()).then_some(host)
}

/// The domain of `list` that `host` is or is under.
fn listed<'a>(host: &str, list: &'a [String]) -> Option<&'a str> {
    list.iter()
        .find(|d| {
            host == d.as_str() || (host.len() > d.len() && host.ends_with(d.as_str()) && host.as_bytes()[host.len() - d.len() - 1] == b'.')
        })
        .map(String::as_str)
}

/// The hosts of the ids in `value`: a URI, an object with an `id`, or a list of them.
fn hosts_in(value: Option<&Value>, out: &mut Vec<String>) {
    match value {
        Some(Value::String(uri)) => out.extend(host_of(uri)),
        Some(Value::Object(object)) => hosts_in(object.get("id"), out),
        Some(Value::Array(list)) => {
            for item in list {
                // One level deep: a list of lists is not an address.
                if !item.is_array() {
                    hosts_in(Some(item), out);
                }
            }
        }
        _ => {}
    }
}

impl Policy {
    pub fn from_config(config: &[(String, String)]) -> Policy {
        let mut policy = Policy::default();
        for (key, value) in config {
            let list = match key.as_str() {
                "reject" => &mut policy.reject,
                "accept" => policy.accept.get_or_insert_with(Vec::new),
                "media_removal" => &mut policy.media_removal,
                "force_sensitive" => &mut policy.force_sensitive,
                "federated_timeline_removal" => &mut policy.federated_timeline_removal,
                other => {
                    policy.errors.push(format!(
                        "config: unknown key `{other}` (reject, accept, media_removal, force_sensitive, federated_timeline_removal)"
                    ));
                    continue;
                }
            };
            list.extend(domain_list(value));
        }
        if policy.accept.as_ref().is_some_and(Vec::is_empty) {
            policy.accept = None;
        }
        policy
    }

    fn is_empty(&self) -> bool {
        self.reject.is_empty()
            && self.accept.is_none()
            && self.media_removal.is_empty()
            && self.force_sensitive.is_empty()
            && self.federated_timeline_removal.is_empty()
    }
}

/// The embedded objects an action applies to (not actors).
fn objects(activity: &mut Map<String, Value>) -> Vec<&mut Map<String, Value>> {
    let objects: Vec<&mut Map<String, Value>> = match activity.get_mut("object") {
        Some(Value::Object(object)) => vec![object],
        Some(Value::Array(list)) => list.iter_mut().filter_map(Value::as_object_mut).collect(),
        _ => Vec::new(),
    };
    objects.into_iter().filter(|o| !addressing::has_type(o, &ACTORS)).collect()
}

/// Applies `policy` to `activity` (ActivityStreams JSON), going to or coming from `peer`.
pub fn apply(activity: &str, incoming: bool, peer: &str, policy: &Policy) -> Outcome {
    if policy.is_empty() {
        return Outcome::Unchanged;
    }
    let parsed = serde_json::from_str::<Value>(activity).ok();
    let mut activity = match parsed {
        Some(Value::Object(map)) => Some(map),
        _ => None,
    };
    let carries_object = activity.as_ref().is_some_and(|a| addressing::has_type(a, &["Create", "Update", "Announce"]));

    // The servers it is from or to: `direct` for the allowlist, `all` for the rest.
    let mut direct: Vec<String> = Vec::new();
    let peer = normalize_host(peer);
    if !peer.is_empty() {
        direct.push(peer);
    }
    let mut all = direct.clone();
    if incoming && let Some(activity) = activity.as_mut() {
        hosts_in(activity.get("actor"), &mut direct);
        all.clone_from(&direct);
        if carries_object {
            for object in objects(activity) {
                hosts_in(object.get("attributedTo"), &mut all);
            }
        }
    }

    for host in &all {
        if let Some(domain) = listed(host, &policy.reject) {
            return Outcome::Reject(format!("domain-policy: {host} is rejected (`reject` lists {domain})"));
        }
    }
    if let Some(accept) = &policy.accept {
        for host in &direct {
            if listed(host, accept).is_none() {
                return Outcome::Reject(format!("domain-policy: {host} is not in the `accept` list"));
            }
        }
    }

    let Some(mut activity) = activity.filter(|_| incoming && carries_object) else {
        return Outcome::Unchanged;
    };
    let any = |list: &[String]| all.iter().any(|h| listed(h, list).is_some());
    let (strip_media, sensitive, unlist) =
        (any(&policy.media_removal), any(&policy.force_sensitive), any(&policy.federated_timeline_removal));
    let mut changed = false;
    for object in objects(&mut activity) {
        if strip_media && object.get("attachment").is_some_and(|a| !a.is_null() && a.as_array().is_none_or(|a| !a.is_empty())) {
            object.remove("attachment");
            changed = true;
        }
        if sensitive {
            changed |= addressing::mark_sensitive(object);
        }
        if unlist {
            changed |= addressing::unlist(object);
        }
    }
    if unlist {
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

mod guest {
    use aerie_sdk::policy::{Direction, Verdict};

    use super::{Outcome, Policy, apply};

    #[aerie_sdk::policy]
    fn filter(activity: String, direction: Direction, peer: String, config: Vec<(String, String)>) -> Verdict {
        let policy = Policy::from_config(&config);
        if !policy.errors.is_empty() {
            aerie_sdk::log::log(aerie_sdk::log::Level::Error, &format!("domain-policy: {}", policy.errors.join("; ")));
        }
        match apply(&activity, matches!(direction, Direction::Incoming), &peer, &policy) {
            Outcome::Unchanged => Verdict::Accept(activity),
            Outcome::Changed(json) => Verdict::Accept(json),
            Outcome::Reject(reason) => Verdict::Reject(reason),
        }
    }
}

#[cfg(test)]
mod tests;
