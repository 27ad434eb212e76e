//! Building and signing documents (the PX node's side): set the usage, sign with the usage
//! signer, and get the exact bytes to publish and the CID they will have.

use alloy::{
    primitives::{Address, U256},
    signers::local::PrivateKeySigner,
};

use crate::{
    cid::{Cid, RawBlockCid},
    document::{FileEntry, MAX_DOCUMENT_BYTES, MAX_FILES, Schema, Timestamp, UsageDocument},
    error::Error,
    key::BtnsKey,
    report::ReportFields,
};

/// A signed document in its published form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedDocument {
    /// The document.
    pub document: UsageDocument,
    /// The exact bytes to `add` as one raw block.
    pub bytes: Vec<u8>,
    /// The CID those bytes get; its digest is the on-chain `metadataDigest`.
    pub cid: RawBlockCid,
}

/// Builds a [`UsageDocument`]. The subject (chain, contract, token, key) is fixed at the start;
/// usage fields default to zero, `files` to empty, `filesIndex` to null, `updatedAt` to now.
#[derive(Debug, Clone)]
#[must_use]
pub struct UsageDocumentBuilder {
    chain_id: u64,
    contract: Address,
    token_id: U256,
    btns_key: BtnsKey,
    sequence: Option<u64>,
    quota_bytes: u64,
    used_bytes: u64,
    upload_limit: u32,
    upload_count: u32,
    files: Vec<FileEntry>,
    files_index: Option<Cid>,
    updated_at: Option<Timestamp>,
}

impl UsageDocument {
    /// Starts a document about `token_id` of `contract` on `chain_id`, published under `btns_key`.
    pub fn builder(
        chain_id: u64,
        contract: Address,
        token_id: U256,
        btns_key: BtnsKey,
    ) -> UsageDocumentBuilder {
        UsageDocumentBuilder {
            chain_id,
            contract,
            token_id,
            btns_key,
            sequence: None,
            quota_bytes: 0,
            used_bytes: 0,
            upload_limit: 0,
            upload_count: 0,
            files: Vec::new(),
            files_index: None,
            updated_at: None,
        }
    }

    /// The document's bytes and CID as they will be published.
    pub fn encode(&self) -> EncodedDocument {
        let bytes = self.to_json();
        let cid = RawBlockCid::of(&bytes);
        EncodedDocument { document: self.clone(), bytes, cid }
    }
}

impl UsageDocumentBuilder {
    /// The usage sequence (required; 1 for a token's first document).
    pub fn sequence(mut self, sequence: u64) -> Self {
        self.sequence = Some(sequence);
        self
    }

    /// Quota in bytes and upload allowance.
    pub fn quota(mut self, quota_bytes: u64, upload_limit: u32) -> Self {
        self.quota_bytes = quota_bytes;
        self.upload_limit = upload_limit;
        self
    }

    /// Bytes used and uploads made.
    pub fn usage(mut self, used_bytes: u64, upload_count: u32) -> Self {
        self.used_bytes = used_bytes;
        self.upload_count = upload_count;
        self
    }

    /// The newest files (at most 256) and the CID of older pages, if any.
    pub fn files(mut self, files: Vec<FileEntry>, files_index: Option<Cid>) -> Self {
        self.files = files;
        self.files_index = files_index;
        self
    }

    /// When the state was produced (defaults to now).
    pub fn updated_at(mut self, at: Timestamp) -> Self {
        self.updated_at = Some(at);
        self
    }

    /// Signs the report with the usage signer and returns the published form.
    ///
    /// # Errors
    /// [`Error::MissingField`] without a sequence, [`Error::InvalidDocument`] for sequence 0
    /// (reserved on-chain for "never synced") or too many files, [`Error::DocumentTooLarge`]
    /// past 1 MiB, [`Error::Signing`] if the signer fails.
    pub fn sign(self, signer: &PrivateKeySigner) -> Result<EncodedDocument, Error> {
        let sequence = self.sequence.ok_or(Error::MissingField("sequence"))?;
        if sequence == 0 {
            return Err(Error::InvalidDocument("sequence 0 means \"never synced\"".into()));
        }
        if self.files.len() > MAX_FILES {
            return Err(Error::InvalidDocument(format!("more than {MAX_FILES} files")));
        }
        let report = ReportFields {
            chain_id: self.chain_id,
            contract: self.contract,
            token_id: self.token_id,
            btns_key: self.btns_key.clone(),
            sequence,
            used_bytes: self.used_bytes,
            upload_count: self.upload_count,
        };
        let signature = report.sign(signer)?;
        let document = UsageDocument {
            schema: Schema::PxUsage1,
            chain_id: self.chain_id,
            contract: self.contract,
            token_id: self.token_id,
            btns_key: self.btns_key,
            sequence,
            quota_bytes: self.quota_bytes,
            used_bytes: self.used_bytes,
            upload_limit: self.upload_limit,
            upload_count: self.upload_count,
            files: self.files,
            files_index: self.files_index,
            updated_at: self.updated_at.unwrap_or_else(Timestamp::now),
            signer: signer.address(),
            signature,
        };
        let encoded = document.encode();
        if encoded.bytes.len() > MAX_DOCUMENT_BYTES {
            return Err(Error::DocumentTooLarge {
                size: encoded.bytes.len(),
                max: MAX_DOCUMENT_BYTES,
            });
        }
        Ok(encoded)
    }
}
