//! Blob keys: relative, slash-separated paths that mean the same thing as a file
//! under the local folder and as an object name in a bucket.
//!
//! The rules are strict so that a key can never leave the local folder (`..`, an
//! absolute path), never means two things on two backends (`a//b`, `a\b`), and
//! never collides with the local backend's in-flight temporary files.

use super::BlobError;

/// Local temporary files start with this; keys may not use it.
pub(crate) const TEMP_PREFIX: &str = ".aerie-";

/// S3's limit on a key, in bytes.
const MAX_KEY_BYTES: usize = 1024;

/// Accepts `media/ab/cd/file.png`; refuses anything that is not a plain relative path.
pub fn check_key(key: &str) -> Result<(), BlobError> {
    let invalid = |reason| Err(BlobError::InvalidKey { key: key.to_string(), reason });
    if key.is_empty() {
        return invalid("is empty");
    }
    if key.len() > MAX_KEY_BYTES {
        return invalid("is longer than 1024 bytes");
    }
    if key.starts_with('/') {
        return invalid("is absolute");
    }
    if key.contains('\\') {
        return invalid("contains a backslash");
    }
    if key.chars().any(char::is_control) {
        return invalid("contains a control character");
    }
    for segment in key.split('/') {
        match segment {
            "" => return invalid("has an empty segment (// or a trailing /)"),
            "." | ".." => return invalid("has a . or .. segment"),
            s if s.starts_with(TEMP_PREFIX) => return invalid("has a segment starting with .aerie-, which is reserved"),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check_key;

    #[test]
    fn plain_relative_paths_pass() {
        for key in ["a", "media/ab/cd/file.png", "x.y-z_1/2", "with space/ü.txt", ".well-known"] {
            check_key(key).unwrap_or_else(|e| panic!("{key}: {e}"));
        }
    }

    #[test]
    fn everything_else_is_refused_with_a_reason() {
        for key in
            ["", "/etc/passwd", "../x", "a/../b", "a/..", "./a", "a//b", "a/", "a\\b", "a\nb", "a\0b", ".aerie-put-1", "a/.aerie-x/b"]
        {
            let error = check_key(key).expect_err(key).to_string();
            assert!(error.contains("keys are relative paths"), "{error}");
        }
        assert!(check_key(&"k".repeat(1025)).is_err());
    }
}
