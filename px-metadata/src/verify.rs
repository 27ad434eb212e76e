//! Checking a fetched head document end to end (the adapter's side, and anyone auditing a
//! sync): the bytes are the block the CID names, the JSON is a strict `px-usage/1`, the
//! signature recovers to the document's `signer`, and the subject is the one asked for.

use alloy::primitives::{Address, U256};

use crate::{
    cid::RawBlockCid,
    document::{UsageDocument, ensure_canonical, parse_capped},
    error::Error,
    key::BtnsKey,
};

/// A document whose bytes match its CID and whose signature recovers to its `signer`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedDocument {
    /// The parsed document.
    pub document: UsageDocument,
    /// The CID it was fetched by; its digest is the `metadataDigest`.
    pub cid: RawBlockCid,
}

/// What a request asks about: checked against the document's own fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    /// Chain id.
    pub chain_id: u64,
    /// The core contract.
    pub contract: Address,
    /// The token.
    pub token_id: U256,
    /// The token's key (the name that was resolved).
    pub btns_key: BtnsKey,
}

impl VerifiedDocument {
    /// Verifies `bytes` fetched as `cid`: digest first (cheap, and it proves the storage node
    /// returned the block it resolved to), then strict parsing, then the signature, then that
    /// the bytes are the document's one spelling ([`UsageDocument::from_json`] refuses the
    /// same documents; here a forged signature is named before a foreign spelling).
    pub fn verify(cid: RawBlockCid, bytes: &[u8]) -> Result<Self, Error> {
        cid.verify(bytes)?;
        let document: UsageDocument = parse_capped(bytes)?;
        document.verify_signature()?;
        ensure_canonical(&document.to_json(), bytes)?;
        Ok(Self { document, cid })
    }

    /// Checks that the document is about `subject`.
    pub fn check_subject(&self, subject: &Subject) -> Result<(), Error> {
        let d = &self.document;
        let wrong = |field, expected: String, found: String| {
            Err(Error::WrongSubject { field, expected, found })
        };
        if d.chain_id != subject.chain_id {
            return wrong("chainId", subject.chain_id.to_string(), d.chain_id.to_string());
        }
        if d.contract != subject.contract {
            return wrong(
                "contract",
                format!("{:#x}", subject.contract),
                format!("{:#x}", d.contract),
            );
        }
        if d.token_id != subject.token_id {
            return wrong("tokenId", subject.token_id.to_string(), d.token_id.to_string());
        }
        if d.btns_key != subject.btns_key {
            return wrong("btnsKey", subject.btns_key.to_hex(), d.btns_key.to_hex());
        }
        Ok(())
    }
}
