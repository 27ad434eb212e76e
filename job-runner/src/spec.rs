//! The job spec: the TOML a node operator hands to a Chainlink node, and which requests its
//! listener admits (`requesters`, `minContractPaymentLinkJuels`) before any run.

use std::fmt;

use alloy::primitives::{Address, B256, U256};
use serde::{Deserialize, Deserializer, de::Error as _};

use crate::{Error, dot::Pipeline};

/// A Chainlink node's default minimum payment when a job sets none: the EVM chain setting
/// `MinContractPayment`, `0.00001 link` on every chain's defaults (Arbitrum's included).
pub const NODE_MIN_CONTRACT_PAYMENT: U256 = U256::from_limbs([10_000_000_000_000, 0, 0, 0]);

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
    /// The only requesters whose requests run (the log's `requester`); empty: anyone's.
    #[serde(default)]
    pub requesters: Vec<Address>,
    /// The least LINK a request must pay to run; `None`: the node's own minimum.
    #[serde(rename = "minContractPaymentLinkJuels", default, deserialize_with = "juels")]
    pub min_contract_payment: Option<U256>,
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

    /// Whether a request from `requester` paying `payment` juels may run, checked as a Chainlink
    /// node does before it starts a run: the requester first (an empty list admits anyone), then
    /// the payment against `minContractPaymentLinkJuels`, or `node_minimum` when the job sets
    /// none. A payment equal to the minimum is enough.
    ///
    /// # Errors
    /// The [`Rejection`].
    pub fn admit(
        &self,
        requester: Address,
        payment: U256,
        node_minimum: U256,
    ) -> Result<(), Rejection> {
        if !self.requesters.is_empty() && !self.requesters.contains(&requester) {
            return Err(Rejection::Requester(requester));
        }
        let minimum = self.min_contract_payment.unwrap_or(node_minimum);
        if payment < minimum {
            return Err(Rejection::Payment { paid: payment, minimum });
        }
        Ok(())
    }

    /// Whether `requesters` still holds the template's placeholder (the zero address), to be
    /// replaced with the requesting program's address before the job runs.
    pub fn has_placeholder_requester(&self) -> bool {
        self.requesters.iter().any(|r| r.is_zero())
    }
}

/// Why the listener does not run the job for a request, as a Chainlink node's directrequest
/// listener refuses it (`core/services/directrequest/delegate.go`, `handleOracleRequest`): the
/// log is marked consumed and nothing is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// The requester is not in the job's `requesters` ("Rejected run for invalid requester").
    Requester(Address),
    /// The payment is below the minimum ("Rejected run for insufficient payment").
    Payment {
        /// What the request paid, in juels.
        paid: U256,
        /// The job's (or the node's) minimum, in juels.
        minimum: U256,
    },
    /// The log does not decode as an `OracleRequest` (a node never delivers such a log).
    Malformed(String),
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Requester(r) => write!(f, "requester {r} is not in the job's requesters"),
            Self::Payment { paid, minimum } => {
                write!(f, "payment {paid} juels is below the minimum {minimum}")
            }
            Self::Malformed(why) => write!(f, "not an OracleRequest log: {why}"),
        }
    }
}

/// `minContractPaymentLinkJuels` as a node reads it (chainlink-common `assets.Link`): a TOML
/// string of decimal juels, optionally suffixed `juels`, or of LINK suffixed `link` (at most
/// 18 decimals), or a TOML integer.
fn juels<'de, D: Deserializer<'de>>(d: D) -> Result<Option<U256>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Amount {
        Integer(u64),
        Text(String),
    }
    match Option::<Amount>::deserialize(d)? {
        None => Ok(None),
        Some(Amount::Integer(n)) => Ok(Some(U256::from(n))),
        Some(Amount::Text(text)) => parse_juels(&text).map(Some).map_err(D::Error::custom),
    }
}

