//! `GET /api/v1/polls/:id` and `POST /api/v1/polls/:id/votes`. A poll is as
//! visible as its status.

use aerie_core::actions::polls::{self as poll_actions, Voted};
use aerie_core::rows::StatusRow;
use aerie_core::store;
use aerie_sdk::db::Autocommit;
use aerie_sdk::http::Response;
use aerie_sdk::settings;

use crate::ctx::{Answer, Ctx, invalid};
use crate::{federate, load, polls};

/// The status of poll `id`, if the viewer may see it (404 otherwise).
fn poll_status(viewer: Option<i64>, id: i64) -> Result<StatusRow, Response> {
    let status_id = store::polls::status_of(&Autocommit, id)?.ok_or_else(Response::not_found)?;
    let status = load::visible_status(viewer, status_id)?;
    if status.poll_id != Some(id) {
        return Err(Response::not_found());
    }
    Ok(status)
}

fn answer(viewer: Option<i64>, id: i64) -> Answer {
    let poll = polls::entities(viewer, &[id])?.remove(&id).ok_or_else(Response::not_found)?;
    Ok(Response::to_json(200, &poll))
}

/// `GET /api/v1/polls/:id`
pub fn get(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.optional("read:statuses")?;
    poll_status(viewer, id)?;
    answer(viewer, id)
}

/// `POST /api/v1/polls/:id/votes` with `choices[]` (option indexes).
pub fn vote(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:statuses")?;
    let status = poll_status(Some(viewer), id)?;
    let poll = store::polls::by_id(&Autocommit, id)?.ok_or_else(Response::not_found)?;
    let options = serde_json::from_str::<Vec<serde_json::Value>>(&poll.options).unwrap_or_default();
    let option_count = options.len();
    let now = settings::now_millis();
    if poll.expires_at.is_some_and(|at| at <= now) {
        return Err(invalid("The poll has already ended"));
    }
    let mut choices: Vec<i64> = Vec::new();
    for raw in ctx.params.all("choices") {
        let choice = raw.trim().parse::<i64>().ok().filter(|c| (0..option_count as i64).contains(c));
        let choice = choice.ok_or_else(|| invalid("Choice is not a valid option"))?;
        if !choices.contains(&choice) {
            choices.push(choice);
        }
    }
    if choices.is_empty() {
        return Err(invalid("Choices can't be blank"));
    }
    if choices.len() > 1 && !poll.multiple {
        return Err(invalid("This poll allows only one choice"));
    }
    // Votes on a remote poll go to its author as Notes whose ids the rows keep.
    let vote_rows: Vec<i64> = choices.iter().map(|_| settings::next_id()).collect();
    let vote_uris = federate::vote_ids(viewer, &status, &vote_rows);
    let votes: Vec<(i64, i64, Option<String>)> =
        vote_rows.iter().zip(&choices).zip(&vote_uris).map(|((row, choice), uri)| (*row, *choice, uri.clone())).collect();
    if poll_actions::vote(viewer, id, poll.expires_at, &votes, now)? == Voted::AlreadyVoted {
        return Err(invalid("You have already voted on this poll"));
    }
    let title = |choice: i64| options.get(choice as usize).and_then(|o| o.get("title")).and_then(|t| t.as_str()).unwrap_or("").to_string();
    let sent: Vec<(String, String)> =
        choices.iter().zip(&vote_uris).filter_map(|(choice, uri)| Some((uri.clone()?, title(*choice)))).collect();
    federate::voted(viewer, &status, &sent);
    answer(Some(viewer), id)
}
