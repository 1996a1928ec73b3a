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

pub fn media_configuration() -> serde_json::Value {
    serde_json::json!({
        "supported_mime_types": ["image/jpeg", "image/png", "image/gif", "image/webp"],
        "image_size_limit": 16_777_216,
        "image_matrix_limit": 33_177_600,
        "video_size_limit": 103_809_024,
        "video_frame_rate_limit": 120,
        "video_matrix_limit": 8_294_400,
        "description_limit": 1500,
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
