//! The properties the fuzz targets check, one module per part; each fuzz target only hands its
//! input to one of these functions. A property holds for every input the part accepts: what is
//! parsed re-serializes to the same bytes (one spelling per state), text forms round-trip to the
//! same bytes, a decoded request re-encodes to the same request, and what the chain is sent
//! decodes as the ABI says.
//!
//! `libfuzzer/` runs each under cargo fuzz (one `fuzz_targets/<name>.rs` per function);
//! `tests/corpus.rs` replays the checked-in corpus and mutations of it under `cargo test`.
//!
//! Targets (corpus under `corpus/<target>/`):
//! - [`metadata::usage_document`], [`metadata::files_page`]: px-metadata's strict parsers.
//! - [`metadata::text_forms`]: BTNS keys, CIDs, RFC 3339 times and strict decimals.
//! - [`metadata::report_signature`]: the EIP-712 `UsageReport` and its signature bytes.
//! - [`job::cbor_request`]: the job's `cborparse` of the request parameters.
//! - [`job::fulfil_args`]: the adapter's answer through the job's `jsonparse` and
//!   `ethabiencode` into `fulfillSync` and `fulfillOracleRequest2`.
//! - [`adapter::adapter_request`], [`adapter::adapter_query`]: the adapter's request, as the
//!   bridge's POST body and as the CRE workflow's `GET /usage` query.
//! - [`cre::cre_report`]: the CRE report bytes PxSync's `onReport` decodes.

// Each property panics when it does not hold: that is how libFuzzer and the tests learn of it.
#![allow(clippy::missing_panics_doc)]

pub mod adapter;
pub mod cre;
pub mod job;
pub mod metadata;
