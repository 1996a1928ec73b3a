//! Matching statuses against a viewer's filters, as Mastodon does: a filter matches
//! a status when one of its keywords occurs in the status's searchable text (spoiler
//! text, the text without HTML, poll options and media descriptions), case-insensitive,
//! a `whole_word` keyword only where it starts and ends on a word boundary (`\b` on
//! the sides where the keyword itself begins or ends with a word character), or when
//! it names the status (or the original of a reblog). The viewer's filters are
//! compiled once per request ([`Filters::new`]) and matched against each status.
//! Also the conversions of filter rows to their client entities.

use std::collections::HashSet;

use crate::entities::{self, Filter, FilterKeyword, FilterResult, FilterStatus, FilterV1, Status};
use crate::store::filters::{FilterRow, FilterStatusRow, FullFilter, KeywordRow};
use crate::time::iso8601;

/// Where a filter applies.
pub const CONTEXTS: [&str; 5] = ["home", "notifications", "public", "thread", "account"];
/// What a match does: `warn` shows the status with `filtered`, `hide` drops it,
/// `blur` (Mastodon 4.4) shows it with `filtered` like `warn` (clients blur its media).
pub const ACTIONS: [&str; 3] = ["warn", "hide", "blur"];

/// What a list of statuses is filtered for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope<'a> {
    /// A timeline or list of one context: only filters of that context count, a `hide`
    /// match drops the status, the others are reported in `filtered`.
    Context(&'a str),
    /// A status on its own (or a list without a context, like bookmarks): every
    /// filter in force is reported, whatever its context and action, and nothing is
    /// dropped (Mastodon's REST answers; the client decides).
    Any,
}

impl<'a> Scope<'a> {
    /// The scope a request asks for (`filter_context`, set by the streaming renderer);
    /// an unknown or missing context is [`Scope::Any`].
    pub fn from_param(context: Option<&'a str>) -> Scope<'a> {
        match context {
            Some(c) if CONTEXTS.contains(&c) => Scope::Context(c),
            _ => Scope::Any,
        }
    }
}

/// Whether `c` is a word character (Ruby's `[[:word:]]`: letters, marks, digits and
/// connector punctuation; `_` is the one connector in practice).
fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Whether lowercased `keyword` occurs in lowercased `text`; for a `whole_word`
/// keyword only on word boundaries.
pub fn keyword_matches(text: &str, keyword: &str, whole_word: bool) -> bool {
    if keyword.is_empty() {
        return false;
    }
    if !whole_word {
        return text.contains(keyword);
    }
    let check_start = keyword.chars().next().is_some_and(is_word);
    let check_end = keyword.chars().next_back().is_some_and(is_word);
    text.match_indices(keyword).any(|(at, found)| {
        let before = text[..at].chars().next_back();
        let after = text[at + found.len()..].chars().next();
        (!check_start || !before.is_some_and(is_word)) && (!check_end || !after.is_some_and(is_word))
    })
}

/// What a status is searched in, lowercased: its spoiler text, its text without
/// HTML, its poll's options and its media descriptions, as Mastodon joins them.
pub fn searchable_text(status: &Status) -> String {
    let mut parts: Vec<String> = vec![status.spoiler_text.clone(), crate::text::html_to_text(&status.content)];
    if let Some(poll) = &status.poll {
        parts.push(poll.options.iter().map(|o| o.title.as_str()).collect::<Vec<_>>().join("\n\n"));
    }
    parts.push(status.media_attachments.iter().filter_map(|m| m.description.as_deref()).collect::<Vec<_>>().join("\n\n"));
    parts.join("\n\n").to_lowercase()
}

struct Compiled {
    filter: FilterRow,
    /// (as written, lowercased, whole word)
    keywords: Vec<(String, String, bool)>,
    status_ids: HashSet<i64>,
}

/// A viewer's filters in force, ready to match.
#[derive(Default)]
pub struct Filters {
    compiled: Vec<Compiled>,
}

/// One filter that matched a status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match<'a> {
    pub filter: &'a FilterRow,
    /// The filter's keywords found in the status, as the filter writes them.
    pub keyword_matches: Vec<String>,
    /// The filter's statuses among the ones matched (the status, or its original).
    pub status_matches: Vec<i64>,
}

impl Filters {
    /// Compiles `filters` (already limited to those in force).
    pub fn new(filters: Vec<FullFilter>) -> Filters {
        let compiled = filters
            .into_iter()
            .map(|f| Compiled {
                keywords: f
                    .keywords
                    .into_iter()
                    .map(|k| (k.keyword.to_lowercase(), k.keyword, k.whole_word))
                    .map(|(lower, written, whole)| (written, lower, whole))
                    .collect(),
                status_ids: f.statuses.iter().map(|s| s.status_id).collect(),
                filter: f.filter,
            })
            .collect();
        Filters { compiled }
    }

