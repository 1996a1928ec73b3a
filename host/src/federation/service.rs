//! The federation service of one node: the outbound client, who signs (the instance
//! actor or a local account), and queueing deliveries. Components reach it through
//! `aerie:host/federation`; the inbox front and the delivery worker use it directly.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use aerie_contract::uris;
use anyhow::Context as _;
use serde::{Deserialize, Serialize};

use super::client::{ACTIVITY_ACCEPT, Outbound, OutboundError, RequestSigner};
use super::ld_signature;
use super::signatures::SigningKey;
use crate::db::{Database, Value};
use crate::jobs::{Jobs, NewJob};

/// The job kind of one delivery (handled by the host, not a component).
pub const DELIVER_KIND: &str = aerie_contract::jobs::DELIVER;
/// Deliveries are retried with exponential backoff (capped at 6 h) this many times:
/// about two days before a delivery is dead-lettered.
pub const DELIVERY_ATTEMPTS: u32 = 20;

/// One queued delivery.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Delivery {
    /// The local account that signs; `None`: the instance actor.
    pub sender: Option<i64>,
    pub inbox: String,
    pub activity: String,
}

pub struct Federation {
    pub outbound: Outbound,
    db: Database,
    jobs: Jobs,
    instance: RequestSigner,
    /// Parsed account keys: parsing a PEM costs more than signing with it.
    signers: Mutex<HashMap<i64, RequestSigner>>,
    pub breaker: super::delivery::CircuitBreaker,
    pub per_host: super::delivery::HostSlots,
    /// How often signers' keys may be fetched and refetched.
    pub key_fetches: super::key_fetch_limits::KeyFetchLimits,
}

impl Federation {
    pub fn new(config: &crate::config::Config, db: Database, jobs: Jobs, instance_private_pem: &str) -> anyhow::Result<Federation> {
        let outbound = Outbound::new(&config.federation, config.domain()).context("building the federation HTTP client")?;
        let key_id = uris::key_id(&uris::instance_actor(&format!("{}://{}", config.scheme(), config.web_domain())));
        let key = SigningKey::from_pem(instance_private_pem).context("the instance key cannot sign")?;
        Ok(Federation {
            outbound,
            db,
            jobs,
            instance: RequestSigner { key_id, key: Arc::new(key) },
            signers: Mutex::new(HashMap::new()),
            breaker: super::delivery::CircuitBreaker::new(config.federation.circuit_breaker_failures),
            per_host: super::delivery::HostSlots::new(config.federation.per_host_concurrency),
            key_fetches: super::key_fetch_limits::KeyFetchLimits::new(
                std::time::Duration::from_secs(config.federation.key_refetch_interval_secs),
                config.federation.key_fetch_burst,
                config.federation.key_fetches_per_minute,
            ),
        })
    }

    /// The instance actor's signer (server-to-server fetches).
    pub fn instance_signer(&self) -> &RequestSigner {
        &self.instance
    }

    /// GETs an ActivityPub document signed by the instance actor.
    pub async fn fetch(&self, url: &str, accept: Option<&str>) -> Result<String, OutboundError> {
        self.outbound.get(url, accept.unwrap_or(ACTIVITY_ACCEPT), &self.instance).await
    }

    /// The signer of local account `account` (its key id and private key).
    pub async fn account_signer(&self, account: i64) -> anyhow::Result<RequestSigner> {
        if let Some(signer) = self.signers.lock().unwrap().get(&account) {
            return Ok(signer.clone());
        }
        let rows = self
            .db
            .query(
                "SELECT a.public_key_id, k.private_key_pem FROM accounts a JOIN account_keys k ON k.account_id = a.id \
                 WHERE a.id = $1 AND a.domain IS NULL",
                vec![account.into()],
            )
            .await?;
        let (Some(key_id), Some(pem)) = (rows.text(0, "public_key_id"), rows.text(0, "private_key_pem")) else {
            anyhow::bail!("local account {account} has no signing key");
        };
        let signer = RequestSigner { key_id: key_id.to_string(), key: Arc::new(SigningKey::from_pem(pem)?) };
        self.signers.lock().unwrap().insert(account, signer.clone());
        Ok(signer)
    }

    /// Queues `activity` to each distinct inbox; the same activity to the same inbox is
    /// queued once. Returns how many were queued.
    pub async fn enqueue(&self, sender: Option<i64>, activity: &str, inboxes: &[String]) -> anyhow::Result<u32> {
        let mut parsed: serde_json::Value = serde_json::from_str(activity).context("the activity is not JSON")?;
        let activity_id = parsed.get("id").and_then(|v| v.as_str()).map(str::to_string);
        // Public activities carry their author's LD signature, so that a relay or a
        // server forwarding them can pass them on and still be believed (Mastodon does
        // the same). Signed once here, not per inbox.
        let signed;
        let activity = match sender {
            Some(account) if ld_signature::is_public(&parsed) && parsed.get("signature").is_none() => {
                let signer = self.account_signer(account).await?;
                match ld_signature::sign(&mut parsed, &signer.key_id, &signer.key, std::time::SystemTime::now()) {
                    Ok(()) => {
                        signed = parsed.to_string();
                        signed.as_str()
                    }
                    // Still deliverable: only relays and forwarders need the LD signature.
                    Err(e) => {
                        tracing::warn!(activity = activity_id.as_deref().unwrap_or("(no id)"), "sent without an LD signature: {e}");
                        activity
                    }
                }
            }
            _ => activity,
        };
        let distinct: BTreeSet<&str> = inboxes.iter().map(|s| s.trim()).filter(|s| !s.is_empty()).collect();
        let mut jobs = Vec::with_capacity(distinct.len());
        for inbox in distinct {
            let delivery = Delivery { sender, inbox: inbox.to_string(), activity: activity.to_string() };
            let mut job = NewJob::new(DELIVER_KIND, serde_json::to_vec(&delivery)?);
            job.max_attempts = DELIVERY_ATTEMPTS;
            job.idempotency_key = activity_id.as_ref().map(|id| format!("deliver {id} {inbox}"));
            jobs.push(self.jobs.enqueue(job));
        }
        // All at once: SQLite's writer commits the queued inserts together (one fsync
        // for many), PostgreSQL spreads them over the pool. One by one, a post to 1,000
        // servers waited ~3 s for 1,000 commits before the API answered.
        let mut queued = 0;
        for result in futures::future::join_all(jobs).await {
            if result?.is_some() {
                queued += 1;
            }
        }
        Ok(queued)
    }

    /// Whether `uri` names a local account (its id), for signature owner checks.
    pub async fn local_account_by_uri(&self, uri: &str) -> anyhow::Result<Option<i64>> {
        let rows = self.db.query("SELECT id FROM accounts WHERE uri = $1 AND domain IS NULL", vec![Value::Text(uri.into())]).await?;
        Ok(rows.i64(0, "id"))
    }
}
