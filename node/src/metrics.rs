//! Prometheus metrics (`GET /metrics`, text exposition format).

use std::sync::atomic::AtomicU64;

use prometheus_client::{
    encoding::{EncodeLabelSet, text::encode},
    metrics::{counter::Counter, family::Family, gauge::Gauge},
    registry::Registry,
};

/// A label with one `result` or `reason` value.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Outcome {
    /// What happened (`ok`, `error`, a refusal reason, ...).
    pub outcome: String,
}

impl Outcome {
    fn of(s: &str) -> Self {
        Self { outcome: s.to_owned() }
    }
}

/// The node's metrics.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    uploads: Family<Outcome, Counter>,
    upload_bytes: Counter,
    refusals: Family<Outcome, Counter>,
    deletes: Family<Outcome, Counter>,
    publishes: Family<Outcome, Counter>,
    sign_ins: Family<Outcome, Counter>,
    registrations: Family<Outcome, Counter>,
    pending: Gauge<i64, std::sync::atomic::AtomicI64>,
    tokens: Gauge<u64, AtomicU64>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Registers every metric under the `px_node` prefix.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("px_node");
        let m = Self {
            uploads: Family::default(),
            upload_bytes: Counter::default(),
            refusals: Family::default(),
            deletes: Family::default(),
            publishes: Family::default(),
            sign_ins: Family::default(),
            registrations: Family::default(),
            pending: Gauge::default(),
            tokens: Gauge::default(),
            registry: Registry::default(),
        };
        registry.register("uploads", "Uploads by outcome", m.uploads.clone());
        registry.register("upload_bytes", "Bytes stored through uploads", m.upload_bytes.clone());
        registry.register("upload_refusals", "Refused uploads by reason", m.refusals.clone());
        registry.register("deletes", "Deletions by outcome", m.deletes.clone());
        registry.register("publishes", "Head publications by outcome", m.publishes.clone());
        registry.register("sign_ins", "Sign-in attempts by outcome", m.sign_ins.clone());
        registry.register(
            "registrations",
            "Token registrations by outcome",
            m.registrations.clone(),
        );
        registry.register(
            "pending_publishes",
            "Heads committed but not yet published",
            m.pending.clone(),
        );
        registry.register("tokens", "Tokens served", m.tokens.clone());
        Self { registry, ..m }
    }

    /// Counts an upload.
    pub fn upload(&self, outcome: &str, bytes: u64) {
        self.uploads.get_or_create(&Outcome::of(outcome)).inc();
        self.upload_bytes.inc_by(bytes);
    }

    /// Counts a refusal reason.
    pub fn refusal(&self, reason: &str) {
        self.refusals.get_or_create(&Outcome::of(reason)).inc();
    }

    /// Counts a deletion.
    pub fn delete(&self, outcome: &str) {
        self.deletes.get_or_create(&Outcome::of(outcome)).inc();
    }

    /// Counts a publication.
    pub fn publish(&self, outcome: &str) {
        self.publishes.get_or_create(&Outcome::of(outcome)).inc();
    }

    /// Counts a sign-in attempt.
    pub fn sign_in(&self, outcome: &str) {
        self.sign_ins.get_or_create(&Outcome::of(outcome)).inc();
    }

    /// Counts a registration.
    pub fn registration(&self, outcome: &str) {
        self.registrations.get_or_create(&Outcome::of(outcome)).inc();
    }

    /// Sets the number of pending publications and of tokens served.
    pub fn set_state(&self, pending: usize, tokens: usize) {
        self.pending.set(i64::try_from(pending).unwrap_or(i64::MAX));
        self.tokens.set(tokens as u64);
    }

    /// The text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_with_outcome_labels() {
        let m = Metrics::new();
        m.upload("ok", 10);
        m.refusal("quotaExceeded");
        let text = m.render();
        assert!(text.contains(r#"px_node_uploads_total{outcome="ok"} 1"#), "{text}");
        assert!(text.contains("px_node_upload_bytes_total 10"), "{text}");
        assert!(text.contains(r#"px_node_upload_refusals_total{outcome="quotaExceeded"} 1"#));
        assert!(!text.contains(r#"outcome="error""#), "nothing counted as error");
    }
}
