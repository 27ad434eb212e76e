//! The job spec: the TOML a node operator hands to a Chainlink node.

use alloy::primitives::{Address, B256};
use serde::Deserialize;

use crate::{Error, dot::Pipeline};

/// The fields of a `directrequest` job this runner uses.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobSpec {
    /// Must be `directrequest`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The job's name.
    #[serde(default)]
    pub name: String,
    /// The job's UUID; requests carry it as their spec id.
    #[serde(rename = "externalJobID")]
    pub external_job_id: String,
    /// The Operator whose requests the job answers (zero: to be filled in by the operator).
    pub contract_address: Address,
    /// The chain the job serves.
    #[serde(rename = "evmChainID", default)]
    pub evm_chain_id: String,
    /// Blocks to wait after a request's block before answering it (at least 1).
    #[serde(default = "one")]
    pub min_incoming_confirmations: u64,
    /// The pipeline, in DOT.
    pub observation_source: String,
    /// The spec ids derived from the external job id at parse ([`JobSpec::spec_ids`]).
    #[serde(skip)]
    spec_ids: [B256; 2],
}

fn one() -> u64 {
    1
}

impl JobSpec {
    /// Parses a job spec and its pipeline.
    ///
    /// # Errors
    /// [`Error::Spec`] for bad TOML or a job that is not `directrequest`; [`Error::Pipeline`]
    /// for a pipeline that does not parse.
    pub fn parse(toml_text: &str) -> Result<(Self, Pipeline), Error> {
        let mut spec: Self = toml::from_str(toml_text).map_err(|e| Error::Spec(e.to_string()))?;
        if spec.kind != "directrequest" {
            return Err(Error::Spec(format!("type is {:?}, not \"directrequest\"", spec.kind)));
        }
        spec.spec_ids = spec_ids_of(&spec.external_job_id)?;
        let pipeline = Pipeline::parse(&spec.observation_source)?;
        Ok((spec, pipeline))
    }

    /// The spec ids a request for this job may carry, as a Chainlink node accepts them: the
    /// ASCII of the UUID's 32 hex digits (what `Chainlink.Request` users pass, and what
    /// `PxSync.setOracle` takes), and the UUID's 16 bytes, right-padded.
    pub fn spec_ids(&self) -> [B256; 2] {
        self.spec_ids
    }
}

/// [`JobSpec::spec_ids`] of an external job id; an error unless it is a UUID.
fn spec_ids_of(external_job_id: &str) -> Result<[B256; 2], Error> {
    let hex: String =
        external_job_id.chars().filter(|c| *c != '-').collect::<String>().to_lowercase();
    let uuid = alloy::hex::decode(&hex)
        .ok()
        .and_then(|b| <[u8; 16]>::try_from(b).ok())
        .ok_or_else(|| Error::Spec(format!("externalJobID {external_job_id:?} is not a UUID")))?;
    let mut as_bytes = B256::ZERO;
    as_bytes[..16].copy_from_slice(&uuid);
    Ok([B256::from_slice(hex.as_bytes()), as_bytes])
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = r#"
type = "directrequest"
schemaVersion = 1
externalJobID = "a5ac14e8-7629-4726-b1f1-1ae053fc829e"
contractAddress = "0x613a38AC1659769640aaE063C651F48E0250454C"
observationSource = """
    ds1 [type="jsonparse" path="USD" data="{}"]
"""
"#;

    #[test]
    fn encodes_the_job_id_both_ways_a_node_does() {
        // The values Chainlink's own tests expect for this UUID (core/services/job).
        let (spec, _) = JobSpec::parse(SPEC).unwrap();
        let [text, bytes] = spec.spec_ids();
        assert_eq!(
            text.to_string(),
            "0x6135616331346538373632393437323662316631316165303533666338323965"
        );
        assert_eq!(
            bytes.to_string(),
            "0xa5ac14e876294726b1f11ae053fc829e00000000000000000000000000000000"
        );
        assert_eq!(spec.min_incoming_confirmations, 1);
    }

    #[test]
    fn error_when_the_job_is_not_a_direct_request() {
        let err = JobSpec::parse(&SPEC.replace("directrequest", "cron")).unwrap_err();
        assert!(matches!(err, Error::Spec(m) if m.contains("cron")));
    }

    #[test]
    fn error_when_the_job_id_is_not_a_uuid() {
        let err = JobSpec::parse(&SPEC.replace("a5ac14e8-7629", "zz")).unwrap_err();
        assert!(matches!(err, Error::Spec(m) if m.contains("UUID")));
    }

    #[test]
    fn reads_the_px_sync_job_spec() {
        let text = include_str!("../../scripts/chainlink/px-sync-job.toml");
        let (spec, pipeline) = JobSpec::parse(text).unwrap();
        assert_eq!(spec.name, "px-sync-usage-report");
        assert_eq!(pipeline.order().first().unwrap().name, "decode_log");
        assert_eq!(pipeline.order().last().unwrap().name, "submit_tx");
    }
}
