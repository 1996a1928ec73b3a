//! Conversations, thread mutes and notification requests with a real client library,
//! on both engines: Mastodon.py 2.3.3 drives tests/clients/conversations_flow.py —
//! `stream_direct`, `conversations` with `fetch_next`, `conversations_read`,
//! `status_mute`/`status_unmute`, the notification policy and requests (dismiss,
//! accept, merged) and one notification group (`grouped_notification`, its accounts,
//! dismissing it).

use crate::api::clients::run_client_script;

#[tokio::test]
async fn mastodon_py_reads_conversations_and_notification_requests() {
    run_client_script("python3", "conversations_flow.py", "conversations flow: ok").await;
}
