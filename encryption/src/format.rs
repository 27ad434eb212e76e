//! The `px-enc/1` layout: a 56-byte header, then sealed chunks.
//!
//! | bytes | field |
//! |---|---|
//! | 0..5 | magic `PXENC` (ASCII) |
//! | 5 | version, 1 |
//! | 6 | chunk size as a power of two, 10 to 24 (writers use 16: 64 KiB) |
//! | 7 | reserved, 0 |
//! | 8..40 | salt: 32 random bytes, new for every file |
//! | 40..56 | key check: the file key's commitment (HKDF output, see [`crate::key`]) |
//!
//! Then `max(1, ceil(P / C))` chunks for `P` plaintext bytes in chunks of `C`: every chunk but
//! the last holds exactly `C` bytes, the last 1 to `C` (0 only for an empty file), each sealed
//! to its bytes plus a 16-byte tag.

/// The magic the header starts with.
pub const MAGIC: &[u8; 5] = b"PXENC";
/// The version this crate writes and reads.
pub const VERSION: u8 = 1;
/// Header length.
pub const HEADER_LEN: usize = 56;
/// AES-GCM tag length.
pub const TAG_LEN: usize = 16;
/// Salt length.
pub const SALT_LEN: usize = 32;
/// Key check length.
pub const KEY_CHECK_LEN: usize = 16;
/// The chunk size writers use: 2^16 = 64 KiB.
pub const DEFAULT_CHUNK_LOG2: u8 = 16;
/// The chunk sizes readers accept (2^10 to 2^24 bytes).
pub const CHUNK_LOG2_RANGE: std::ops::RangeInclusive<u8> = 10..=24;
/// How many bytes [`probe`] needs to decide.
pub const PROBE_LEN: usize = 8;

/// What the first bytes of a file say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Probe {
    /// A `px-enc` header of this version (which may still be one this crate cannot read).
    Encrypted {
        /// The header's version byte.
        version: u8,
    },
    /// Not PX ciphertext.
    Plain,
    /// Too few bytes to tell ([`PROBE_LEN`] always suffice).
    NeedMore,
}

/// Whether `prefix` (the first bytes of a file) is PX ciphertext: the magic, then a version;
/// for version 1 also a valid chunk size and the reserved zero. A plain file that happens to
/// start with these 8 bytes is taken for ciphertext, and then fails to decrypt.
pub fn probe(prefix: &[u8]) -> Probe {
    let n = prefix.len().min(MAGIC.len());
    if prefix[..n] != MAGIC[..n] {
        return Probe::Plain;
    }
    if prefix.len() < PROBE_LEN {
        return Probe::NeedMore;
    }
    let version = prefix[5];
    if version == VERSION && (!CHUNK_LOG2_RANGE.contains(&prefix[6]) || prefix[7] != 0) {
        return Probe::Plain;
    }
    Probe::Encrypted { version }
}

/// The number of chunks of a plaintext of `plain_len` bytes.
pub fn chunk_count(plain_len: u64, chunk_log2: u8) -> u64 {
    plain_len.div_ceil(1 << chunk_log2).max(1)
}

/// The ciphertext length of `plain_len` plaintext bytes with the writers' chunk size (what an
/// upload sends as `Content-Length`).
pub fn ciphertext_len(plain_len: u64) -> u64 {
    ciphertext_len_with(plain_len, DEFAULT_CHUNK_LOG2)
}

/// [`ciphertext_len`] for another chunk size.
pub fn ciphertext_len_with(plain_len: u64, chunk_log2: u8) -> u64 {
    HEADER_LEN as u64 + plain_len + TAG_LEN as u64 * chunk_count(plain_len, chunk_log2)
}

