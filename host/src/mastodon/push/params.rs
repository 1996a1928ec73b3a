//! The parameters of `/api/v1/push/subscription`, as Mastodon reads them: Rails-style
//! nested keys from the query string and a form body (`subscription[keys][auth]=…`,
//! `data[alerts][mention]=true`), or the same shape as a JSON body.

use std::collections::BTreeMap;

use base64::Engine as _;
use web_push_native::p256;

use super::subscriptions::{ALERT_TYPES, Alerts, NewSubscription, POLICIES};

/// Parameters flattened to Rails' bracket keys: `subscription[keys][p256dh]`.
pub type Flat = BTreeMap<String, String>;

/// Reads the query and the body (JSON when it says so, else a form).
pub fn read(query: Option<&str>, content_type: Option<&str>, body: &[u8]) -> Result<Flat, String> {
    let mut flat = Flat::new();
    if let Some(query) = query {
        for (key, value) in serde_urlencoded::from_str::<Vec<(String, String)>>(query).unwrap_or_default() {
            flat.insert(key, value);
        }
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(flat);
    }
    if content_type.is_some_and(|t| t.to_ascii_lowercase().starts_with("application/json")) {
        let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| format!("the JSON body is not valid: {e}"))?;
        flatten("", &value, &mut flat);
    } else {
        for (key, value) in
            serde_urlencoded::from_bytes::<Vec<(String, String)>>(body).map_err(|e| format!("the form body is not valid: {e}"))?
        {
            flat.insert(key, value);
        }
    }
    Ok(flat)
}

fn flatten(prefix: &str, value: &serde_json::Value, out: &mut Flat) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, inner) in map {
                let key = if prefix.is_empty() { key.clone() } else { format!("{prefix}[{key}]") };
                flatten(&key, inner, out);
            }
        }
        serde_json::Value::String(s) => {
            out.insert(prefix.to_string(), s.clone());
        }
        serde_json::Value::Null => {}
        other => {
            out.insert(prefix.to_string(), other.to_string());
        }
    }
}

/// Rails' boolean cast, which Mastodon applies to alerts: these mean false, any
/// other value true (case-insensitive here, since some clients send `False`).
fn truthy(value: &str) -> bool {
    !matches!(value.trim().to_ascii_lowercase().as_str(), "" | "0" | "f" | "false" | "off")
}

/// `data[alerts]` and `data[policy]`: the alerts named (unknown types ignored, as
/// Rails' permit drops them) and the policy (`all` when absent).
pub fn data(flat: &Flat) -> Result<(Alerts, String), String> {
    let mut alerts = Alerts::new();
    for kind in ALERT_TYPES {
        if let Some(value) = flat.get(&format!("data[alerts][{kind}]")) {
            alerts.insert((*kind).to_string(), truthy(value));
        }
    }
    // Mastodon.py sends `policy` outside `data`; taken when `data[policy]` is absent.
    let policy = flat
        .get("data[policy]")
        .or_else(|| flat.get("policy"))
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "all".into());
    if !POLICIES.contains(&policy.as_str()) {
        return Err(format!("Validation failed: Policy must be one of {}", POLICIES.join(", ")));
    }
    Ok((alerts, policy))
}

/// Why a subscription cannot be made: a missing `subscription` (400) or a bad field (422).
#[derive(Debug, PartialEq, Eq)]
pub enum Invalid {
    Missing,
    Field(String),
}

