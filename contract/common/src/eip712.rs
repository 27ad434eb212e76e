//! EIP-712 for the PX programs: the shared domain and signature recovery.
//!
//! Domain (wire formats): name `PX Storage NFT`, version `1`, the chain id, and the verifying
//! contract (the core for `UsageReport`, the storefront for `MintAuthorization`). Hashing uses
//! the host's keccak; recovery calls the `ecrecover` precompile and, like OpenZeppelin's `ECDSA`,
//! accepts only `v` in {27, 28} and `s` in the lower half of the curve order, so each signed
//! message has exactly one valid signature.

use alloc::vec::Vec;

use alloy_primitives::{Address, B256, U256, address, b256};
use stylus_sdk::{
    call::static_call,
    keccak_const::Keccak256,
    stylus_core::{Host, calls::Call},
};

/// `keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")`.
pub const DOMAIN_TYPEHASH: B256 = B256::new(
    Keccak256::new()
        .update(
            b"EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)",
        )
        .finalize(),
);
/// `keccak256("PX Storage NFT")`.
pub const NAME_HASH: B256 = B256::new(Keccak256::new().update(b"PX Storage NFT").finalize());
/// `keccak256("1")`.
pub const VERSION_HASH: B256 = B256::new(Keccak256::new().update(b"1").finalize());

/// The `ecrecover` precompile.
const ECRECOVER: Address = address!("0x0000000000000000000000000000000000000001");
/// Half the secp256k1 group order: larger `s` values are the malleable twin of a smaller one.
const HALF_ORDER: B256 =
    b256!("0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0");

/// `keccak256(abi.encode(words...))` for a list of 32-byte words.
pub fn hash_words<H: Host + ?Sized>(vm: &H, words: &[B256]) -> B256 {
    let mut buf = Vec::with_capacity(words.len() * 32);
    for word in words {
        buf.extend_from_slice(word.as_slice());
    }
    vm.native_keccak256(&buf)
}

/// The domain separator for `verifying_contract` on the current chain.
pub fn domain_separator<H: Host + ?Sized>(vm: &H, verifying_contract: Address) -> B256 {
    let chain_id = U256::from(vm.chain_id());
    hash_words(
        vm,
        &[
            DOMAIN_TYPEHASH,
            NAME_HASH,
            VERSION_HASH,
            chain_id.into(),
            verifying_contract.into_word(),
        ],
    )
}

/// The digest a signer signs: `keccak256("\x19\x01" ‖ domainSeparator ‖ structHash)`.
pub fn typed_data_digest<H: Host + ?Sized>(
    vm: &H,
    verifying_contract: Address,
    struct_hash: B256,
) -> B256 {
    let mut buf = [0u8; 66];
    buf[..2].copy_from_slice(b"\x19\x01");
    buf[2..34].copy_from_slice(domain_separator(vm, verifying_contract).as_slice());
    buf[34..].copy_from_slice(struct_hash.as_slice());
    vm.native_keccak256(&buf)
}

/// The address that signed `digest`, or `None` for a malformed, malleable or invalid signature.
pub fn recover<H: Host + ?Sized>(vm: &H, digest: B256, v: u8, r: B256, s: B256) -> Option<Address> {
    if !(v == 27 || v == 28) || s > HALF_ORDER {
        return None;
    }
    let mut input = [0u8; 128];
    input[..32].copy_from_slice(digest.as_slice());
    input[63] = v;
    input[64..96].copy_from_slice(r.as_slice());
    input[96..].copy_from_slice(s.as_slice());
    let output = static_call(vm, Call::new(), ECRECOVER, &input).ok()?;
    // The precompile answers nothing for an invalid signature, else the address in one word.
    let word: [u8; 32] = output.get(..32)?.try_into().ok()?;
    let signer = Address::from_word(word.into());
    (!signer.is_zero()).then_some(signer)
}

/// Splits a 65-byte `r ‖ s ‖ v` signature (the form wallets and `eth_signTypedData` return).
pub fn split_signature(signature: &[u8]) -> Option<(u8, B256, B256)> {
    if signature.len() != 65 {
        return None;
    }
    let r = B256::from_slice(&signature[..32]);
    let s = B256::from_slice(&signature[32..64]);
    Some((signature[64], r, s))
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{hex, keccak256};
    use stylus_sdk::testing::TestVM;

    use super::*;

    #[test]
    fn constants_are_the_hashes_of_their_strings() {
        assert_eq!(
            DOMAIN_TYPEHASH,
            keccak256(
                "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
            )
        );
        assert_eq!(NAME_HASH, keccak256("PX Storage NFT"));
        assert_eq!(VERSION_HASH, keccak256("1"));
    }

    #[test]
    fn rejects_high_s_and_bad_v_without_calling_the_precompile() {
        let vm = TestVM::default();
        let digest = B256::repeat_byte(1);
        let r = B256::repeat_byte(2);
        assert_eq!(recover(&vm, digest, 27, r, B256::repeat_byte(0xff)), None);
        assert_eq!(recover(&vm, digest, 0, r, B256::repeat_byte(1)), None);
        assert_eq!(recover(&vm, digest, 29, r, B256::repeat_byte(1)), None);
    }

    #[test]
    fn recovers_through_the_precompile() {
        let vm = TestVM::default();
        let digest = B256::repeat_byte(1);
        let (v, r, s) = (27u8, B256::repeat_byte(2), B256::repeat_byte(3));
        let mut input = [0u8; 128];
        input[..32].copy_from_slice(digest.as_slice());
        input[63] = v;
        input[64..96].copy_from_slice(r.as_slice());
        input[96..].copy_from_slice(s.as_slice());
        let signer = address!("0x00000000000000000000000000000000000000aa");
        vm.mock_static_call(ECRECOVER, input.to_vec(), Ok(signer.into_word().to_vec()));
        assert_eq!(recover(&vm, digest, v, r, s), Some(signer));
    }

    #[test]
    fn an_empty_precompile_answer_is_no_signer() {
        let vm = TestVM::default();
        let digest = B256::repeat_byte(1);
        let mut input = [0u8; 128];
        input[..32].copy_from_slice(digest.as_slice());
        input[63] = 28;
        vm.mock_static_call(ECRECOVER, input.to_vec(), Ok(Vec::new()));
        assert_eq!(recover(&vm, digest, 28, B256::ZERO, B256::ZERO), None);
    }

    #[test]
    fn splits_rsv() {
        let sig = hex!(
            "0101010101010101010101010101010101010101010101010101010101010101"
            "0202020202020202020202020202020202020202020202020202020202020202"
            "1b"
        );
        assert_eq!(split_signature(&sig), Some((27, B256::repeat_byte(1), B256::repeat_byte(2))));
        assert_eq!(split_signature(&sig[..64]), None);
    }
}
