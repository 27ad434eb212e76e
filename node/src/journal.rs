//! The node's durable state, in one redb database (`journal.redb`): everything it needs to
//! rebuild and republish every head it serves. Every usage change is one write transaction
//! (record, file entry, head bytes, new pages, "pending publish" mark), committed with fsync
//! before the storage node is asked to publish; at start-up the pending marks are replayed.
//!
//! | table | key | value |
//! |---|---|---|
//! | `tokens` | token id (32 bytes BE) | [`TokenRecord`] (JSON) |
//! | `files` | (token id, ordinal) | `FileEntry` (JSON), ordinal grows with each upload |
//! | `heads` | token id | the signed head document's exact bytes |
//! | `pages` | page CID | the `px-files/1` page's exact bytes |
//! | `pending` | token id | the sequence waiting to be published |
//! | `file_tokens` | (file CID, token id) | () : who references a stored file |
//! | `keys` | peer id (base58) | the key's name in the storage node's keystore |
//! | `mint_allocations` | minter and plan | [`MintAllocation`] (JSON) |
//! | `meta` | name | u64 (the mint watcher's cursor) |
//! | `pin_refs` | CID | u64: how many file entries and held heads/pages reference it |
//! | `unpin_queue` | CID | [`Unpin`] (JSON): unreferenced, unpinned once its grace is over |
//!
//! **Pins are reference-counted here**, not on the storage node (IPFS pins are not counted:
//! one `pin/rm` drops a CID whoever else stored the same bytes). Every file entry of every
//! token holds one reference to its CID, and every head a token holds ([`TokenRecord::held`]:
//! the latest, the published and the on-chain one) one to its CID and one to each of its
//! pages. A commit changes the counts in its own transaction; a CID whose count reaches 0
//! enters `unpin_queue` with a due time (the grace) and leaves it if referenced again; only the
//! node's sweep unpins, and only CIDs still at 0 when due (`tokens::pins`).
//!
//! Calls are synchronous: each is a local redb transaction (an fsync at most).

use std::path::Path;

use alloy::primitives::U256;
use px_metadata::{BtnsKey, FileEntry};
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};

use crate::error::NodeError;

const TOKENS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("tokens");
const FILES: TableDefinition<(&[u8], u64), &[u8]> = TableDefinition::new("files");
const HEADS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("heads");
const PAGES: TableDefinition<&str, &[u8]> = TableDefinition::new("pages");
const PENDING: TableDefinition<&[u8], u64> = TableDefinition::new("pending");
const FILE_TOKENS: TableDefinition<(&str, &[u8]), ()> = TableDefinition::new("file_tokens");
const KEYS: TableDefinition<&str, &str> = TableDefinition::new("keys");
const MINT_ALLOCATIONS: TableDefinition<&str, &[u8]> = TableDefinition::new("mint_allocations");
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
const PIN_REFS: TableDefinition<&str, u64> = TableDefinition::new("pin_refs");
const UNPIN_QUEUE: TableDefinition<&str, &[u8]> = TableDefinition::new("unpin_queue");
/// CIDs whose bytes are `px-enc/1` ciphertext: a fact about the bytes, so one set for every token
/// that lists them (what file lists mark as `encrypted`).
const CIPHERTEXT: TableDefinition<&str, ()> = TableDefinition::new("ciphertext");

const WATCH_CURSOR: &str = "watch_cursor";

