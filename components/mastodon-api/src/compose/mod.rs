//! Composing statuses: a new status ([`create`]) or a new version of one ([`edit`])
//! read from the request and rendered, written by the core's status actions
//! (`aerie_core::actions::statuses`), then federated. Reblogs are in
//! `routes/api/v1/statuses/actions.rs`.

pub mod content;
mod edit;
pub mod poll;

pub use aerie_core::compose::{Instance, local_status_urls, render};
pub use content::Content;
pub use edit::edit;

use aerie_core::actions::Origin;
use aerie_core::actions::statuses::{self, Posted, Refused};
use aerie_core::compose::LocalPost;
use aerie_core::rows::{AccountRow, StatusRow};
use aerie_sdk::http::Response;
use aerie_sdk::settings;

use crate::ctx::invalid;

/// The instance facts composing needs.
pub fn instance() -> Result<Instance, Response> {
    Ok(aerie_core::compose::instance()?)
}

/// A status to write, already validated by the handler.
pub struct NewStatus {
    pub content: Content,
    pub visibility: String,
    pub in_reply_to: Option<StatusRow>,
    pub application_id: Option<i64>,
}

impl NewStatus {
    /// What core composes from.
    pub fn into_local_post(self) -> LocalPost {
        let content = self.content;
        LocalPost {
            text: content.text,
            spoiler_text: content.spoiler_text,
            sensitive: content.sensitive,
            language: content.language,
            media_ids: content.media_ids,
            poll: content.poll,
            visibility: self.visibility,
            in_reply_to: self.in_reply_to,
            application_id: self.application_id,
        }
    }
}

/// Writes `new` by `author`, publishes it and returns the stored row.
pub fn create(author: &AccountRow, new: NewStatus, instance: &Instance) -> Result<StatusRow, Response> {
    let status = aerie_core::compose::new_status(author, new.into_local_post(), instance, settings::next_id(), settings::now_millis())?;
    let row = match statuses::post(&Origin::Local, status).map_err(refused)? {
        Posted::Created(row) => *row,
        Posted::AlreadyStored | Posted::Unscheduled => return Err(Response::error(500, "the status was not stored")),
    };
    crate::federate::status_created(&row);
    Ok(row)
}

/// A status the core refused to write, as the client hears of it.
pub fn refused(refused: Refused) -> Response {
    match refused {
        Refused::Db(e) => e.into(),
        Refused::MediaNotFound(ids) => {
            let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
            invalid(&format!("Media not found: {}", ids.join(", ")))
        }
    }
}
