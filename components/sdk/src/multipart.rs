//! `multipart/form-data` bodies read as bytes: text fields and uploaded files alike,
//! each part borrowed from the body (a file is never copied or decoded as text).

/// One part of a multipart body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part<'a> {
    /// The form field name (`name=` of its `Content-Disposition`).
    pub name: String,
    /// Set for file parts (possibly empty: some clients send `filename=""`).
    pub filename: Option<String>,
    /// The part's `Content-Type`, when it has one.
    pub content_type: Option<String>,
    /// The part's bytes, borrowed from the body.
    pub data: &'a [u8],
}

/// The boundary of a `multipart/form-data` content type.
pub fn boundary(content_type: &str) -> Option<&str> {
    if !content_type.trim_start().to_ascii_lowercase().starts_with("multipart/form-data") {
        return None;
    }
    let (_, rest) = content_type.split_once("boundary=")?;
    let boundary = rest.split(';').next()?.trim().trim_matches('"');
    (!boundary.is_empty()).then_some(boundary)
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    let first = *needle.first()?;
    let mut at = from;
    while at + needle.len() <= haystack.len() {
        let offset = haystack[at..=haystack.len() - needle.len()].iter().position(|&b| b == first)?;
        at += offset;
        if &haystack[at..at + needle.len()] == needle {
            return Some(at);
        }
        at += 1;
    }
    None
}

/// A header parameter such as `name="file"` of a `Content-Disposition` value.
fn parameter(header: &str, key: &str) -> Option<String> {
    header.split(';').skip(1).find_map(|piece| {
        let (k, v) = piece.trim().split_once('=')?;
        k.trim().eq_ignore_ascii_case(key).then(|| v.trim().trim_matches('"').to_string())
    })
}

/// The parts of `body`, in order; malformed parts are skipped.
pub fn parts<'a>(body: &'a [u8], boundary: &str) -> Vec<Part<'a>> {
    let delimiter = format!("--{boundary}");
    let mut out = Vec::new();
    let Some(mut at) = find(body, delimiter.as_bytes(), 0) else { return out };
    let next_delimiter = format!("\r\n--{boundary}");
    loop {
        at += delimiter.len();
        if body.get(at..at + 2) == Some(b"--") {
            break; // the closing delimiter
        }
        // The rest of the delimiter line (transport padding), then the headers.
        let Some(line_end) = find(body, b"\r\n", at) else { break };
        let head_start = line_end + 2;
        let Some(head_end) = find(body, b"\r\n\r\n", head_start) else { break };
        let data_start = head_end + 4;
        let Some(data_end) = find(body, next_delimiter.as_bytes(), data_start) else { break };
        let head = String::from_utf8_lossy(&body[head_start..head_end]);
        let mut name = None;
        let mut filename = None;
        let mut content_type = None;
        for line in head.split("\r\n") {
            let Some((key, value)) = line.split_once(':') else { continue };
            if key.trim().eq_ignore_ascii_case("content-disposition") {
                name = parameter(value, "name");
                filename = parameter(value, "filename");
            } else if key.trim().eq_ignore_ascii_case("content-type") {
                content_type = Some(value.trim().to_string());
            }
        }
        if let Some(name) = name {
            out.push(Part { name, filename, content_type, data: &body[data_start..data_end] });
        }
        at = data_end + 2;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_binary_parts() {
        let mut body = b"--XyZ\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\nA cat\r\n".to_vec();
        body.extend_from_slice(
            b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cat.png\"\r\nContent-Type: image/png\r\n\r\n",
        );
        let file: Vec<u8> = (0..=255u8).chain(b"\r\n--X".iter().copied()).chain([0xFF, 0xD8]).collect();
        body.extend_from_slice(&file);
        body.extend_from_slice(b"\r\n--XyZ--\r\n");
        let parts = parts(&body, "XyZ");
        assert_eq!(parts.len(), 2);
        assert_eq!((parts[0].name.as_str(), parts[0].data, parts[0].filename.as_deref()), ("description", &b"A cat"[..], None));
        assert_eq!(parts[1].name, "file");
        assert_eq!(parts[1].filename.as_deref(), Some("cat.png"));
        assert_eq!(parts[1].content_type.as_deref(), Some("image/png"));
        assert_eq!(parts[1].data, &file[..]);
    }

    #[test]
    fn boundaries_and_junk() {
        assert_eq!(boundary("multipart/form-data; boundary=\"a b\""), Some("a b"));
        assert_eq!(boundary("Multipart/Form-Data;boundary=xx; charset=utf-8"), Some("xx"));
        assert_eq!(boundary("application/json"), None);
        assert!(parts(b"no delimiter here", "XX").is_empty());
        assert!(parts(b"--XX\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nunterminated", "XX").is_empty());
        assert!(parts(b"", "XX").is_empty());
    }
}
