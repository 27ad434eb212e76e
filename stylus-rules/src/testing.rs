//! Helpers for tests of the size rules (here, in xtask and in px-devnet): bytes brotli cannot
//! shrink, to build modules of a chosen on-chain size.

use std::fmt::Write;

/// `len` bytes of a xorshift stream from `seed` (brotli leaves them as large as they are).
pub fn incompressible(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.max(1);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x.to_le_bytes()[0]
        })
        .collect()
}

/// `bytes` as the contents of a WAT string (`\xx` escapes), for a data segment.
pub fn wat_string(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(3 * bytes.len());
    for b in bytes {
        write!(text, "\\{b:02x}").expect("writing to a String");
    }
    text
}
