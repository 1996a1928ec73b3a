//! What a push says, as Mastodon's `Web::NotificationSerializer` words it: the
//! notification's id and type, the sender's avatar as `icon`, a title naming the
//! sender (Mastodon's English `notification_mailer` subjects) and a body of at most
//! 140 characters (the status's content warning or text, or the sender's bio).
//! Made from the Notification entity the API component renders for the recipient.

use serde::{Deserialize, Serialize};

/// A push's message, without the subscription's access token (added when sent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub preferred_locale: String,
    /// A JSON number, as Mastodon sends it (apps decode it as an integer).
    pub notification_id: i64,
    pub notification_type: String,
    pub icon: String,
    pub title: String,
    pub body: String,
}

impl Message {
    /// From a rendered Notification entity; `None` if it lacks an id, type or account.
    pub fn from_entity(notification: &serde_json::Value) -> Option<Message> {
        let text = |v: &serde_json::Value, key: &str| v.get(key).and_then(|x| x.as_str()).unwrap_or_default().to_string();
        let id = notification.get("id").and_then(|v| v.as_str())?.parse().ok()?;
        let kind = notification.get("type").and_then(|v| v.as_str())?.to_string();
        let account = notification.get("account").filter(|a| a.is_object())?;
        let name = Some(text(account, "display_name")).filter(|n| !n.trim().is_empty()).unwrap_or_else(|| text(account, "username"));
        let body_source = match notification.get("status").filter(|s| s.is_object()) {
            Some(status) => Some(text(status, "spoiler_text")).filter(|s| !s.is_empty()).unwrap_or_else(|| text(status, "content")),
            None => text(account, "note"),
        };
        Some(Message {
            preferred_locale: "en".into(),
            notification_id: id,
            icon: text(account, "avatar_static"),
            title: title(&kind, &name),
            body: truncate(&plain(&body_source), 140),
            notification_type: kind,
        })
    }

    /// The JSON a push carries, in Mastodon's field order.
    pub fn to_json(&self, access_token: &str) -> String {
        serde_json::json!({
            "access_token": access_token,
            "preferred_locale": self.preferred_locale,
            "notification_id": self.notification_id,
            "notification_type": self.notification_type,
            "icon": self.icon,
            "title": self.title,
            "body": self.body,
        })
        .to_string()
    }
}

/// Mastodon's English subjects (`notification_mailer.<type>.subject`).
fn title(kind: &str, name: &str) -> String {
    match kind {
        "mention" => format!("You were mentioned by {name}"),
        "status" => format!("{name} just posted"),
        "reblog" => format!("{name} boosted your post"),
        "follow" => format!("{name} is now following you"),
        "follow_request" => format!("Pending follower: {name}"),
        "favourite" => format!("{name} favorited your post"),
        "poll" => format!("A poll by {name} has ended"),
        "update" => format!("{name} edited a post"),
        "admin.sign_up" => format!("New sign-up: {name}"),
        "admin.report" => format!("New report from {name}"),
        _ => name.to_string(),
    }
}

/// HTML as plain text: tags dropped (paragraphs and line breaks become new lines),
/// entities decoded.
fn plain(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('>') else {
            rest = "";
            break;
        };
        let tag = rest[start + 1..start + end].trim().to_ascii_lowercase();
        if (tag.starts_with("br") || tag == "/p") && !out.is_empty() {
            out.push('\n');
        }
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    decode_entities(out.trim())
}

fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('&') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let decoded = after.find(';').filter(|end| *end <= 10).and_then(|end| {
            let name = &after[..end];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some(' '),
                _ => name
                    .strip_prefix("#x")
                    .or_else(|| name.strip_prefix("#X"))
                    .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                    .or_else(|| name.strip_prefix('#').and_then(|dec| dec.parse().ok()))
                    .and_then(char::from_u32),
            }?;
            Some((c, end))
        });
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &after[end + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Rails' `truncate(text, length: n)`: longer texts keep n - 3 characters and "...".
fn truncate(text: &str, length: usize) -> String {
    if text.chars().count() <= length {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(length - 3).collect();
    cut.push_str("...");
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mention_is_titled_and_its_text_made_plain() {
        let entity = serde_json::json!({
            "id": "42", "type": "mention",
            "account": {"display_name": "", "username": "alice", "avatar_static": "https://a.example/a.png", "note": ""},
            "status": {"spoiler_text": "", "content": "<p>Hi <span class=\"h-card\"><a href=\"x\">@<span>bob</span></a></span> &amp; &#39;you&#39;</p><p>two</p>"}
        });
        let message = Message::from_entity(&entity).unwrap();
        assert_eq!(message.title, "You were mentioned by alice");
        assert_eq!(message.body, "Hi @bob & 'you'\ntwo");
        assert_eq!(message.icon, "https://a.example/a.png");
        let json: serde_json::Value = serde_json::from_str(&message.to_json("tok")).unwrap();
        assert_eq!(json["access_token"], "tok");
        assert_eq!(json["notification_id"], 42);
        assert_eq!(json["notification_type"], "mention");
    }

    #[test]
    fn a_follow_shows_the_bio_and_long_texts_are_cut() {
        let note = "x".repeat(200);
        let entity = serde_json::json!({"id": "1", "type": "follow", "account": {"display_name": "Al", "username": "al", "note": note}});
        let message = Message::from_entity(&entity).unwrap();
        assert_eq!(message.title, "Al is now following you");
        assert_eq!(message.body.chars().count(), 140);
        assert!(message.body.ends_with("..."));
    }
}