/// What the node knows about a token it serves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRecord {
    /// The key's name in the storage node's keystore.
    pub key_name: String,
    /// The token's BTNS key.
    pub btns_key: BtnsKey,
    /// Quota as last read from the chain.
    pub quota_bytes: u64,
    /// Upload allowance as last read from the chain.
    pub upload_limit: u32,
    /// Bytes used (node-side: includes what is not synced yet).
    pub used_bytes: u64,
    /// Uploads made.
    pub upload_count: u32,
    /// Sequence of the latest head.
    pub sequence: u64,
    /// Ordinal the next file entry gets.
    pub next_ordinal: u64,
    /// CID of the latest head.
    pub head_cid: String,
    /// CIDs of the latest head's file pages, newest first.
    pub pages: Vec<String>,
    /// Highest sequence published.
    pub published_sequence: u64,
    /// Pages known to be stored.
    pub published_pages: Vec<String>,
    /// When a head was last published (Unix seconds).
    pub published_at: i64,
    /// CID of the head last published (empty before the first publication).
    #[serde(default)]
    pub published_head: String,
    /// CID of the head whose digest the chain holds, as the node last read it (empty: never
    /// synced, or not one of this node's heads).
    #[serde(default)]
    pub chain_head: String,
    /// The heads the node keeps pinned for this token, with their pages: see [`hold`].
    #[serde(default)]
    pub held: Vec<HeldHead>,
}

/// A head the node keeps pinned, and the pages it reaches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldHead {
    /// The head's CID.
    pub cid: String,
    /// Its `filesIndex` pages, newest first.
    pub pages: Vec<String>,
}

/// The retention rule: of the heads `record` held and its latest one, keep those that are the
/// latest (a publish may be pending), the published one (what the token's name resolves to)
/// or the one on-chain (what anyone rebuilds from `metadataDigest`). A head let go stays
/// pinned for the unpin grace (syncs in flight read it within minutes).
pub fn hold(record: &mut TokenRecord) {
    if !record.held.iter().any(|h| h.cid == record.head_cid) {
        record.held.push(HeldHead { cid: record.head_cid.clone(), pages: record.pages.clone() });
    }
    let keep = [record.head_cid.clone(), record.published_head.clone(), record.chain_head.clone()];
    record.held.retain(|h| keep.contains(&h.cid));
}

/// A CID no longer referenced, waiting for its grace to end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unpin {
    /// When it may be unpinned (Unix seconds).
    pub due_at: i64,
    /// For a head: its token (decimal), so the sweep can check it is not the on-chain head.
    pub head_of: Option<String>,
    /// For a head: its pages.
    pub pages: Vec<String>,
}

/// The references a token's holdings make: one per held head and one per page of each.
fn head_refs(held: &[HeldHead]) -> Vec<&str> {
    held.iter()
        .flat_map(|h| std::iter::once(h.cid.as_str()).chain(h.pages.iter().map(String::as_str)))
        .collect()
}

/// Applies the reference changes from `before` to `after` (file CIDs `added`/`removed`)
/// inside `tx`: counts up or down; a CID at 0 is queued for unpinning at `unpin_at`, a CID
/// referenced again leaves the queue.
fn adjust_refs(
    tx: &redb::WriteTransaction,
    token_id: U256,
    before: &[HeldHead],
    after: &[HeldHead],
    files: (Option<&str>, Option<&str>),
    unpin_at: i64,
) -> Result<(), NodeError> {
    let mut delta: std::collections::BTreeMap<&str, i64> = std::collections::BTreeMap::new();
    for cid in head_refs(before) {
        *delta.entry(cid).or_default() -= 1;
    }
    for cid in head_refs(after) {
        *delta.entry(cid).or_default() += 1;
    }
    if let Some(cid) = files.0 {
        *delta.entry(cid).or_default() += 1;
    }
    if let Some(cid) = files.1 {
        *delta.entry(cid).or_default() -= 1;
    }
    let mut refs = tx.open_table(PIN_REFS)?;
    let mut queue = tx.open_table(UNPIN_QUEUE)?;
    for (cid, d) in delta.into_iter().filter(|(_, d)| *d != 0) {
        let now = refs.get(cid)?.map_or(0, |v| v.value());
        let next = now.saturating_add_signed(d);
        if next == 0 {
            refs.remove(cid)?;
            let head = before.iter().find(|h| h.cid == cid);
            let entry = Unpin {
                due_at: unpin_at,
                head_of: head.map(|_| token_id.to_string()),
                pages: head.map(|h| h.pages.clone()).unwrap_or_default(),
            };
            queue.insert(cid, to_json(&entry)?.as_slice())?;
        } else {
            refs.insert(cid, next)?;
            queue.remove(cid)?;
        }
    }
    Ok(())
}

