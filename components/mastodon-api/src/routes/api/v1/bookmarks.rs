//! `GET /api/v1/bookmarks` and `GET /api/v1/favourites`: the viewer's saved statuses,
//! paged by the bookmark's or favourite's own id (exposed only through `Link`).

use aerie_core::store::{bookmarks, favourites};

use crate::ctx::{Answer, Ctx};
use crate::load;

/// `GET /api/v1/bookmarks`
pub fn bookmarks(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.user("read:bookmarks")?;
    load::status_page(ctx, Some(viewer), bookmarks::OF_ACCOUNT_JOIN, "1 = 1", Vec::new(), "bk.id")
}

/// `GET /api/v1/favourites`
pub fn favourites(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.user("read:favourites")?;
    load::status_page(ctx, Some(viewer), favourites::OF_ACCOUNT_JOIN, "1 = 1", Vec::new(), "fv.id")
}
