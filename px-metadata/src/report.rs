//! The EIP-712 `UsageReport` the chain trusts: hashing, signing and recovery, built on the one
//! definition in `px_abi::eip712` (wire formats, "Usage report signature").
//!
//! Domain: name `PX Storage NFT`, version `1`, the chain id, verifyingContract = the core.

use std::{fmt, str::FromStr};

use alloy::{
    primitives::{Address, B256, Signature, U256},
    signers::{SignerSync, local::PrivateKeySigner},
    sol_types::SolStruct,
};
use px_abi::eip712::{UsageReport, domain};
use serde::{Deserialize, Deserializer, Serialize, Serializer, de::Error as _};

use crate::{error::Error, key::BtnsKey};

/// Half the secp256k1 group order: signatures with a larger `s` are the malleable twin of a
/// low-`s` one (EIP-2); signers never produce them and OpenZeppelin-style checks refuse them.
const HALF_ORDER: U256 = U256::from_limbs([
    0xdfe9_2f46_681b_20a0,
    0x5d57_6e73_57a4_501d,
    0xffff_ffff_ffff_ffff,
    0x7fff_ffff_ffff_ffff,
]);

/// The fields a usage report signs, with the domain they are signed for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFields {
    /// Chain of the core contract.
    pub chain_id: u64,
    /// The core contract (`PxStorageNft`): the domain's verifyingContract.
    pub contract: Address,
    /// The token.
    pub token_id: U256,
    /// The token's BTNS key.
    pub btns_key: BtnsKey,
    /// Usage sequence (1 for the first document).
    pub sequence: u64,
    /// Bytes used.
    pub used_bytes: u64,
    /// Uploads made.
    pub upload_count: u32,
}

impl ReportFields {
    /// The message as `px_abi` defines it.
    pub fn message(&self) -> UsageReport {
        UsageReport {
            tokenId: self.token_id,
            btnsKey: self.btns_key.to_bytes(),
            sequence: self.sequence,
            usedBytes: self.used_bytes,
            uploadCount: self.upload_count,
        }
    }

    /// The EIP-712 signing hash: `keccak256(0x1901 || domainSeparator || hashStruct(report))`.
    pub fn signing_hash(&self) -> B256 {
        self.message().eip712_signing_hash(&domain(self.chain_id, self.contract))
    }

    /// Signs the report with `signer` (the PX node's usage signer).
    pub fn sign(&self, signer: &PrivateKeySigner) -> Result<ReportSignature, Error> {
        let sig = signer
            .sign_hash_sync(&self.signing_hash())
            .map_err(|e| Error::Signing(e.to_string()))?;
        ReportSignature::from_bytes(&sig.as_bytes())
    }

    /// The address that signed this report with `signature`.
    pub fn recover(&self, signature: &ReportSignature) -> Result<Address, Error> {
        signature
            .0
            .recover_address_from_prehash(&self.signing_hash())
            .map_err(|e| Error::MalformedSignature(e.to_string()))
    }
}

/// A 65-byte `r || s || v` signature with `v` 27 or 28 and a low `s`: exactly what Solidity's
/// `ecrecover` takes as `(v, r, s)` and what the adapter hands to `fulfillSync`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ReportSignature(Signature);

impl ReportSignature {
    /// Parses 65 bytes `r || s || v`.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        let bad = |why: &str| Error::MalformedSignature(why.to_owned());
        let arr: &[u8; 65] = bytes.try_into().map_err(|_| bad("not 65 bytes"))?;
        if !matches!(arr[64], 27 | 28) {
            return Err(bad("v must be 27 or 28"));
        }
        let sig = Signature::from_raw_array(arr).map_err(|e| bad(&e.to_string()))?;
        if sig.r().is_zero() || sig.s().is_zero() {
            return Err(bad("r and s must be non-zero"));
        }
        if sig.s() > HALF_ORDER {
            return Err(bad("s is in the upper half of the curve order (EIP-2)"));
        }
        Ok(Self(sig))
    }

    /// `v` as Solidity takes it: 27 or 28.
    pub fn v(&self) -> u8 {
        27 + u8::from(self.0.v())
    }

    /// `r` as a `bytes32`.
    pub fn r(&self) -> B256 {
        self.0.r().into()
    }

    /// `s` as a `bytes32`.
    pub fn s(&self) -> B256 {
        self.0.s().into()
    }

    /// The 65 bytes `r || s || v`.
    pub fn to_bytes(&self) -> [u8; 65] {
        self.0.as_bytes()
    }
}

impl FromStr for ReportSignature {
    type Err = Error;

    /// `0x` + 130 hex digits.
    fn from_str(s: &str) -> Result<Self, Error> {
        let hex = s
            .strip_prefix("0x")
            .ok_or_else(|| Error::MalformedSignature("missing 0x prefix".into()))?;
        let bytes =
            alloy::hex::decode(hex).map_err(|e| Error::MalformedSignature(e.to_string()))?;
        Self::from_bytes(&bytes)
    }
}

impl fmt::Display for ReportSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{}", alloy::hex::encode(self.to_bytes()))
    }
}

impl fmt::Debug for ReportSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ReportSignature({self})")
    }
}

impl Serialize for ReportSignature {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ReportSignature {
    /// Only the canonical lowercase spelling.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        let sig: Self = s.parse().map_err(D::Error::custom)?;
        if sig.to_string() == s {
            Ok(sig)
        } else {
            Err(D::Error::custom("signature must be 0x + lowercase hex"))
        }
    }
}
