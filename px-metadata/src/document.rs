//! The usage document `px-usage/1` (the "head" published under a token's BTNS key), parsed
//! strictly: unknown fields, other schema versions, non-canonical integers, non-RFC 3339 times,
//! more than [`MAX_FILES`] file entries, and any spelling other than the one the builder writes
//! (compact JSON, fields in wire-format order, times in UTC) are all refused, so that one usage
//! state has one spelling and one digest.

use std::fmt;

use alloy::primitives::{Address, U256};
use serde::{Deserialize, Deserializer, Serialize, Serializer, de::Error as _};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

use crate::{
    cid::Cid,
    decimal,
    error::Error,
    key::BtnsKey,
    report::{ReportFields, ReportSignature},
};

/// The only schema this crate reads and writes.
pub const SCHEMA: &str = "px-usage/1";
/// Most entries a head document lists; older ones live behind `filesIndex`.
pub const MAX_FILES: usize = 256;
/// Largest head document the formats allow (1 MiB).
pub const MAX_DOCUMENT_BYTES: usize = 1 << 20;

/// The schema tag; deserializes only from `"px-usage/1"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Schema {
    /// `px-usage/1`.
    #[default]
    #[serde(rename = "px-usage/1")]
    PxUsage1,
}

/// An RFC 3339 instant (`2026-11-25T10:00:00Z`); written back in UTC with `Z`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(OffsetDateTime);

impl Timestamp {
    /// The instant given in Unix seconds.
    ///
    /// # Errors
    /// [`Error::InvalidDocument`] outside the years 0000 to 9999 (UTC), which RFC 3339 cannot
    /// write.
    pub fn from_unix(secs: i64) -> Result<Self, Error> {
        OffsetDateTime::from_unix_timestamp(secs)
            .map_err(|e| Error::InvalidDocument(format!("time out of range: {e}")))
            .and_then(Self::writable)
    }

    /// The instant, if its UTC form has a four-digit year (what RFC 3339 can write): an offset
    /// can move an instant written as 9999-12-31 or 0000-01-01 out of that range.
    fn writable(at: OffsetDateTime) -> Result<Self, Error> {
        // `to_offset` panics where the UTC form is beyond the `time` crate's years.
        match at.checked_to_offset(time::UtcOffset::UTC).map(OffsetDateTime::year) {
            Some(year) if (0..=9999).contains(&year) => Ok(Self(at)),
            _ => Err(Error::InvalidDocument(format!(
                "time out of range: {at} is not a year 0000 to 9999 in UTC"
            ))),
        }
    }

    /// The current time (whole seconds).
    pub fn now() -> Self {
        let now = OffsetDateTime::now_utc();
        Self(now.replace_nanosecond(0).unwrap_or(now))
    }

    /// Unix seconds.
    pub fn unix(&self) -> i64 {
        self.0.unix_timestamp()
    }

    /// Parses RFC 3339 text.
    ///
    /// # Errors
    /// [`Error::InvalidDocument`] for text that is not RFC 3339, or an instant whose UTC form
    /// RFC 3339 cannot write ([`Timestamp::from_unix`]).
    pub fn parse(s: &str) -> Result<Self, Error> {
        OffsetDateTime::parse(s, &Rfc3339)
            .map_err(|e| Error::InvalidDocument(format!("{s:?} is not an RFC 3339 time: {e}")))
            .and_then(Self::writable)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let utc = self.0.to_offset(time::UtcOffset::UTC);
        f.write_str(&utc.format(&Rfc3339).map_err(|_| fmt::Error)?)
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({self})")
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::parse(&s).map_err(D::Error::custom)
    }
}

/// One stored file, newest first in [`UsageDocument::files`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FileEntry {
    /// The file's CID (v0 or v1, as the storage node returned it).
    pub cid: Cid,
    /// Its size in bytes.
    #[serde(with = "decimal")]
    pub size: u64,
    /// When it was added.
    pub added_at: Timestamp,
}

