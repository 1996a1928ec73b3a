//! `aerie:host/queue`: components enqueue durable jobs (see [`crate::jobs`]).

use std::time::Duration;

use wasmtime::component::{HasData, Linker};

use super::aerie::host::queue::{self as wit, Host, JobOptions};
use super::db::Transactions;
use super::{Capability, Grant, HTTP_AND_JOB, Setup, States};
use crate::config::{Grants, Hook};
use crate::jobs::{DEFAULT_MAX_ATTEMPTS, Jobs, NewJob};
use crate::runtime::state::StoreState;

/// The capability: `grants.queue`.
pub struct Queue;

/// The job queue, with a queue grant.
pub struct QueueState {
    pub jobs: Jobs,
    /// The host's handle, for the Web Push check below (host-only tables).
    pub database: crate::db::Database,
}

/// What the `Host` impl works on: the queue, and the call's open transactions (an
/// enqueue is a write).
pub struct QueueView<'a> {
    pub state: Option<&'a QueueState>,
    pub transactions: &'a Transactions,
}

struct Data;

impl HasData for Data {
    type Data<'a> = QueueView<'a>;
}

impl Capability for Queue {
    fn name(&self) -> &'static str {
        "queue"
    }

    fn interfaces(&self) -> &'static [&'static str] {
        &["aerie:host/queue"]
    }

    fn grant(&self) -> Grant {
        Grant::Switch("queue")
    }

    fn granted(&self, grants: &Grants) -> bool {
        grants.queue
    }

    fn hooks(&self) -> &'static [Hook] {
        HTTP_AND_JOB
    }

    fn add_to_linker(&self, linker: &mut Linker<StoreState>) -> wasmtime::Result<()> {
        wit::add_to_linker::<StoreState, Data>(linker, |state| QueueView {
            state: state.capabilities.queue.as_ref(),
            transactions: &state.transactions,
        })
    }

    fn set_up(&self, setup: &Setup<'_>, states: &mut States) {
        states.queue = Some(QueueState { jobs: setup.shared.jobs.clone(), database: setup.database.clone() });
    }
}

/// Longest job payload a component may enqueue.
pub const MAX_PAYLOAD_BYTES: usize = 1 << 20;

impl Host for QueueView<'_> {
    async fn enqueue(&mut self, kind: String, payload: Vec<u8>, options: JobOptions) -> wasmtime::Result<Result<Option<i64>, wit::Error>> {
        let Some(state) = self.state else {
            return Ok(Err(wit::Error::AccessDenied("this component has no queue grant; add grants.queue = true".into())));
        };
        if payload.len() > MAX_PAYLOAD_BYTES || kind.is_empty() || kind.len() > 200 {
            return Ok(Err(wit::Error::AccessDenied(format!("job kinds are 1..200 bytes and payloads at most {MAX_PAYLOAD_BYTES} bytes"))));
        }
        if let Some(why) = self.transactions.write_would_wait() {
            return Ok(Err(wit::Error::Unavailable(why)));
        }
        // An inbox job, a delivery or one push to one device is the host's to queue: a
        // forged one would pass as a verified activity, sign as any local account, or
        // carry any message a component chose to a user's phone.
        if aerie_contract::jobs::HOST_QUEUED_KINDS.contains(&kind.as_str()) {
            return Ok(Err(wit::Error::AccessDenied(format!("job kind {kind} is queued by the host only"))));
        }
        // Every notification queues a Web Push; most recipients have no subscription,
        // and one indexed read here saves the job's insert, claim and completion.
        if kind == aerie_contract::jobs::WEB_PUSH
            && let Ok(job) = aerie_contract::jobs::WebPushJob::parse(&payload)
            && let Ok(false) = crate::mastodon::push::subscriptions::any_for_account(&state.database, job.recipient).await
        {
            return Ok(Ok(None));
        }
        let job = NewJob {
            kind,
            payload,
            delay: Duration::from_millis(options.delay_ms.unwrap_or(0)),
            idempotency_key: options.idempotency_key,
            max_attempts: options.max_attempts.unwrap_or(DEFAULT_MAX_ATTEMPTS),
        };
        Ok(state.jobs.enqueue(job).await.map_err(|e| wit::Error::Unavailable(format!("{e:#}"))))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::ids::IdGenerator;

    fn options() -> JobOptions {
        JobOptions { delay_ms: None, idempotency_key: None, max_attempts: None }
    }

    #[tokio::test]
    async fn granted_enqueues_and_ungranted_or_waiting_writes_are_refused() {
        let (_dir, database) = crate::capabilities::tests::database().await;
        let state = QueueState { jobs: Jobs::new(database.clone(), "test", Arc::new(IdGenerator::new(1))), database };
        let idle = Transactions::default();
        let mut view = QueueView { state: Some(&state), transactions: &idle };
        assert!(matches!(view.enqueue("ping".into(), b"{}".to_vec(), options()).await.unwrap(), Ok(Some(_))));
        assert!(matches!(view.enqueue(String::new(), vec![], options()).await.unwrap(), Err(wit::Error::AccessDenied(_))));
        // Pushes to devices are the host's; a notification's push for a recipient
        // without subscriptions is dropped before it becomes a job.
        let send = aerie_contract::jobs::WEB_PUSH_SEND.to_string();
        assert!(matches!(view.enqueue(send, b"{}".to_vec(), options()).await.unwrap(), Err(wit::Error::AccessDenied(_))));
        for kind in [aerie_contract::jobs::INBOX, aerie_contract::jobs::DELIVER, aerie_contract::jobs::PRUNE] {
            let refused = view.enqueue(kind.into(), b"{}".to_vec(), options()).await.unwrap();
            assert!(matches!(refused, Err(wit::Error::AccessDenied(m)) if m.contains("host only")), "{kind}");
        }
        let push = aerie_contract::jobs::WebPushJob { notification: 1, recipient: 2 }.to_json();
        assert!(matches!(view.enqueue(aerie_contract::jobs::WEB_PUSH.into(), push, options()).await.unwrap(), Ok(None)));

        let holding = Transactions { open: 1, single_writer: true };
        let mut view = QueueView { state: Some(&state), transactions: &holding };
        assert!(matches!(view.enqueue("ping".into(), vec![], options()).await.unwrap(), Err(wit::Error::Unavailable(_))));

        let mut view = QueueView { state: None, transactions: &idle };
        let refused = view.enqueue("ping".into(), vec![], options()).await.unwrap();
        assert!(matches!(refused, Err(wit::Error::AccessDenied(m)) if m.contains("grants.queue")));
    }
}