/// A key allocated for a mint through `POST /v1/keys`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MintAllocation {
    /// Bumped when the previous key ended up on a token.
    pub generation: u32,
    /// The key's name in the keystore.
    pub key_name: String,
    /// The key's peer id once `key/gen` answered.
    pub peer_id: Option<String>,
    /// Deadline of the current authorization (Unix seconds).
    pub deadline: u64,
    /// The registrar's signature over it (`0x` hex), empty before the first one.
    pub signature: String,
}

/// One usage change, written atomically.
#[derive(Debug, Clone)]
pub struct Commit {
    /// The token.
    pub token_id: U256,
    /// Its new record.
    pub record: TokenRecord,
    /// A file entry added at an ordinal.
    pub added: Option<(u64, FileEntry)>,
    /// Whether the added file's bytes are `px-enc/1` ciphertext (what file lists mark).
    pub added_ciphertext: bool,
    /// A file entry removed (ordinal and CID).
    pub removed: Option<(u64, String)>,
    /// The new head's bytes.
    pub head: Vec<u8>,
    /// Pages of the new head not stored yet, CID and bytes (pages are never removed).
    pub pages: Vec<(String, Vec<u8>)>,
    /// When CIDs this commit leaves unreferenced may be unpinned (Unix seconds).
    pub unpin_at: i64,
}

/// The journal.
#[derive(Debug)]
pub struct Journal {
    db: Database,
}

fn id_bytes(id: U256) -> [u8; 32] {
    id.to_be_bytes()
}

fn to_json<T: Serialize>(v: &T) -> Result<Vec<u8>, NodeError> {
    Ok(serde_json::to_vec(v)?)
}

fn from_json<T: for<'de> Deserialize<'de>>(bytes: &[u8]) -> Result<T, NodeError> {
    Ok(serde_json::from_slice(bytes)?)
}

impl Journal {
    /// Opens (or creates) the journal at `path`, creating every table.
    pub fn open(path: &Path) -> Result<Self, NodeError> {
        let db = Database::create(path)?;
        let tx = db.begin_write()?;
        tx.open_table(TOKENS)?;
        tx.open_table(FILES)?;
        tx.open_table(HEADS)?;
        tx.open_table(PAGES)?;
        tx.open_table(PENDING)?;
        tx.open_table(FILE_TOKENS)?;
        tx.open_table(KEYS)?;
        tx.open_table(MINT_ALLOCATIONS)?;
        tx.open_table(META)?;
        tx.open_table(PIN_REFS)?;
        tx.open_table(UNPIN_QUEUE)?;
        tx.open_table(CIPHERTEXT)?;
        tx.commit()?;
        Ok(Self { db })
    }

