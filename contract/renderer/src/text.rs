//! The few text encodings the metadata needs, written small for the program's size budget: no
//! 128- or 256-bit division (a `U256` to decimal pulls ~7.8 KB of division code), no UTF-8
//! validation (everything pushed is ASCII, straight into a `String`).

use alloc::string::String;

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const BASE58: &[u8; 58] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
/// 58^5, the largest power of 58 below 2^32: one division by it yields five base-58 digits.
const BASE58_CHUNK: u64 = 656_356_768;
/// Longest input [`push_base58`] takes (a BTNS key is at most 64 bytes).
pub const BASE58_MAX_INPUT: usize = 64;
const UNITS: [&str; 7] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];

/// The digit for `value`, which is below 10.
#[allow(clippy::cast_possible_truncation)] // callers pass a value below 10
fn digit(value: u64) -> char {
    char::from(b'0' + value as u8)
}

/// Appends `value` in decimal.
pub fn push_decimal(out: &mut String, mut value: u64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + u8::try_from(value % 10).unwrap_or_default();
        value /= 10;
        if value == 0 {
            break;
        }
    }
    for &d in &digits[start..] {
        out.push(char::from(d));
    }
}

/// Appends `data` in standard base64 with padding (RFC 4648).
pub fn push_base64(out: &mut String, data: &[u8]) {
    for chunk in data.chunks(3) {
        let byte = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let triple = (byte(0) << 16) | (byte(1) << 8) | byte(2);
        for i in 0..4 {
            // A chunk of n bytes fills n + 1 characters; the rest is padding.
            if i <= chunk.len() {
                out.push(char::from(BASE64[(triple >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
}

/// Appends `bytes` (at most [`BASE58_MAX_INPUT`]; longer input is cut) in base58btc, as libp2p
/// prints peer ids: a `1` per leading zero byte, then the number's base-58 digits.
pub fn push_base58(out: &mut String, bytes: &[u8]) {
    const LIMBS: usize = BASE58_MAX_INPUT / 4;
    let bytes = &bytes[..bytes.len().min(BASE58_MAX_INPUT)];
    // The number as big-endian 32-bit limbs, right-aligned.
    let mut limbs = [0u32; LIMBS];
    for (from_end, &b) in bytes.iter().rev().enumerate() {
        limbs[LIMBS - 1 - from_end / 4] |= u32::from(b) << (8 * (from_end % 4));
    }
    // 64 bytes need at most 88 digits; chunks of five round that up to 90.
    let mut digits = [0u8; 90];
    let mut next = digits.len();
    let mut first = LIMBS - bytes.len().div_ceil(4);
    while first < LIMBS {
        if limbs[first] == 0 {
            first += 1;
            continue;
        }
        let mut rem = 0u64;
        for limb in &mut limbs[first..] {
            let current = (rem << 32) | u64::from(*limb);
            // Below 2^32: `rem` < 58^5, so `current` < 58^5 * 2^32.
            *limb = u32::try_from(current / BASE58_CHUNK).unwrap_or_default();
            rem = current % BASE58_CHUNK;
        }
        for _ in 0..5 {
            next -= 1;
            digits[next] = u8::try_from(rem % 58).unwrap_or_default();
            rem /= 58;
        }
    }
    // The last chunk may start with zero digits; they are not part of the number.
    while next < digits.len() && digits[next] == 0 {
        next += 1;
    }
    for _ in bytes.iter().take_while(|&&b| b == 0) {
        out.push('1');
    }
    for &d in &digits[next..] {
        out.push(char::from(BASE58[usize::from(d)]));
    }
}

/// Appends a byte count in binary units with at most one decimal, rounded down:
/// `100 MiB`, `1.5 GiB`, `512 B`.
pub fn push_bytes(out: &mut String, bytes: u64) {
    let mut unit = 0;
    while unit + 1 < UNITS.len() && bytes >> (10 * (unit + 1)) != 0 {
        unit += 1;
    }
    push_decimal(out, bytes >> (10 * unit));
    if unit > 0 {
        // The next ten bits are the fraction, in 1024ths.
        let tenths = (((bytes >> (10 * unit - 10)) & 1023) * 10) >> 10;
        if tenths != 0 {
            out.push('.');
            out.push(digit(tenths));
        }
    }
    out.push(' ');
    out.push_str(UNITS[unit]);
}

/// `used` per mille of `quota`, rounded down, with 64-bit arithmetic only: exact for quotas
/// below 2^54 bytes (16 PiB), at most one unit low above; an empty quota counts as one byte;
/// saturates at `u64::MAX`.
pub fn per_mille(used: u64, quota: u64) -> u64 {
    let quota = quota.max(1);
    let whole = (used / quota).saturating_mul(1000);
    let rest = used % quota;
    // `rest * 1000` must fit 64 bits: for a quota of 55 bits or more, drop the low bits of both.
    let shift = (64 - quota.leading_zeros()).saturating_sub(54);
    whole.saturating_add((rest >> shift) * 1000 / (quota >> shift))
}

/// Appends a per-mille value as a percentage with one decimal: `505` -> `50.5`.
pub fn push_percent(out: &mut String, per_mille: u64) {
    push_decimal(out, per_mille / 10);
    out.push('.');
    out.push(digit(per_mille % 10));
}

#[cfg(test)]
mod tests {
    use alloc::string::ToString;

    use base64::Engine;
    use proptest::prelude::*;

    use super::*;

    fn text(write: impl FnOnce(&mut String)) -> String {
        let mut out = String::new();
        write(&mut out);
        out
    }

    #[test]
    fn base58_prints_known_peer_ids() {
        // Kubo's and BTFS's peer id forms (ed25519 identity multihash, secp256k1).
        for id in [
            "12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA",
            "12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK",
            "16Uiu2HAmLhLvBoYaoZfaMUKuibM6ac163GwKY74c5kiSLg5KvLpY",
            "QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N",
        ] {
            let bytes = bs58::decode(id).into_vec().unwrap();
            assert_eq!(text(|out| push_base58(out, &bytes)), id);
        }
    }

    #[test]
    fn base58_keeps_leading_zeros_as_ones() {
        assert_eq!(text(|out| push_base58(out, &[0, 0, 1])), "112");
        assert_eq!(text(|out| push_base58(out, &[0, 0])), "11");
        assert_eq!(text(|out| push_base58(out, &[])), "");
    }

    #[test]
    fn bytes_print_in_binary_units() {
        let cases = [
            (0, "0 B"),
            (1023, "1023 B"),
            (1024, "1 KiB"),
            (100 << 20, "100 MiB"),
            (3 << 29, "1.5 GiB"),
            ((2 << 30) - 1, "1.9 GiB"),
            (20 << 30, "20 GiB"),
            (u64::MAX, "15.9 EiB"),
        ];
        for (bytes, expected) in cases {
            assert_eq!(text(|out| push_bytes(out, bytes)), expected, "{bytes}");
        }
    }

    #[test]
    fn percentages_have_one_decimal() {
        assert_eq!(text(|out| push_percent(out, per_mille(512 << 20, 1 << 30))), "50.0");
        assert_eq!(text(|out| push_percent(out, per_mille(1, 3))), "33.3");
        assert_eq!(text(|out| push_percent(out, per_mille(0, 0))), "0.0");
        assert_eq!(per_mille(5, 0), 5000);
        assert_eq!(text(|out| push_percent(out, per_mille(3, 2))), "150.0");
        assert_eq!(per_mille(u64::MAX, u64::MAX), 1000);
    }

    proptest! {
        #[test]
        fn decimal_matches_std(value: u64) {
            prop_assert_eq!(text(|out| push_decimal(out, value)), value.to_string());
        }

        #[test]
        fn base64_matches_the_base64_crate(data in proptest::collection::vec(any::<u8>(), 0..200)) {
            let expected = base64::engine::general_purpose::STANDARD.encode(&data);
            prop_assert_eq!(text(|out| push_base64(out, &data)), expected);
        }

        #[test]
        fn base58_matches_the_bs58_crate(
            zeros in 0usize..4,
            data in proptest::collection::vec(any::<u8>(), 0..=60),
        ) {
            let mut bytes = vec![0u8; zeros];
            bytes.extend_from_slice(&data);
            prop_assert_eq!(text(|out| push_base58(out, &bytes)), bs58::encode(&bytes).into_string());
        }

        #[test]
        fn per_mille_matches_128_bit_division(used: u64, quota: u64) {
            let exact = u128::from(used) * 1000 / u128::from(quota.max(1));
            let exact = u64::try_from(exact).unwrap_or(u64::MAX);
            let approx = per_mille(used, quota);
            if quota < (1 << 54) {
                prop_assert_eq!(approx, exact);
            } else {
                prop_assert!(exact - approx <= 1, "{approx} vs {exact}");
            }
        }
    }
}