/// See [`juels`].
fn parse_juels(text: &str) -> Result<U256, String> {
    let bad = || format!("minContractPaymentLinkJuels {text:?} is not an amount of LINK");
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if let Some(link) = text.strip_suffix("link") {
        let link = link.trim_end();
        let (whole, fraction) = link.split_once('.').unwrap_or((link, ""));
        if !digits(whole) || !(fraction.is_empty() || digits(fraction)) || fraction.len() > 18 {
            return Err(bad());
        }
        let scaled = format!("{whole}{fraction:0<18}");
        return U256::from_str_radix(&scaled, 10).map_err(|_| bad());
    }
    let juels = text.strip_suffix("juels").map_or(text, str::trim_end);
    if !digits(juels) {
        return Err(bad());
    }
    U256::from_str_radix(juels, 10).map_err(|_| bad())
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
        // The template admits one requester, PxSync, whose address the operator fills in, and
        // asks for PxSync's fee (0.1 LINK in the plans).
        assert_eq!(spec.requesters, vec![Address::ZERO]);
        assert!(spec.has_placeholder_requester());
        assert_eq!(spec.min_contract_payment, Some(U256::from(100_000_000_000_000_000u64)));
    }

    const PX_SYNC: Address = Address::repeat_byte(0x51);
    const STRANGER: Address = Address::repeat_byte(0x99);

    fn with(extra: &str) -> JobSpec {
        JobSpec::parse(&SPEC.replace("observationSource", &format!("{extra}\nobservationSource")))
            .unwrap()
            .0
    }

    #[test]
    fn admits_only_the_listed_requesters() {
        let spec = with(&format!("requesters = [\"{PX_SYNC}\"]"));
        assert_eq!(spec.admit(PX_SYNC, U256::MAX, U256::ZERO), Ok(()));
        assert_eq!(
            spec.admit(STRANGER, U256::MAX, U256::ZERO),
            Err(Rejection::Requester(STRANGER))
        );
    }

    #[test]
    fn admits_any_requester_when_the_job_lists_none() {
        let spec = with("");
        assert!(spec.requesters.is_empty() && !spec.has_placeholder_requester());
        assert_eq!(spec.admit(STRANGER, NODE_MIN_CONTRACT_PAYMENT, U256::ZERO), Ok(()));
    }

    #[test]
    fn admits_a_payment_of_at_least_the_jobs_minimum() {
        let spec = with("minContractPaymentLinkJuels = \"1000\"");
        let minimum = U256::from(1000);
        assert_eq!(spec.admit(STRANGER, minimum, U256::MAX), Ok(()));
        assert_eq!(
            spec.admit(STRANGER, minimum - U256::from(1), U256::MAX),
            Err(Rejection::Payment { paid: U256::from(999), minimum })
        );
    }

    #[test]
    fn a_job_minimum_of_zero_admits_any_payment_and_none_falls_back_to_the_node() {
        let free = with("minContractPaymentLinkJuels = \"0\"");
        assert_eq!(free.admit(STRANGER, U256::ZERO, NODE_MIN_CONTRACT_PAYMENT), Ok(()));
        let unset = with("");
        assert_eq!(
            unset.admit(STRANGER, U256::from(1), NODE_MIN_CONTRACT_PAYMENT),
            Err(Rejection::Payment { paid: U256::from(1), minimum: NODE_MIN_CONTRACT_PAYMENT })
        );
    }

    #[test]
    fn reads_the_minimum_in_every_spelling_a_node_reads() {
        for (text, juels) in [
            ("\"100000000000000000\"", 100_000_000_000_000_000u64),
            ("\"100 juels\"", 100),
            ("\"100juels\"", 100),
            ("\"0.1 link\"", 100_000_000_000_000_000),
            ("\"2link\"", 2_000_000_000_000_000_000),
            ("\"0.00001 link\"", 10_000_000_000_000),
            ("50000000000000000", 50_000_000_000_000_000),
        ] {
            let spec = with(&format!("minContractPaymentLinkJuels = {text}"));
            assert_eq!(spec.min_contract_payment, Some(U256::from(juels)), "{text}");
        }
        assert_eq!(NODE_MIN_CONTRACT_PAYMENT, U256::from(10_000_000_000_000u64));
    }

    #[test]
    fn error_when_the_minimum_or_a_requester_is_malformed() {
        for bad in [
            "minContractPaymentLinkJuels = \"-1\"",
            "minContractPaymentLinkJuels = \"0.1\"",
            "minContractPaymentLinkJuels = \"1e18\"",
            "minContractPaymentLinkJuels = \"0.0000000000000000001 link\"",
            "minContractPaymentLinkJuels = \"link\"",
            "minContractPaymentLinkJuels = -5",
            "requesters = [\"0x1234\"]",
            "requesters = \"0x5151515151515151515151515151515151515151\"",
        ] {
            let text = SPEC.replace("observationSource", &format!("{bad}\nobservationSource"));
            assert!(matches!(JobSpec::parse(&text), Err(Error::Spec(_))), "{bad}");
        }
    }
}
