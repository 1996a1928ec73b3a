//! The HTML of the authorization page: log in and allow an app, or see why not.

/// What the authorize form carries through the login.
pub struct AuthorizeForm<'a> {
    pub app_name: &'a str,
    pub client_id: &'a str,
    pub redirect_uri: &'a str,
    pub scope: &'a str,
    pub state: &'a str,
    pub code_challenge: &'a str,
    pub code_challenge_method: &'a str,
    pub login: &'a str,
    pub error: Option<&'a str>,
}

pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><style>body{{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}}\
         label,input,button{{display:block;width:100%;margin:.4rem 0}}input,button{{padding:.5rem;font-size:1rem}}\
         .error{{color:#a00}}code{{font-size:1.2rem;word-break:break-all}}</style></head><body>{body}</body></html>\n",
        title = escape(title),
    )
}

/// The login + consent form.
pub fn authorize(form: &AuthorizeForm<'_>) -> String {
    let hidden = |name: &str, value: &str| format!("<input type=\"hidden\" name=\"{name}\" value=\"{}\">", escape(value));
    let scopes: String = form.scope.split_whitespace().map(|s| format!("<li>{}</li>", escape(s))).collect();
    let error = form.error.map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(e))).unwrap_or_default();
    let body = format!(
        "<h1>Authorize {app}</h1><p><strong>{app}</strong> asks for access to your account:</p><ul>{scopes}</ul>{error}\
         <form method=\"post\" action=\"/oauth/authorize\">{h1}{h2}{h3}{h4}{h5}{h6}\
         <input type=\"hidden\" name=\"response_type\" value=\"code\">\
         <label for=\"login\">Email or username</label><input id=\"login\" name=\"login\" autocomplete=\"username\" value=\"{login}\" required>\
         <label for=\"password\">Password</label><input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required>\
         <button type=\"submit\" name=\"decision\" value=\"allow\">Authorize</button>\
         <button type=\"submit\" name=\"decision\" value=\"deny\" formnovalidate>Deny</button></form>",
        app = escape(form.app_name),
        h1 = hidden("client_id", form.client_id),
        h2 = hidden("redirect_uri", form.redirect_uri),
        h3 = hidden("scope", form.scope),
        h4 = hidden("state", form.state),
        h5 = hidden("code_challenge", form.code_challenge),
        h6 = hidden("code_challenge_method", form.code_challenge_method),
        login = escape(form.login),
    );
    page("Authorize an app", &body)
}

/// The code shown for out-of-band (`urn:ietf:wg:oauth:2.0:oob`) apps to copy.
pub fn show_code(app_name: &str, code: &str) -> String {
    let body = format!(
        "<h1>Authorization code</h1><p>Copy this code and paste it into {}:</p><p><code id=\"code\">{}</code></p>",
        escape(app_name),
        escape(code)
    );
    page("Authorization code", &body)
}

/// Why the authorization request cannot go on.
pub fn problem(message: &str) -> String {
    page("Cannot authorize", &format!("<h1>Cannot authorize this app</h1><p class=\"error\">{}</p>", escape(message)))
}
