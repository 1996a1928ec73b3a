//! HTTP as the tests speak it: the clients, API calls as the holder of a token,
//! multipart bodies and uploads, and fetching what the instance serves.

use std::time::Duration;

use serde_json::Value;

use super::instance::Instance;

/// A client with the suite's timeout.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(60)).build().unwrap()
}

/// A client that does not follow redirects (OAuth answers are inspected).
pub fn client_no_redirects() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(60)).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// `GET path` as the holder of `token`: the status and the JSON body (null if none).
pub async fn get(instance: &Instance, token: &str, path: &str) -> (u16, Value) {
    let response = client().get(instance.url(path)).bearer_auth(token).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// `POST path` with a JSON `body` as the holder of `token`.
pub async fn post(instance: &Instance, token: &str, path: &str, body: Value) -> (u16, Value) {
    let response = client().post(instance.url(path)).bearer_auth(token).json(&body).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// An ActivityPub document as another server fetches it (unsigned).
pub async fn get_ap(instance: &Instance, path: &str) -> (u16, Value) {
    let response = client().get(instance.url(path)).header("accept", "application/activity+json").send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// `PATCH /api/v1/accounts/update_credentials` with a form body, as Mastodon's web UI sends it.
pub async fn update_credentials(instance: &Instance, token: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let response = client().patch(instance.url("/api/v1/accounts/update_credentials")).bearer_auth(token).form(form).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// `PATCH /api/v1/accounts/update_credentials` as multipart with text `fields` and
/// `files` (field name, file name, content type, bytes).
pub async fn update_credentials_multipart(
    instance: &Instance,
    token: &str,
    fields: &[(&str, &str)],
    files: &[(&str, &str, &str, &[u8])],
) -> (u16, Value) {
    let (content_type, body) = multipart_files(fields, files);
    let response = client()
        .patch(instance.url("/api/v1/accounts/update_credentials"))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// `DELETE path` as the holder of `token`.
pub async fn delete(instance: &Instance, token: &str, path: &str) -> (u16, Value) {
    let response = client().delete(instance.url(path)).bearer_auth(token).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// A multipart body with text `fields` and, if given, a file part `file` (file
/// name, content type, bytes).
pub fn multipart(fields: &[(&str, &str)], file: Option<(&str, &str, &[u8])>) -> (String, Vec<u8>) {
    let files: Vec<_> = file.into_iter().map(|(filename, content_type, bytes)| ("file", filename, content_type, bytes)).collect();
    multipart_files(fields, &files)
}

/// A multipart body with text `fields` and file parts `files` (field name, file name,
/// content type, bytes), and its content type.
pub fn multipart_files(fields: &[(&str, &str)], files: &[(&str, &str, &str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "aerie-test-boundary-7d1f";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes());
    }
    for (name, filename, content_type, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Uploads `bytes` to `path` (`/api/v1/media` or `/api/v2/media`).
pub async fn upload(
    instance: &Instance,
    token: &str,
    path: &str,
    bytes: &[u8],
    content_type: &str,
    fields: &[(&str, &str)],
) -> (u16, Value) {
    let (content_type, body) = multipart(fields, Some(("picture", content_type, bytes)));
    let response =
        client().post(instance.url(path)).bearer_auth(token).header("content-type", content_type).body(body).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The bytes at `url` (an absolute URL of the instance) and the response headers.
pub async fn fetch(url: &str, range: Option<&str>) -> (u16, http::HeaderMap, Vec<u8>) {
    let mut request = client().get(url);
    if let Some(range) = range {
        request = request.header("range", range);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.bytes().await.unwrap().to_vec())
}

/// The path of one of the instance's URLs (`http://host:port/system/...` → `/system/...`).
pub fn path_of(url: &str) -> String {
    let rest = url.split_once("://").unwrap().1;
    format!("/{}", rest.split_once('/').unwrap().1)
}
