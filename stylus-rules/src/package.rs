//! How a module is packaged for deployment, as cargo-stylus 0.10.10 does it
//! (`stylus-tools/src/core/code/`): compressed whole; one classic program when the prefixed
//! compressed module fits in `MaxCodeSize`, otherwise the compressed bytes cut into fragments
//! of `MaxCodeSize - 3` bytes (each behind the 3-byte fragment prefix) and a root naming them.

use crate::{
    arbos::{MAX_CODE_SIZE, StylusParams},
    code::{self, ADDRESS_LEN, Address20, FRAGMENT_PREFIX, ROOT_HEADER_LEN, Root},
};

/// Compressed bytes one fragment carries.
pub const FRAGMENT_PAYLOAD: usize = MAX_CODE_SIZE - FRAGMENT_PREFIX.len();

/// A module ready to deploy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Package {
    /// One account: `EF F0 00 00` and the compressed module.
    Classic(Vec<u8>),
    /// Fragments to deploy first, then a root naming them.
    Fragmented {
        /// Length of the decompressed module (the root declares it).
        wasm_len: u32,
        /// Each fragment's code, in order.
        fragments: Vec<Vec<u8>>,
    },
}

impl Package {
    /// Packages `wasm` as cargo-stylus does.
    ///
    /// # Panics
    /// When `wasm` is 4 GiB or more (no such module can be activated).
    pub fn new(wasm: &[u8]) -> Self {
        let compressed = code::compress(wasm);
        if compressed.len() + 4 <= MAX_CODE_SIZE {
            return Self::Classic(code::classic_code(&compressed));
        }
        Self::Fragmented {
            wasm_len: u32::try_from(wasm.len()).expect("a module below 4 GiB"),
            fragments: compressed.chunks(FRAGMENT_PAYLOAD).map(code::fragment_code).collect(),
        }
    }

    /// The root naming fragments deployed at `addresses` (in order).
    ///
    /// # Panics
    /// For a classic package (it has no root).
    pub fn root(&self, addresses: Vec<Address20>) -> Vec<u8> {
        let Self::Fragmented { wasm_len, fragments } = self else {
            panic!("a classic program has no root");
        };
        assert_eq!(addresses.len(), fragments.len(), "one address per fragment");
        Root::new(*wasm_len, addresses).encode()
    }

    /// Code bytes of the root (0 for a classic program).
    pub fn root_len(&self) -> usize {
        match self {
            Self::Classic(_) => 0,
            Self::Fragmented { fragments, .. } => ROOT_HEADER_LEN + ADDRESS_LEN * fragments.len(),
        }
    }

    /// Code bytes of each account holding compressed module: the classic program, or each
    /// fragment.
    pub fn part_lens(&self) -> Vec<usize> {
        match self {
            Self::Classic(code) => vec![code.len()],
            Self::Fragmented { fragments, .. } => fragments.iter().map(Vec::len).collect(),
        }
    }

    /// Code bytes on chain in all (program or fragments, plus the root).
    pub fn total_len(&self) -> usize {
        self.part_lens().iter().sum::<usize>() + self.root_len()
    }

    /// Why `params` cannot hold this package, if it cannot (the size rules; activation checks
    /// the module itself).
    pub fn refusal(&self, params: &StylusParams) -> Option<String> {
        let Self::Fragmented { fragments, .. } = self else { return None };
        if !params.fragments() {
            return Some(format!(
                "{} bytes compressed: above the {MAX_CODE_SIZE}-byte limit of one program, \
                 and ArbOS {} has no fragments",
                self.part_lens().iter().sum::<usize>(),
                params.arbos_version
            ));
        }
        if fragments.len() > usize::from(params.max_fragment_count) {
            return Some(format!(
                "{} fragments: above MaxFragmentCount {}",
                fragments.len(),
                params.max_fragment_count
            ));
        }
        None
    }
}

