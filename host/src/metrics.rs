//! Prometheus metrics, served as text at `/metrics`.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ComponentLabels {
    pub component: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
    pub component: String,
    /// `ok`, `trap`, `timeout`, `memory` or `error`.
    pub outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StatusLabels {
    /// `2xx`, `4xx`, ...
    pub class: String,
}

pub struct Metrics {
    registry: Registry,
    pub component_calls: Family<OutcomeLabels, Counter>,
    pub component_seconds: Family<ComponentLabels, Histogram>,
    pub http_responses: Family<StatusLabels, Counter>,
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("aerie");
        let component_calls = Family::<OutcomeLabels, Counter>::default();
        let component_seconds =
            Family::<ComponentLabels, Histogram>::new_with_constructor(|| Histogram::new(exponential_buckets(0.0001, 2.5, 14)));
        let http_responses = Family::<StatusLabels, Counter>::default();
        registry.register("component_calls", "Component invocations by outcome", component_calls.clone());
        registry.register("component_call_seconds", "Time spent in component invocations", component_seconds.clone());
        registry.register("http_responses", "HTTP responses by status class", http_responses.clone());
        Metrics { registry, component_calls, component_seconds, http_responses }
    }

    pub fn record_call(&self, component: &str, outcome: &str, seconds: f64) {
        self.component_calls.get_or_create(&OutcomeLabels { component: component.to_string(), outcome: outcome.to_string() }).inc();
        self.component_seconds.get_or_create(&ComponentLabels { component: component.to_string() }).observe(seconds);
    }

    pub fn record_status(&self, status: u16) {
        self.http_responses.get_or_create(&StatusLabels { class: format!("{}xx", status / 100) }).inc();
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry).expect("writing to a String cannot fail");
        out
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}
