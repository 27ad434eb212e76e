//! The key: a wallet signs [`key_message`] (EIP-191 `personal_sign`), and HKDF-SHA256 turns
//! the 65-byte signature into the [`MasterKey`]; every file's key comes from the master key
//! and the file's salt.
//!
//! - master key = HKDF-SHA256(IKM = `r ‖ s ‖ v` with `v` 27 or 28, salt = `px-enc/1 signature`,
//!   info = `px-enc/1 master key`), 32 bytes.
//! - file material = HKDF-SHA256(IKM = master key, salt = the header's salt,
//!   info = `px-enc/1 file`), 55 bytes: the AES-256 key (0..32), the nonce prefix (32..39) and
//!   the key check (39..55).
//!
//! The same wallet signing the same text gives the same signature (RFC 6979 deterministic
//! ECDSA, what wallets and viem and alloy use), so the key can be re-derived anywhere.

use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroize;

use crate::{
    Error,
    format::{KEY_CHECK_LEN, SALT_LEN},
};

/// HKDF salt of the master key.
pub const MASTER_SALT: &[u8] = b"px-enc/1 signature";
/// HKDF info of the master key.
pub const MASTER_INFO: &[u8] = b"px-enc/1 master key";
/// HKDF info of a file's key material.
pub const FILE_INFO: &[u8] = b"px-enc/1 file";
/// Nonce prefix length (the rest of the 12-byte nonce is the chunk index and the last flag).
pub const NONCE_PREFIX_LEN: usize = 7;

/// The text a wallet signs (EIP-191 `personal_sign`, UTF-8) to derive its key for the
/// collection at `collection` (the core program, `PxStorageNft`) on `chain_id`. Exactly these
/// bytes, lines separated by `\n`, the address in lowercase hex.
pub fn key_message(chain_id: u64, collection: [u8; 20]) -> String {
    let mut hex = String::with_capacity(42);
    hex.push_str("0x");
    for b in collection {
        hex.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
        hex.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
    }
    format!(
        "PX storage encryption key\n\nSigning this message derives the key that encrypts your PX files. Anyone holding this signature can decrypt them: sign it only in apps you trust.\n\nVersion: px-enc/1\nChain ID: {chain_id}\nCollection: {hex}"
    )
}

/// A wallet's key for one collection on one chain. Zeroed when dropped.
#[derive(Clone)]
pub struct MasterKey([u8; 32]);

impl Drop for MasterKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(..)")
    }
}

/// A file's key material.
pub(crate) struct FileKey {
    pub(crate) key: [u8; 32],
    pub(crate) nonce_prefix: [u8; NONCE_PREFIX_LEN],
    pub(crate) key_check: [u8; KEY_CHECK_LEN],
}

impl Drop for FileKey {
    fn drop(&mut self) {
        self.key.zeroize();
    }
}

impl MasterKey {
    /// Derives the key from the wallet's 65-byte signature of [`key_message`]; `v` may be
    /// 0/1 or 27/28 (it is normalised to 27/28 first).
    ///
    /// # Errors
    /// [`Error::InvalidSignature`] for another length or `v`.
    pub fn from_signature(signature: &[u8]) -> Result<Self, Error> {
        let mut ikm: [u8; 65] = signature.try_into().map_err(|_| Error::InvalidSignature)?;
        ikm[64] = match ikm[64] {
            0 | 1 => ikm[64] + 27,
            27 | 28 => ikm[64],
            _ => return Err(Error::InvalidSignature),
        };
        let mut key = [0u8; 32];
        Hkdf::<Sha256>::new(Some(MASTER_SALT), &ikm)
            .expand(MASTER_INFO, &mut key)
            .map_err(|_| Error::InvalidSignature)?;
        ikm.zeroize();
        Ok(Self(key))
    }

    /// The master key's bytes (for the shared vectors; keep them secret).
    pub fn expose(&self) -> &[u8; 32] {
        &self.0
    }

    pub(crate) fn file_key(&self, salt: &[u8; SALT_LEN]) -> FileKey {
        let mut okm = [0u8; 32 + NONCE_PREFIX_LEN + KEY_CHECK_LEN];
        // SAFETY of the expect: 55 bytes is far below HKDF-SHA256's 8,160-byte limit.
        Hkdf::<Sha256>::new(Some(salt), &self.0)
            .expand(FILE_INFO, &mut okm)
            .expect("55 bytes of HKDF-SHA256 output");
        let mut file = FileKey {
            key: [0; 32],
            nonce_prefix: [0; NONCE_PREFIX_LEN],
            key_check: [0; KEY_CHECK_LEN],
        };
        file.key.copy_from_slice(&okm[..32]);
        file.nonce_prefix.copy_from_slice(&okm[32..32 + NONCE_PREFIX_LEN]);
        file.key_check.copy_from_slice(&okm[32 + NONCE_PREFIX_LEN..]);
        okm.zeroize();
        file
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_v() {
        let mut sig = [7u8; 65];
        sig[64] = 27;
        let a = MasterKey::from_signature(&sig).unwrap();
        sig[64] = 0;
        let b = MasterKey::from_signature(&sig).unwrap();
        assert_eq!(a.expose(), b.expose());
    }

    #[test]
    fn error_when_the_signature_is_not_65_bytes_or_v_is_odd() {
        assert_eq!(MasterKey::from_signature(&[1u8; 64]).unwrap_err(), Error::InvalidSignature);
        let mut sig = [7u8; 65];
        sig[64] = 29;
        assert_eq!(MasterKey::from_signature(&sig).unwrap_err(), Error::InvalidSignature);
    }

    #[test]
    fn the_message_names_chain_and_collection() {
        let text = key_message(412_346, [0xab; 20]);
        assert!(text.ends_with(&format!("Chain ID: 412346\nCollection: 0x{}", "ab".repeat(20))));
    }
}
