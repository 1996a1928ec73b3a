//! Test program: answers {"version": 1}; two builds let tests swap one for the other.

use aerie_sdk::http::{self, Response};
use wasip2::http::types::{IncomingRequest, ResponseOutparam};

struct Hello;

wasip2::http::proxy::export!(Hello);

impl wasip2::exports::http::incoming_handler::Guest for Hello {
    fn handle(request: IncomingRequest, out: ResponseOutparam) {
        http::serve(request, out, |_| Response::json(200, &serde_json::json!({ "version": 1 })));
    }
}
