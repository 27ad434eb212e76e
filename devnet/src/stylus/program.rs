//! How Arbitrum stores a Stylus program in an account's code: `0xEFF000`, a dictionary byte,
//! then the WASM compressed with brotli. Only the "no dictionary" form (`0x00`), the one
//! cargo-stylus produces, is supported; nitro's built-in dictionary is not public.

use std::{
    io::{Read, Write},
    sync::{Mutex, OnceLock, PoisonError},
};

use revm::primitives::{B256, HashMap, keccak256};

use thiserror::Error;

/// The three bytes every Stylus program's code starts with.
pub const STYLUS_DISCRIMINANT: [u8; 3] = [0xEF, 0xF0, 0x00];
/// Dictionary byte for "compressed without a dictionary".
pub const NO_DICTIONARY: u8 = 0x00;
/// Largest uncompressed program activation accepts (Arbitrum's default `MaxWasmSize`).
pub const MAX_WASM_SIZE: usize = 128 * 1024;

/// Why code could not be read as a Stylus program.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ProgramError {
    /// The code does not start with `0xEFF000`.
    #[error("code is not a Stylus program (no 0xEFF000 prefix)")]
    NotStylus,
    /// The dictionary byte names a dictionary this chain does not have.
    #[error("unsupported brotli dictionary {0:#04x} (only 0x00, no dictionary, is supported)")]
    UnsupportedDictionary(u8),
    /// The compressed bytes are not valid brotli.
    #[error("program does not decompress: {0}")]
    Decompress(String),
    /// The uncompressed program is larger than [`MAX_WASM_SIZE`].
    #[error("uncompressed program is {0} bytes, above the {MAX_WASM_SIZE}-byte limit")]
    TooLarge(usize),
}

/// Bytes read from a decompressor: one over the limit is enough to know a program is too large.
const READ_LIMIT: u64 = MAX_WASM_SIZE as u64 + 1;

/// Whether `code` is (claims to be) a Stylus program.
pub fn is_stylus(code: &[u8]) -> bool {
    code.starts_with(&STYLUS_DISCRIMINANT)
}

/// The deployable code for `wasm`: prefix plus brotli (quality 11, window 22, as cargo-stylus).
/// Results are remembered for the life of the process: quality 11 is slow (a second for a
/// 60 KB program in a debug build) and tests deploy the same programs again and again.
pub fn compress(wasm: &[u8]) -> Vec<u8> {
    static CACHE: OnceLock<Mutex<HashMap<B256, Vec<u8>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Mutex::default);
    let key = keccak256(wasm);
    if let Some(code) = cache.lock().unwrap_or_else(PoisonError::into_inner).get(&key) {
        return code.clone();
    }
    let code = compress_uncached(wasm);
    cache.lock().unwrap_or_else(PoisonError::into_inner).insert(key, code.clone());
    code
}

fn compress_uncached(wasm: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(wasm.len() / 2 + 4);
    out.extend_from_slice(&STYLUS_DISCRIMINANT);
    out.push(NO_DICTIONARY);
    let mut writer = brotli::CompressorWriter::new(&mut out, 4096, 11, 22);
    // Writing into memory cannot fail.
    let written = writer.write_all(wasm);
    drop(writer);
    debug_assert!(written.is_ok());
    out
}

/// The WASM inside Stylus `code`, checked against the size limit while decompressing (so a
/// compression bomb stops at the limit).
pub fn decompress(code: &[u8]) -> Result<Vec<u8>, ProgramError> {
    if !is_stylus(code) || code.len() < 4 {
        return Err(ProgramError::NotStylus);
    }
    if code[3] != NO_DICTIONARY {
        return Err(ProgramError::UnsupportedDictionary(code[3]));
    }
    let mut wasm = Vec::new();
    brotli::Decompressor::new(&code[4..], 4096)
        .take(READ_LIMIT)
        .read_to_end(&mut wasm)
        .map_err(|e| ProgramError::Decompress(e.to_string()))?;
    if wasm.len() > MAX_WASM_SIZE {
        return Err(ProgramError::TooLarge(wasm.len()));
    }
    Ok(wasm)
}

pub use px_abi::arbitrum::init_code;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_a_program() {
        let wasm = b"\0asm\x01\0\0\0 some bytes".to_vec();
        let code = compress(&wasm);
        assert!(is_stylus(&code));
        assert_eq!(decompress(&code).unwrap(), wasm);
    }

    #[test]
    fn error_when_code_has_no_prefix() {
        assert_eq!(decompress(&[0x60, 0x00]), Err(ProgramError::NotStylus));
    }

    #[test]
    fn error_when_dictionary_is_unknown() {
        let mut code = compress(b"\0asm");
        code[3] = 0x01;
        assert_eq!(decompress(&code), Err(ProgramError::UnsupportedDictionary(1)));
    }

    #[test]
    fn error_when_program_is_too_large() {
        let code = compress(&vec![0u8; MAX_WASM_SIZE + 1]);
        assert_eq!(decompress(&code), Err(ProgramError::TooLarge(MAX_WASM_SIZE + 1)));
    }

    #[test]
    fn error_when_bytes_are_not_brotli() {
        let code = [0xEF, 0xF0, 0x00, 0x00, 0xff, 0xff, 0xff];
        assert!(matches!(decompress(&code), Err(ProgramError::Decompress(_))));
    }
}
