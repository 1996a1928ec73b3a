//! Outbound HTTP from components (`wasi:http/outgoing-handler`): refused.
//!
//! Components reach other servers only through the host's signed-fetch capability
//! (which applies the private-address rules and signs requests); a raw socket-level
//! request from a guest would bypass both.

use wasmtime_wasi_http::{Error, RequestOptions, WasiBody, WasiHttpHooks};

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
