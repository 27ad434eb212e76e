//! How a Stylus program is stored in account code, and how nitro reads it back
//! (`core/state/statedb_arbitrum.go` in Offchain Labs' go-ethereum, `getWasmFromContractCode`
//! in nitro's `arbos/programs/programs.go`).
//!
//! - A classic program: `EF F0 00`, a dictionary byte, then the brotli-compressed module.
//! - From ArbOS 60, a large program is a root and up to `MaxFragmentCount` fragments, each in its
//!   own account: the root is `EF F0 02`, a dictionary byte, the decompressed length (4 bytes,
//!   big-endian) and the fragments' 20-byte addresses in order; a fragment is `EF F0 01` followed
//!   by its slice of the compressed module. Activation concatenates the slices and decompresses
//!   them; a call runs the root (the program's code hash is the root's).
//!
//! Errors carry nitro's own messages.

use std::io::Read;

use thiserror::Error;

use crate::arbos::StylusParams;

/// First bytes of a classic program.
pub const CLASSIC_PREFIX: [u8; 3] = [0xEF, 0xF0, 0x00];
/// First bytes of a fragment.
pub const FRAGMENT_PREFIX: [u8; 3] = [0xEF, 0xF0, 0x01];
/// First bytes of a root.
pub const ROOT_PREFIX: [u8; 3] = [0xEF, 0xF0, 0x02];
/// Dictionary byte for "compressed without a dictionary" (what cargo-stylus produces).
pub const NO_DICTIONARY: u8 = 0x00;
/// Dictionary byte for nitro's built-in Stylus dictionary (not public, so not supported here).
pub const STYLUS_DICTIONARY: u8 = 0x01;
/// Brotli quality cargo-stylus and nitro compress programs with.
pub const BROTLI_QUALITY: u32 = 11;
/// Bytes a root holds before its first fragment address.
pub const ROOT_HEADER_LEN: usize = 8;
/// Bytes of an address in a root.
pub const ADDRESS_LEN: usize = 20;

/// A 20-byte account address.
pub type Address20 = [u8; ADDRESS_LEN];

/// Why code is not a program that can be read (nitro's messages).
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum CodeError {
    /// Not Stylus code at all (`ProgramNotWasm()`).
    #[error("ProgramNotWasm")]
    NotWasm,
    /// A root or fragment before ArbOS 60, where only classic programs exist.
    #[error("specified bytecode is not a Stylus program")]
    NotClassic,
    /// Activation of a fragment's own address.
    #[error(
        "fragmented stylus programs cannot be activated directly; activate the root program instead"
    )]
    FragmentActivated,
    /// A root shorter than its header.
    #[error("stylus program root too short: need at least 8 bytes, got {0}")]
    RootTooShort(usize),
    /// A root whose address list is not a whole number of addresses.
    #[error("stylus program root address data has invalid length: {0} (must be multiple of 20)")]
    RootAddresses(usize),
    /// The root declares a module larger than `MaxWasmSize`.
    #[error("invalid wasm: decompressedLength {declared} is greater then MaxWasmSize {max}")]
    DeclaredTooLarge {
        /// The root's decompressed length.
        declared: u32,
        /// `MaxWasmSize`.
        max: u32,
    },
    /// More fragments than `MaxFragmentCount`.
    #[error("invalid wasm: fragment count exceeds limit of {0}")]
    TooManyFragments(u8),
    /// A root naming no fragment.
    #[error("invalid wasm: fragment count cannot be zero")]
    NoFragments,
    /// An address a root names does not hold a fragment.
    #[error("specified bytecode is not a Stylus program fragment")]
    NotFragment,
    /// Reading a fragment ran out of gas.
    #[error("out of gas reading a fragment")]
    OutOfGas,
    /// A dictionary nitro does not know.
    #[error("unsupported dictionary type: {0}")]
    UnknownDictionary(u8),
    /// Nitro's own dictionary, which is not public.
    #[error(
        "brotli dictionary 1 (nitro's Stylus program dictionary) is not public and not supported here"
    )]
    StylusDictionary,
    /// The module decompresses to more than the limit.
    #[error("output won't fit in maxsize")]
    WontFit,
    /// Not valid brotli.
    #[error("failed decompression: {0}")]
    Decompress(String),
    /// A root's module decompresses to another length than it declares.
    #[error("invalid wasm: decompressed length {got} does not match expected length {want}")]
    LengthMismatch {
        /// Bytes decompressed.
        got: usize,
        /// The root's decompressed length.
        want: u32,
    },
}

