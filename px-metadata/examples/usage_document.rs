//! The example document of `docs/usage-metadata.md`, built by the PX node's own path
//! ([`UsageDocument::builder`] and [`FilesPage`]): a head at sequence 4 with two files in
//! `files` and one older file behind `filesIndex` (registration published sequence 1, each of
//! three uploads one more), signed by a public development key.
//!
//! ```sh
//! cargo run -p px-metadata --example usage_document
//! ```
//!
//! Prints each block the doc shows; `tests/docs_example.rs` checks that the doc shows exactly
//! these bytes.

use alloy::{
    primitives::{U256, address},
    signers::local::PrivateKeySigner,
};
use px_metadata::{
    BtnsKey, EncodedDocument, EncodedPage, FileEntry, FilesPage, RawBlockCid, Timestamp,
    UsageDocument, VerifiedDocument,
};

/// Arbitrum Sepolia.
pub(crate) const CHAIN_ID: u64 = 421_614;
/// The usage signer: anvil's and px-devnet's development account 3 (a public key; never use it
/// for anything real), the usage signer of `deploy/plans/local.toml`.
pub(crate) const SIGNER_KEY: &str =
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";

fn at(s: &str) -> Timestamp {
    Timestamp::parse(s).expect("an RFC 3339 time")
}

fn file(content: &[u8], added_at: &str) -> FileEntry {
    FileEntry {
        // A small file added as one raw block has the CID of its bytes.
        cid: RawBlockCid::of(content).into(),
        size: content.len() as u64,
        added_at: at(added_at),
    }
}

/// The example head and the page behind its `filesIndex`.
///
/// # Panics
/// Never: every input is fixed and valid.
pub(crate) fn example() -> (EncodedDocument, EncodedPage) {
    let signer: PrivateKeySigner = SIGNER_KEY.parse().expect("a private key");
    let key: BtnsKey =
        "12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA".parse().expect("a peer id");
    let core = address!("0x5fbdb2315678afecb367f032d93f642f64180aa3");
    let oldest = file(b"minutes of 2026-11-23\n", "2026-11-23T09:30:00Z");
    let page = FilesPage::new(vec![oldest], None).expect("one entry").encode();
    let files = vec![
        file(b"{\"hello\":\"world\"}\n", "2026-11-25T10:02:00Z"),
        file(b"a second file\n", "2026-11-24T16:45:10Z"),
    ];
    let used: u64 = files.iter().chain(&page.page.files).map(|f| f.size).sum();
    let head = UsageDocument::builder(CHAIN_ID, core, U256::from(7), key)
        .sequence(4)
        .quota(1 << 30, 50)
        .usage(used, 3)
        .files(files, Some(page.cid.into()))
        .updated_at(at("2026-11-25T10:02:01Z"))
        .sign(&signer)
        .expect("a valid document");
    (head, page)
}

#[allow(dead_code)] // the docs test includes this file for `example` only
fn main() {
    let (head, page) = example();
    let checked = VerifiedDocument::verify(head.cid, &head.bytes).expect("verifies");
    println!("head ({} bytes):\n{}\n", head.bytes.len(), String::from_utf8_lossy(&head.bytes));
    println!("head CID: {}", head.cid);
    println!("metadataDigest: {:#x}", head.cid.digest());
    println!("signer: {:#x}", checked.document.signer);
    println!("\npage ({} bytes):\n{}\n", page.bytes.len(), String::from_utf8_lossy(&page.bytes));
    println!("page CID: {}", page.cid);
}
