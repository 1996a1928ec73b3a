//! A minimal moderation policy: rejects every incoming activity whose text contains
//! the word in its `word` setting (case-insensitive) and passes everything else on
//! unchanged. A policy gets no database: only `log` and, when granted, `kv`.
//!
//! ```toml
//! [[components]]
//! id = "no-spam"
//! source = "/srv/aerie/policy.wasm"
//! hook = "policy"
//! config = { word = "spam" }
//! ```

use aerie_sdk::log;
use aerie_sdk::policy::{Direction, Verdict};

#[aerie_sdk::policy]
fn filter(activity: String, direction: Direction, peer: String, config: Vec<(String, String)>) -> Verdict {
    let word = config.iter().find(|(key, _)| key == "word").map(|(_, value)| value.to_lowercase());
    match word {
        Some(word) if !word.is_empty() && matches!(direction, Direction::Incoming) && activity.to_lowercase().contains(&word) => {
            log::info(&format!("no-spam: an activity from {peer} mentions {word:?}"));
            Verdict::Reject(format!("mentions {word:?}"))
        }
        _ => Verdict::Accept(activity),
    }
}
