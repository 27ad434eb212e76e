//! `std::io::Read` adapters over [`Encryptor`] and [`Decryptor`]: read plaintext from a file,
//! get ciphertext (or the reverse), one chunk in memory at a time.

use std::io::Read;

use crate::{Decryptor, Encryptor, Error, key::MasterKey, seal::Core};

/// How much is read from the inner reader at a time.
const READ_SIZE: usize = 64 * 1024;

/// The work both adapters share: a sans-IO core fed from a reader, its output buffered.
struct Pump<R, C> {
    inner: R,
    core: Option<C>,
    buf: Vec<u8>,
    out: Vec<u8>,
    pos: usize,
}

impl<R: Read, C: Core> Pump<R, C> {
    fn new(inner: R, core: C) -> Self {
        Self { inner, core: Some(core), buf: vec![0; READ_SIZE], out: Vec::new(), pos: 0 }
    }

    fn read(&mut self, dest: &mut [u8]) -> std::io::Result<usize> {
        while self.pos == self.out.len() {
            self.out.clear();
            self.pos = 0;
            let Some(core) = self.core.as_mut() else { return Ok(0) };
            let n = self.inner.read(&mut self.buf)?;
            if n == 0 {
                if let Some(core) = self.core.take() {
                    core.finish(&mut self.out)?;
                }
            } else {
                core.update(&self.buf[..n], &mut self.out)?;
            }
        }
        let n = dest.len().min(self.out.len() - self.pos);
        dest[..n].copy_from_slice(&self.out[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Reads plaintext from `R`, yields `px-enc/1` ciphertext.
pub struct EncryptingReader<R>(Pump<R, Encryptor>);

impl<R: Read> EncryptingReader<R> {
    /// Encrypts `inner` under `key` with a fresh salt.
    ///
    /// # Errors
    /// [`Error::Random`] if the system has no randomness.
    pub fn new(key: &MasterKey, inner: R) -> Result<Self, Error> {
        Ok(Self(Pump::new(inner, Encryptor::new(key)?)))
    }
}

impl<R: Read> Read for EncryptingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}

/// Reads `px-enc/1` ciphertext from `R`, yields the plaintext; a failure is an
/// `io::ErrorKind::InvalidData` error carrying the [`Error`].
pub struct DecryptingReader<R>(Pump<R, Decryptor>);

impl<R: Read> DecryptingReader<R> {
    /// Decrypts `inner` with `key`.
    pub fn new(key: &MasterKey, inner: R) -> Self {
        Self(Pump::new(inner, Decryptor::new(key)))
    }
}

impl<R: Read> Read for DecryptingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}