/// What account code is, as far as Stylus is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `EF F0 00` and more.
    Classic,
    /// `EF F0 02` and more.
    Root,
    /// `EF F0 01` and more.
    Fragment,
    /// Anything else (EVM bytecode, or nothing).
    Other,
}

/// The kind of `code` (each prefix needs at least one byte after it, as nitro's checks do).
pub fn kind(code: &[u8]) -> Kind {
    let after = |prefix: &[u8]| code.len() > prefix.len() && code.starts_with(prefix);
    if after(&CLASSIC_PREFIX) {
        Kind::Classic
    } else if after(&ROOT_PREFIX) {
        Kind::Root
    } else if after(&FRAGMENT_PREFIX) {
        Kind::Fragment
    } else {
        Kind::Other
    }
}

/// Whether `code` runs as a Stylus program under `params` (a classic program, or a root from
/// ArbOS 60); any other code runs as EVM bytecode.
pub fn is_program(code: &[u8], params: &StylusParams) -> bool {
    match kind(code) {
        Kind::Classic => true,
        Kind::Root => params.fragments(),
        Kind::Fragment | Kind::Other => false,
    }
}

/// Whether a create may store `code` although it starts with `0xEF` (EIP-3541): Stylus code of
/// a kind `params` knows.
pub fn may_deploy(code: &[u8], params: &StylusParams) -> bool {
    match kind(code) {
        Kind::Classic => true,
        Kind::Root | Kind::Fragment => params.fragments(),
        Kind::Other => false,
    }
}

/// `wasm` compressed as cargo-stylus does: the C brotli encoder at quality 11, window 22.
///
/// # Panics
/// Never: compressing from memory into memory cannot fail.
pub fn compress(wasm: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(wasm.len() / 2);
    brotli2::read::BrotliEncoder::new(wasm, BROTLI_QUALITY)
        .read_to_end(&mut out)
        .expect("compressing from memory cannot fail");
    out
}

/// The code of a classic program holding `compressed`.
pub fn classic_code(compressed: &[u8]) -> Vec<u8> {
    let mut code = Vec::with_capacity(compressed.len() + 4);
    code.extend_from_slice(&CLASSIC_PREFIX);
    code.push(NO_DICTIONARY);
    code.extend_from_slice(compressed);
    code
}

/// The code of a fragment holding `chunk` of a compressed module.
pub fn fragment_code(chunk: &[u8]) -> Vec<u8> {
    let mut code = Vec::with_capacity(chunk.len() + FRAGMENT_PREFIX.len());
    code.extend_from_slice(&FRAGMENT_PREFIX);
    code.extend_from_slice(chunk);
    code
}

/// A root: the dictionary, the module's decompressed length and where its fragments are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Root {
    /// Dictionary byte.
    pub dictionary: u8,
    /// Length of the decompressed module.
    pub decompressed_len: u32,
    /// Fragment addresses, in order.
    pub fragments: Vec<Address20>,
}

impl Root {
    /// A root without a dictionary.
    pub fn new(decompressed_len: u32, fragments: Vec<Address20>) -> Self {
        Self { dictionary: NO_DICTIONARY, decompressed_len, fragments }
    }

    /// Reads a root (nitro's `NewStylusRoot`).
    ///
    /// # Panics
    /// Never: the lengths are checked first.
    pub fn parse(code: &[u8]) -> Result<Self, CodeError> {
        if kind(code) != Kind::Root {
            return Err(CodeError::NotWasm);
        }
        if code.len() < ROOT_HEADER_LEN {
            return Err(CodeError::RootTooShort(code.len()));
        }
        let addresses = &code[ROOT_HEADER_LEN..];
        if !addresses.len().is_multiple_of(ADDRESS_LEN) {
            return Err(CodeError::RootAddresses(addresses.len()));
        }
        let len = u32::from_be_bytes(code[4..8].try_into().expect("4 bytes"));
        let fragments =
            addresses.chunks_exact(ADDRESS_LEN).map(|a| a.try_into().expect("20 bytes")).collect();
        Ok(Self { dictionary: code[3], decompressed_len: len, fragments })
    }

    /// The root's code.
    pub fn encode(&self) -> Vec<u8> {
        let mut code = Vec::with_capacity(ROOT_HEADER_LEN + ADDRESS_LEN * self.fragments.len());
        code.extend_from_slice(&ROOT_PREFIX);
        code.push(self.dictionary);
        code.extend_from_slice(&self.decompressed_len.to_be_bytes());
        for address in &self.fragments {
            code.extend_from_slice(address);
        }
        code
    }
}