/// The plaintext length of a well-formed ciphertext of `cipher_len` bytes, or `None` if no
/// plaintext has that ciphertext length.
pub fn plaintext_len(cipher_len: u64, chunk_log2: u8) -> Option<u64> {
    let body = cipher_len.checked_sub(HEADER_LEN as u64)?;
    let sealed = (1u64 << chunk_log2) + TAG_LEN as u64;
    let full = body / sealed;
    let rest = body % sealed;
    let plain = match (full, rest) {
        (0, r) if r >= TAG_LEN as u64 => r - TAG_LEN as u64,
        (f, 0) if f > 0 => f * (1 << chunk_log2),
        (f, r) if r > TAG_LEN as u64 => f * (1 << chunk_log2) + r - TAG_LEN as u64,
        _ => return None,
    };
    Some(plain)
}

/// A parsed header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// Chunk size as a power of two.
    pub chunk_log2: u8,
    /// The file's salt.
    pub salt: [u8; SALT_LEN],
    /// The key check.
    pub key_check: [u8; KEY_CHECK_LEN],
}

impl Header {
    /// The header's bytes (the associated data of every chunk).
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        out[..5].copy_from_slice(MAGIC);
        out[5] = VERSION;
        out[6] = self.chunk_log2;
        out[8..40].copy_from_slice(&self.salt);
        out[40..].copy_from_slice(&self.key_check);
        out
    }

    /// Parses a header.
    ///
    /// # Errors
    /// [`crate::Error::NotPxCiphertext`], [`crate::Error::UnsupportedVersion`],
    /// [`crate::Error::MalformedHeader`], or [`crate::Error::Truncated`] when `bytes` is a
    /// prefix of a header.
    pub fn parse(bytes: &[u8]) -> Result<Self, crate::Error> {
        match probe(bytes) {
            Probe::Plain => return Err(crate::Error::NotPxCiphertext),
            Probe::NeedMore => return Err(crate::Error::Truncated),
            Probe::Encrypted { version } if version != VERSION => {
                return Err(crate::Error::UnsupportedVersion(version));
            }
            Probe::Encrypted { .. } => {}
        }
        if bytes.len() < HEADER_LEN {
            return Err(crate::Error::Truncated);
        }
        let mut salt = [0u8; SALT_LEN];
        salt.copy_from_slice(&bytes[8..40]);
        let mut key_check = [0u8; KEY_CHECK_LEN];
        key_check.copy_from_slice(&bytes[40..HEADER_LEN]);
        Ok(Self { chunk_log2: bytes[6], salt, key_check })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_the_magic_version_and_chunk_size() {
        assert_eq!(probe(b"PXENC\x01\x10\x00rest"), Probe::Encrypted { version: 1 });
        assert_eq!(probe(b"PXENC\x02\x00\x00"), Probe::Encrypted { version: 2 });
        assert_eq!(probe(b"PXE"), Probe::NeedMore);
        assert_eq!(probe(b""), Probe::NeedMore);
    }

    #[test]
    fn error_when_probing_plain_bytes() {
        assert_eq!(probe(b"%PDF-1.7"), Probe::Plain);
        assert_eq!(probe(b"PXENC\x01\x09\x00"), Probe::Plain);
        assert_eq!(probe(b"PXENC\x01\x10\x01"), Probe::Plain);
    }

    #[test]
    fn lengths_round_trip() {
        for log2 in [10u8, 16] {
            let c = 1u64 << log2;
            for p in [0, 1, c - 1, c, c + 1, 3 * c, 3 * c + 5] {
                let n = ciphertext_len_with(p, log2);
                assert_eq!(plaintext_len(n, log2), Some(p), "{p} bytes, chunk 2^{log2}");
            }
        }
        assert_eq!(ciphertext_len(0), 72);
        assert_eq!(ciphertext_len(65_536), 56 + 65_536 + 16);
        assert_eq!(ciphertext_len(65_537), 56 + 65_537 + 32);
    }

    #[test]
    fn error_when_a_length_is_no_ciphertext_length() {
        assert_eq!(plaintext_len(55, 10), None);
        assert_eq!(plaintext_len(56 + 15, 10), None);
        assert_eq!(plaintext_len(56 + 1040 + 16, 10), None);
    }
}
