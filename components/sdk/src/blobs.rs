//! The host's blob store (`aerie:host/blobs`, behind `grants.blobs`): objects written
//! as a stream of chunks, so a large file crosses into the host piece by piece.

#[cfg(not(all(feature = "native-harness", not(target_arch = "wasm32"))))]
use crate::bindings::aerie::host::blobs as host;
#[cfg(all(feature = "native-harness", not(target_arch = "wasm32")))]
use crate::harness::blobs as host;

pub use host::Error;

/// Largest chunk handed to the host in one call.
const CHUNK: usize = 1 << 20;

/// Stores the concatenation of `pieces` under `key` (replacing any object there) and
/// returns its size. Nothing is visible under `key` unless every piece was written.
pub fn put<'a>(key: &str, content_type: Option<&str>, pieces: impl IntoIterator<Item = &'a [u8]>) -> Result<u64, Error> {
    let writer = host::create(key, content_type)?;
    for piece in pieces {
        for chunk in piece.chunks(CHUNK) {
            writer.write(chunk)?;
        }
    }
    host::Writer::finish(writer)
}

/// Removes the object under `key`; a missing one is not an error.
pub fn delete(key: &str) -> Result<(), Error> {
    host::delete(key)
}

/// Up to `len` bytes of `key` from `offset`, and the object's whole size.
pub fn read(key: &str, offset: u64, len: u32) -> Result<(Vec<u8>, u64), Error> {
    host::read(key, offset, len)
}
