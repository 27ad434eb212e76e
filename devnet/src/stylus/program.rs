//! Stylus code on this chain: the encoding is `stylus-rules`' (prefix + brotli, and from ArbOS
//! 60 a root naming up to four fragments); this module adds the chain's side of it: compressing
//! programs once per process for deployments, and reading a program's module back from state.

use std::sync::{Mutex, OnceLock, PoisonError};

use revm::{
    context::{ContextTr, JournalTr},
    primitives::{Address, B256, HashMap, keccak256},
};
use stylus_rules::{
    StylusParams,
    code::{self, CodeError, Purpose},
    package::Package,
};

use crate::evm::{Ctx, infallible};

pub use px_abi::arbitrum::init_code;
pub use stylus_rules::code::{is_program, may_deploy};

/// `wasm` packaged as cargo-stylus deploys it: one classic program (`EFF000`, no dictionary,
/// brotli at quality 11 with the encoder cargo-stylus uses) when it fits in 24,576 bytes, else
/// fragments and a root. Results are remembered for the life of the process: quality 11 is
/// slow and tests deploy the same programs again and again.
pub fn package(wasm: &[u8]) -> Package {
    static CACHE: OnceLock<Mutex<HashMap<B256, Package>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Mutex::default);
    let key = keccak256(wasm);
    if let Some(package) = cache.lock().unwrap_or_else(PoisonError::into_inner).get(&key) {
        return package.clone();
    }
    let package = Package::new(wasm);
    cache.lock().unwrap_or_else(PoisonError::into_inner).insert(key, package.clone());
    package
}

/// The code of `wasm` as one classic program, however large (a program over 24,576 bytes
/// cannot be deployed this way: what a chain refuses).
pub fn classic(wasm: &[u8]) -> Vec<u8> {
    match package(wasm) {
        Package::Classic(code) => code,
        Package::Fragmented { .. } => code::classic_code(&code::compress(wasm)),
    }
}

/// The module in `code` as a call reads it: a root's fragments are read from state without
/// gas (activation paid for reading them and checked the root's limits).
pub(crate) fn module_of(
    ctx: &mut Ctx,
    code: &[u8],
    params: &StylusParams,
) -> Result<Vec<u8>, CodeError> {
    code::decode(code, params, Purpose::Call, |address| {
        Some(infallible(ctx.journal_mut().code(Address::from(address))).data.to_vec())
    })
}
