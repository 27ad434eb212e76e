//! The request parameters, byte for byte as Chainlink's Solidity `Chainlink.Request.add(key,
//! value)` writes them: for each pair, the key then the value as CBOR text strings (major type 3,
//! shortest length form), one after the other with no map header (the "diet" CBOR a node's
//! `cborparse` task reads).
//!
//! Parameters (wire formats): `btnsKey` = `0x` + lowercase hex of the key bytes, `tokenId` and
//! `chainId` in decimal, `contract` = the core's lowercase `0x` address.

use alloc::vec::Vec;

use alloy_primitives::Address;

const MAJOR_TYPE_TEXT: u8 = 3 << 5;
/// Additional-information values: the length follows in 1, 2 or 4 bytes.
const LENGTH_U8: u8 = 0x18;
const LENGTH_U16: u8 = 0x19;
const LENGTH_U32: u8 = 0x1a;
const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Appends a CBOR text string header for `len` bytes (as `CBORChainlink.encodeFixedNumeric`).
fn text_header(out: &mut Vec<u8>, len: usize) {
    #[allow(clippy::cast_possible_truncation)] // each branch checks the range
    match len {
        0..=23 => out.push(MAJOR_TYPE_TEXT | len as u8),
        24..=0xff => out.extend_from_slice(&[MAJOR_TYPE_TEXT | LENGTH_U8, len as u8]),
        0x100..=0xffff => {
            out.push(MAJOR_TYPE_TEXT | LENGTH_U16);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
        _ => {
            out.push(MAJOR_TYPE_TEXT | LENGTH_U32);
            out.extend_from_slice(&(len as u32).to_be_bytes());
        }
    }
}

/// Appends one `key: value` text pair.
pub fn add(out: &mut Vec<u8>, key: &str, value: &[u8]) {
    text_header(out, key.len());
    out.extend_from_slice(key.as_bytes());
    text_header(out, value.len());
    out.extend_from_slice(value);
}

/// `0x` followed by the lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(2 + 2 * bytes.len());
    out.extend_from_slice(b"0x");
    for byte in bytes {
        out.push(HEX_DIGITS[usize::from(byte >> 4)]);
        out.push(HEX_DIGITS[usize::from(byte & 0xf)]);
    }
    out
}

/// `value` in decimal.
pub fn decimal(mut value: u64) -> Vec<u8> {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        #[allow(clippy::cast_possible_truncation)] // a single digit
        {
            digits[start] = b'0' + (value % 10) as u8;
        }
        value /= 10;
        if value == 0 {
            break;
        }
    }
    digits[start..].to_vec()
}

/// The CBOR parameters of a sync request.
pub fn sync_request(btns_key: &[u8], token_id: u64, core: Address, chain_id: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    add(&mut out, "btnsKey", &hex(btns_key));
    add(&mut out, "tokenId", &decimal(token_id));
    add(&mut out, "contract", &hex(core.as_slice()));
    add(&mut out, "chainId", &decimal(chain_id));
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn writes_short_and_long_text_headers_like_chainlink() {
        let mut out = Vec::new();
        text_header(&mut out, 7);
        text_header(&mut out, 23);
        text_header(&mut out, 24);
        text_header(&mut out, 130);
        text_header(&mut out, 256);
        assert_eq!(out, [0x67, 0x77, 0x78, 24, 0x78, 130, 0x79, 1, 0]);
    }

    #[test]
    fn formats_decimals() {
        assert_eq!(decimal(0), b"0");
        assert_eq!(decimal(42161), b"42161");
        assert_eq!(decimal(u64::MAX), b"18446744073709551615");
    }

    #[test]
    fn formats_lowercase_hex() {
        assert_eq!(hex(&[0x00, 0xab, 0xff]), b"0x00abff");
        assert_eq!(hex(&[]), b"0x");
    }

    #[test]
    fn lays_out_the_four_parameters_in_order() {
        let core = Address::repeat_byte(0xab);
        let cbor = sync_request(&[1, 2], 7, core, 412_346);
        let mut expected = Vec::new();
        expected.extend_from_slice(b"\x67btnsKey\x660x0102");
        expected.extend_from_slice(b"\x67tokenId\x617");
        expected.extend_from_slice(b"\x68contract\x78\x2a0x");
        expected.extend_from_slice(&[b'a', b'b'].repeat(20));
        expected.extend_from_slice(b"\x67chainId\x66412346");
        assert_eq!(cbor, expected);
    }

    proptest! {
        #[test]
        fn decimal_matches_the_standard_library(value: u64) {
            prop_assert_eq!(decimal(value), value.to_string().into_bytes());
        }

        #[test]
        fn hex_matches_the_hex_crate(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let expected = format!("0x{}", alloy_primitives::hex::encode(&bytes));
            prop_assert_eq!(hex(&bytes), expected.into_bytes());
        }
    }
}
