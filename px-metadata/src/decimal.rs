//! Integers as decimal strings, parsed strictly: the document and the adapter's answers carry
//! every integer as a string so that JSON number precision never matters.
//!
//! Strict means: ASCII digits only, no sign, no whitespace, no leading zero (except `"0"`), and
//! within the type's range. Two spellings of one number would let one usage state have two
//! digests, so only the canonical spelling is accepted.

use alloy::primitives::U256;
use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

/// An unsigned integer type that has a canonical decimal spelling.
pub trait StrictDecimal: Sized + std::fmt::Display {
    /// Parses `s` strictly (see the module docs); `None` when it is not canonical or overflows.
    fn parse_strict(s: &str) -> Option<Self>;
}

/// `true` when `s` is a canonical unsigned decimal: digits only, no leading zero.
fn is_canonical(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty() && b.iter().all(u8::is_ascii_digit) && (b[0] != b'0' || b.len() == 1)
}

macro_rules! strict_prim {
    ($($t:ty),*) => {$(
        impl StrictDecimal for $t {
            fn parse_strict(s: &str) -> Option<Self> {
                if is_canonical(s) { s.parse().ok() } else { None }
            }
        }
    )*};
}
strict_prim!(u8, u16, u32, u64, u128);

impl StrictDecimal for U256 {
    fn parse_strict(s: &str) -> Option<Self> {
        if is_canonical(s) { U256::from_str_radix(s, 10).ok() } else { None }
    }
}

/// Parses `s` strictly as `T`, naming `field` in the error.
pub fn parse<T: StrictDecimal>(field: &str, s: &str) -> Result<T, String> {
    T::parse_strict(s)
        .ok_or_else(|| format!("`{field}` must be a canonical decimal string in range, got {s:?}"))
}

/// `#[serde(with = "decimal")]` support: serializes with `Display`, deserializes strictly.
pub fn serialize<T: StrictDecimal, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

/// See [`serialize`].
pub fn deserialize<'de, T: StrictDecimal, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
    T::parse_strict(&s).ok_or_else(|| {
        D::Error::custom(format!("expected a canonical decimal string in range, got {s:?}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_canonical_decimals() {
        assert_eq!(u64::parse_strict("0"), Some(0));
        assert_eq!(u64::parse_strict("18446744073709551615"), Some(u64::MAX));
        assert_eq!(U256::parse_strict("1"), Some(U256::from(1)));
    }

    #[test]
    fn rejects_non_canonical_or_out_of_range_decimals() {
        for bad in ["", "01", "+1", "-1", " 1", "1 ", "1e3", "0x10", "1.0", "18446744073709551616"]
        {
            assert_eq!(u64::parse_strict(bad), None, "{bad:?}");
        }
        assert_eq!(u32::parse_strict("4294967296"), None);
    }
}
