//! What a status says, as posting and editing read it from the request: text,
//! content warning, sensitivity, language, media and poll, checked the way
//! Mastodon checks them (blank text needs media or a poll; length by
//! [`render::length`]; not both media and a poll).

use aerie_sdk::params::Params;

use super::poll::{self, NewPoll};
use super::{Instance, render};
use crate::ctx::invalid;
use aerie_sdk::http::Response;

/// Most media attachments on one status.
pub const MAX_MEDIA: usize = 4;

/// The validated content of a status.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Content {
    pub text: String,
    pub spoiler_text: String,
    /// `None` when the request did not say.
    pub sensitive: Option<bool>,
    /// `None` when the request did not say (or said something unusable).
    pub language: Option<String>,
    pub media_ids: Vec<i64>,
    pub poll: Option<NewPoll>,
}

/// Reads and checks the content parameters.
pub fn from_params(params: &Params, instance: &Instance) -> Result<Content, Response> {
    let text = params.get("status").unwrap_or("").trim().to_string();
    let spoiler_text = params.get("spoiler_text").unwrap_or("").trim().to_string();
    let mut media_ids: Vec<i64> = Vec::new();
    for raw in params.all("media_ids").into_iter().filter(|m| !m.is_empty()) {
        let id = raw.parse::<i64>().map_err(|_| invalid(&format!("Media not found: {raw}")))?;
        if !media_ids.contains(&id) {
            media_ids.push(id);
        }
    }
    if media_ids.len() > MAX_MEDIA {
        return Err(invalid(&format!("Media attachments can't be more than {MAX_MEDIA}")));
    }
    let poll = poll::from_params(params)?;
    if poll.is_some() && !media_ids.is_empty() {
        return Err(invalid("Cannot attach both media and a poll"));
    }
    if text.is_empty() && media_ids.is_empty() && poll.is_none() {
        return Err(invalid("Text can't be blank"));
    }
    if render::length(&text, &spoiler_text) > instance.max_characters {
        return Err(invalid(&format!("Text character limit of {} exceeded", instance.max_characters)));
    }
    Ok(Content {
        text,
        spoiler_text,
        sensitive: params.bool("sensitive"),
        language: params.get("language").filter(|l| !l.is_empty() && l.len() <= 16).map(str::to_string),
        media_ids,
        poll,
    })
}
