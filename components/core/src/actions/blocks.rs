//! Blocks: a local account's (API) or a remote `Block` (inbox). A block ends the
//! follows and follow requests both ways.

use aerie_sdk::db::{self, Error};
use aerie_sdk::settings;

use crate::store::blocks::{self, Block};
use crate::store::follows;

/// Adds `block` (its `uri` minted by the caller for a local account's block of a
/// remote one, the activity's id for a remote one) and ends the follows both ways;
/// returns whether the block is new.
pub fn block(block: &Block) -> Result<bool, Error> {
    let tx = db::begin()?;
    let added = blocks::insert(&tx, block, settings::now_millis())?;
    follows::remove(&tx, block.account, block.target)?;
    follows::remove(&tx, block.target, block.account)?;
    tx.commit()?;
    Ok(added)
}
