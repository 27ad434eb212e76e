//! The BTNS key: a libp2p peer id. On-chain and in signatures it is the peer id's bytes (a
//! multihash of the public key, 1 to 64 bytes); its text forms are views of those bytes.
//!
//! | form | example | written by |
//! |---|---|---|
//! | base58btc | `12D3KooW...` (ed25519), `16Uiu2...` (secp256k1), `Qm...` (RSA) | Kubo, js-ipfs, BTFS |
//! | CID v1 `libp2p-key` base36 | `k51...` | IPNS names in paths and gateways |
//! | CID v1 `libp2p-key` base32 | `bafzaa...` | some tools |
//! | `0x` + lowercase hex | `0x0024...` | the contract's CBOR request, the usage document |
//!
//! The storage node is called with base58btc.

use std::{fmt, str::FromStr};

use alloy::primitives::Bytes;
use serde::{Deserialize, Deserializer, Serialize, Serializer, de::Error as _};

use crate::{
    cid::{LIBP2P_KEY_CODEC, SHA2_256, decode_multibase_v1, split_multihash, split_v1},
    error::Error,
    multibase::{base36_encode, base58_decode, base58_encode, put_varint},
};

/// Multihash code of the identity "hash" (the key itself), as ed25519 and secp256k1 peer ids use.
const IDENTITY: u64 = 0x00;

/// Longest key the contract stores.
pub const MAX_KEY_LEN: usize = 64;

/// A BTNS key in canonical form: the peer id bytes, a well-formed identity or sha2-256
/// multihash of 1 to 64 bytes.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BtnsKey(Bytes);

impl BtnsKey {
    /// Accepts canonical bytes; refuses lengths outside 1..=64 and bytes that are not a
    /// well-formed multihash (a peer id always is one).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        if bytes.is_empty() || bytes.len() > MAX_KEY_LEN {
            return Err(Error::InvalidKey(format!(
                "{} bytes; a key has 1 to {MAX_KEY_LEN}",
                bytes.len()
            )));
        }
        // A peer id is the identity multihash of a small public key (ed25519, secp256k1) or the
        // sha2-256 multihash of a larger one (RSA): so its base58btc form starts with `1` or
        // `Qm`, never with a multibase prefix (`b`, `k`, `z`), and every text form reads back
        // as the same bytes. Other multihashes are no peer id.
        match split_multihash(bytes) {
            Some((IDENTITY, _)) => {}
            Some((SHA2_256, digest)) if digest.len() == 32 => {}
            _ => {
                return Err(Error::InvalidKey(
                    "bytes are not a peer id (an identity or sha2-256 multihash)".into(),
                ));
            }
        }
        Ok(Self(Bytes::copy_from_slice(bytes)))
    }

    /// The canonical bytes (what the contract stores and the signature covers).
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The canonical bytes as alloy [`Bytes`].
    pub fn to_bytes(&self) -> Bytes {
        self.0.clone()
    }

    /// Base58btc, the form the storage node's API takes (`12D3KooW...`).
    pub fn to_base58(&self) -> String {
        base58_encode(&self.0)
    }

    /// CID v1 `libp2p-key` in base36 (`k51...`).
    pub fn to_cid_base36(&self) -> String {
        let mut cid = Vec::with_capacity(self.0.len() + 2);
        put_varint(&mut cid, 1);
        put_varint(&mut cid, LIBP2P_KEY_CODEC);
        cid.extend_from_slice(&self.0);
        format!("k{}", base36_encode(&cid))
    }

    /// `0x` + lowercase hex, the form of the CBOR request and the usage document.
    pub fn to_hex(&self) -> String {
        format!("0x{}", alloy::hex::encode(&self.0))
    }
}

impl FromStr for BtnsKey {
    type Err = Error;

    /// Any text form: `0x` hex (lowercase or uppercase digits), a multibase CID v1 with the
    /// `libp2p-key` codec, or bare base58btc.
    fn from_str(s: &str) -> Result<Self, Error> {
        if let Some(hex) = s.strip_prefix("0x") {
            let bytes = alloy::hex::decode(hex)
                .map_err(|e| Error::InvalidKey(format!("bad hex in {s:?}: {e}")))?;
            return Self::from_bytes(&bytes);
        }
        // A CIDv1 starts with a multibase prefix; base58btc peer ids start with `1` or `Q`,
        // which are not prefixes this crate reads, so the two families cannot be confused.
        if let Some(cid) = decode_multibase_v1(s) {
            return match split_v1(&cid) {
                Some((LIBP2P_KEY_CODEC, mh)) => Self::from_bytes(mh),
                Some((codec, _)) => Err(Error::InvalidKey(format!(
                    "{s:?} is a CID with codec 0x{codec:x}, not libp2p-key (0x72)"
                ))),
                None => Err(Error::InvalidKey(format!("{s:?} is not a CIDv1"))),
            };
        }
        let bytes = base58_decode(s).ok_or_else(|| {
            Error::InvalidKey(format!("{s:?} is neither 0x hex, a libp2p-key CID, nor base58btc"))
        })?;
        Self::from_bytes(&bytes)
    }
}

impl fmt::Display for BtnsKey {
    /// Base58btc, as the storage node prints it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_base58())
    }
}

impl fmt::Debug for BtnsKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BtnsKey({})", self.to_base58())
    }
}

/// In JSON (the usage document) the key is always the `0x` hex form, lowercase.
impl Serialize for BtnsKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for BtnsKey {
    /// Only the canonical `0x` lowercase hex form: one document, one spelling.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        let key: Self = s.parse().map_err(D::Error::custom)?;
        if key.to_hex() == s {
            Ok(key)
        } else {
            Err(D::Error::custom(format!("btnsKey must be 0x + lowercase hex, got {s:?}")))
        }
    }
}
