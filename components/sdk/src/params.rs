//! Request parameters as Mastodon reads them: the query string and the body
//! (`application/x-www-form-urlencoded`, `multipart/form-data` text parts, or JSON)
//! merged into one list of `(name, value)` pairs. JSON is flattened to the form
//! names Rails uses (`media_ids[]`, `fields_attributes[0][name]`), so handlers read
//! every body the same way. Unknown parameters are simply never asked for.

use crate::http::Request;

/// The parameters of one request.
#[derive(Debug, Clone, Default)]
pub struct Params {
    pairs: Vec<(String, String)>,
}

/// Decodes `%XX` escapes and `+` (as a space).
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'+', _) => out.push(b' '),
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 2;
            }
            (other, _) => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Encodes a query-string component.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(byte as char),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

fn parse_urlencoded(text: &str, pairs: &mut Vec<(String, String)>) {
    for pair in text.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        pairs.push((percent_decode(name), percent_decode(value)));
    }
}

fn flatten_json(prefix: &str, value: &serde_json::Value, pairs: &mut Vec<(String, String)>) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                let name = if prefix.is_empty() { key.clone() } else { format!("{prefix}[{key}]") };
                flatten_json(&name, inner, pairs);
            }
        }
        Value::Array(items) => {
            for (index, inner) in items.iter().enumerate() {
                match inner {
                    Value::Object(_) | Value::Array(_) => flatten_json(&format!("{prefix}[{index}]"), inner, pairs),
                    _ => flatten_json(&format!("{prefix}[]"), inner, pairs),
                }
            }
        }
        Value::Null => pairs.push((prefix.to_string(), String::new())),
        Value::Bool(b) => pairs.push((prefix.to_string(), b.to_string())),
        Value::Number(n) => pairs.push((prefix.to_string(), n.to_string())),
        Value::String(s) => pairs.push((prefix.to_string(), s.clone())),
    }
}

fn parse_multipart(body: &[u8], boundary: &str, pairs: &mut Vec<(String, String)>) {
    for part in crate::multipart::parts(body, boundary) {
        if part.filename.is_some() {
            continue; // files are read by the media endpoints, not here
        }
        pairs.push((part.name, String::from_utf8_lossy(part.data).into_owned()));
    }
}

impl Params {
    /// Only the query string.
    pub fn from_query(query: &str) -> Params {
        let mut pairs = Vec::new();
        parse_urlencoded(query, &mut pairs);
        Params { pairs }
    }

    /// The query string and the body, by the body's content type.
    pub fn from_request(request: &Request) -> Params {
        let mut params = Params::from_query(&request.query);
        if request.body.is_empty() {
            return params;
        }
        let content_type = request.header("content-type").unwrap_or("").to_ascii_lowercase();
        if content_type.starts_with("application/json") {
            if let Ok(value) = serde_json::from_slice::<serde_json::Value>(&request.body) {
                flatten_json("", &value, &mut params.pairs);
            }
        } else if content_type.starts_with("multipart/form-data") {
            if let Some(boundary) = crate::multipart::boundary(request.header("content-type").unwrap_or("")) {
                parse_multipart(&request.body, boundary, &mut params.pairs);
            }
        } else {
            parse_urlencoded(&String::from_utf8_lossy(&request.body), &mut params.pairs);
        }
        params
    }

    /// Every `(name, value)` pair, in order.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// The last value of `name` (later values win, like Rails).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs.iter().rev().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// Every value of list parameter `name`, given as `name[]` or `name`.
    pub fn all(&self, name: &str) -> Vec<&str> {
        let bracketed = format!("{name}[]");
        self.pairs.iter().filter(|(n, _)| *n == bracketed || n == name).map(|(_, v)| v.as_str()).collect()
    }

    /// `name` as a boolean, the way Rails casts it (`false`, `0`, `off`, `f`, `no` are false).
    pub fn bool(&self, name: &str) -> Option<bool> {
        self.get(name).map(truthy)
    }

    /// `name` as an integer; `None` when absent or unparseable.
    pub fn i64(&self, name: &str) -> Option<i64> {
        self.get(name).and_then(|v| v.trim().parse().ok())
    }

    /// Whether `name` was given at all.
    pub fn has(&self, name: &str) -> bool {
        self.pairs.iter().any(|(n, _)| n == name)
    }
}

/// Rails' boolean cast.
pub fn truthy(value: &str) -> bool {
    !matches!(value.trim().to_ascii_lowercase().as_str(), "" | "false" | "0" | "off" | "f" | "no" | "n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_forms_and_lists() {
        let params = Params::from_query("status=hi+there%21&id[]=1&id%5B%5D=2&flag=false&bad=%zz%4");
        assert_eq!(params.get("status"), Some("hi there!"));
        assert_eq!(params.all("id"), vec!["1", "2"]);
        assert_eq!(params.bool("flag"), Some(false));
        assert_eq!(params.get("bad"), Some("%zz%4"));
    }

    #[test]
    fn flattens_json() {
        let mut pairs = Vec::new();
        let value = serde_json::json!({"media_ids": ["1", "2"], "fields_attributes": [{"name": "a", "value": "b"}], "sensitive": true});
        flatten_json("", &value, &mut pairs);
        let params = Params { pairs };
        assert_eq!(params.all("media_ids"), vec!["1", "2"]);
        assert_eq!(params.get("fields_attributes[0][name]"), Some("a"));
        assert_eq!(params.bool("sensitive"), Some(true));
    }

    #[test]
    fn reads_multipart_text() {
        let body = b"--XX\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n--XX\r\nContent-Disposition: form-data; name=\"avatar\"; filename=\"a.png\"\r\n\r\nPNG\r\n--XX--\r\n";
        let mut pairs = Vec::new();
        parse_multipart(body, "XX", &mut pairs);
        assert_eq!(pairs, vec![("note".to_string(), "hello".to_string())]);
    }
}
