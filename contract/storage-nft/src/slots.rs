//! How a token's data is packed into storage words.
//!
//! Gas on Arbitrum is set by the storage slots a call touches, so the hot data of a token sits in
//! two words that a mint writes once and a sync or transfer rewrites in place:
//!
//! | word     | bytes 0..20 | 20..28        | 28      | 29..32 |
//! |----------|-------------|---------------|---------|--------|
//! | `record` | owner       | sync sequence | key tag | zero   |
//!
//! | word    | 0..8        | 8..16      | 16..20       | 20..24       | 24..32         |
//! |---------|-------------|------------|--------------|--------------|----------------|
//! | `usage` | quota bytes | used bytes | upload limit | upload count | last synced at |
//!
//! All fields are big-endian. The metadata digest, the key bytes and the approval have words of
//! their own (see [`crate::TokenSlots`]).

use alloy_primitives::{Address, B256};

fn read_u64(word: &B256, at: usize) -> u64 {
    let mut buf = [0u8; 8];
    buf.copy_from_slice(&word[at..at + 8]);
    u64::from_be_bytes(buf)
}

fn read_u32(word: &B256, at: usize) -> u32 {
    let mut buf = [0u8; 4];
    buf.copy_from_slice(&word[at..at + 4]);
    u32::from_be_bytes(buf)
}

/// Owner, sync sequence and key tag of a token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Record {
    /// Zero for a token never minted.
    pub owner: Address,
    /// Sequence of the usage last synced; 0 = never synced.
    pub sync_sequence: u64,
    /// How the BTNS key is stored; 0 = no key ([`crate::keys`]).
    pub key_tag: u8,
}

impl Record {
    /// Unpacks a `record` word.
    pub fn decode(word: B256) -> Self {
        Self {
            owner: Address::from_slice(&word[..20]),
            sync_sequence: read_u64(&word, 20),
            key_tag: word[28],
        }
    }

    /// Packs into a `record` word.
    pub fn encode(&self) -> B256 {
        let mut word = B256::ZERO;
        word[..20].copy_from_slice(self.owner.as_slice());
        word[20..28].copy_from_slice(&self.sync_sequence.to_be_bytes());
        word[28] = self.key_tag;
        word
    }
}

/// Quota and synced usage of a token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Usage {
    /// Bytes the token may store.
    pub quota_bytes: u64,
    /// Bytes stored, as last synced.
    pub used_bytes: u64,
    /// Uploads the token may make.
    pub upload_limit: u32,
    /// Uploads made, as last synced (deleting a file does not lower it).
    pub upload_count: u32,
    /// Block time of the last accepted sync, or of the mint.
    pub last_synced_at: u64,
}

impl Usage {
    /// Unpacks a `usage` word.
    pub fn decode(word: B256) -> Self {
        Self {
            quota_bytes: read_u64(&word, 0),
            used_bytes: read_u64(&word, 8),
            upload_limit: read_u32(&word, 16),
            upload_count: read_u32(&word, 20),
            last_synced_at: read_u64(&word, 24),
        }
    }

    /// Packs into a `usage` word.
    pub fn encode(&self) -> B256 {
        let mut word = B256::ZERO;
        word[..8].copy_from_slice(&self.quota_bytes.to_be_bytes());
        word[8..16].copy_from_slice(&self.used_bytes.to_be_bytes());
        word[16..20].copy_from_slice(&self.upload_limit.to_be_bytes());
        word[20..24].copy_from_slice(&self.upload_count.to_be_bytes());
        word[24..].copy_from_slice(&self.last_synced_at.to_be_bytes());
        word
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn record_round_trips(owner: [u8; 20], sync_sequence: u64, key_tag: u8) {
            let record = Record { owner: Address::from(owner), sync_sequence, key_tag };
            prop_assert_eq!(Record::decode(record.encode()), record);
        }

        #[test]
        fn usage_round_trips(q: u64, u: u64, l: u32, c: u32, t: u64) {
            let usage = Usage {
                quota_bytes: q, used_bytes: u, upload_limit: l, upload_count: c, last_synced_at: t,
            };
            prop_assert_eq!(Usage::decode(usage.encode()), usage);
        }
    }

    #[test]
    fn record_layout_is_owner_then_sequence_then_tag() {
        let owner = Address::repeat_byte(0xaa);
        let word = Record { owner, sync_sequence: 0x0102, key_tag: 0x81 }.encode();
        assert_eq!(&word[..20], owner.as_slice());
        assert_eq!(&word[20..28], &[0, 0, 0, 0, 0, 0, 1, 2]);
        assert_eq!(word[28], 0x81);
        assert_eq!(&word[29..], &[0, 0, 0]);
    }
}
