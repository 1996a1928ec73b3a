//! Running the moderation policies (`hook = "policy"`) over one activity, in manifest
//! order. Each may pass it on (changed or not) or reject it. A policy that traps, runs
//! out of time or answers something that is not a JSON object is logged and skipped:
//! a broken plugin never stops federation, and never crashes the host.

use std::time::Instant;

use super::http::classify;
use super::{Handler, Runtime};
pub use crate::capabilities::policy_world::exports::aerie::app::policy::{Direction, Verdict};

/// What the chain decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyOutcome {
    /// Go on with this activity (as the last policy left it).
    Accept(String),
    /// `policy` rejected it for `reason`.
    Reject { policy: String, reason: String },
}

impl Runtime {
    /// Whether any policy is loaded (so callers can skip the work).
    pub fn has_policies(&self) -> bool {
        !self.policy_order.load().is_empty()
    }

    /// Runs every policy over `activity` (JSON) for `direction`, with `peer` the other
    /// server's host.
    pub async fn run_policies(&self, direction: Direction, peer: &str, activity: String) -> PolicyOutcome {
        let order = self.policy_order.load_full();
        let mut current = activity;
        for id in order.iter() {
            let Some(component) = self.component(id) else { continue };
            let Handler::Policy(pre) = &component.handler else { continue };
            let started = Instant::now();
            let mut store = self.new_store(&component);
            let config: Vec<(String, String)> = component.entry.config.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            let call = async {
                let instance = pre.instantiate_async(&mut store).await?;
                instance.aerie_app_policy().call_filter(&mut store, &current, direction, peer, &config).await
            };
            match call.await {
                Ok(Verdict::Accept(next)) => {
                    self.record(&component, "ok", started.elapsed());
                    if serde_json::from_str::<serde_json::Value>(&next).is_ok_and(|v| v.is_object()) {
                        current = next;
                    } else {
                        tracing::warn!(policy = %component.id, "policy answered with something that is not a JSON object; its change is ignored");
                    }
                }
                Ok(Verdict::Reject(reason)) => {
                    self.record(&component, "ok", started.elapsed());
                    return PolicyOutcome::Reject { policy: component.id.to_string(), reason };
                }
                Err(e) => {
                    let (outcome, reason) = classify(&e);
                    self.record(&component, outcome, started.elapsed());
                    tracing::warn!(policy = %component.id, "policy {reason}; skipped: {e:?}");
                }
            }
        }
        PolicyOutcome::Accept(current)
    }
}