    /// The record of `token_id`.
    pub fn token(&self, token_id: U256) -> Result<Option<TokenRecord>, NodeError> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(TOKENS)?;
        table.get(id_bytes(token_id).as_slice())?.map(|v| from_json(v.value())).transpose()
    }

    /// Every token the node serves.
    pub fn tokens(&self) -> Result<Vec<(U256, TokenRecord)>, NodeError> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(TOKENS)?;
        let mut out = Vec::new();
        for row in table.iter()? {
            let (k, v) = row?;
            out.push((U256::from_be_slice(k.value()), from_json(v.value())?));
        }
        Ok(out)
    }

    /// The token's file entries with their ordinals, newest first.
    pub fn files(&self, token_id: U256) -> Result<Vec<(u64, FileEntry)>, NodeError> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(FILES)?;
        let id = id_bytes(token_id);
        let mut out = Vec::new();
        for row in table.range((id.as_slice(), 0)..=(id.as_slice(), u64::MAX))?.rev() {
            let (k, v) = row?;
            out.push((k.value().1, from_json(v.value())?));
        }
        Ok(out)
    }

    /// The latest head's bytes.
    pub fn head(&self, token_id: U256) -> Result<Option<Vec<u8>>, NodeError> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(HEADS)?;
        Ok(table.get(id_bytes(token_id).as_slice())?.map(|v| v.value().to_vec()))
    }

    /// A page's bytes.
    pub fn page(&self, cid: &str) -> Result<Option<Vec<u8>>, NodeError> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(PAGES)?;
        Ok(table.get(cid)?.map(|v| v.value().to_vec()))
    }

    /// Tokens whose latest head is not published yet.
    pub fn pending(&self) -> Result<Vec<U256>, NodeError> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(PENDING)?;
        let mut out = Vec::new();
        for row in table.iter()? {
            out.push(U256::from_be_slice(row?.0.value()));
        }
        Ok(out)
    }

    /// Writes one usage change and marks its head pending, atomically and durably.
    pub fn commit(&self, c: &Commit) -> Result<(), NodeError> {
        let id = id_bytes(c.token_id);
        let tx = self.db.begin_write()?;
        {
            let before = tx
                .open_table(TOKENS)?
                .get(id.as_slice())?
                .map(|v| from_json::<TokenRecord>(v.value()))
                .transpose()?
                .map(|r| r.held)
                .unwrap_or_default();
            let added = c.added.as_ref().map(|(_, e)| e.cid.as_str());
            let removed = c.removed.as_ref().map(|(_, cid)| cid.as_str());
            adjust_refs(&tx, c.token_id, &before, &c.record.held, (added, removed), c.unpin_at)?;
            let mut files = tx.open_table(FILES)?;
            let mut refs = tx.open_table(FILE_TOKENS)?;
            if let Some((ordinal, entry)) = &c.added {
                files.insert((id.as_slice(), *ordinal), to_json(entry)?.as_slice())?;
                refs.insert((entry.cid.as_str(), id.as_slice()), ())?;
                if c.added_ciphertext {
                    tx.open_table(CIPHERTEXT)?.insert(entry.cid.as_str(), ())?;
                }
            }
            if let Some((ordinal, cid)) = &c.removed {
                files.remove((id.as_slice(), *ordinal))?;
                let still_listed = files
                    .range((id.as_slice(), 0)..=(id.as_slice(), u64::MAX))?
                    .filter_map(Result::ok)
                    .any(|(_, v)| {
                        from_json::<FileEntry>(v.value()).is_ok_and(|e| e.cid.as_str() == cid)
                    });
                if !still_listed {
                    refs.remove((cid.as_str(), id.as_slice()))?;
                }
            }
            tx.open_table(TOKENS)?.insert(id.as_slice(), to_json(&c.record)?.as_slice())?;
            tx.open_table(HEADS)?.insert(id.as_slice(), c.head.as_slice())?;
            let mut pages = tx.open_table(PAGES)?;
            for (cid, bytes) in &c.pages {
                pages.insert(cid.as_str(), bytes.as_slice())?;
            }
            tx.open_table(PENDING)?.insert(id.as_slice(), c.record.sequence)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Records that `sequence` (head `head`, with `pages`) was published at `at`; clears the
    /// pending mark if no newer head was committed meanwhile. The head published before may
    /// be let go (queued for unpinning at `unpin_at`).
    pub fn mark_published(
        &self,
        token_id: U256,
        sequence: u64,
        (head, pages): (&str, &[String]),
        at: i64,
        unpin_at: i64,
    ) -> Result<(), NodeError> {
        let id = id_bytes(token_id);
        let tx = self.db.begin_write()?;
        {
            let current = tx
                .open_table(TOKENS)?
                .get(id.as_slice())?
                .map(|v| from_json::<TokenRecord>(v.value()))
                .transpose()?;
            if let Some(mut record) = current {
                let before = record.held.clone();
                if sequence >= record.published_sequence {
                    record.published_sequence = sequence;
                    record.published_pages = pages.to_vec();
                    head.clone_into(&mut record.published_head);
                }
                record.published_at = at;
                hold(&mut record);
                adjust_refs(&tx, token_id, &before, &record.held, (None, None), unpin_at)?;
                tx.open_table(TOKENS)?.insert(id.as_slice(), to_json(&record)?.as_slice())?;
            }
            let mut pending = tx.open_table(PENDING)?;
            let waiting = pending.get(id.as_slice())?.map(|v| v.value());
            if waiting.is_some_and(|w| w <= sequence) {
                pending.remove(id.as_slice())?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Whether the token's files list `cid` (one index lookup).
    pub fn lists(&self, token_id: U256, cid: &str) -> Result<bool, NodeError> {
        let id = id_bytes(token_id);
        let tx = self.db.begin_read()?;
        Ok(tx.open_table(FILE_TOKENS)?.get((cid, id.as_slice()))?.is_some())
    }

    /// Which of `cids` are `px-enc/1` ciphertext, in their order.
    pub fn ciphertext<'a>(
        &self,
        cids: impl IntoIterator<Item = &'a str>,
    ) -> Result<Vec<bool>, NodeError> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(CIPHERTEXT)?;
        cids.into_iter().map(|cid| Ok(table.get(cid)?.is_some())).collect()
    }

    /// A token that references the stored file `cid`, if any.
    pub fn token_of_file(&self, cid: &str) -> Result<Option<U256>, NodeError> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(FILE_TOKENS)?;
        let mut range = table.range((cid, [0u8; 0].as_slice())..)?;
        match range.next() {
            Some(row) => {
                let (k, ()) = (row?.0, ());
                let (c, id) = k.value();
                Ok((c == cid).then(|| U256::from_be_slice(id)))
            }
            None => Ok(None),
        }
    }

    /// Sets the head the chain holds for `token_id` (`head` with `pages`, as the node last read
    /// `metadataDigest`), holding it while it is there; returns whether anything changed.
    pub fn set_chain_head(
        &self,
        token_id: U256,
        head: &str,
        pages: Option<&[String]>,
        unpin_at: i64,
    ) -> Result<bool, NodeError> {
        let id = id_bytes(token_id);
        let tx = self.db.begin_write()?;
        let changed = {
            let current = tx
                .open_table(TOKENS)?
                .get(id.as_slice())?
                .map(|v| from_json::<TokenRecord>(v.value()))
                .transpose()?;
            match current {
                Some(mut record)
                    if record.chain_head != head
                        || (pages.is_some() && !record.held.iter().any(|h| h.cid == head)) =>
                {
                    let before = record.held.clone();
                    head.clone_into(&mut record.chain_head);
                    if let Some(pages) = pages
                        && !record.held.iter().any(|h| h.cid == head)
                    {
                        record.held.push(HeldHead { cid: head.to_owned(), pages: pages.to_vec() });
                    }
                    hold(&mut record);
                    adjust_refs(&tx, token_id, &before, &record.held, (None, None), unpin_at)?;
                    tx.open_table(TOKENS)?.insert(id.as_slice(), to_json(&record)?.as_slice())?;
                    true
                }
                _ => false,
            }
        };
        tx.commit()?;
        Ok(changed)
    }

    /// Queues `cid` for unpinning at `unpin_at` if nothing references it (a stored upload that
    /// was refused, e.g. for a lying `Content-Length`).
    pub fn release_unreferenced(&self, cid: &str, unpin_at: i64) -> Result<(), NodeError> {
        let tx = self.db.begin_write()?;
        if tx.open_table(PIN_REFS)?.get(cid)?.is_none() {
            let entry = Unpin { due_at: unpin_at, head_of: None, pages: Vec::new() };
            let mut queue = tx.open_table(UNPIN_QUEUE)?;
            if queue.get(cid)?.is_none() {
                queue.insert(cid, to_json(&entry)?.as_slice())?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// How many references `cid` has.
    pub fn pin_refs(&self, cid: &str) -> Result<u64, NodeError> {
        let tx = self.db.begin_read()?;
        Ok(tx.open_table(PIN_REFS)?.get(cid)?.map_or(0, |v| v.value()))
    }

    /// Queued CIDs due at `now`, heads first (a head may turn out to be on-chain and take its
    /// pages back before they are looked at).
    pub fn due_unpins(&self, now: i64) -> Result<Vec<(String, Unpin)>, NodeError> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(UNPIN_QUEUE)?;
        let mut out = Vec::new();
        for row in table.iter()? {
            let (k, v) = row?;
            let entry: Unpin = from_json(v.value())?;
            if entry.due_at <= now {
                out.push((k.value().to_owned(), entry));
            }
        }
        out.sort_by_key(|(_, e)| e.head_of.is_none());
        Ok(out)
    }

    /// Removes `cid` from the queue if it is still unreferenced; `true`: the caller unpins it.
    pub fn take_unpin(&self, cid: &str) -> Result<bool, NodeError> {
        let tx = self.db.begin_write()?;
        let take = tx.open_table(PIN_REFS)?.get(cid)?.is_none()
            && tx.open_table(UNPIN_QUEUE)?.remove(cid)?.is_some();
        tx.commit()?;
        Ok(take)
    }

    /// Puts `cid` back in the queue (its unpin failed), due at `due_at`.
    pub fn requeue_unpin(&self, cid: &str, entry: &Unpin) -> Result<(), NodeError> {
        let tx = self.db.begin_write()?;
        if tx.open_table(PIN_REFS)?.get(cid)?.is_none() {
            tx.open_table(UNPIN_QUEUE)?.insert(cid, to_json(entry)?.as_slice())?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Remembers that peer id `peer` is the keystore's key `name`.
    pub fn put_key(&self, peer: &str, name: &str) -> Result<(), NodeError> {
        let tx = self.db.begin_write()?;
        tx.open_table(KEYS)?.insert(peer, name)?;
        tx.commit()?;
        Ok(())
    }

    /// The keystore name of peer id `peer`, if the node allocated it.
    pub fn key_name(&self, peer: &str) -> Result<Option<String>, NodeError> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(KEYS)?;
        Ok(table.get(peer)?.map(|v| v.value().to_owned()))
    }

    /// The current allocation for `slot` (minter and plan).
    pub fn mint_allocation(&self, slot: &str) -> Result<Option<MintAllocation>, NodeError> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(MINT_ALLOCATIONS)?;
        table.get(slot)?.map(|v| from_json(v.value())).transpose()
    }

    /// Stores the allocation for `slot`.
    pub fn put_mint_allocation(&self, slot: &str, a: &MintAllocation) -> Result<(), NodeError> {
        let tx = self.db.begin_write()?;
        tx.open_table(MINT_ALLOCATIONS)?.insert(slot, to_json(a)?.as_slice())?;
        tx.commit()?;
        Ok(())
    }

    /// The mint watcher's cursor: the last block it finished.
    pub fn watch_cursor(&self) -> Result<Option<u64>, NodeError> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(META)?;
        Ok(table.get(WATCH_CURSOR)?.map(|v| v.value()))
    }

    /// Moves the mint watcher's cursor.
    pub fn set_watch_cursor(&self, block: u64) -> Result<(), NodeError> {
        let tx = self.db.begin_write()?;
        tx.open_table(META)?.insert(WATCH_CURSOR, block)?;
        tx.commit()?;
        Ok(())
    }
}
