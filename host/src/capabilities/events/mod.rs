//! `aerie:host/events`: components publish streaming events (kind, id, streams).

use wasmtime::component::{HasData, Linker};

use super::aerie::host::events::{self as wit, Host};
use super::{Capability, Grant, HTTP_AND_JOB, Setup, States};
use crate::config::{Grants, Hook};
use crate::events::{Event, EventBus};
use crate::runtime::state::StoreState;

/// The capability: `grants.events`.
pub struct Events;

/// The bus events go to, with an events grant.
pub struct EventsState {
    pub bus: EventBus,
}

/// What the `Host` impl works on.
pub struct EventsView<'a>(Option<&'a EventsState>);

impl<'a> EventsView<'a> {
    pub fn new(states: &'a States) -> EventsView<'a> {
        EventsView(states.events.as_ref())
    }
}

struct Data;

impl HasData for Data {
    type Data<'a> = EventsView<'a>;
}

impl Capability for Events {
    fn name(&self) -> &'static str {
        "events"
    }

    fn interfaces(&self) -> &'static [&'static str] {
        &["aerie:host/events"]
    }

    fn grant(&self) -> Grant {
        Grant::Switch("events")
    }

    fn granted(&self, grants: &Grants) -> bool {
        grants.events
    }

    fn hooks(&self) -> &'static [Hook] {
        HTTP_AND_JOB
    }

    fn add_to_linker(&self, linker: &mut Linker<StoreState>) -> wasmtime::Result<()> {
        wit::add_to_linker::<StoreState, Data>(linker, |state| EventsView::new(&state.capabilities))
    }

    fn set_up(&self, setup: &Setup<'_>, states: &mut States) {
        states.events = Some(EventsState { bus: setup.shared.events.clone() });
    }
}

impl Host for EventsView<'_> {
    async fn publish(&mut self, kind: wit::EventKind, id: i64, streams: Vec<String>) -> wasmtime::Result<()> {
        let Some(state) = self.0 else {
            return Err(wasmtime::format_err!("events is not granted to this component"));
        };
        state.bus.publish(Event { kind: kind_name(kind).to_string(), id, streams }).await;
        Ok(())
    }
}

/// The name an event kind travels under (between nodes, to the streaming renderer):
/// aerie-contract's `events` constants.
pub fn kind_name(kind: wit::EventKind) -> &'static str {
    use aerie_contract::events::{CONVERSATION, DELETE, NOTIFICATION, STATUS_UPDATE, UPDATE};
    match kind {
        wit::EventKind::Update => UPDATE,
        wit::EventKind::StatusUpdate => STATUS_UPDATE,
        wit::EventKind::Delete => DELETE,
        wit::EventKind::Notification => NOTIFICATION,
        wit::EventKind::Conversation => CONVERSATION,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn granted_events_reach_subscribers_and_ungranted_ones_are_refused() {
        let bus = EventBus::in_process();
        let mut received = bus.subscribe();
        let states = States { events: Some(EventsState { bus }), ..Default::default() };
        EventsView::new(&states).publish(wit::EventKind::Update, 7, vec!["public".into()]).await.unwrap();
        let event = received.recv().await.unwrap();
        assert_eq!((event.kind.as_str(), event.id, event.streams.clone()), ("update", 7, vec!["public".to_string()]));

        let refused = EventsView::new(&States::default()).publish(wit::EventKind::Update, 7, vec![]).await.unwrap_err();
        assert!(refused.to_string().contains("not granted"), "{refused}");
    }

    #[test]
    fn the_wit_enum_names_the_contract_kinds_in_order() {
        use wit::EventKind::*;
        let names = [Update, StatusUpdate, Delete, Notification, Conversation].map(kind_name);
        assert_eq!(names, aerie_contract::events::KINDS);
        // And the enum has no other case: its WIT lists exactly these, in this order.
        let wit = include_str!("../../../../wit/host/events.wit");
        let start = wit.find("enum event-kind {").expect("the enum in events.wit");
        let body = &wit[start..start + wit[start..].find('}').unwrap()];
        let cases: Vec<&str> =
            body.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with("//") && !l.starts_with("enum")).collect();
        assert_eq!(cases, ["update,", "status-update,", "delete,", "notification,", "conversation,"]);
    }
}
