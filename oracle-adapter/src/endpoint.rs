//! The request contracts of the adapter's two endpoints, both answering from the same
//! verified document (wire formats, "Adapter request body" and "Adapter usage answer"):
//!
//! - `POST /` (Direct Request, a Chainlink node's bridge task):
//!   `{"id": jobRunID, "data": {"btnsKey", "tokenId", "contract", "chainId"}}`, every value a
//!   string as the contract's CBOR carries it.
//! - `GET /usage?btnsKey=&tokenId=&contract=&chainId=` (CRE, the workflow's HTTP fetch): the
//!   same four values as query parameters; the answer is a [`UsageAnswer`], the same bytes for
//!   every DON node that asks, so the nodes can agree on it.
//!
//! Validation failures are 400s.

use alloy::primitives::{Address, B256, U256};
use axum::{extract::Query, http::Uri};
use px_metadata::{
    BtnsKey, RawBlockCid, ReportFields, ReportSignature, Subject, VerifiedDocument, decimal,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::AdapterError;

/// jobRunID when the request has none (what the EA framework uses).
pub const DEFAULT_JOB_RUN_ID: &str = "1";

#[derive(Deserialize)]
struct EaRequest {
    id: Option<Value>,
    data: Option<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Params {
    btns_key: String,
    token_id: String,
    contract: String,
    chain_id: String,
}

/// Parses a request body into its jobRunID and the subject it asks about. The jobRunID is
/// returned even when the rest is invalid, so the error can echo it.
pub fn parse(body: &[u8]) -> (String, Result<Subject, AdapterError>) {
    let req: EaRequest = match serde_json::from_slice(body) {
        Ok(r) => r,
        Err(e) => {
            return (
                DEFAULT_JOB_RUN_ID.to_owned(),
                Err(AdapterError::Input(format!("body is not an adapter request: {e}"))),
            );
        }
    };
    let job_run_id = match req.id {
        Some(Value::String(s)) => s,
        Some(Value::Number(n)) => n.to_string(),
        _ => DEFAULT_JOB_RUN_ID.to_owned(),
    };
    (job_run_id, subject(req.data))
}

fn subject(data: Option<Value>) -> Result<Subject, AdapterError> {
    let input = |m: String| AdapterError::Input(m);
    let data = data.ok_or_else(|| input("missing `data`".into()))?;
    let p: Params = serde_json::from_value(data).map_err(|e| {
        input(format!("`data` needs string fields btnsKey, tokenId, contract, chainId: {e}"))
    })?;
    from_params(&p)
}

/// The subject of `GET /usage?btnsKey=&tokenId=&contract=&chainId=`, validated exactly as the
/// POST body's `data`.
pub fn parse_query(uri: &Uri) -> Result<Subject, AdapterError> {
    let Query(p) = Query::<Params>::try_from_uri(uri).map_err(|e| {
        AdapterError::Input(format!(
            "the query needs btnsKey, tokenId, contract and chainId: {}",
            e.body_text()
        ))
    })?;
    from_params(&p)
}

fn from_params(p: &Params) -> Result<Subject, AdapterError> {
    let input = |m: String| AdapterError::Input(m);
    let btns_key: BtnsKey =
        p.btns_key.parse().map_err(|e: px_metadata::Error| input(format!("btnsKey: {e}")))?;
    let token_id: U256 = decimal::parse("tokenId", &p.token_id).map_err(input)?;
    let chain_id: u64 = decimal::parse("chainId", &p.chain_id).map_err(input)?;
    let contract = parse_address(&p.contract).map_err(input)?;
    Ok(Subject { chain_id, contract, token_id, btns_key })
}

/// `0x` + 40 hex digits (any case: the CBOR form is lowercase, operators may paste checksummed).
fn parse_address(s: &str) -> Result<Address, String> {
    if s.len() != 42 || !s.starts_with("0x") {
        return Err(format!("contract must be 0x + 40 hex digits, got {s:?}"));
    }
    s.parse().map_err(|e| format!("contract: {e}"))
}

/// The answer of `GET /usage` (wire formats, "Adapter usage answer"): the verified document's
/// signed fields, its digest, CID and signer. Every integer is a canonical decimal string,
/// every address and hash lowercase `0x` hex, and the field order fixed, so that one document
/// gives the same bytes on every adapter and every DON node can compare answers byte for byte.
///
/// The client (the CRE workflow, the local DON) checks it again with [`UsageAnswer::check`]:
/// the adapter is not trusted, the usage signer is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UsageAnswer {
    /// Chain of the core contract.
    #[serde(with = "px_metadata::decimal")]
    pub chain_id: u64,
    /// The core contract, lowercase.
    pub contract: String,
    /// The token.
    #[serde(with = "px_metadata::decimal")]
    pub token_id: U256,
    /// The key the document was published under, `0x` + lowercase hex of its bytes.
    pub btns_key: BtnsKey,
    /// Usage sequence.
    #[serde(with = "px_metadata::decimal")]
    pub sequence: u64,
    /// Bytes used.
    #[serde(with = "px_metadata::decimal")]
    pub used_bytes: u64,
    /// Uploads made.
    #[serde(with = "px_metadata::decimal")]
    pub upload_count: u32,
    /// Quota in bytes (informative: the chain keeps its own).
    #[serde(with = "px_metadata::decimal")]
    pub quota_bytes: u64,
    /// Upload allowance (informative).
    #[serde(with = "px_metadata::decimal")]
    pub upload_limit: u32,
    /// sha256 of the document's bytes: the `metadataDigest` that goes on-chain.
    pub metadata_digest: B256,
    /// The document's CID (one raw block carrying `metadataDigest`).
    pub metadata_cid: String,
    /// The usage signer, lowercase.
    pub signer: String,
    /// The EIP-712 `UsageReport` signature, `0x` + 130 lowercase hex (`r || s || v`).
    pub signature: ReportSignature,
}

/// A [`UsageAnswer`] that passed [`UsageAnswer::check`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedAnswer {
    /// The signed fields, with the domain they were signed for.
    pub report: ReportFields,
    /// The usage signature.
    pub signature: ReportSignature,
    /// Who signed (recovered, equal to the answer's `signer`).
    pub signer: Address,
    /// The document's digest.
    pub metadata_digest: B256,
}

