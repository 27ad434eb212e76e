//! The PX usage metadata: one implementation of the formats the PX node writes, the oracle
//! adapter checks and the chain trusts (wire formats, "Usage metadata document" and "Usage
//! report signature").
//!
//! # Layout
//! - [`key`]: [`BtnsKey`], the token's BTNS name, in every text form and as canonical bytes.
//! - [`cid`]: [`Cid`] and [`RawBlockCid`], the single-raw-block digest rule.
//! - [`document`]: [`UsageDocument`], the strict `px-usage/1` head document.
//! - [`builder`]: [`UsageDocumentBuilder`], build and sign a document (the PX node).
//! - [`report`]: EIP-712 `UsageReport` hashing, signing and recovery on `px_abi::eip712`.
//! - [`verify`]: [`VerifiedDocument`], check fetched bytes end to end (the adapter).
//! - [`page`]: [`FilesPage`], the `px-files/1` pages behind a head's `filesIndex`.
//! - [`decimal`]: the strict decimal-string integers every field uses.
//!
//! # Example
//! ```
//! use alloy::{primitives::{U256, address}, signers::local::PrivateKeySigner};
//! use px_metadata::{BtnsKey, UsageDocument, VerifiedDocument};
//!
//! let signer = PrivateKeySigner::random();
//! let key: BtnsKey = "12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA".parse()?;
//! let core = address!("0x00000000000000000000000000000000000000c0");
//! let published = UsageDocument::builder(42161, core, U256::from(7), key)
//!     .sequence(1)
//!     .quota(100 << 20, 25)
//!     .sign(&signer)?;
//! let checked = VerifiedDocument::verify(published.cid, &published.bytes)?;
//! assert_eq!(checked.document.signer, signer.address());
//! # Ok::<(), px_metadata::Error>(())
//! ```

pub mod builder;
pub mod cid;
pub mod decimal;
pub mod document;
pub mod error;
pub mod key;
mod multibase;
pub mod page;
pub mod report;
pub mod verify;

pub use builder::{EncodedDocument, UsageDocumentBuilder};
pub use cid::{Cid, RawBlockCid};
pub use document::{
    FileEntry, MAX_DOCUMENT_BYTES, MAX_FILES, SCHEMA, Schema, Timestamp, UsageDocument,
};
pub use error::Error;
pub use key::BtnsKey;
pub use page::{EncodedPage, FilesPage, PAGE_SCHEMA};
pub use report::{ReportFields, ReportSignature};
pub use verify::{Subject, VerifiedDocument};
