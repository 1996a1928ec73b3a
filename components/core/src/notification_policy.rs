//! Mastodon 4.3's notification policy: whether a notification from `sender` reaches
//! `recipient`'s list, waits in a request (filtered) or is not stored at all
//! (dropped), by the recipient's [`Policy`]. Only kinds Mastodon lets a policy touch
//! are looked at (mentions, favourites, reblogs, follows and follow requests), and
//! never for a sender whose request the recipient accepted.

use aerie_sdk::db::{Error, Handle};

use crate::store::notification_requests::{self as store, Action, Policy, SenderFacts};
use crate::store::notifications::{FAVOURITE, FOLLOW, FOLLOW_REQUEST, MENTION, REBLOG};

/// Kinds a policy may filter or drop.
pub const FILTERABLE: [&str; 5] = [MENTION, REBLOG, FOLLOW, FOLLOW_REQUEST, FAVOURITE];

const DAY_MS: i64 = 86_400_000;
/// An account younger than this is new (`for_new_accounts`).
const NEW_ACCOUNT_MS: i64 = 30 * DAY_MS;
/// A follower of less than this long does not count as one (`for_not_followers`).
const FOLLOWER_MS: i64 = 3 * DAY_MS;

/// What happens to a notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Deliver,
    Filter,
    Drop,
}

/// The decision for a `kind` notification from `sender` to `recipient` about `status`.
pub fn decide(db: &impl Handle, recipient: i64, sender: i64, kind: &str, status: Option<i64>, now: i64) -> Result<Decision, Error> {
    if !FILTERABLE.contains(&kind) {
        return Ok(Decision::Deliver);
    }
    let policy = store::policy(db, recipient)?;
    let facts = store::sender_facts(db, recipient, sender)?;
    if facts.permitted {
        return Ok(Decision::Deliver);
    }
    let private_mention = || -> Result<bool, Error> {
        if kind != MENTION || facts.followed || policy.for_private_mentions == Action::Accept {
            return Ok(false);
        }
        let Some((visibility, parent)) = status.map(|id| store::status_shape(db, id)).transpose()?.flatten() else { return Ok(false) };
        Ok(visibility == "direct" && !parent.map(|p| store::answers_recipient(db, p, recipient, sender)).transpose()?.unwrap_or(false))
    };
    let mut actions = applicable(&policy, &facts, now);
    if private_mention()? {
        actions.push(policy.for_private_mentions);
    }
    Ok(if actions.contains(&Action::Drop) {
        Decision::Drop
    } else if actions.contains(&Action::Filter) {
        Decision::Filter
    } else {
        Decision::Deliver
    })
}

/// The actions of the rules that apply to the sender, besides the private-mention rule.
fn applicable(policy: &Policy, facts: &SenderFacts, now: i64) -> Vec<Action> {
    let not_following = !facts.followed;
    let not_follower = facts.follows_since.is_none_or(|since| since > now - FOLLOWER_MS);
    let new_account = facts.created_at > now - NEW_ACCOUNT_MS;
    let mut out = Vec::new();
    if facts.limited && not_following {
        out.push(policy.for_limited_accounts);
    }
    if not_following {
        out.push(policy.for_not_following);
    }
    if not_follower {
        out.push(policy.for_not_followers);
    }
    if new_account && not_following {
        out.push(policy.for_new_accounts);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_that_apply() {
        let now = 100 * DAY_MS;
        let policy = Policy { for_not_following: Action::Filter, for_not_followers: Action::Drop, ..Policy::default() };
        let stranger = SenderFacts { created_at: 0, ..SenderFacts::default() };
        assert_eq!(applicable(&policy, &stranger, now), [Action::Filter, Action::Drop]);
        let old_follower = SenderFacts { followed: true, follows_since: Some(now - 4 * DAY_MS), ..stranger };
        assert!(applicable(&policy, &old_follower, now).is_empty());
        let new_follower = SenderFacts { follows_since: Some(now - DAY_MS), ..old_follower };
        assert_eq!(applicable(&policy, &new_follower, now), [Action::Drop]);
        let limited_newcomer = SenderFacts { limited: true, created_at: now - DAY_MS, ..stranger };
        assert_eq!(
            applicable(&Policy::default(), &limited_newcomer, now),
            [Action::Filter, Action::Accept, Action::Accept, Action::Accept]
        );
    }
}