    /// Whether there is nothing to match.
    pub fn is_empty(&self) -> bool {
        self.compiled.is_empty()
    }

    /// Whether any filter could apply in `scope` (no work for the others).
    pub fn applies(&self, scope: Scope) -> bool {
        self.compiled.iter().any(|c| in_scope(&c.filter, scope))
    }

    /// The filters of `scope` that match a status whose searchable text (see
    /// [`searchable_text`], lowercased) is `text` and whose ids (its own, and its
    /// original's for a reblog) are `status_ids`.
    pub fn matches(&self, scope: Scope, status_ids: &[i64], text: &str) -> Vec<Match<'_>> {
        self.compiled
            .iter()
            .filter(|c| in_scope(&c.filter, scope))
            .filter_map(|c| {
                let keyword_matches: Vec<String> =
                    c.keywords.iter().filter(|(_, lower, whole)| keyword_matches(text, lower, *whole)).map(|(k, _, _)| k.clone()).collect();
                let status_matches: Vec<i64> = status_ids.iter().copied().filter(|id| c.status_ids.contains(id)).collect();
                (!keyword_matches.is_empty() || !status_matches.is_empty()).then_some(Match {
                    filter: &c.filter,
                    keyword_matches,
                    status_matches,
                })
            })
            .collect()
    }

    /// What `status` (an entity being built; for a reblog its original's entity is
    /// `status.reblog`) shows for `scope`: `None` when a `hide` filter drops it,
    /// otherwise its `filtered` list.
    pub fn apply(&self, scope: Scope, status: &Status) -> Option<Vec<FilterResult>> {
        let content = status.reblog.as_deref().unwrap_or(status);
        let mut ids: Vec<i64> = status.id.parse().ok().into_iter().collect();
        if let Some(original) = status.reblog.as_deref().and_then(|r| r.id.parse().ok()) {
            ids.push(original);
        }
        let found = self.matches(scope, &ids, &searchable_text(content));
        if matches!(scope, Scope::Context(_)) && found.iter().any(|m| m.filter.action == "hide") {
            return None;
        }
        Some(found.iter().map(match_to_api).collect())
    }
}

fn in_scope(filter: &FilterRow, scope: Scope) -> bool {
    match scope {
        Scope::Any => true,
        Scope::Context(context) => filter.context.iter().any(|c| c == context),
    }
}

/// A filter row as the v2 entity; `rules` adds its keywords and statuses.
pub fn filter_to_api(filter: &FilterRow, rules: Option<&FullFilter>) -> Filter {
    Filter {
        id: filter.id.to_string(),
        title: filter.title.clone(),
        context: filter.context.clone(),
        expires_at: filter.expires_at.map(iso8601),
        filter_action: filter.action.clone(),
        keywords: rules.map(|r| r.keywords.iter().map(keyword_to_api).collect()),
        statuses: rules.map(|r| r.statuses.iter().map(filter_status_to_api).collect()),
    }
}

/// A filter with its keywords and statuses, as the v2 entity.
pub fn full_filter_to_api(full: &FullFilter) -> Filter {
    filter_to_api(&full.filter, Some(full))
}

pub fn filter_status_to_api(row: &FilterStatusRow) -> FilterStatus {
    FilterStatus { id: row.id.to_string(), status_id: row.status_id.to_string() }
}

pub fn keyword_to_api(keyword: &KeywordRow) -> FilterKeyword {
    FilterKeyword { id: keyword.id.to_string(), keyword: keyword.keyword.clone(), whole_word: keyword.whole_word }
}

/// One keyword of `filter` as a v1 filter.
pub fn keyword_to_v1(filter: &FilterRow, keyword: &KeywordRow) -> FilterV1 {
    FilterV1 {
        id: keyword.id.to_string(),
        phrase: keyword.keyword.clone(),
        context: filter.context.clone(),
        whole_word: keyword.whole_word,
        expires_at: filter.expires_at.map(iso8601),
        irreversible: filter.action == "hide",
    }
}

/// A match as the client's `FilterResult`.
pub fn match_to_api(found: &Match) -> entities::FilterResult {
    FilterResult {
        filter: filter_to_api(found.filter, None),
        keyword_matches: (!found.keyword_matches.is_empty()).then(|| found.keyword_matches.clone()),
        status_matches: (!found.status_matches.is_empty()).then(|| found.status_matches.iter().map(i64::to_string).collect()),
    }
}
