//! BTNS keys: each token owns at most one, as the canonical libp2p peer id bytes (1 to 64).
//!
//! Keys are unique (an index maps keccak256 of the bytes to the token) and never change once set.
//! Storage is compact for the peer ids PX nodes make: the fixed multihash prefix of an ed25519,
//! secp256k1 or sha2-256 peer id becomes a tag in the token's record word and only the 32 bytes
//! after it are stored, so a mint writes one key slot instead of two.

use alloc::vec::Vec;

use alloy_primitives::{B256, Bytes, U256};
use stylus_sdk::prelude::*;

use crate::{
    BtnsKeyAlreadyRegistered, BtnsKeyAlreadySet, BtnsKeyInvalidLength, BtnsKeyRegistered, Error,
    MetadataUpdate, PxStorageNft, TokenSlots, admin, slots::Record,
};

/// Longest key accepted, in bytes.
pub const MAX_KEY_LEN: usize = 64;

/// Compact forms: (tag, prefix); a key of `prefix ‖ 32 bytes` stores only the 32 bytes.
const COMPACT_FORMS: [(u8, &[u8]); 4] = [
    // ed25519 public key in an identity multihash (`12D3KooW...`, js-ipfs and Kubo keys).
    (0x81, &[0x00, 0x24, 0x08, 0x01, 0x12, 0x20]),
    // secp256k1 compressed public key, even y (`16Uiu2...`, BTFS keys).
    (0x82, &[0x00, 0x25, 0x08, 0x02, 0x12, 0x21, 0x02]),
    // secp256k1 compressed public key, odd y.
    (0x83, &[0x00, 0x25, 0x08, 0x02, 0x12, 0x21, 0x03]),
    // sha2-256 multihash of a larger public key (RSA peer ids, `Qm...`).
    (0x84, &[0x12, 0x20]),
];

/// BTNS key registration and lookup.
#[allow(missing_docs)] // the SDK's macro adds undocumented routing methods
#[public]
pub trait BtnsKeys {
    /// Registers the BTNS key of a token minted without one (tokens minted through an
    /// explorer get theirs from registration management).
    ///
    /// # Errors
    /// * [`Error::UnauthorizedAccount`] - If the caller is not the registrar.
    /// * [`Error::NonexistentToken`] - If the token does not exist.
    /// * [`Error::BtnsKeyAlreadySet`] - If the token already has a key.
    /// * [`Error::BtnsKeyInvalidLength`] - If the key is empty or longer than 64 bytes.
    /// * [`Error::BtnsKeyAlreadyRegistered`] - If another token owns the key.
    ///
    /// # Events
    /// * `BtnsKeyRegistered`, `MetadataUpdate`.
    fn register_btns_key(&mut self, token_id: U256, btns_key: Bytes) -> Result<(), Error>;

    /// The token's BTNS key bytes; empty when it has none.
    ///
    /// # Errors
    /// * [`Error::NonexistentToken`] - If the token does not exist.
    fn btns_key_of(&self, token_id: U256) -> Result<Bytes, Error>;

    /// The token that owns `btns_key`, or 0 when none does.
    fn token_of_btns_key(&self, btns_key: Bytes) -> U256;
}

#[public]
impl BtnsKeys for PxStorageNft {
    fn register_btns_key(&mut self, token_id: U256, btns_key: Bytes) -> Result<(), Error> {
        self._only_role(self.registrar.get(), admin::REGISTRAR_ROLE)?;
        let mut record = self._record_of(token_id)?;
        if record.key_tag != 0 {
            return Err(Error::BtnsKeyAlreadySet(BtnsKeyAlreadySet { tokenId: token_id }));
        }
        let key_hash = self._check_new_key(&btns_key)?;
        let mut token = self.tokens.setter(token_id);
        record.key_tag = store(&mut token, &btns_key);
        token.record.set(record.encode());
        drop(token);
        self.token_of_key.setter(key_hash).set(alloy_primitives::U64::from(token_id.as_limbs()[0]));
        self.vm().log(BtnsKeyRegistered { tokenId: token_id, btnsKey: btns_key });
        self.vm().log(MetadataUpdate { _tokenId: token_id });
        Ok(())
    }

    fn btns_key_of(&self, token_id: U256) -> Result<Bytes, Error> {
        let record = self._record_of(token_id)?;
        Ok(load(&self.tokens.getter(token_id), record.key_tag).into())
    }

    fn token_of_btns_key(&self, btns_key: Bytes) -> U256 {
        let hash = self.vm().native_keccak256(&btns_key);
        U256::from(self.token_of_key.get(hash).as_limbs()[0])
    }
}

impl PxStorageNft {
    /// Validates a key that is about to be set and returns its index hash.
    pub(crate) fn _check_new_key(&self, btns_key: &[u8]) -> Result<B256, Error> {
        if btns_key.is_empty() || btns_key.len() > MAX_KEY_LEN {
            return Err(Error::BtnsKeyInvalidLength(BtnsKeyInvalidLength {
                length: U256::from(btns_key.len()),
            }));
        }
        let hash = self.vm().native_keccak256(btns_key);
        let owner = self.token_of_key.get(hash).as_limbs()[0];
        if owner != 0 {
            return Err(Error::BtnsKeyAlreadyRegistered(BtnsKeyAlreadyRegistered {
                tokenId: U256::from(owner),
            }));
        }
        Ok(hash)
    }

