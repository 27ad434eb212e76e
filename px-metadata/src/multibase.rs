//! The few multiformats encodings the text forms use: unsigned varints, base32 (RFC 4648,
//! lowercase, no padding: multibase `b`), base36 (lowercase: multibase `k`) and base58btc
//! (multibase `z`, and the bare form of peer ids and CID v0).

const BASE32: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
const BASE36: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";

/// Appends `v` as an unsigned LEB128 varint (the multiformats varint).
pub(crate) fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(u8::try_from(v & 0x7f).unwrap_or(0) | 0x80);
        v >>= 7;
    }
    out.push(u8::try_from(v).unwrap_or(0));
}

/// Reads a minimally encoded varint (at most 9 bytes, as multiformats requires) from the front
/// of `bytes`; returns it and the rest.
pub(crate) fn take_varint(bytes: &[u8]) -> Option<(u64, &[u8])> {
    let mut v: u64 = 0;
    for (i, &b) in bytes.iter().enumerate().take(9) {
        v |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            // A trailing zero group would be a second spelling of a smaller number.
            if i > 0 && b == 0 {
                return None;
            }
            return Some((v, &bytes[i + 1..]));
        }
    }
    None
}

/// Base32 (RFC 4648 alphabet, lowercase, no padding).
pub(crate) fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 8 / 5 + 1);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(BASE32[((acc >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(BASE32[((acc << (5 - bits)) & 31) as usize]));
    }
    out
}

/// Inverse of [`base32_encode`]; `None` on a character outside the alphabet or non-zero
/// padding bits (a second spelling of the same bytes).
pub(crate) fn base32_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 5 / 8);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes() {
        let d = BASE32.iter().position(|&a| a == c)?;
        acc = (acc << 5) | u32::try_from(d).ok()?;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((acc >> bits) & 0xff).ok()?);
        }
        acc &= (1 << bits) - 1;
    }
    (bits < 5 && acc == 0).then_some(out)
}

/// Big-number conversion of `bytes` to `alphabet`'s radix, leading zero bytes kept as leading
/// zero digits (the base-x convention multibase uses for base36 and base58).
fn radix_encode(bytes: &[u8], alphabet: &[u8]) -> String {
    let radix = u32::try_from(alphabet.len()).unwrap_or(u32::MAX);
    let zeros = bytes.iter().take_while(|&&b| b == 0).count();
    let mut digits: Vec<u8> = Vec::with_capacity(bytes.len() * 2);
    for &b in &bytes[zeros..] {
        let mut carry = u32::from(b);
        for d in &mut digits {
            carry += u32::from(*d) << 8;
            *d = u8::try_from(carry % radix).unwrap_or(0);
            carry /= radix;
        }
        while carry > 0 {
            digits.push(u8::try_from(carry % radix).unwrap_or(0));
            carry /= radix;
        }
    }
    let mut out = String::with_capacity(zeros + digits.len());
    out.extend(std::iter::repeat_n(char::from(alphabet[0]), zeros));
    out.extend(digits.iter().rev().map(|&d| char::from(alphabet[d as usize])));
    out
}

/// Inverse of [`radix_encode`]; `None` on a character outside the alphabet.
fn radix_decode(s: &str, alphabet: &[u8]) -> Option<Vec<u8>> {
    let radix = u32::try_from(alphabet.len()).ok()?;
    let zeros = s.bytes().take_while(|&c| c == alphabet[0]).count();
    let mut bytes: Vec<u8> = Vec::with_capacity(s.len());
    for c in s.bytes().skip(zeros) {
        let mut carry = u32::try_from(alphabet.iter().position(|&a| a == c)?).ok()?;
        for b in &mut bytes {
            carry += u32::from(*b) * radix;
            *b = u8::try_from(carry & 0xff).ok()?;
            carry >>= 8;
        }
        while carry > 0 {
            bytes.push(u8::try_from(carry & 0xff).ok()?);
            carry >>= 8;
        }
    }
    let mut out = vec![0u8; zeros];
    out.extend(bytes.iter().rev());
    Some(out)
}

/// Base36, lowercase (multibase `k`).
pub(crate) fn base36_encode(bytes: &[u8]) -> String {
    radix_encode(bytes, BASE36)
}

/// Inverse of [`base36_encode`] (lowercase only: multibase `K` is the uppercase variant).
pub(crate) fn base36_decode(s: &str) -> Option<Vec<u8>> {
    radix_decode(s, BASE36)
}

/// Base58btc (the Bitcoin alphabet).
pub(crate) fn base58_encode(bytes: &[u8]) -> String {
    bs58::encode(bytes).into_string()
}

/// Inverse of [`base58_encode`].
pub(crate) fn base58_decode(s: &str) -> Option<Vec<u8>> {
    bs58::decode(s).into_vec().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn base32_matches_rfc4648_vectors() {
        // RFC 4648 section 10, lowercased and unpadded.
        for (plain, enc) in
            [("", ""), ("f", "my"), ("fo", "mzxq"), ("foo", "mzxw6"), ("foobar", "mzxw6ytboi")]
        {
            assert_eq!(base32_encode(plain.as_bytes()), enc);
            assert_eq!(base32_decode(enc).as_deref(), Some(plain.as_bytes()));
        }
    }

    #[test]
    fn base32_rejects_nonzero_padding_bits_and_foreign_characters() {
        assert_eq!(base32_decode("mz"), None); // "my" is the only spelling of "f"
        assert_eq!(base32_decode("MY"), None);
        assert_eq!(base32_decode("m1"), None);
    }

    #[test]
    fn base36_matches_multibase_vectors() {
        // multiformats/multibase test vectors ("yes mani !" and leading zero bytes).
        assert_eq!(base36_encode(b"yes mani !"), "2lcpzo5yikidynfl");
        assert_eq!(base36_encode(b"\x00yes mani !"), "02lcpzo5yikidynfl");
        assert_eq!(
            base36_decode("002lcpzo5yikidynfl").as_deref(),
            Some(&b"\x00\x00yes mani !"[..])
        );
        assert_eq!(base36_decode("2LCP"), None);
    }

    #[test]
    fn varint_round_trips_and_rejects_overlong_forms() {
        for v in [0u64, 1, 0x7f, 0x80, 0x72, 0x55, 300, u64::from(u32::MAX)] {
            let mut buf = Vec::new();
            put_varint(&mut buf, v);
            assert_eq!(take_varint(&buf), Some((v, &[][..])));
        }
        assert_eq!(take_varint(&[0x81, 0x00]), None); // 1 spelled in two bytes
        assert_eq!(take_varint(&[0x80]), None); // truncated
    }

    proptest! {
        #[test]
        fn encodings_round_trip(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
            prop_assert_eq!(base32_decode(&base32_encode(&bytes)), Some(bytes.clone()));
            prop_assert_eq!(base36_decode(&base36_encode(&bytes)), Some(bytes.clone()));
            prop_assert_eq!(base58_decode(&base58_encode(&bytes)), Some(bytes));
        }
    }
}
