//! Content identifiers: a general [`Cid`] (what `files[].cid` and `filesIndex` hold) and the
//! [`RawBlockCid`] of the single-raw-block digest rule.
//!
//! The rule (wire formats, "Usage metadata document"): a head document is stored as ONE raw
//! block (`add?cid-version=1&raw-leaves=true` with a chunk size above the document size), so
//! its CID is CID v1 + raw codec (0x55) + a sha2-256 multihash of the exact bytes. That sha256 is
//! the `metadataDigest` that goes on-chain, and anyone can rebuild the CID (`bafkrei...`) from it.

use std::{fmt, str::FromStr};

use alloy::primitives::B256;
use serde::{Deserialize, Deserializer, Serialize, Serializer, de::Error as _};
use sha2::{Digest, Sha256};

use crate::{
    error::Error,
    multibase::{
        base32_decode, base32_encode, base36_decode, base58_decode, put_varint, take_varint,
    },
};

/// Multicodec of raw bytes.
pub const RAW_CODEC: u64 = 0x55;
/// Multicodec of a libp2p public key (the CID form of a peer id).
pub const LIBP2P_KEY_CODEC: u64 = 0x72;
/// Multicodec of `DAG-PB` (implied by CID v0).
pub const DAG_PB_CODEC: u64 = 0x70;
/// Multihash code of sha2-256.
pub const SHA2_256: u64 = 0x12;

/// Splits a well-formed multihash into its code and digest; `None` unless the declared length
/// matches the bytes exactly.
pub(crate) fn split_multihash(mh: &[u8]) -> Option<(u64, &[u8])> {
    let (code, rest) = take_varint(mh)?;
    let (len, digest) = take_varint(rest)?;
    (u64::try_from(digest.len()).ok()? == len).then_some((code, digest))
}

/// Decodes a multibase CID v1 string (`b` base32, `k` base36, `z` base58btc) to its bytes.
pub(crate) fn decode_multibase_v1(s: &str) -> Option<Vec<u8>> {
    let (prefix, body) = s.split_at_checked(1)?;
    match prefix {
        "b" => base32_decode(body),
        "k" => base36_decode(body),
        "z" => base58_decode(body),
        _ => None,
    }
}

/// Splits CID v1 bytes into codec and multihash.
pub(crate) fn split_v1(bytes: &[u8]) -> Option<(u64, &[u8])> {
    let (version, rest) = take_varint(bytes)?;
    let (codec, mh) = take_varint(rest)?;
    (version == 1 && split_multihash(mh).is_some()).then_some((codec, mh))
}

/// Any CID, v0 (`Qm...`) or v1 in a multibase this crate reads; kept in the spelling it was
/// given so that a document re-serializes to the same text.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Cid {
    text: String,
    codec: u64,
    multihash: Vec<u8>,
}

impl Cid {
    /// The CID as it was written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Its content multicodec (`DAG-PB` for CID v0).
    pub fn codec(&self) -> u64 {
        self.codec
    }

    /// Its multihash bytes.
    pub fn multihash(&self) -> &[u8] {
        &self.multihash
    }
}

impl FromStr for Cid {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        let bad = || Error::InvalidCid(format!("{s:?} is not a CIDv0 or a b/k/z multibase CIDv1"));
        if s.len() == 46 && s.starts_with("Qm") {
            let mh = base58_decode(s).ok_or_else(bad)?;
            return match split_multihash(&mh) {
                Some((SHA2_256, d)) if d.len() == 32 => {
                    Ok(Self { text: s.to_owned(), codec: DAG_PB_CODEC, multihash: mh })
                }
                _ => Err(bad()),
            };
        }
        let bytes = decode_multibase_v1(s).ok_or_else(bad)?;
        let (codec, mh) = split_v1(&bytes).ok_or_else(bad)?;
        Ok(Self { text: s.to_owned(), codec, multihash: mh.to_vec() })
    }
}

impl fmt::Display for Cid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for Cid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cid({})", self.text)
    }
}

impl Serialize for Cid {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Cid {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(D::Error::custom)
    }
}