/// Whether the module is read for activation (the root's limits are enforced) or for a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// `ArbWasm.activateProgram`.
    Activation,
    /// Running an activated program.
    Call,
}

/// The decompressed module stored in `code`, as nitro reads it. `read_fragment` returns the
/// code at a fragment address, or `None` when reading it cannot be paid for (activation charges
/// an account access and a copy per fragment).
pub fn decode(
    code: &[u8],
    params: &StylusParams,
    purpose: Purpose,
    read_fragment: impl FnMut(Address20) -> Option<Vec<u8>>,
) -> Result<Vec<u8>, CodeError> {
    match kind(code) {
        Kind::Classic => {
            dictionary(code[3])?;
            decompress(&code[4..], params.max_wasm_size as usize)
        }
        Kind::Root | Kind::Fragment if !params.fragments() => Err(CodeError::NotClassic),
        Kind::Root => decode_root(&Root::parse(code)?, params, purpose, read_fragment),
        Kind::Fragment => Err(CodeError::FragmentActivated),
        Kind::Other if code.is_empty() || params.fragments() => Err(CodeError::NotWasm),
        Kind::Other => Err(CodeError::NotClassic),
    }
}

fn decode_root(
    root: &Root,
    params: &StylusParams,
    purpose: Purpose,
    mut read_fragment: impl FnMut(Address20) -> Option<Vec<u8>>,
) -> Result<Vec<u8>, CodeError> {
    if purpose == Purpose::Activation {
        if root.decompressed_len > params.max_wasm_size {
            return Err(CodeError::DeclaredTooLarge {
                declared: root.decompressed_len,
                max: params.max_wasm_size,
            });
        }
        if root.fragments.len() > usize::from(params.max_fragment_count) {
            return Err(CodeError::TooManyFragments(params.max_fragment_count));
        }
    }
    if root.fragments.is_empty() {
        return Err(CodeError::NoFragments);
    }
    let mut compressed = Vec::new();
    for address in &root.fragments {
        let fragment = read_fragment(*address).ok_or(CodeError::OutOfGas)?;
        if kind(&fragment) != Kind::Fragment {
            return Err(CodeError::NotFragment);
        }
        compressed.extend_from_slice(&fragment[FRAGMENT_PREFIX.len()..]);
    }
    dictionary(root.dictionary)?;
    let wasm = decompress(&compressed, root.decompressed_len as usize)?;
    if wasm.len() != root.decompressed_len as usize {
        return Err(CodeError::LengthMismatch { got: wasm.len(), want: root.decompressed_len });
    }
    Ok(wasm)
}

fn dictionary(id: u8) -> Result<(), CodeError> {
    match id {
        NO_DICTIONARY => Ok(()),
        STYLUS_DICTIONARY => Err(CodeError::StylusDictionary),
        other => Err(CodeError::UnknownDictionary(other)),
    }
}

/// Decompresses `compressed` into at most `max` bytes (a compression bomb stops at the limit).
pub fn decompress(compressed: &[u8], max: usize) -> Result<Vec<u8>, CodeError> {
    let mut wasm = Vec::new();
    brotli2::read::BrotliDecoder::new(compressed)
        .take(max as u64 + 1)
        .read_to_end(&mut wasm)
        .map_err(|e| CodeError::Decompress(e.to_string()))?;
    if wasm.len() > max {
        return Err(CodeError::WontFit);
    }
    Ok(wasm)
}

