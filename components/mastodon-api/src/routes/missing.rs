//! The default pictures the API hands out for accounts without their own
//! (`aerie_core::convert::missing_avatar` / `missing_header`): flat grey PNGs
//! embedded in the component, cached by clients for a long time.

use aerie_sdk::http::Response;

const AVATAR: &[u8] = include_bytes!("../../assets/missing-avatar.png");
const HEADER: &[u8] = include_bytes!("../../assets/missing-header.png");

/// `GET /avatars/original/missing.png`
pub fn avatar() -> Response {
    png(AVATAR)
}

/// `GET /headers/original/missing.png`
pub fn header() -> Response {
    png(HEADER)
}

fn png(body: &[u8]) -> Response {
    Response {
        status: 200,
        headers: vec![("content-type".into(), "image/png".into()), ("cache-control".into(), "public, max-age=31536000, immutable".into())],
        body: body.to_vec(),
    }
}
