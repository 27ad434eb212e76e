//! File index pages: the entries a head document no longer lists, behind its `filesIndex`.
//!
//! The wire formats say only that `filesIndex` is "the CID of older entries in linked pages".
//! This module fixes that shape (`px-files/1`) so that every reader walks it the same way:
//!
//! ```json
//! {"schema":"px-files/1","files":[{"cid":"...","size":"12","addedAt":"..."}],"next":"bafkrei..."}
//! ```
//!
//! - `files`: newest first, at most [`MAX_FILES`], the same entries as the head's `files`;
//! - `next`: the page of the entries older than these, or `null` on the oldest page.
//!
//! A page is stored as a single raw block like the head, so its CID ([`RawBlockCid`]) proves
//! its bytes, and each page names the next by CID. The chain of pages is as trustworthy as the
//! head document that names the first one; note that the head's EIP-712 signature covers only
//! the usage report's fields (token, key, sequence, used bytes, upload count), not `files` or
//! `filesIndex` (docs/usage-metadata.md).

use serde::{Deserialize, Serialize};

use crate::{
    cid::{Cid, RawBlockCid},
    document::{FileEntry, MAX_FILES},
    error::Error,
};

/// The only page schema this crate reads and writes.
pub const PAGE_SCHEMA: &str = "px-files/1";

/// The page schema tag; deserializes only from `"px-files/1"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum PageSchema {
    /// `px-files/1`.
    #[default]
    #[serde(rename = "px-files/1")]
    PxFiles1,
}

/// One page of older file entries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilesPage {
    /// Always [`PageSchema::PxFiles1`].
    pub schema: PageSchema,
    /// Entries, newest first, at most [`MAX_FILES`].
    #[serde(deserialize_with = "crate::document::bounded_files")]
    pub files: Vec<FileEntry>,
    /// The page of older entries, or `None` on the last (oldest) page.
    pub next: Option<Cid>,
}

/// A page in its stored form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedPage {
    /// The page.
    pub page: FilesPage,
    /// The exact bytes to `add` as one raw block.
    pub bytes: Vec<u8>,
    /// The CID those bytes get.
    pub cid: RawBlockCid,
}

impl FilesPage {
    /// A page of `files` (newest first) linking to `next`.
    ///
    /// # Errors
    /// [`Error::InvalidDocument`] for more than [`MAX_FILES`] entries.
    pub fn new(files: Vec<FileEntry>, next: Option<Cid>) -> Result<Self, Error> {
        if files.len() > MAX_FILES {
            return Err(Error::InvalidDocument(format!("a page holds at most {MAX_FILES} files")));
        }
        Ok(Self { schema: PageSchema::PxFiles1, files, next })
    }

    /// Parses `bytes` strictly; refuses more than [`MAX_DOCUMENT_BYTES`](crate::MAX_DOCUMENT_BYTES),
    /// and any bytes but the one spelling of the page ([`FilesPage::encode`]).
    pub fn from_json(bytes: &[u8]) -> Result<Self, Error> {
        let page: Self = crate::document::parse_capped(bytes)?;
        crate::document::ensure_canonical(&page.encode().bytes, bytes)?;
        Ok(page)
    }

    /// Parses `bytes` fetched as `cid`, checking the digest first.
    pub fn verify(cid: RawBlockCid, bytes: &[u8]) -> Result<Self, Error> {
        cid.verify(bytes)?;
        Self::from_json(bytes)
    }

    /// The exact bytes to store (compact JSON) and their CID.
    pub fn encode(&self) -> EncodedPage {
        // Serializing plain structs of strings into a Vec cannot fail.
        let bytes = serde_json::to_vec(self).unwrap_or_default();
        let cid = RawBlockCid::of(&bytes);
        EncodedPage { page: self.clone(), bytes, cid }
    }
}

impl From<RawBlockCid> for Cid {
    /// The raw block CID as a general CID, in its canonical base32 spelling.
    fn from(raw: RawBlockCid) -> Self {
        // The base32 text of a raw block CID always parses as a CID v1.
        raw.to_string().parse().unwrap_or_else(|_| unreachable!("raw block CIDs are CIDs"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Timestamp;

    fn entry(i: u8) -> FileEntry {
        let cid = RawBlockCid::of(&[i]).into();
        FileEntry {
            cid,
            size: u64::from(i) + 1,
            added_at: Timestamp::from_unix(1_800_000_000).unwrap(),
        }
    }

    #[test]
    fn encodes_and_verifies_a_page_round_trip() {
        let page = FilesPage::new(vec![entry(2), entry(1)], Some(RawBlockCid::of(b"older").into()))
            .unwrap();
        let encoded = page.encode();
        assert_eq!(FilesPage::verify(encoded.cid, &encoded.bytes).unwrap(), page);
        let text = String::from_utf8(encoded.bytes).unwrap();
        assert!(text.starts_with(r#"{"schema":"px-files/1","files":[{"cid":"bafkrei"#), "{text}");
    }

    #[test]
    fn error_when_a_page_is_tampered_has_unknown_fields_or_another_schema() {
        let encoded = FilesPage::new(vec![entry(1)], None).unwrap().encode();
        let mut tampered = encoded.bytes.clone();
        *tampered.last_mut().unwrap() = b' ';
        assert!(matches!(
            FilesPage::verify(encoded.cid, &tampered),
            Err(Error::DigestMismatch { .. })
        ));
        let extra = br#"{"schema":"px-files/1","files":[],"next":null,"x":1}"#;
        assert!(FilesPage::from_json(extra).is_err());
        let other = br#"{"schema":"px-files/2","files":[],"next":null}"#;
        assert!(FilesPage::from_json(other).is_err());
        assert!(FilesPage::from_json(br#"{"schema":"px-files/1","files":[],"next":null}"#).is_ok());
    }

    #[test]
    fn error_when_a_page_is_spelled_otherwise_than_it_encodes() {
        // The files_page fuzz target's property, broken by its corpus mutations: the same page
        // in other bytes (another CID). Regression for issue 15.
        for other in [
            &br#"{"schema":"px-files/1","files":[],"next":null} "#[..],
            br#"{"schema":"px-files/1","next":null,"files":[]}"#,
            br#"{"schema": "px-files/1","files":[],"next":null}"#,
            br#"{"schema":"px\u002dfiles/1","files":[],"next":null}"#,
        ] {
            let res = FilesPage::from_json(other);
            assert!(
                matches!(&res, Err(Error::InvalidDocument(m)) if m.contains("canonical")),
                "{}: {res:?}",
                String::from_utf8_lossy(other)
            );
        }
    }

    #[test]
    fn error_when_a_page_holds_more_than_max_files() {
        let many: Vec<_> = (0..=MAX_FILES).map(|i| entry(u8::try_from(i % 256).unwrap())).collect();
        assert!(FilesPage::new(many.clone(), None).is_err());
        let json = serde_json::to_vec(&FilesPage {
            schema: PageSchema::PxFiles1,
            files: many,
            next: None,
        })
        .unwrap();
        assert!(FilesPage::from_json(&json).is_err());
        assert!(FilesPage::new(vec![entry(0); MAX_FILES], None).is_ok());
    }

    #[test]
    fn raw_block_cid_converts_to_the_same_general_cid() {
        let raw = RawBlockCid::of(b"x");
        let cid: Cid = raw.into();
        assert_eq!(cid.as_str(), raw.to_string());
        assert_eq!(cid.codec(), crate::cid::RAW_CODEC);
    }
}
