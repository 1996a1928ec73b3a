//! Test program: misbehaves on request so the host's limits can be tested.
//!
//! - `/misbehave/loop`: spins forever (stopped by the epoch deadline).
//! - `/misbehave/alloc`: allocates without bound (stopped by the memory limit).
//! - `/misbehave/trap`: hits `unreachable`.
//! - anything else: 200 "fine".

use aerie_sdk::http::{Request, Response};

#[aerie_sdk::http_component]
fn route(request: Request) -> Response {
    match request.path.as_str() {
        "/misbehave/loop" => {
            let mut n: u64 = 0;
            loop {
                n = std::hint::black_box(n.wrapping_add(1));
            }
        }
        "/misbehave/alloc" => {
            let mut hoard: Vec<Vec<u8>> = Vec::new();
            loop {
                hoard.push(vec![1u8; 1 << 20]);
                std::hint::black_box(&hoard);
            }
        }
        "/misbehave/trap" => std::process::abort(),
        _ => Response::json(200, &serde_json::json!({ "status": "fine" })),
    }
}