/// `subscription[endpoint]`, `subscription[keys][p256dh]` and `[auth]`, checked: an
/// http(s) URL, a P-256 public key and a 16-byte secret (RFC 8291), base64url.
pub fn subscription(flat: &Flat) -> Result<NewSubscription, Invalid> {
    if !flat.keys().any(|k| k.starts_with("subscription[")) {
        return Err(Invalid::Missing);
    }
    let field = |name: &str| flat.get(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    let endpoint = field("subscription[endpoint]").ok_or_else(|| Invalid::Field("Validation failed: Endpoint can't be blank".into()))?;
    match reqwest::Url::parse(&endpoint) {
        Ok(url) if matches!(url.scheme(), "https" | "http") && url.host_str().is_some() => {}
        _ => return Err(Invalid::Field("Validation failed: Endpoint is not a valid URL".into())),
    }
    let p256dh =
        field("subscription[keys][p256dh]").ok_or_else(|| Invalid::Field("Validation failed: Key p256dh can't be blank".into()))?;
    let auth = field("subscription[keys][auth]").ok_or_else(|| Invalid::Field("Validation failed: Key auth can't be blank".into()))?;
    if decode_key(&p256dh).and_then(|bytes| p256::PublicKey::from_sec1_bytes(&bytes).ok()).is_none() {
        return Err(Invalid::Field("Validation failed: Key p256dh is not a valid P-256 public key".into()));
    }
    if decode_key(&auth).is_none_or(|bytes| bytes.len() != 16) {
        return Err(Invalid::Field("Validation failed: Key auth is not a 16-byte secret".into()));
    }
    let (alerts, policy) = data(flat).map_err(Invalid::Field)?;
    Ok(NewSubscription { endpoint, key_p256dh: p256dh, key_auth: auth, alerts, policy })
}

/// A key as browsers give it (base64url without padding), or padded, or standard base64.
pub fn decode_key(text: &str) -> Option<Vec<u8>> {
    let unpadded = text.trim().trim_end_matches('=');
    let url_safe = unpadded.replace('+', "-").replace('/', "_");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(url_safe).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const P256DH: &str = "BLn9b-VR0ca83knDNZ32dCHGyjJp-1riX9ZTN40MqV8K_LpQmLqxC_DoHvqvFXO_nGdAB4W9dogZb_sM-uV4JbY";
    const AUTH: &str = "_ordMnz7uTCmrpBTeUV4Bw";

    #[test]
    fn form_and_json_bodies_read_alike() {
        let form = format!(
            "subscription[endpoint]=https%3A%2F%2Fpush.example%2Fx&subscription[keys][p256dh]={P256DH}&subscription[keys][auth]={AUTH}\
             &data[alerts][mention]=true&data[alerts][follow]=0&data[alerts][bogus]=1&data[policy]=followed"
        );
        let json = serde_json::json!({
            "subscription": {"endpoint": "https://push.example/x", "keys": {"p256dh": P256DH, "auth": AUTH}},
            "data": {"alerts": {"mention": true, "follow": false, "bogus": true}, "policy": "followed"}
        });
        for flat in [
            read(None, Some("application/x-www-form-urlencoded"), form.as_bytes()).unwrap(),
            read(None, Some("application/json; charset=utf-8"), json.to_string().as_bytes()).unwrap(),
        ] {
            let new = subscription(&flat).unwrap();
            assert_eq!(new.endpoint, "https://push.example/x");
            assert_eq!(new.policy, "followed");
            assert_eq!(new.alerts, Alerts::from([("follow".to_string(), false), ("mention".to_string(), true)]));
        }
    }

    #[test]
    fn bad_subscriptions_are_refused() {
        let flat = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Flat>();
        assert_eq!(subscription(&flat(&[("data[policy]", "all")])).err(), Some(Invalid::Missing));
        let ok = [
            ("subscription[endpoint]", "https://push.example/x"),
            ("subscription[keys][p256dh]", P256DH),
            ("subscription[keys][auth]", AUTH),
        ];
        assert!(subscription(&flat(&ok)).is_ok());
        for (key, bad) in [
            ("subscription[endpoint]", "ftp://push.example/x"),
            ("subscription[keys][p256dh]", "AAAA"),
            ("subscription[keys][auth]", "AAAA"),
            ("data[policy]", "everyone"),
        ] {
            let mut pairs = flat(&ok);
            pairs.insert(key.to_string(), bad.to_string());
            assert!(matches!(subscription(&pairs), Err(Invalid::Field(_))), "{key}={bad}");
        }
    }
}
