//! What can go wrong with a blob, said so that the reader knows what to do next.

/// A blob store error. `NotFound`, `InvalidKey` and `OutOfRange` are the caller's
/// business (a 404, a 400, a 416); `Unavailable`, `Denied` and `Io` are the
/// operator's, and carry the fix.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("blob {key:?} does not exist")]
    NotFound { key: String },

    #[error("blob key {key:?} {reason}; keys are relative paths of plain segments, like media/ab/cd/file.png")]
    InvalidKey { key: String, reason: &'static str },

    #[error("blob {key:?} is {size} bytes; offset {offset} is past its end")]
    OutOfRange { key: String, offset: u64, size: u64 },

    /// The store cannot be reached or is not there: retrying later may work.
    #[error("{message}; fix: {fix}")]
    Unavailable { message: String, fix: String },

    /// The store answered but refused: credentials, permissions, policies.
    #[error("{message}; fix: {fix}")]
    Denied { message: String, fix: String },

    /// Reading or writing failed: a broken upload stream, a full disk, an odd answer.
    #[error("{message}; fix: {fix}")]
    Io { message: String, fix: String },
}

impl BlobError {
    pub(crate) fn unavailable(message: impl Into<String>, fix: impl Into<String>) -> BlobError {
        BlobError::Unavailable { message: message.into(), fix: fix.into() }
    }

    pub(crate) fn denied(message: impl Into<String>, fix: impl Into<String>) -> BlobError {
        BlobError::Denied { message: message.into(), fix: fix.into() }
    }

    pub(crate) fn io(message: impl Into<String>, fix: impl Into<String>) -> BlobError {
        BlobError::Io { message: message.into(), fix: fix.into() }
    }

    /// The caller's upload stream failed: nothing was stored.
    pub(crate) fn source(key: &str, error: std::io::Error) -> BlobError {
        BlobError::io(
            format!("reading the data for blob {key:?} failed: {error}; nothing was stored"),
            "send the upload again (the source stream broke before its end)",
        )
    }
}
