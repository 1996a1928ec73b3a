//! HTML pages for browsers at the account and status URLs: `/@alice` (profile and
//! recent public posts) and `/@alice/ID` (one status), with OpenGraph tags so links
//! unfurl in chat apps. Pages are anonymous: they show only what the one visibility
//! rule lets an anonymous viewer see, so followers-only and direct posts are 404 here.

use aerie_core::convert::escape_html as escape;
use aerie_core::rows::{AccountRow, StatusRow};
use aerie_core::store;
use aerie_core::time::iso8601;
use aerie_sdk::db;
use aerie_sdk::http::{Request, Response};

use crate::instance_info::InstanceInfo;
use crate::load;

/// `GET /@NAME` and `GET /@NAME/ID`.
pub fn page(request: &Request, rest: &str) -> Response {
    let Ok(instance) = crate::instance_info::load() else {
        return html(503, "<h1>Unavailable</h1><p>The instance cannot read its database right now.</p>", "Unavailable", "");
    };
    let (name, status) = match rest.split_once('/') {
        Some((name, id)) => (name, Some(id)),
        None => (rest, None),
    };
    let Some(account) = local_account(name) else { return not_found(&instance) };
    match status {
        None => profile(request, &instance, &account),
        Some(id) => match id.parse::<i64>().ok().and_then(|id| load::visible_status(None, id).ok()) {
            Some(status) if status.account_id == account.id && status.reblog_of_id.is_none() => status_page(&instance, &account, &status),
            _ => not_found(&instance),
        },
    }
}

fn local_account(name: &str) -> Option<AccountRow> {
    store::accounts::local_by_username(&db::Autocommit, name).ok()?
}

fn profile(request: &Request, instance: &InstanceInfo, account: &AccountRow) -> Response {
    let _ = request;
    let (condition, tail) = store::timelines::PROFILE_PAGE;
    let statuses = load::status_rows(None, "", condition, tail, vec![db::Value::Int64(account.id)]).unwrap_or_default();
    let name = display_name(account);
    let acct = format!("@{}@{}", account.username, instance.domain);
    let url = account.url.clone().unwrap_or_default();
    let mut body = format!(
        "<header><h1>{}</h1><p class=\"acct\">{}</p><div class=\"note\">{}</div>\
         <p>{} posts · {} following · {} followers</p></header><main>",
        escape(&name),
        escape(&acct),
        paragraphs(&account.note),
        account.statuses_count,
        account.following_count,
        account.followers_count
    );
    for status in &statuses {
        body.push_str(&status_article(account, status));
    }
    if statuses.is_empty() {
        body.push_str("<p>No public posts yet.</p>");
    }
    body.push_str("</main>");
    let description = aerie_core::text::html_to_text(&paragraphs(&account.note));
    let meta = og(&[
        ("og:type", "profile"),
        ("og:title", &format!("{name} ({acct})")),
        ("og:description", &description),
        ("og:url", &url),
        ("og:site_name", &instance.title),
        ("profile:username", &account.username),
    ]) + &alternate(account.uri.as_deref());
    html(200, &body, &format!("{name} ({acct})"), &meta)
}

fn status_page(instance: &InstanceInfo, account: &AccountRow, status: &StatusRow) -> Response {
    let name = display_name(account);
    let text =
        if status.spoiler_text.is_empty() { aerie_core::text::html_to_text(&status.content_html) } else { status.spoiler_text.clone() };
    let url = status.url.clone().unwrap_or_default();
    let meta = og(&[
        ("og:type", "article"),
        ("og:title", &format!("{name} (@{}@{})", account.username, instance.domain)),
        ("og:description", &text),
        ("og:url", &url),
        ("og:site_name", &instance.title),
        ("article:published_time", &iso8601(status.created_at)),
    ]) + &alternate(status.uri.as_deref());
    let body = format!("<main>{}</main>", status_article(account, status));
    html(200, &body, &format!("{name}: {}", truncate(&text, 60)), &meta)
}

fn status_article(account: &AccountRow, status: &StatusRow) -> String {
    let content = if status.spoiler_text.is_empty() {
        status.content_html.clone()
    } else {
        format!("<details><summary>{}</summary>{}</details>", escape(&status.spoiler_text), status.content_html)
    };
    format!(
        "<article class=\"status\"><p class=\"author\">{}</p><div class=\"content\">{content}</div>\
         <p><a href=\"{}\"><time datetime=\"{time}\">{time}</time></a></p></article>",
        escape(&display_name(account)),
        escape(status.url.as_deref().unwrap_or("")),
        time = iso8601(status.created_at),
    )
}

fn not_found(instance: &InstanceInfo) -> Response {
    html(404, "<h1>Not found</h1><p>This page does not exist, or it is not public.</p>", &format!("Not found – {}", instance.title), "")
}

fn display_name(account: &AccountRow) -> String {
    if account.display_name.is_empty() { account.username.clone() } else { account.display_name.clone() }
}

fn og(pairs: &[(&str, &str)]) -> String {
    let mut out: String =
        pairs.iter().map(|(property, content)| format!("<meta property=\"{property}\" content=\"{}\">", escape(content))).collect();
    out.push_str("<meta name=\"twitter:card\" content=\"summary\">");
    out
}

fn alternate(uri: Option<&str>) -> String {
    uri.map(|uri| format!("<link rel=\"alternate\" type=\"application/activity+json\" href=\"{}\">", escape(uri))).unwrap_or_default()
}

/// Local notes are source text: escaped, blank lines make paragraphs.
fn paragraphs(text: &str) -> String {
    text.split("\n\n").filter(|p| !p.trim().is_empty()).map(|p| format!("<p>{}</p>", escape(p.trim()).replace('\n', "<br>"))).collect()
}

fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

fn html(status: u16, body: &str, title: &str, meta: &str) -> Response {
    let page = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title>{meta}<style>body{{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}}\
         article{{border-top:1px solid #ddd;padding:.5rem 0}}.acct{{color:#666}}</style></head><body>{body}</body></html>\n",
        escape(title)
    );
    Response { status, headers: vec![("content-type".into(), "text/html; charset=utf-8".into())], body: page.into_bytes() }
}
