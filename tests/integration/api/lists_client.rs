//! Lists with a real client library, on both engines: Mastodon.py 2.3.3 drives
//! tests/clients/lists_flow.py — `list_create`, `list_accounts_add` (refused for an
//! account not followed), `list_accounts`, `account_lists`, `stream_list` (SSE),
//! `timeline_list` walked with `fetch_next`, `list_update` (an exclusive list leaves
//! home), another user's list as a 404, `list_accounts_delete`, `list_delete`.

use crate::api::clients::run_client_script;

#[tokio::test]
async fn mastodon_py_manages_lists() {
    run_client_script("python3", "lists_flow.py", "lists flow: ok").await;
}