impl UsageAnswer {
    /// The answer for a document the service verified.
    pub fn of(verified: &VerifiedDocument) -> Self {
        let d = &verified.document;
        Self {
            chain_id: d.chain_id,
            contract: format!("{:#x}", d.contract),
            token_id: d.token_id,
            btns_key: d.btns_key.clone(),
            sequence: d.sequence,
            used_bytes: d.used_bytes,
            upload_count: d.upload_count,
            quota_bytes: d.quota_bytes,
            upload_limit: d.upload_limit,
            metadata_digest: verified.cid.digest(),
            metadata_cid: verified.cid.to_string(),
            signer: format!("{:#x}", d.signer),
            signature: d.signature,
        }
    }

    /// The adapter's checks, made again by whoever relays the answer: canonical spellings, a
    /// CID that carries the digest, a signature that recovers to `signer`, and the subject the
    /// request asked about.
    ///
    /// # Errors
    /// [`AdapterError::Document`] naming the first check that failed.
    pub fn check(&self, subject: &Subject) -> Result<CheckedAnswer, AdapterError> {
        let bad = |m: String| AdapterError::Document(m);
        let contract = lower_address("contract", &self.contract).map_err(bad)?;
        let signer = lower_address("signer", &self.signer).map_err(bad)?;
        let cid: RawBlockCid = self.metadata_cid.parse()?;
        if cid.to_string() != self.metadata_cid || cid.digest() != self.metadata_digest {
            return Err(bad(format!(
                "metadataCid {} does not carry metadataDigest {:#x}",
                self.metadata_cid, self.metadata_digest
            )));
        }
        let report = ReportFields {
            chain_id: self.chain_id,
            contract,
            token_id: self.token_id,
            btns_key: self.btns_key.clone(),
            sequence: self.sequence,
            used_bytes: self.used_bytes,
            upload_count: self.upload_count,
        };
        let recovered = report.recover(&self.signature)?;
        if recovered != signer {
            return Err(px_metadata::Error::SignerMismatch { claimed: signer, recovered }.into());
        }
        let wrong = |field: &str, expected: String, found: String| {
            Err(bad(format!("answer is about {field} {found}, the request about {expected}")))
        };
        if report.chain_id != subject.chain_id {
            return wrong("chainId", subject.chain_id.to_string(), report.chain_id.to_string());
        }
        if report.contract != subject.contract {
            return wrong(
                "contract",
                format!("{:#x}", subject.contract),
                format!("{:#x}", report.contract),
            );
        }
        if report.token_id != subject.token_id {
            return wrong("tokenId", subject.token_id.to_string(), report.token_id.to_string());
        }
        if report.btns_key != subject.btns_key {
            return wrong("btnsKey", subject.btns_key.to_hex(), report.btns_key.to_hex());
        }
        Ok(CheckedAnswer {
            report,
            signature: self.signature,
            signer,
            metadata_digest: self.metadata_digest,
        })
    }
}

