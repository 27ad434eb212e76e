//! The sans-IO core: [`Encryptor`] and [`Decryptor`] take bytes in any sizes through
//! `update` and give sealed (or opened) bytes back; `finish` ends the stream. Each holds at
//! most one chunk, so memory does not grow with the file.
//!
//! A chunk is known to be the last only when the input ends, so both keep the latest full
//! chunk until more bytes arrive (or `finish` is called): the last chunk is sealed with the
//! last flag, which is how truncation at a chunk boundary is detected.

use aes_gcm::{
    Aes256Gcm, KeyInit, Nonce,
    aead::{Aead, Payload},
};
use subtle::ConstantTimeEq;

use crate::{
    Error,
    format::{CHUNK_LOG2_RANGE, DEFAULT_CHUNK_LOG2, HEADER_LEN, Header, SALT_LEN, TAG_LEN},
    key::{MasterKey, NONCE_PREFIX_LEN},
};

/// The chunk cipher of one file: the AES-256-GCM key, the nonce prefix and the header (every
/// chunk's associated data).
struct ChunkCipher {
    cipher: Aes256Gcm,
    nonce_prefix: [u8; NONCE_PREFIX_LEN],
    header: [u8; HEADER_LEN],
    chunk: usize,
    index: u64,
}

impl ChunkCipher {
    fn new(key: &MasterKey, header: &Header) -> (Self, [u8; 16]) {
        let file = key.file_key(&header.salt);
        let cipher = Aes256Gcm::new_from_slice(&file.key).expect("a 32-byte AES-256 key");
        let this = Self {
            cipher,
            nonce_prefix: file.nonce_prefix,
            header: header.to_bytes(),
            chunk: 1 << header.chunk_log2,
            index: 0,
        };
        (this, file.key_check)
    }

    /// nonce = prefix (7) ‖ chunk index (u32, big-endian) ‖ 1 for the last chunk, else 0.
    fn nonce(&self, last: bool) -> Result<[u8; 12], Error> {
        let index = u32::try_from(self.index).map_err(|_| Error::TooLarge)?;
        let mut nonce = [0u8; 12];
        nonce[..NONCE_PREFIX_LEN].copy_from_slice(&self.nonce_prefix);
        nonce[NONCE_PREFIX_LEN..11].copy_from_slice(&index.to_be_bytes());
        nonce[11] = u8::from(last);
        Ok(nonce)
    }

    fn seal(&mut self, plain: &[u8], last: bool, out: &mut Vec<u8>) -> Result<(), Error> {
        let nonce = self.nonce(last)?;
        let sealed = self
            .cipher
            .encrypt(&Nonce::from(nonce), Payload { msg: plain, aad: &self.header })
            .map_err(|_| Error::TooLarge)?;
        out.extend_from_slice(&sealed);
        self.index += 1;
        Ok(())
    }

    fn open(&self, sealed: &[u8], last: bool) -> Option<Vec<u8>> {
        let nonce = self.nonce(last).ok()?;
        self.cipher.decrypt(&Nonce::from(nonce), Payload { msg: sealed, aad: &self.header }).ok()
    }
}

/// Encrypts one file.
pub struct Encryptor {
    cipher: ChunkCipher,
    pending: Vec<u8>,
    header_sent: bool,
}

impl Encryptor {
    /// A new file under `key`: a random salt, 64 KiB chunks.
    ///
    /// # Errors
    /// [`Error::Random`] if the system has no randomness.
    pub fn new(key: &MasterKey) -> Result<Self, Error> {
        let mut salt = [0u8; SALT_LEN];
        getrandom::fill(&mut salt).map_err(|e| Error::Random(e.to_string()))?;
        Self::with_salt(key, salt, DEFAULT_CHUNK_LOG2)
    }

    /// A new file with a given salt and chunk size. The salt must never repeat under one key
    /// (use [`Encryptor::new`]); this exists for the shared test vectors.
    ///
    /// # Errors
    /// [`Error::MalformedHeader`] for a chunk size outside 2^10 to 2^24.
    pub fn with_salt(key: &MasterKey, salt: [u8; SALT_LEN], chunk_log2: u8) -> Result<Self, Error> {
        if !CHUNK_LOG2_RANGE.contains(&chunk_log2) {
            return Err(Error::MalformedHeader("chunk size outside 2^10 to 2^24"));
        }
        let mut header = Header { chunk_log2, salt, key_check: [0; 16] };
        let (mut cipher, key_check) = ChunkCipher::new(key, &header);
        header.key_check = key_check;
        cipher.header = header.to_bytes();
        Ok(Self { pending: Vec::with_capacity(cipher.chunk), cipher, header_sent: false })
    }

    /// The file's header (the first bytes of the ciphertext).
    pub fn header(&self) -> [u8; HEADER_LEN] {
        self.cipher.header
    }

    fn send_header(&mut self, out: &mut Vec<u8>) {
        if !self.header_sent {
            out.extend_from_slice(&self.cipher.header);
            self.header_sent = true;
        }
    }

    /// Takes more plaintext; appends to `out` the header (once) and every chunk that is
    /// known not to be the last.
    ///
    /// # Errors
    /// [`Error::TooLarge`] past 2^32 chunks.
    pub fn update(&mut self, mut plain: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        self.send_header(out);
        let chunk = self.cipher.chunk;
        while !plain.is_empty() {
            if self.pending.len() == chunk {
                let full = std::mem::take(&mut self.pending);
                self.cipher.seal(&full, false, out)?;
                self.pending = full;
                self.pending.clear();
            }
            let take = (chunk - self.pending.len()).min(plain.len());
            self.pending.extend_from_slice(&plain[..take]);
            plain = &plain[take..];
        }
        Ok(())
    }