/// A `px-usage/1` head document. Field order is the order of the wire formats, which is the
/// order it serializes in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UsageDocument {
    /// Always [`Schema::PxUsage1`].
    pub schema: Schema,
    /// Chain of the core contract.
    #[serde(with = "decimal")]
    pub chain_id: u64,
    /// The core contract, lowercase `0x` hex in JSON.
    #[serde(with = "lower_address")]
    pub contract: Address,
    /// The token.
    #[serde(with = "decimal")]
    pub token_id: U256,
    /// The token's BTNS key (the name this document is published under).
    pub btns_key: BtnsKey,
    /// Usage sequence: 1 for the first document, one more for each later state.
    #[serde(with = "decimal")]
    pub sequence: u64,
    /// Quota in bytes.
    #[serde(with = "decimal")]
    pub quota_bytes: u64,
    /// Bytes used.
    #[serde(with = "decimal")]
    pub used_bytes: u64,
    /// Upload allowance.
    #[serde(with = "decimal")]
    pub upload_limit: u32,
    /// Uploads made (deleting a file does not lower it).
    #[serde(with = "decimal")]
    pub upload_count: u32,
    /// Newest files, at most [`MAX_FILES`].
    #[serde(deserialize_with = "bounded_files")]
    pub files: Vec<FileEntry>,
    /// CID of the linked pages holding older entries, or `null`.
    pub files_index: Option<Cid>,
    /// When this state was produced.
    pub updated_at: Timestamp,
    /// The usage signer's address, lowercase `0x` hex in JSON.
    #[serde(with = "lower_address")]
    pub signer: Address,
    /// EIP-712 `UsageReport` signature by `signer`.
    pub signature: ReportSignature,
}

impl UsageDocument {
    /// Parses `bytes` strictly; refuses more than [`MAX_DOCUMENT_BYTES`], and any bytes but
    /// the one spelling of the document ([`UsageDocument::to_json`]).
    pub fn from_json(bytes: &[u8]) -> Result<Self, Error> {
        let document: Self = parse_capped(bytes)?;
        ensure_canonical(&document.to_json(), bytes)?;
        Ok(document)
    }

    /// The exact bytes to publish (compact JSON, wire-format field order).
    pub fn to_json(&self) -> Vec<u8> {
        // Serializing plain structs of strings into a Vec cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// The signed fields.
    pub fn report(&self) -> ReportFields {
        ReportFields {
            chain_id: self.chain_id,
            contract: self.contract,
            token_id: self.token_id,
            btns_key: self.btns_key.clone(),
            sequence: self.sequence,
            used_bytes: self.used_bytes,
            upload_count: self.upload_count,
        }
    }

    /// Checks that `signature` recovers to `signer`.
    pub fn verify_signature(&self) -> Result<(), Error> {
        let recovered = self.report().recover(&self.signature)?;
        if recovered == self.signer {
            Ok(())
        } else {
            Err(Error::SignerMismatch { claimed: self.signer, recovered })
        }
    }
}

/// Strict JSON of a head document or a files page, refused above [`MAX_DOCUMENT_BYTES`].
pub(crate) fn parse_capped<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(Error::DocumentTooLarge { size: bytes.len(), max: MAX_DOCUMENT_BYTES });
    }
    serde_json::from_slice(bytes).map_err(|e| Error::InvalidDocument(e.to_string()))
}

/// Refuses `bytes` unless they are `canonical`, what the value parsed from them serializes to.
/// JSON allows many spellings of one value (whitespace, field order, escapes, time offsets);
/// the documents allow one, so that one state has one digest.
pub(crate) fn ensure_canonical(canonical: &[u8], bytes: &[u8]) -> Result<(), Error> {
    if canonical == bytes {
        return Ok(());
    }
    let at = canonical.iter().zip(bytes).position(|(a, b)| a != b);
    Err(Error::InvalidDocument(format!(
        "not the canonical spelling (compact JSON, fields in wire-format order, UTC times); \
         first difference at byte {}",
        at.unwrap_or(canonical.len().min(bytes.len()))
    )))
}

/// `files` of a head document or a page: at most [`MAX_FILES`] entries.
pub(crate) fn bounded_files<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<FileEntry>, D::Error> {
    // Counted after parsing: the whole document is already capped at 1 MiB, so the list cannot
    // be large in memory before this check.
    let files = Vec::<FileEntry>::deserialize(d)?;
    if files.len() > MAX_FILES {
        return Err(D::Error::custom(format!(
            "`files` has {} entries, at most {MAX_FILES} allowed",
            files.len()
        )));
    }
    Ok(files)
}

/// Addresses in the CBOR spelling: lowercase `0x` hex only (one document, one spelling).
mod lower_address {
    use super::{Address, Deserialize, Deserializer, Serializer};
    use serde::de::Error as _;

    pub(super) fn serialize<S: Serializer>(a: &Address, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{a:#x}"))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Address, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        let a: Address = s.parse().map_err(D::Error::custom)?;
        if format!("{a:#x}") == s {
            Ok(a)
        } else {
            Err(D::Error::custom(format!(
                "address must be 0x + 40 lowercase hex digits, got {s:?}"
            )))
        }
    }
}
