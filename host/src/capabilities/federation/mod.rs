//! `aerie:host/federation`: signed fetches and durable deliveries for components.
//! The guest names URLs and activities; the host signs, applies the address policy
//! and limits, and queues deliveries (see `crate::federation`).

use std::sync::Arc;

use wasmtime::component::{HasData, Linker};

use super::aerie::host::federation::{self as wit, Error, Host};
use super::db::Transactions;
use super::{Capability, Grant, HTTP_AND_JOB, Setup, States};
use crate::config::{Grants, Hook};
use crate::federation::client::OutboundError;
use crate::federation::service;
use crate::runtime::state::StoreState;

/// The capability: `grants.federation`.
pub struct Federation;

/// The federation service, with a federation grant; `None` inside where the node
/// does not serve (CLI checks).
pub struct FederationState {
    pub service: Option<Arc<service::Federation>>,
}

/// What the `Host` impl works on: the service, and the call's open transactions (a
/// delivery is a write).
pub struct FederationView<'a> {
    pub state: Option<&'a FederationState>,
    pub transactions: &'a Transactions,
}

struct Data;

impl HasData for Data {
    type Data<'a> = FederationView<'a>;
}

impl Capability for Federation {
    fn name(&self) -> &'static str {
        "federation"
    }

    fn interfaces(&self) -> &'static [&'static str] {
        &["aerie:host/federation"]
    }

    fn grant(&self) -> Grant {
        Grant::Switch("federation")
    }

    fn granted(&self, grants: &Grants) -> bool {
        grants.federation
    }

    fn hooks(&self) -> &'static [Hook] {
        HTTP_AND_JOB
    }

    fn add_to_linker(&self, linker: &mut Linker<StoreState>) -> wasmtime::Result<()> {
        wit::add_to_linker::<StoreState, Data>(linker, |state| FederationView {
            state: state.capabilities.federation.as_ref(),
            transactions: &state.transactions,
        })
    }

    fn set_up(&self, setup: &Setup<'_>, states: &mut States) {
        states.federation = Some(FederationState { service: setup.shared.federation.clone() });
    }
}

impl From<OutboundError> for Error {
    fn from(e: OutboundError) -> Error {
        match e {
            OutboundError::Refused(m) => Error::Refused(m),
            OutboundError::NotFound(m) => Error::NotFound(m),
            OutboundError::Gone(m) => Error::Gone(m),
            OutboundError::Failed(status, m) => Error::Failed(format!("{status} {m}")),
            OutboundError::Invalid(m) => Error::Invalid(m),
            OutboundError::Unavailable(m) => Error::Unavailable(m),
        }
    }
}

impl FederationView<'_> {
    fn service(&self) -> Result<Arc<service::Federation>, Error> {
        let Some(state) = self.state else {
            return Err(Error::AccessDenied("federation is not granted to this component".into()));
        };
        state.service.clone().ok_or_else(|| Error::Unavailable("this node does not federate (it is not serving)".into()))
    }
}

impl Host for FederationView<'_> {
    async fn fetch(&mut self, url: String, accept: Option<String>) -> wasmtime::Result<Result<String, Error>> {
        let service = match self.service() {
            Ok(s) => s,
            Err(e) => return Ok(Err(e)),
        };
        Ok(service.fetch(&url, accept.as_deref()).await.map_err(Error::from))
    }

    async fn deliver(&mut self, sender: Option<i64>, activity: String, inboxes: Vec<String>) -> wasmtime::Result<Result<u32, Error>> {
        let service = match self.service() {
            Ok(s) => s,
            Err(e) => return Ok(Err(e)),
        };
        if let Some(why) = self.transactions.write_would_wait() {
            return Ok(Err(Error::Unavailable(why)));
        }
        Ok(service.enqueue(sender, &activity, &inboxes).await.map_err(|e| Error::Invalid(format!("{e:#}"))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn ungranted_is_refused_and_granted_without_a_serving_node_is_unavailable() {
        let idle = Transactions::default();
        let mut view = FederationView { state: None, transactions: &idle };
        assert!(matches!(view.fetch("https://example.org/".into(), None).await.unwrap(), Err(Error::AccessDenied(_))));
        assert!(matches!(view.deliver(None, "{}".into(), vec![]).await.unwrap(), Err(Error::AccessDenied(_))));

        let state = FederationState { service: None };
        let mut view = FederationView { state: Some(&state), transactions: &idle };
        assert!(matches!(view.fetch("https://example.org/".into(), None).await.unwrap(), Err(Error::Unavailable(_))));
    }
}
