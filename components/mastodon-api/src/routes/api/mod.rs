pub mod discovery;
pub mod v1;
pub mod v2;

/// Limits advertised to clients, shared by v1 and v2 of the instance entity.
pub fn statuses_configuration(max_characters: i64) -> serde_json::Value {
    serde_json::json!({
        "max_characters": max_characters,
        "max_media_attachments": 4,
        "characters_reserved_per_url": 23,
    })
}

/// The upload limits `routes/api/v1/media.rs` enforces, as clients read them.
pub fn media_configuration() -> serde_json::Value {
    use v1::media::{IMAGE_SIZE_LIMIT, VIDEO_SIZE_LIMIT};
    serde_json::json!({
        "supported_mime_types": aerie_media::SUPPORTED_MIME_TYPES,
        "image_size_limit": IMAGE_SIZE_LIMIT,
        "image_matrix_limit": aerie_media::IMAGE_MATRIX_LIMIT,
        "video_size_limit": VIDEO_SIZE_LIMIT,
        "video_frame_rate_limit": 120,
        "video_matrix_limit": 8_294_400,
        "description_limit": aerie_core::media::DESCRIPTION_LIMIT,
    })
}

pub fn polls_configuration() -> serde_json::Value {
    serde_json::json!({
        "max_options": 4,
        "max_characters_per_option": 50,
        "min_expiration": 300,
        "max_expiration": 2_629_746,
    })
}