    /// Ends the plaintext: appends the header (if no `update` sent it) and the last chunk.
    ///
    /// # Errors
    /// [`Error::TooLarge`] past 2^32 chunks.
    pub fn finish(mut self, out: &mut Vec<u8>) -> Result<(), Error> {
        self.send_header(out);
        let last = std::mem::take(&mut self.pending);
        self.cipher.seal(&last, true, out)
    }
}

/// Decrypts one file.
pub struct Decryptor {
    key: MasterKey,
    header: Vec<u8>,
    cipher: Option<ChunkCipher>,
    pending: Vec<u8>,
}

impl Decryptor {
    /// A decryptor for files under `key`.
    pub fn new(key: &MasterKey) -> Self {
        Self {
            key: key.clone(),
            header: Vec::with_capacity(HEADER_LEN),
            cipher: None,
            pending: Vec::new(),
        }
    }

    /// Takes more ciphertext; appends to `out` the plaintext of every chunk known not to be
    /// the last.
    ///
    /// # Errors
    /// [`Error::NotPxCiphertext`], [`Error::UnsupportedVersion`], [`Error::MalformedHeader`],
    /// [`Error::WrongKey`] (all from the header), [`Error::Corrupted`].
    pub fn update(&mut self, mut data: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        if self.cipher.is_none() {
            let take = (HEADER_LEN - self.header.len()).min(data.len());
            self.header.extend_from_slice(&data[..take]);
            data = &data[take..];
            // Fails as soon as the bytes cannot be a header (plain bytes, unknown versions).
            match Header::parse(&self.header) {
                Err(Error::Truncated) => {}
                Err(e) => return Err(e),
                Ok(header) => self.start(&header)?,
            }
            if self.cipher.is_none() {
                return Ok(());
            }
        }
        let Some(cipher) = self.cipher.as_mut() else { return Ok(()) };
        let sealed = cipher.chunk + TAG_LEN;
        while !data.is_empty() {
            if self.pending.len() == sealed {
                let plain =
                    cipher.open(&self.pending, false).ok_or(Error::Corrupted(cipher.index))?;
                out.extend_from_slice(&plain);
                cipher.index += 1;
                self.pending.clear();
            }
            let take = (sealed - self.pending.len()).min(data.len());
            self.pending.extend_from_slice(&data[..take]);
            data = &data[take..];
        }
        Ok(())
    }

    fn start(&mut self, header: &Header) -> Result<(), Error> {
        let (cipher, key_check) = ChunkCipher::new(&self.key, header);
        if !bool::from(key_check.ct_eq(&header.key_check)) {
            return Err(Error::WrongKey);
        }
        self.pending = Vec::with_capacity(cipher.chunk + TAG_LEN);
        self.cipher = Some(cipher);
        Ok(())
    }

    /// Ends the ciphertext: appends the last chunk's plaintext.
    ///
    /// # Errors
    /// [`Error::Truncated`] when the header, chunks or the end of the last chunk are missing;
    /// [`Error::Corrupted`] when the last chunk does not authenticate; the header's errors as
    /// in [`Decryptor::update`].
    pub fn finish(self, out: &mut Vec<u8>) -> Result<(), Error> {
        let Some(cipher) = self.cipher else {
            // No complete header: an empty input is no ciphertext, a header's prefix is cut.
            return Err(if self.header.is_empty() {
                Error::NotPxCiphertext
            } else {
                Error::Truncated
            });
        };
        if self.pending.len() < TAG_LEN {
            return Err(Error::Truncated);
        }
        if let Some(plain) = cipher.open(&self.pending, true) {
            out.extend_from_slice(&plain);
            return Ok(());
        }
        let full = self.pending.len() == cipher.chunk + TAG_LEN;
        if full && cipher.open(&self.pending, false).is_some() {
            return Err(Error::Truncated);
        }
        Err(Error::Corrupted(cipher.index))
    }
}

/// What the `Read` and `Stream` adapters drive: [`Encryptor`] or [`Decryptor`].
pub(crate) trait Core {
    fn update(&mut self, data: &[u8], out: &mut Vec<u8>) -> Result<(), Error>;
    fn finish(self, out: &mut Vec<u8>) -> Result<(), Error>;
}

impl Core for Encryptor {
    fn update(&mut self, data: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        Encryptor::update(self, data, out)
    }
    fn finish(self, out: &mut Vec<u8>) -> Result<(), Error> {
        Encryptor::finish(self, out)
    }
}

impl Core for Decryptor {
    fn update(&mut self, data: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        Decryptor::update(self, data, out)
    }
    fn finish(self, out: &mut Vec<u8>) -> Result<(), Error> {
        Decryptor::finish(self, out)
    }
}

/// Encrypts a whole plaintext in memory (tests and small files; streams use [`Encryptor`]).
///
/// # Errors
/// As [`Encryptor::new`].
pub fn encrypt(key: &MasterKey, plain: &[u8]) -> Result<Vec<u8>, Error> {
    let mut enc = Encryptor::new(key)?;
    // The plaintext, the header and a tag per 64 KiB chunk.
    let mut out = Vec::with_capacity(plain.len() + plain.len() / 4096 + 72);
    enc.update(plain, &mut out)?;
    enc.finish(&mut out)?;
    Ok(out)
}

/// Decrypts a whole ciphertext in memory.
///
/// # Errors
/// As [`Decryptor::update`] and [`Decryptor::finish`].
pub fn decrypt(key: &MasterKey, sealed: &[u8]) -> Result<Vec<u8>, Error> {
    let mut dec = Decryptor::new(key);
    let mut out = Vec::with_capacity(sealed.len());
    dec.update(sealed, &mut out)?;
    dec.finish(&mut out)?;
    Ok(out)
}
