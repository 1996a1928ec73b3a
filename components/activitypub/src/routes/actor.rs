//! `GET /actor`: the instance actor (an `Application` named after the domain), whose
//! key signs what the instance fetches for itself; and its empty `/actor/outbox`.

use aerie_core::activitystreams::{self as as2, Actor, Collection, Endpoints, PublicKey};

use aerie_core::contract::uris;

use crate::ctx::{Answer, Ctx, activity_json};
use crate::instance;

pub fn get(ctx: &Ctx) -> Answer {
    let id = ctx.instance.actor_uri();
    let base = ctx.base();
    let actor = Actor {
        context: Some(as2::actor_context()),
        kind: "Application".into(),
        inbox: uris::inbox(&id),
        outbox: Some(uris::outbox(&id)),
        preferred_username: ctx.instance.domain.clone(),
        url: Some(format!("{base}/about/more?instance_actor=true")),
        manually_approves_followers: true,
        public_key: instance::public_key_pem()?.map(|pem| PublicKey { id: uris::key_id(&id), owner: id.clone(), public_key_pem: pem }),
        endpoints: Some(Endpoints { shared_inbox: Some(uris::shared_inbox(base)) }),
        id,
        ..Default::default()
    };
    Ok(activity_json(&actor))
}

pub fn outbox(ctx: &Ctx) -> Answer {
    Ok(activity_json(&Collection {
        context: Some(as2::plain_context()),
        id: Some(uris::outbox(&ctx.instance.actor_uri())),
        kind: "OrderedCollection".into(),
        total_items: Some(0),
        ordered_items: Some(Vec::new()),
        ..Default::default()
    }))
}
