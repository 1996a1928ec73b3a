//! The blob store's keys for the files components store, and where the host serves
//! them: the API component writes `media/…` and `accounts/…` keys
//! (`components/mastodon-api`), core turns a key into its public URL, and the host
//! serves `BASE/system/KEY` from the blob store (`host/src/mastodon/media_files.rs`)
//! for exactly the prefixes below.

/// Uploaded media attachments: `media/ID/original/TOKEN.EXT`.
pub const MEDIA_PREFIX: &str = "media/";
/// Account pictures: `accounts/avatars/ID/TOKEN.EXT` and `accounts/headers/ID/TOKEN.EXT`.
pub const ACCOUNTS_PREFIX: &str = "accounts/";
/// Local custom emoji: `emojis/ID/TOKEN.EXT` (written by `aerie admin emoji add`).
pub const EMOJIS_PREFIX: &str = "emojis/";
/// Where the host serves the blob store's keys: `BASE/system/KEY`.
pub const URL_PATH: &str = "/system/";

/// The folders of account pictures under [`ACCOUNTS_PREFIX`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Picture {
    /// `accounts/avatars/…`.
    Avatar,
    /// `accounts/headers/…`.
    Header,
}

impl Picture {
    /// The folder's name under `accounts/`.
    pub fn folder(self) -> &'static str {
        match self {
            Picture::Avatar => "avatars",
            Picture::Header => "headers",
        }
    }
}

/// The key of media attachment `id`'s original file: `media/ID/original/TOKEN.EXT`
/// (`token` a random hex string, so a guessed id does not find the file).
pub fn media_original(id: i64, token: &str, extension: &str) -> String {
    format!("{MEDIA_PREFIX}{id}/original/{token}.{extension}")
}

/// The key of account `account`'s avatar or header: `accounts/FOLDER/ID/TOKEN.EXT`.
pub fn account_picture(picture: Picture, account: i64, token: &str, extension: &str) -> String {
    format!("{ACCOUNTS_PREFIX}{}/{account}/{token}.{extension}", picture.folder())
}

/// The key of local custom emoji `id`'s picture: `emojis/ID/TOKEN.EXT`.
pub fn emoji(id: i64, token: &str, extension: &str) -> String {
    format!("{EMOJIS_PREFIX}{id}/{token}.{extension}")
}

/// The absolute URL at which the host serves blob `key`: `BASE/system/KEY`.
pub fn url(base: &str, key: &str) -> String {
    format!("{base}{URL_PATH}{key}")
}

/// Whether the host serves `key` publicly at [`url`] (it is under one of the prefixes
/// above).
pub fn is_served(key: &str) -> bool {
    key.starts_with(MEDIA_PREFIX) || key.starts_with(ACCOUNTS_PREFIX) || key.starts_with(EMOJIS_PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_urls() {
        assert_eq!(media_original(7, "ab", "png"), "media/7/original/ab.png");
        assert_eq!(account_picture(Picture::Avatar, 1, "00ff", "jpg"), "accounts/avatars/1/00ff.jpg");
        assert_eq!(account_picture(Picture::Header, 1, "11ee", "webp"), "accounts/headers/1/11ee.webp");
        assert_eq!(url("https://a.example", "media/7/original/ab.png"), "https://a.example/system/media/7/original/ab.png");
        assert!(is_served("media/7/original/ab.png") && is_served("accounts/avatars/1/x.jpg"));
        assert!(!is_served("other/x"));
    }
}