/// The module as cargo-stylus 0.10.10 deploys it: custom sections stripped and a 32-byte
/// `project_hash` custom section appended (here a hash of the module stands in for the
/// project's: incompressible either way). cargo-stylus also re-encodes the module through its
/// text form, which this does not; measured against `cargo stylus check`, the result errs high
/// by a few dozen bytes.
pub fn as_cargo_stylus_deploys(wasm: &[u8], project_hash: [u8; 32]) -> Vec<u8> {
    let mut out = Vec::with_capacity(wasm.len() + 47);
    out.extend_from_slice(b"\0asm\x01\0\0\0");
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        let Ok(payload) = payload else { return wasm.to_vec() };
        match payload.as_section() {
            Some((0, _)) | None => {}
            Some((id, range)) => {
                let start = usize::try_from(range.start).unwrap_or(usize::MAX);
                let end = usize::try_from(range.end).unwrap_or(usize::MAX);
                section(&mut out, id, &wasm[start..end]);
            }
        }
    }
    // The custom section's name, behind its length (12).
    let mut body = b"\x0cproject_hash".to_vec();
    body.extend_from_slice(&project_hash);
    section(&mut out, 0, &body);
    out
}

/// Appends a section: its id, its length (LEB128) and its contents.
fn section(out: &mut Vec<u8>, id: u8, contents: &[u8]) {
    out.push(id);
    let mut len = contents.len();
    loop {
        let byte = u8::try_from(len & 0x7f).expect("seven bits");
        len >>= 7;
        if len == 0 {
            out.push(byte);
            break;
        }
        out.push(byte | 0x80);
    }
    out.extend_from_slice(contents);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::incompressible;

    #[test]
    fn a_small_module_is_one_classic_program() {
        let package = Package::new(&[0u8; 1_000]);
        assert!(matches!(&package, Package::Classic(code) if code[..4] == [0xEF, 0xF0, 0, 0]));
        assert_eq!(package.root_len(), 0);
        assert_eq!(package.refusal(&StylusParams::for_arbos(51).unwrap()), None);
    }

    #[test]
    fn a_large_module_is_cut_into_full_fragments_and_a_root() {
        let wasm = incompressible(60_000, 1);
        let package = Package::new(&wasm);
        let lens = package.part_lens();
        assert_eq!(lens.len(), 3);
        assert_eq!(lens[..2], [MAX_CODE_SIZE, MAX_CODE_SIZE], "full fragments first");
        assert_eq!(package.root_len(), 8 + 3 * 20);
        let root = package.root(vec![[1; 20], [2; 20], [3; 20]]);
        assert_eq!(Root::parse(&root).unwrap().decompressed_len, 60_000);
        assert_eq!(package.refusal(&StylusParams::for_arbos(61).unwrap()), None);
        let refusal = package.refusal(&StylusParams::for_arbos(51).unwrap()).unwrap();
        assert!(refusal.contains("ArbOS 51 has no fragments"), "{refusal}");
    }

    #[test]
    fn error_when_a_package_needs_a_fifth_fragment() {
        let package = Package::new(&incompressible(4 * FRAGMENT_PAYLOAD + 100, 1));
        let refusal = package.refusal(&StylusParams::for_arbos(61).unwrap()).unwrap();
        assert_eq!(refusal, "5 fragments: above MaxFragmentCount 4");
    }

    #[test]
    fn cargo_stylus_strips_custom_sections_and_adds_the_project_hash() {
        let wasm = wat::parse_str(
            r#"(module (@custom "junk" "0123456789") (memory (export "memory") 1 1)
                 (func (export "user_entrypoint") (param i32) (result i32) i32.const 0))"#,
        )
        .unwrap();
        let deployed = as_cargo_stylus_deploys(&wasm, [7; 32]);
        assert!(!deployed.windows(4).any(|w| w == b"junk"));
        assert!(deployed.ends_with(&[7; 32]));
        assert_eq!(deployed.len(), wasm.len() - (2 + 5 + 10) + (2 + 13 + 32));
        wasmparser::Validator::new().validate_all(&deployed).unwrap();
    }
}
