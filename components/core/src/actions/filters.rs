//! An account's filters (v2, and v1 mapped onto them as Mastodon does: a v1 filter is
//! one keyword of a filter titled with its phrase, `irreversible` the `hide` action).
//! Filters are the account's own: no counters, notifications or federation. The
//! caller has checked ownership (it read the filter through `store::filters` with the
//! account) and validated the values.

use aerie_sdk::db::{self, Autocommit, Error, Handle};
use aerie_sdk::settings;

use crate::store::filters::{self, FilterRow, FilterStatusRow, FullFilter, KeywordRow};

/// A change to a filter's keywords, as `keywords_attributes[]` gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeywordChange {
    Add {
        keyword: String,
        whole_word: bool,
    },
    /// Keyword `id` (of this filter) gets a new text and/or `whole_word`.
    Update {
        id: i64,
        keyword: Option<String>,
        whole_word: Option<bool>,
    },
    Remove {
        id: i64,
    },
}

fn add_keywords(tx: &impl Handle, filter_id: i64, keywords: Vec<(String, bool)>) -> Result<(), Error> {
    for (keyword, whole_word) in keywords {
        filters::insert_keyword(tx, &KeywordRow { id: settings::next_id(), filter_id, keyword, whole_word })?;
    }
    Ok(())
}

/// `filter.account_id` creates `filter` (its id is minted here) with `keywords`
/// (text, whole word).
pub fn create(mut filter: FilterRow, keywords: Vec<(String, bool)>) -> Result<FullFilter, Error> {
    let now = settings::now_millis();
    filter.id = settings::next_id();
    let tx = db::begin()?;
    filters::insert(&tx, &filter, now)?;
    add_keywords(&tx, filter.id, keywords)?;
    tx.commit()?;
    Ok(filters::by_id(&Autocommit, filter.account_id, filter.id)?.unwrap_or_default())
}

/// Saves `filter`'s new title, context, action and expiry and applies `changes` to
/// its keywords (whose ids the caller checked belong to it), together.
pub fn update(filter: &FilterRow, changes: Vec<KeywordChange>) -> Result<FullFilter, Error> {
    let now = settings::now_millis();
    let tx = db::begin()?;
    filters::update(&tx, filter, now)?;
    let current = filters::by_id(&tx, filter.account_id, filter.id)?.unwrap_or_default();
    for change in changes {
        match change {
            KeywordChange::Add { keyword, whole_word } => add_keywords(&tx, filter.id, vec![(keyword, whole_word)])?,
            KeywordChange::Update { id, keyword, whole_word } => {
                let Some(old) = current.keywords.iter().find(|k| k.id == id) else { continue };
                let row = KeywordRow {
                    keyword: keyword.unwrap_or_else(|| old.keyword.clone()),
                    whole_word: whole_word.unwrap_or(old.whole_word),
                    ..old.clone()
                };
                filters::update_keyword(&tx, &row)?;
            }
            KeywordChange::Remove { id } => filters::delete_keyword(&tx, filter.id, id)?,
        }
    }
    tx.commit()?;
    Ok(filters::by_id(&Autocommit, filter.account_id, filter.id)?.unwrap_or_default())
}

/// `account` deletes its filter `id` (with keywords and statuses); whether it existed.
pub fn delete(account: i64, id: i64) -> Result<bool, Error> {
    let tx = db::begin()?;
    let existed = filters::delete(&tx, account, id)?;
    tx.commit()?;
    Ok(existed)
}

/// Adds a keyword to filter `filter_id`.
pub fn add_keyword(filter_id: i64, keyword: String, whole_word: bool) -> Result<KeywordRow, Error> {
    let row = KeywordRow { id: settings::next_id(), filter_id, keyword, whole_word };
    filters::insert_keyword(&Autocommit, &row)?;
    Ok(row)
}

/// Saves keyword `row` (text and whole word).
pub fn update_keyword(row: &KeywordRow) -> Result<(), Error> {
    filters::update_keyword(&Autocommit, row)
}

/// Removes keyword `row` from its filter.
pub fn remove_keyword(row: &KeywordRow) -> Result<(), Error> {
    filters::delete_keyword(&Autocommit, row.filter_id, row.id)
}

/// Adds status `status_id` to filter `filter_id`; `None` when the filter names it already.
pub fn add_status(filter_id: i64, status_id: i64) -> Result<Option<FilterStatusRow>, Error> {
    let row = FilterStatusRow { id: settings::next_id(), filter_id, status_id };
    Ok(filters::insert_status(&Autocommit, &row)?.then_some(row))
}

/// Removes status `row` from its filter.
pub fn remove_status(row: &FilterStatusRow) -> Result<(), Error> {
    filters::delete_status(&Autocommit, row.filter_id, row.id)
}

/// A v1 filter: `filter` (titled with the phrase) with the one keyword `phrase`.
pub fn create_v1(filter: FilterRow, phrase: String, whole_word: bool) -> Result<(FilterRow, KeywordRow), Error> {
    let created = create(filter, vec![(phrase, whole_word)])?;
    let keyword = created.keywords.first().cloned().unwrap_or_default();
    Ok((created.filter, keyword))
}

/// Saves a v1 filter: its keyword `keyword` and its filter `filter`, together.
pub fn update_v1(filter: &FilterRow, keyword: &KeywordRow) -> Result<(), Error> {
    let tx = db::begin()?;
    filters::update(&tx, filter, settings::now_millis())?;
    filters::update_keyword(&tx, keyword)?;
    tx.commit()
}

/// Deletes v1 filter `keyword` of `account`: the keyword, and its filter when that
/// was its last rule.
pub fn delete_v1(account: i64, keyword: &KeywordRow) -> Result<(), Error> {
    let tx = db::begin()?;
    filters::delete_keyword(&tx, keyword.filter_id, keyword.id)?;
    let rest = filters::by_id(&tx, account, keyword.filter_id)?;
    if rest.is_some_and(|f| f.keywords.is_empty() && f.statuses.is_empty()) {
        filters::delete(&tx, account, keyword.filter_id)?;
    }
    tx.commit()
}