/// `0x` + 40 lowercase hex digits, the one spelling the answer uses.
fn lower_address(field: &str, s: &str) -> Result<Address, String> {
    let address: Address = s.parse().map_err(|e| format!("{field}: {e}"))?;
    if format!("{address:#x}") == s {
        Ok(address)
    } else {
        Err(format!("{field} must be 0x + 40 lowercase hex digits, got {s:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY_HEX: &str =
        "0x00240801122009603ce5c90c70779692e02b9d26afc7a09e8869ee36f9ffdc372fd014a7a1c0";

    fn body(data: &Value) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({"id": "job-1", "data": data})).unwrap()
    }

    fn good() -> Value {
        serde_json::json!({"btnsKey": KEY_HEX, "tokenId": "7", "contract": "0x5fbdb2315678afecb367f032d93f642f64180aa3", "chainId": "42161"})
    }

    #[test]
    fn parses_the_wire_format_request() {
        let (id, s) = parse(&body(&good()));
        assert_eq!(id, "job-1");
        let s = s.unwrap();
        assert_eq!((s.chain_id, s.token_id), (42161, U256::from(7)));
        assert_eq!(s.btns_key.to_hex(), KEY_HEX);
    }

    #[test]
    fn accepts_other_key_forms_and_numeric_job_ids() {
        let mut d = good();
        d["btnsKey"] = "12D3KooWASxx8dTRtpofWaF4y68fGurkvUbyCRvXBWfPDgU7Je4w".into();
        let b = serde_json::to_vec(&serde_json::json!({"id": 42, "data": d})).unwrap();
        let (id, s) = parse(&b);
        assert_eq!(id, "42");
        assert_eq!(s.unwrap().btns_key.to_hex(), KEY_HEX);
    }

    #[test]
    fn refuses_each_malformed_field_but_keeps_the_job_run_id() {
        for (field, value) in [
            ("btnsKey", Value::from("0xzz")),
            ("tokenId", Value::from("07")),
            ("tokenId", Value::from(7)),
            ("chainId", Value::from("-1")),
            ("contract", Value::from("0x1234")),
            ("contract", Value::Null),
        ] {
            let mut d = good();
            d[field] = value.clone();
            let (id, s) = parse(&body(&d));
            assert_eq!(id, "job-1");
            assert!(matches!(s, Err(AdapterError::Input(_))), "{field} = {value}");
        }
        assert!(matches!(parse(b"not json").1, Err(AdapterError::Input(_))));
        assert!(matches!(parse(br#"{"id":"x"}"#).1, Err(AdapterError::Input(_))));
    }

    mod usage_answer {
        use alloy::{primitives::address, signers::local::PrivateKeySigner};
        use px_metadata::{Timestamp, UsageDocument};

        use super::*;

        const CORE: Address = address!("0x5fbdb2315678afecb367f032d93f642f64180aa3");

        fn verified() -> VerifiedDocument {
            let signer: PrivateKeySigner =
                "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
                    .parse()
                    .unwrap();
            let key: BtnsKey = KEY_HEX.parse().unwrap();
            let doc = UsageDocument::builder(42161, CORE, U256::from(7), key)
                .sequence(2)
                .quota(1 << 30, 50)
                .usage(2000, 2)
                .updated_at(Timestamp::parse("2026-11-25T10:00:00Z").unwrap())
                .sign(&signer)
                .unwrap();
            VerifiedDocument::verify(doc.cid, &doc.bytes).unwrap()
        }

        fn subject() -> Subject {
            Subject {
                chain_id: 42161,
                contract: CORE,
                token_id: U256::from(7),
                btns_key: KEY_HEX.parse().unwrap(),
            }
        }

        #[test]
        fn an_honest_answer_checks() {
            let v = verified();
            let checked = UsageAnswer::of(&v).check(&subject()).unwrap();
            assert_eq!(checked.report, v.document.report());
            assert_eq!(checked.metadata_digest, v.cid.digest());
        }

        #[test]
        fn edited_usage_or_another_subject_or_spelling_is_refused() {
            let v = verified();
            let mut edited = UsageAnswer::of(&v);
            edited.used_bytes = 1;
            let err = edited.check(&subject()).unwrap_err().to_string();
            assert!(err.contains("recovers to"), "{err}");
            let mut other_token = subject();
            other_token.token_id = U256::from(8);
            let err = UsageAnswer::of(&v).check(&other_token).unwrap_err().to_string();
            assert!(err.contains("tokenId"), "{err}");
            let mut checksummed = UsageAnswer::of(&v);
            checksummed.contract = CORE.to_checksum(None);
            let err = checksummed.check(&subject()).unwrap_err().to_string();
            assert!(err.contains("lowercase"), "{err}");
            let mut other_digest = UsageAnswer::of(&v);
            other_digest.metadata_digest = B256::repeat_byte(1);
            let err = other_digest.check(&subject()).unwrap_err().to_string();
            assert!(err.contains("does not carry"), "{err}");
        }

        #[test]
        fn answers_parse_only_in_canonical_form() {
            let text = serde_json::to_string(&UsageAnswer::of(&verified())).unwrap();
            assert!(serde_json::from_str::<UsageAnswer>(&text).is_ok());
            let padded = text.replace(r#""sequence":"2""#, r#""sequence":"02""#);
            assert!(serde_json::from_str::<UsageAnswer>(&padded).is_err());
            let extra = text.replacen('{', r#"{"extra":"1","#, 1);
            assert!(serde_json::from_str::<UsageAnswer>(&extra).is_err());
        }
    }
}
