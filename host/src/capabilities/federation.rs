//! `aerie:host/federation`: signed fetches and durable deliveries for components.
//! The guest names URLs and activities; the host signs, applies the address policy
//! and limits, and queues deliveries (see `crate::federation`).

use wasmtime::component::Linker;

use super::StoreData;
use super::aerie::host::federation::{self as wit, Error, Host};
use crate::federation::client::OutboundError;
use crate::runtime::state::StoreState;

pub fn add_to_linker(linker: &mut Linker<StoreState>) -> wasmtime::Result<()> {
    wit::add_to_linker::<StoreState, StoreData>(linker, |state| state)
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

impl StoreState {
    fn federation_service(&self) -> Result<std::sync::Arc<crate::federation::service::Federation>, Error> {
        if !self.federation_granted {
            return Err(Error::AccessDenied("federation is not granted to this component".into()));
        }
        self.shared.federation.clone().ok_or_else(|| Error::Unavailable("this node does not federate (it is not serving)".into()))
    }
}

impl Host for StoreState {
    async fn fetch(&mut self, url: String, accept: Option<String>) -> wasmtime::Result<Result<String, Error>> {
        let service = match self.federation_service() {
            Ok(s) => s,
            Err(e) => return Ok(Err(e)),
        };
        Ok(service.fetch(&url, accept.as_deref()).await.map_err(Error::from))
    }

    async fn deliver(&mut self, sender: Option<i64>, activity: String, inboxes: Vec<String>) -> wasmtime::Result<Result<u32, Error>> {
        let service = match self.federation_service() {
            Ok(s) => s,
            Err(e) => return Ok(Err(e)),
        };
        if let Some(why) = self.write_would_wait() {
            return Ok(Err(Error::Unavailable(why)));
        }
        Ok(service.enqueue(sender, &activity, &inboxes).await.map_err(|e| Error::Invalid(format!("{e:#}"))))
    }
}