/// The CID of a single raw block: CID v1, raw codec, sha2-256. Equal to its digest, which is
/// the on-chain `metadataDigest`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct RawBlockCid(B256);

impl RawBlockCid {
    /// The CID of `bytes` stored as one raw block.
    pub fn of(bytes: &[u8]) -> Self {
        Self(B256::from(<[u8; 32]>::from(Sha256::digest(bytes))))
    }

    /// The CID whose digest is `digest` (e.g. a `metadataDigest` read from the chain).
    pub const fn from_digest(digest: B256) -> Self {
        Self(digest)
    }

    /// The sha256 the CID carries: the `metadataDigest`.
    pub const fn digest(&self) -> B256 {
        self.0
    }

    /// The binary CID: `01 55 12 20` + digest.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(36);
        put_varint(&mut out, 1);
        put_varint(&mut out, RAW_CODEC);
        put_varint(&mut out, SHA2_256);
        put_varint(&mut out, 32);
        out.extend_from_slice(self.0.as_slice());
        out
    }

    /// Checks that `bytes` are exactly what this CID names.
    pub fn verify(&self, bytes: &[u8]) -> Result<(), Error> {
        let actual = Self::of(bytes).0;
        if actual == self.0 {
            Ok(())
        } else {
            Err(Error::DigestMismatch { expected: self.0, actual })
        }
    }
}

impl FromStr for RawBlockCid {
    type Err = Error;

    /// Accepts the CID in base32 (`bafkrei...`, canonical), base36 or base58btc (`zb2rh...`,
    /// as js-ipfs prints by default); refuses anything that is not one raw sha2-256 block.
    fn from_str(s: &str) -> Result<Self, Error> {
        let cid: Cid = s.parse()?;
        let digest = match split_multihash(cid.multihash()) {
            Some((SHA2_256, d)) if cid.codec() == RAW_CODEC && d.len() == 32 => d,
            _ => {
                return Err(Error::InvalidCid(format!(
                    "{s} is not a single raw block (CIDv1, raw codec, sha2-256)"
                )));
            }
        };
        Ok(Self(B256::from_slice(digest)))
    }
}

impl fmt::Display for RawBlockCid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "b{}", base32_encode(&self.to_bytes()))
    }
}

impl fmt::Debug for RawBlockCid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RawBlockCid({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn raw_block_cid_of_empty_bytes_is_the_known_cid() {
        // The CID every IPFS implementation gives the empty raw block.
        let cid = RawBlockCid::of(b"");
        assert_eq!(cid.to_string(), "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku");
    }

    #[test]
    fn raw_block_cid_rejects_dag_pb_and_other_hashes() {
        // CIDv0 and a dag-pb CIDv1 name DAG nodes, not the document's bytes.
        for s in [
            "QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR",
            "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi",
            "",
            "bafkrei",
        ] {
            assert!(s.parse::<RawBlockCid>().is_err(), "{s}");
        }
    }

    #[test]
    fn general_cid_parses_v0_and_v1() {
        let v0: Cid = "QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR".parse().unwrap();
        assert_eq!(v0.codec(), DAG_PB_CODEC);
        let v1: Cid =
            "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi".parse().unwrap();
        assert_eq!(v1.codec(), DAG_PB_CODEC);
        assert!("Qmnope".parse::<Cid>().is_err());
        assert!(
            "xafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi".parse::<Cid>().is_err()
        );
    }

    #[test]
    fn verify_refuses_bytes_of_another_document() {
        let cid = RawBlockCid::of(b"one");
        assert!(cid.verify(b"one").is_ok());
        assert!(matches!(cid.verify(b"two"), Err(Error::DigestMismatch { .. })));
    }

    proptest! {
        #[test]
        fn raw_block_cid_round_trips_through_text(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let cid = RawBlockCid::of(&bytes);
            let text = cid.to_string();
            prop_assert!(text.starts_with("bafkrei"));
            prop_assert_eq!(text.parse::<RawBlockCid>().unwrap(), cid);
            prop_assert!(cid.verify(&bytes).is_ok());
        }
    }
}