/// The gas activation charges to read one fragment of `len` code bytes (nitro's
/// `fragmentReadGasCost`): an account access (2,600 cold, 100 warm) plus 3 gas per word copied.
pub fn fragment_read_gas(warm: bool, len: usize) -> u64 {
    let access = if warm { 100 } else { 2_600 };
    access + 3 * (len as u64).div_ceil(32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arbos::StylusParams;

    fn elara() -> StylusParams {
        StylusParams::for_arbos(61).unwrap()
    }

    fn dia() -> StylusParams {
        StylusParams::for_arbos(51).unwrap()
    }

    #[test]
    fn a_classic_program_round_trips() {
        let wasm = b"\0asm\x01\0\0\0 some bytes".repeat(10);
        let code = classic_code(&compress(&wasm));
        assert_eq!(code[..4], [0xEF, 0xF0, 0x00, 0x00]);
        assert_eq!(decode(&code, &dia(), Purpose::Call, |_| None).unwrap(), wasm);
    }

    #[test]
    fn a_root_names_its_fragments_in_order() {
        let root = Root::new(1_000, vec![[1; 20], [2; 20]]);
        let code = root.encode();
        assert_eq!(code[..8], [0xEF, 0xF0, 0x02, 0x00, 0, 0, 0x03, 0xE8]);
        assert_eq!(code.len(), 48);
        assert_eq!(Root::parse(&code).unwrap(), root);
    }

    #[test]
    fn activation_reassembles_the_fragments() {
        let wasm: Vec<u8> = (0..4_000u32).flat_map(u32::to_le_bytes).collect();
        let compressed = compress(&wasm);
        let (a, b) = compressed.split_at(compressed.len() / 2);
        let fragments = [fragment_code(a), fragment_code(b)];
        let len = u32::try_from(wasm.len()).unwrap();
        let root = Root::new(len, vec![[1; 20], [2; 20]]).encode();
        let read = |addr: Address20| Some(fragments[usize::from(addr[0]) - 1].clone());
        assert_eq!(decode(&root, &elara(), Purpose::Activation, read).unwrap(), wasm);
    }

    #[test]
    fn error_when_a_root_names_five_fragments() {
        let root = Root::new(10, vec![[1; 20]; 5]).encode();
        let err = decode(&root, &elara(), Purpose::Activation, |_| None).unwrap_err();
        assert_eq!(err.to_string(), "invalid wasm: fragment count exceeds limit of 4");
    }

    #[test]
    fn error_when_a_root_names_code_that_is_not_a_fragment() {
        let root = Root::new(10, vec![[1; 20]]).encode();
        let classic = classic_code(&compress(b"\0asm"));
        let err = decode(&root, &elara(), Purpose::Activation, |_| Some(classic.clone()));
        assert_eq!(
            err.unwrap_err().to_string(),
            "specified bytecode is not a Stylus program fragment"
        );
    }

    #[test]
    fn error_when_a_root_declares_more_than_max_wasm_size() {
        let root = Root::new(256 * 1024 + 1, vec![[1; 20]]).encode();
        let err = decode(&root, &elara(), Purpose::Activation, |_| None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid wasm: decompressedLength 262145 is greater then MaxWasmSize 262144"
        );
    }

    #[test]
    fn error_when_fragments_hold_more_than_the_root_declares() {
        let compressed = compress(&[7u8; 5_000]);
        let root = Root::new(4_999, vec![[1; 20]]).encode();
        let err =
            decode(&root, &elara(), Purpose::Activation, |_| Some(fragment_code(&compressed)));
        assert_eq!(err, Err(CodeError::WontFit));
    }

    #[test]
    fn error_when_a_fragment_is_activated_or_fragments_predate_elara() {
        let fragment = fragment_code(b"xx");
        assert_eq!(
            decode(&fragment, &elara(), Purpose::Activation, |_| None),
            Err(CodeError::FragmentActivated)
        );
        let root = Root::new(10, vec![[1; 20]]).encode();
        assert_eq!(
            decode(&root, &dia(), Purpose::Activation, |_| None),
            Err(CodeError::NotClassic)
        );
        assert!(!is_program(&root, &dia()) && is_program(&root, &elara()));
        assert!(!may_deploy(&fragment, &dia()) && may_deploy(&fragment, &elara()));
    }

    #[test]
    fn error_when_a_classic_program_is_over_max_wasm_size() {
        let code = classic_code(&compress(&vec![0u8; 128 * 1024 + 1]));
        assert_eq!(decode(&code, &dia(), Purpose::Call, |_| None), Err(CodeError::WontFit));
        assert_eq!(decode(&code, &elara(), Purpose::Call, |_| None).unwrap().len(), 131_073);
    }

    #[test]
    fn error_when_the_dictionary_is_unknown_or_the_bytes_are_not_brotli() {
        let mut code = classic_code(&compress(b"\0asm"));
        code[3] = 2;
        assert_eq!(
            decode(&code, &elara(), Purpose::Call, |_| None),
            Err(CodeError::UnknownDictionary(2))
        );
        let junk = [0xEF, 0xF0, 0x00, 0x00, 0xff, 0xff, 0xff];
        assert!(matches!(
            decode(&junk, &elara(), Purpose::Call, |_| None),
            Err(CodeError::Decompress(_))
        ));
        assert_eq!(
            decode(&[0x60, 0x00], &elara(), Purpose::Call, |_| None),
            Err(CodeError::NotWasm)
        );
    }

    #[test]
    fn reading_a_fragment_costs_an_access_and_a_copy() {
        assert_eq!(fragment_read_gas(false, 24_576), 2_600 + 3 * 768);
        assert_eq!(fragment_read_gas(true, 33), 100 + 6);
    }
}
