//! Outbound HTTP from components (`wasi:http/outgoing-handler`): refused.
//!
//! Components reach other servers only through the host's signed-fetch capability
//! (which applies the private-address rules and signs requests); a raw socket-level
//! request from a guest would bypass both.

use wasmtime::component::Linker;
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody, WasiHttpHooks};

use super::{Capability, Grant, Setup, States};
use crate::config::Grants;
use crate::runtime::state::StoreState;

/// The capability: `wasi:http/outgoing-handler` (and the `wasi:http/types` it uses),
/// linked for every component, on the store's [`wasmtime_wasi_http::WasiHttpView`]
/// whose hooks are [`DenyOutbound`].
pub struct OutboundHttp;

impl Capability for OutboundHttp {
    fn name(&self) -> &'static str {
        "outbound http"
    }

    fn interfaces(&self) -> &'static [&'static str] {
        &["wasi:http/outgoing-handler"]
    }

    fn grant(&self) -> Grant {
        Grant::Always
    }

    fn granted(&self, _: &Grants) -> bool {
        true
    }

    fn add_to_linker(&self, linker: &mut Linker<StoreState>) -> wasmtime::Result<()> {
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(linker)
    }

    fn set_up(&self, _: &Setup<'_>, _: &mut States) {}
}

/// Hooks that refuse every outgoing request with `HTTP-request-denied`.
#[derive(Default)]
pub struct DenyOutbound;

impl WasiHttpHooks for DenyOutbound {
    fn send_request(
        &mut self,
        _request: http::Request<WasiBody>,
        _options: Option<RequestOptions>,
        _fut: Box<dyn Future<Output = Result<(), Error>> + Send>,
    ) -> Box<dyn Future<Output = Result<(http::Response<WasiBody>, Box<dyn Future<Output = Result<(), Error>> + Send>), Error>> + Send>
    {
        Box::new(async { Err(Error::HttpRequestDenied) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_outgoing_request_is_denied() {
        use http_body_util::BodyExt as _;
        let body: WasiBody = http_body_util::Empty::new().map_err(|never| match never {}).boxed_unsync();
        let request = http::Request::new(body);
        let response = Box::into_pin(DenyOutbound.send_request(request, None, Box::new(async { Ok(()) }))).await;
        assert!(matches!(response, Err(Error::HttpRequestDenied)));
    }
}
