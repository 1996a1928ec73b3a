//! Test program: an ordinary Spin HTTP component, as its authors would write it for
//! Spin: a greeting from a variable and a hit counter in the default key-value store.

use spin_sdk::http::{IntoResponse, Request, Response};
use spin_sdk::http_component;
use spin_sdk::key_value::Store;
use spin_sdk::variables;

#[http_component]
fn handle(_request: Request) -> anyhow::Result<impl IntoResponse> {
    let greeting = variables::get("greeting")?;
    let store = Store::open_default()?;
    let hits = match store.get("hits")? {
        Some(bytes) => String::from_utf8(bytes)?.parse::<u64>()? + 1,
        None => 1,
    };
    store.set("hits", hits.to_string().as_bytes())?;
    Ok(Response::builder().status(200).header("content-type", "text/plain").body(format!("{greeting} #{hits}")).build())
}