    /// The token's key bytes (empty when none), for the other modules.
    pub(crate) fn _key_of(&self, token_id: U256, record: &Record) -> Vec<u8> {
        load(&self.tokens.getter(token_id), record.key_tag)
    }
}

/// Writes a validated key into the token's key slots and returns its tag.
pub(crate) fn store(token: &mut TokenSlots, key: &[u8]) -> u8 {
    let (tag, head, tail) = encode(key);
    token.key_head.set(head);
    if tail != B256::ZERO {
        token.key_tail.set(tail);
    }
    tag
}

/// Reads a key back from its slots (the tail slot only when the key uses it).
pub(crate) fn load(token: &TokenSlots, tag: u8) -> Vec<u8> {
    if tag == 0 {
        return Vec::new();
    }
    let tail = if (33..=64).contains(&tag) { token.key_tail.get() } else { B256::ZERO };
    decode(tag, token.key_head.get(), tail)
}

/// Splits a key of 1 to 64 bytes into its tag and its two stored words.
///
/// Tags 1..=64 store the key as is (its length is the tag); tags from `COMPACT_FORMS` store the
/// 32 bytes after a known prefix.
pub fn encode(key: &[u8]) -> (u8, B256, B256) {
    for (tag, prefix) in COMPACT_FORMS {
        if key.len() == prefix.len() + 32 && key.starts_with(prefix) {
            return (tag, B256::from_slice(&key[prefix.len()..]), B256::ZERO);
        }
    }
    let mut head = B256::ZERO;
    let mut tail = B256::ZERO;
    let split = key.len().min(32);
    head[..split].copy_from_slice(&key[..split]);
    tail[..key.len() - split].copy_from_slice(&key[split..]);
    #[allow(clippy::cast_possible_truncation)] // at most 64
    (key.len() as u8, head, tail)
}

/// The inverse of [`encode`]; tag 0 is "no key".
pub fn decode(tag: u8, head: B256, tail: B256) -> Vec<u8> {
    if let Some((_, prefix)) = COMPACT_FORMS.iter().find(|(t, _)| *t == tag) {
        let mut key = Vec::with_capacity(prefix.len() + 32);
        key.extend_from_slice(prefix);
        key.extend_from_slice(head.as_slice());
        return key;
    }
    let len = usize::from(tag).min(MAX_KEY_LEN);
    let mut key = Vec::with_capacity(len);
    key.extend_from_slice(&head[..len.min(32)]);
    key.extend_from_slice(&tail[..len.saturating_sub(32)]);
    key
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn ed25519_peer_id(public_key: [u8; 32]) -> Vec<u8> {
        let mut key = vec![0x00, 0x24, 0x08, 0x01, 0x12, 0x20];
        key.extend_from_slice(&public_key);
        key
    }

    #[test]
    fn stores_an_ed25519_peer_id_in_one_word() {
        let key = ed25519_peer_id([7; 32]);
        let (tag, head, tail) = encode(&key);
        assert_eq!(tag, 0x81);
        assert_eq!(head, B256::repeat_byte(7));
        assert_eq!(tail, B256::ZERO);
        assert_eq!(decode(tag, head, tail), key);
    }

    #[test]
    fn stores_a_secp256k1_peer_id_in_one_word() {
        for parity in [2u8, 3] {
            let mut key = vec![0x00, 0x25, 0x08, 0x02, 0x12, 0x21, parity];
            key.extend_from_slice(&[9; 32]);
            let (tag, head, tail) = encode(&key);
            assert_eq!(tag, 0x80 + parity);
            assert_eq!(tail, B256::ZERO);
            assert_eq!(decode(tag, head, tail), key);
        }
    }

    #[test]
    fn stores_other_keys_as_they_are() {
        let key = [0xab; 40];
        let (tag, head, tail) = encode(&key);
        assert_eq!(tag, 40);
        assert_eq!(tail[..8], [0xab; 8]);
        assert_eq!(decode(tag, head, tail), key.to_vec());
    }

    proptest! {
        #[test]
        fn every_valid_key_round_trips(key in proptest::collection::vec(any::<u8>(), 1..=64)) {
            let (tag, head, tail) = encode(&key);
            prop_assert_ne!(tag, 0);
            prop_assert_eq!(decode(tag, head, tail), key);
        }

        #[test]
        fn every_compact_form_round_trips(form in 0usize..4, rest: [u8; 32]) {
            let (_, prefix) = COMPACT_FORMS[form];
            let mut key = prefix.to_vec();
            key.extend_from_slice(&rest);
            let (tag, head, tail) = encode(&key);
            prop_assert!(tag >= 0x81);
            prop_assert_eq!(tail, B256::ZERO);
            prop_assert_eq!(decode(tag, head, tail), key);
        }
    }
}
