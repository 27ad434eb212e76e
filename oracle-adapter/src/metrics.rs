//! Prometheus metrics (`GET /metrics` on `METRICS_PORT`): requests by status, request latency,
//! upstream latency by command, cache hits and misses, coalesced requests, in-flight requests.

use std::time::Duration;

use prometheus_client::{
    encoding::{EncodeLabelSet, text::encode},
    metrics::{counter::Counter, family::Family, gauge::Gauge, histogram::Histogram},
    registry::Registry,
};

/// Label of request counters.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StatusLabel {
    /// HTTP status code.
    pub status_code: u16,
}

/// Label of upstream metrics.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct UpstreamLabel {
    /// Storage node command (`name/resolve`, `cat`, `version`).
    pub command: &'static str,
    /// `ok` or `error`.
    pub outcome: &'static str,
}

/// Every metric of the adapter, registered once.
pub struct Metrics {
    registry: Registry,
    /// Requests answered, by status code.
    pub requests: Family<StatusLabel, Counter>,
    /// Request latency in seconds.
    pub request_duration: Histogram,
    /// Upstream call latency in seconds, by command and outcome.
    pub upstream_duration: Family<UpstreamLabel, Histogram>,
    /// Lookups answered from the cache.
    pub cache_hits: Counter,
    /// Lookups that went to the storage node.
    pub cache_misses: Counter,
    /// Lookups that joined one already running for the same name.
    pub coalesced: Counter,
    /// Requests being served.
    pub in_flight: Gauge,
    /// Lookups running against the storage node.
    pub upstream_in_flight: Gauge,
}

fn latency_buckets() -> impl Iterator<Item = f64> {
    // 0.25 ms .. ~8 s: cache hits sit at the bottom, storage node calls in the middle.
    prometheus_client::metrics::histogram::exponential_buckets(0.000_25, 2.0, 16)
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("px_adapter");
        let requests = Family::<StatusLabel, Counter>::default();
        let request_duration = Histogram::new(latency_buckets());
        let upstream_duration = Family::<UpstreamLabel, Histogram>::new_with_constructor(
            (|| Histogram::new(latency_buckets())) as fn() -> Histogram,
        );
        let (cache_hits, cache_misses, coalesced) =
            (Counter::default(), Counter::default(), Counter::default());
        let (in_flight, upstream_in_flight) = (Gauge::default(), Gauge::default());
        registry.register(
            "http_requests",
            "Adapter requests answered, by status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Adapter request latency",
            request_duration.clone(),
        );
        registry.register(
            "upstream_request_duration_seconds",
            "Storage node call latency, by command and outcome",
            upstream_duration.clone(),
        );
        registry.register("cache_hits", "Lookups answered from the cache", cache_hits.clone());
        registry.register("cache_misses", "Lookups sent to the storage node", cache_misses.clone());
        registry.register(
            "coalesced_requests",
            "Lookups that joined one in progress",
            coalesced.clone(),
        );
        registry.register("requests_in_flight", "Requests being served", in_flight.clone());
        registry.register(
            "upstream_in_flight",
            "Lookups running against the storage node",
            upstream_in_flight.clone(),
        );
        Self {
            registry,
            requests,
            request_duration,
            upstream_duration,
            cache_hits,
            cache_misses,
            coalesced,
            in_flight,
            upstream_in_flight,
        }
    }
}

impl Metrics {
    /// Records one storage node call.
    pub fn observe_upstream(&self, command: &'static str, took: Duration, ok: bool) {
        let outcome = if ok { "ok" } else { "error" };
        self.upstream_duration
            .get_or_create(&UpstreamLabel { command, outcome })
            .observe(took.as_secs_f64());
    }

    /// Records one answered request.
    pub fn observe_request(&self, status: u16, took: Duration) {
        self.requests.get_or_create(&StatusLabel { status_code: status }).inc();
        self.request_duration.observe(took.as_secs_f64());
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}
