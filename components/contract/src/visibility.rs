//! Who may see a status: the one visibility rule.
//!
//! A status is visible to a viewer (an account id, or nobody for anonymous and
//! unsigned requests) when all of these hold:
//! - it is not deleted, and its author is neither deleted nor suspended, nor on a
//!   domain the instance suspended;
//! - no block stands between viewer and author in either direction, and the viewer
//!   has not blocked the author's domain;
//! - its visibility lets the viewer in: `public` and `unlisted` let everyone in;
//!   `private` (followers-only) lets in the author, followers and mentioned accounts;
//!   `direct` lets in the author and mentioned accounts.
//!
//! [`visible_sql`] is the rule as a portable SQL condition; [`Visibility::allows`] is
//! the same rule for code that already holds the facts (streaming fan-out tests it
//! against the SQL).

/// A status's audience, as stored in `statuses.visibility`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    Public,
    Unlisted,
    /// Followers-only.
    Private,
    Direct,
}

impl Visibility {
    pub fn parse(text: &str) -> Option<Visibility> {
        Some(match text {
            "public" => Visibility::Public,
            "unlisted" => Visibility::Unlisted,
            "private" => Visibility::Private,
            "direct" => Visibility::Direct,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Unlisted => "unlisted",
            Visibility::Private => "private",
            Visibility::Direct => "direct",
        }
    }

    /// Whether a reply with this visibility counts in its parent's `replies_count`:
    /// public and unlisted only, as Mastodon counts. The count is one number every
    /// viewer sees, so a followers-only or direct reply must not show in it.
    pub fn counted_in_replies(self) -> bool {
        matches!(self, Visibility::Public | Visibility::Unlisted)
    }

    /// The audience part of the rule, given what is known about the viewer.
    pub fn allows(self, facts: &ViewerFacts) -> bool {
        if facts.is_author {
            return true;
        }
        if facts.blocked_either_way || facts.author_unavailable {
            return false;
        }
        match self {
            Visibility::Public | Visibility::Unlisted => true,
            Visibility::Private => facts.follows_author || facts.mentioned,
            Visibility::Direct => facts.mentioned,
        }
    }
}

/// What the rule needs to know about one viewer and one status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ViewerFacts {
    pub is_author: bool,
    pub follows_author: bool,
    pub mentioned: bool,
    /// A block either way, or the viewer blocked the author's domain.
    pub blocked_either_way: bool,
    /// Deleted status, deleted or suspended author, or author's domain suspended.
    pub author_unavailable: bool,
}

/// The rule as a SQL condition on the status aliased `status` (a table alias in the
/// caller's query), with the viewer's account id bound to placeholder `$viewer`
/// (`NULL` for anonymous). Portable across SQLite and PostgreSQL.
///
/// ```
/// let condition = aerie_contract::visibility::visible_sql("s", 1);
/// let sql = format!("SELECT s.id FROM statuses s WHERE {condition} ORDER BY s.id DESC");
/// assert!(sql.contains("$1"));
/// ```
pub fn visible_sql(status: &str, viewer: usize) -> String {
    let v = format!("${viewer}");
    format!(
        "({s}.deleted_at IS NULL \
         AND EXISTS (SELECT 1 FROM accounts va WHERE va.id = {s}.account_id AND va.suspended_at IS NULL AND va.deleted_at IS NULL \
           AND (va.domain IS NULL OR NOT EXISTS (SELECT 1 FROM domain_blocks vdb WHERE vdb.domain = va.domain AND vdb.severity = 'suspend')) \
           AND (CAST({v} AS BIGINT) IS NULL OR va.id = {v} OR ( \
             NOT EXISTS (SELECT 1 FROM blocks vb WHERE (vb.account_id = {v} AND vb.target_account_id = va.id) \
                                                  OR (vb.account_id = va.id AND vb.target_account_id = {v})) \
             AND (va.domain IS NULL OR NOT EXISTS (SELECT 1 FROM account_domain_blocks vadb WHERE vadb.account_id = {v} AND vadb.domain = va.domain))))) \
         AND ({s}.visibility IN ('public', 'unlisted') \
           OR {s}.account_id = {v} \
           OR EXISTS (SELECT 1 FROM mentions vm WHERE vm.status_id = {s}.id AND vm.account_id = {v}) \
           OR ({s}.visibility = 'private' AND EXISTS (SELECT 1 FROM follows vf WHERE vf.account_id = {v} AND vf.target_account_id = {s}.account_id))))",
        s = status
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_audience_rule() {
        let stranger = ViewerFacts::default();
        let follower = ViewerFacts { follows_author: true, ..Default::default() };
        let mentioned = ViewerFacts { mentioned: true, ..Default::default() };
        let author = ViewerFacts { is_author: true, ..Default::default() };
        let blocked = ViewerFacts { follows_author: true, mentioned: true, blocked_either_way: true, ..Default::default() };
        for v in [Visibility::Public, Visibility::Unlisted] {
            assert!(v.allows(&stranger) && v.allows(&follower) && !v.allows(&blocked));
        }
        assert!(!Visibility::Private.allows(&stranger) && Visibility::Private.allows(&follower) && Visibility::Private.allows(&mentioned));
        assert!(!Visibility::Direct.allows(&stranger) && !Visibility::Direct.allows(&follower) && Visibility::Direct.allows(&mentioned));
        assert!([Visibility::Public, Visibility::Unlisted, Visibility::Private, Visibility::Direct].iter().all(|v| v.allows(&author)));
        assert!(!Visibility::Direct.allows(&blocked), "a block beats a mention");
    }

    #[test]
    fn visibilities_round_trip() {
        for text in ["public", "unlisted", "private", "direct"] {
            assert_eq!(Visibility::parse(text).unwrap().as_str(), text);
        }
        assert_eq!(Visibility::parse("limited"), None);
    }

    #[test]
    fn only_public_and_unlisted_replies_are_counted() {
        let counted: Vec<&str> = [Visibility::Public, Visibility::Unlisted, Visibility::Private, Visibility::Direct]
            .into_iter()
            .filter(|v| v.counted_in_replies())
            .map(Visibility::as_str)
            .collect();
        assert_eq!(counted, ["public", "unlisted"]);
    }
}
