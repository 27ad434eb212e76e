//! A test host for Stylus programs that call other contracts.
//!
//! The SDK's `TestVM` keeps a single return-data buffer, filled when a call is *mocked* rather
//! than when it is made, so a method that makes several calls reads the answer of the last mock
//! for every one of them. [`CallHost`] wraps a `TestVM` (storage, sender, value, time, balances
//! and logs stay the `TestVM`'s) and changes only the calls:
//! - each call is answered by its own mock, matched on (kind, address, calldata, value);
//! - an unmocked call succeeds with no data, as a call to an account without code does;
//! - a static call to the `ecrecover` precompile (address 1) is computed for real, so a test of
//!   a signature check holds the program's digest against the true signer;
//! - every call is recorded, in order, for the test to inspect ([`CallHost::calls`]);
//! - every storage slot read or written is recorded ([`CallHost::slots_read`],
//!   [`CallHost::slots_written`]), so tests can pin the slots a function touches, which is
//!   what its gas depends on.
//!
//! Use it like a `TestVM`: `Program::from(&host)`, and through `Deref`, `host.set_sender(..)`.
//! [`call_router`] calls a program through its ABI router instead, with calldata built from
//! the published bindings, as a transaction would.
#![allow(unsafe_code)] // the SDK's host traits are `unsafe trait`s with raw-pointer methods

use std::{
    cell::RefCell,
    collections::{BTreeSet, HashMap},
    ops::Deref,
    rc::Rc,
    slice,
};

use alloy_primitives::{Address, B256, Signature, U256, address};
use alloy_sol_types::{SolCall, SolEvent};
use stylus_sdk::{
    ArbResult,
    abi::Router,
    host::VM,
    storage::StorageType,
    stylus_core::{
        AccountAccess, BlockAccess, CalldataAccess, ChainAccess, CryptographyAccess, Host,
        MemoryAccess, MessageAccess, MeteringAccess, RawLogAccess, StorageAccess, UnsafeCallAccess,
        UnsafeDeploymentAccess, ValueDenier, storage::TopLevelStorage,
    },
    testing::TestVM,
};

/// The `ecrecover` precompile.
pub const ECRECOVER: Address = address!("0x0000000000000000000000000000000000000001");

/// How a program called another contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CallKind {
    /// `CALL`, possibly with value.
    Call,
    /// `STATICCALL`.
    Static,
    /// `DELEGATECALL`.
    Delegate,
}

/// A call the program made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MadeCall {
    /// How it called.
    pub kind: CallKind,
    /// The callee.
    pub to: Address,
    /// The calldata.
    pub data: Vec<u8>,
    /// Wei sent (zero for static and delegate calls).
    pub value: U256,
}

type Answer = Result<Vec<u8>, Vec<u8>>;

/// Code standing in for a contract: it gets the host (to run other programs on the same state,
/// e.g. a receiver calling back) and the calldata, and answers like the contract would.
pub type Handler = Rc<dyn Fn(&CallHost, &[u8]) -> Answer>;

#[derive(Default)]
struct Calls {
    mocks: HashMap<(CallKind, Address, Vec<u8>, U256), Answer>,
    handlers: HashMap<Address, Handler>,
    made: Vec<MadeCall>,
    return_data: Vec<u8>,
    read: BTreeSet<U256>,
    written: BTreeSet<U256>,
}

/// A `TestVM` whose calls answer their own mocks (see the module docs).
#[derive(Clone, Default)]
pub struct CallHost {
    vm: TestVM,
    calls: Rc<RefCell<Calls>>,
}

impl Deref for CallHost {
    type Target = TestVM;

    fn deref(&self) -> &TestVM {
        &self.vm
    }
}

impl CallHost {
    /// A host over a fresh `TestVM`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Answers `CALL`s to `to` with exactly `data` and `value` with `answer` (`Err` = revert).
    ///
    /// NOTE: this shadows `TestVM::mock_call`, whose answers this host does not read.
    pub fn mock_call(&self, to: Address, data: Vec<u8>, value: U256, answer: Answer) {
        self.calls.borrow_mut().mocks.insert((CallKind::Call, to, data, value), answer);
    }

    /// Answers `STATICCALL`s to `to` with exactly `data` with `answer` (`Err` = revert).
    ///
    /// NOTE: this shadows `TestVM::mock_static_call`, whose answers this host does not read.
    pub fn mock_static_call(&self, to: Address, data: Vec<u8>, answer: Answer) {
        self.calls.borrow_mut().mocks.insert((CallKind::Static, to, data, U256::ZERO), answer);
    }

    /// Runs `handler` for every `CALL` to `to` that no mock answers (see [`Handler`]).
    pub fn on_call(&self, to: Address, handler: Handler) {
        self.calls.borrow_mut().handlers.insert(to, handler);
    }

    /// Every call made so far, in order.
    pub fn calls(&self) -> Vec<MadeCall> {
        self.calls.borrow().made.clone()
    }

    /// The calls made so far to `to`, in order.
    pub fn calls_to(&self, to: Address) -> Vec<MadeCall> {
        self.calls().into_iter().filter(|c| c.to == to).collect()
    }

    /// The logs emitted so far, decoded as `E` where they match its signature.
    ///
    /// # Panics
    /// If a log with `E`'s signature does not decode as `E`.
    pub fn events<E: SolEvent>(&self) -> Vec<E> {
        events(&self.vm)
    }

    /// Forgets the calls made and the slots touched so far (mocks stay).
    pub fn clear_calls(&self) {
        let mut calls = self.calls.borrow_mut();
        calls.made.clear();
        calls.read.clear();
        calls.written.clear();
    }

    /// The storage slots read since the last [`CallHost::clear_calls`].
    pub fn slots_read(&self) -> BTreeSet<U256> {
        self.calls.borrow().read.clone()
    }

    /// The storage slots written since the last [`CallHost::clear_calls`].
    pub fn slots_written(&self) -> BTreeSet<U256> {
        self.calls.borrow().written.clone()
    }

    /// How many distinct slots `run` reads and writes (calls and slots seen before are
    /// forgotten first).
    pub fn slots_touched(&self, run: impl FnOnce()) -> (usize, usize) {
        self.clear_calls();
        run();
        (self.slots_read().len(), self.slots_written().len())
    }

    /// Records a call and returns whether it succeeded and its answer's length.
    fn answer(&self, kind: CallKind, to: Address, data: &[u8], value: U256) -> (u8, usize) {
        let mut calls = self.calls.borrow_mut();
        calls.made.push(MadeCall { kind, to, data: data.to_vec(), value });
        let handler = calls.handlers.get(&to).filter(|_| kind == CallKind::Call).cloned();
        let answer = match calls.mocks.get(&(kind, to, data.to_vec(), value)) {
            Some(answer) => answer.clone(),
            None if kind == CallKind::Static && to == ECRECOVER => Ok(ecrecover(data)),
            None => match handler {
                Some(handler) => {
                    // The handler may call back into this host: no borrow may be held.
                    drop(calls);
                    let answer = handler(self, data);
                    calls = self.calls.borrow_mut();
                    answer
                }
                None => Ok(Vec::new()),
            },
        };
        let (status, bytes) = match answer {
            Ok(bytes) => (0, bytes),
            Err(bytes) => (1, bytes),
        };
        let len = bytes.len();
        calls.return_data = bytes;
        (status, len)
    }
}

/// Calls program `P` through its ABI router with `calldata`, as a transaction from the host's
/// sender with the host's value would.
pub fn route<P>(host: &CallHost, calldata: Vec<u8>) -> ArbResult
where
    P: Router<P, Storage = P> + StorageType + TopLevelStorage + ValueDenier,
{
    stylus_sdk::abi::router_entrypoint::<P, P>(calldata, VM { host: Box::new(host.clone()) })
}

/// Calls `call` on program `P` through its router and decodes the answer; `Err` is the revert
/// data.
///
/// # Panics
/// If the program answers something that does not decode as `C`'s return type.
pub fn call_router<P, C>(host: &CallHost, call: &C) -> Result<C::Return, Vec<u8>>
where
    P: Router<P, Storage = P> + StorageType + TopLevelStorage + ValueDenier,
    C: SolCall,
{
    let output = route::<P>(host, call.abi_encode())?;
    Ok(C::abi_decode_returns(&output).expect("the router answers the declared return type"))
}

/// The function signatures whose bindings (`abi::<name>Call`) `source` never names: a router
/// test that must call every published function checks its own source with this, so that it
/// fails when the interface grows.
///
/// # Panics
/// If a signature has no `(`.
pub fn uncalled<'a>(source: &str, signatures: &[&'a str]) -> Vec<&'a str> {
    signatures
        .iter()
        .copied()
        .filter(|signature| {
            let (name, _) = signature.split_once('(').expect("a function signature");
            !source.contains(&format!("abi::{name}Call"))
        })
        .collect()
}

/// An ed25519 peer id in its canonical bytes (wire formats): the identity multihash of the
/// protobuf public key, here `seed` repeated 32 times.
pub fn ed25519_key(seed: u8) -> Vec<u8> {
    let mut key = vec![0x00, 0x24, 0x08, 0x01, 0x12, 0x20];
    key.extend_from_slice(&[seed; 32]);
    key
}

/// The logs `vm` emitted so far, decoded as `E` where they match its signature.
///
/// # Panics
/// If a log with `E`'s signature does not decode as `E`.
pub fn events<E: SolEvent>(vm: &TestVM) -> Vec<E> {
    vm.get_emitted_logs()
        .iter()
        .filter(|(topics, _)| topics.first() == Some(&E::SIGNATURE_HASH))
        .map(|(topics, data)| {
            E::decode_raw_log(topics.iter().copied(), data).expect("a log of its signature")
        })
        .collect()
}

/// The `ecrecover` precompile: `digest ‖ v ‖ r ‖ s` to the signer as a word, or nothing when the
/// input does not recover (as the EVM answers; high `s` is accepted, as the EVM does).
pub fn ecrecover(input: &[u8]) -> Vec<u8> {
    let mut padded = [0u8; 128];
    let len = input.len().min(128);
    padded[..len].copy_from_slice(&input[..len]);
    let v = U256::from_be_slice(&padded[32..64]);
    if v != U256::from(27) && v != U256::from(28) {
        return Vec::new();
    }
    let r = U256::from_be_slice(&padded[64..96]);
    let s = U256::from_be_slice(&padded[96..128]);
    let signature = Signature::new(r, s, v == U256::from(28));
    signature
        .recover_address_from_prehash(&B256::from_slice(&padded[..32]))
        .map(|signer| signer.into_word().to_vec())
        .unwrap_or_default()
}

impl Host for CallHost {}

unsafe impl UnsafeCallAccess for CallHost {
    unsafe fn call_contract(
        &self,
        to: *const u8,
        data: *const u8,
        data_len: usize,
        value: *const u8,
        _gas: u64,
        outs_len: &mut usize,
    ) -> u8 {
        // SAFETY: the SDK passes an address, `data_len` bytes of calldata and a 32-byte value.
        let (to, data, value) = unsafe {
            (
                Address::from_slice(slice::from_raw_parts(to, 20)),
                slice::from_raw_parts(data, data_len),
                U256::from_be_slice(slice::from_raw_parts(value, 32)),
            )
        };
        let (status, len) = self.answer(CallKind::Call, to, data, value);
        *outs_len = len;
        status
    }

    unsafe fn static_call_contract(
        &self,
        to: *const u8,
        data: *const u8,
        data_len: usize,
        _gas: u64,
        outs_len: &mut usize,
    ) -> u8 {
        // SAFETY: the SDK passes an address and `data_len` bytes of calldata.
        let (to, data) = unsafe {
            (
                Address::from_slice(slice::from_raw_parts(to, 20)),
                slice::from_raw_parts(data, data_len),
            )
        };
        let (status, len) = self.answer(CallKind::Static, to, data, U256::ZERO);
        *outs_len = len;
        status
    }

    unsafe fn delegate_call_contract(
        &self,
        to: *const u8,
        data: *const u8,
        data_len: usize,
        _gas: u64,
        outs_len: &mut usize,
    ) -> u8 {
        // SAFETY: the SDK passes an address and `data_len` bytes of calldata.
        let (to, data) = unsafe {
            (
                Address::from_slice(slice::from_raw_parts(to, 20)),
                slice::from_raw_parts(data, data_len),
            )
        };
        let (status, len) = self.answer(CallKind::Delegate, to, data, U256::ZERO);
        *outs_len = len;
        status
    }
}

impl CalldataAccess for CallHost {
    fn read_args(&self, len: usize) -> Vec<u8> {
        self.vm.read_args(len)
    }

    fn read_return_data(&self, offset: usize, size: Option<usize>) -> Vec<u8> {
        let calls = self.calls.borrow();
        let data = &calls.return_data;
        let start = offset.min(data.len());
        let end = size.map_or(data.len(), |size| (start + size).min(data.len()));
        data[start..end].to_vec()
    }

    fn return_data_size(&self) -> usize {
        self.calls.borrow().return_data.len()
    }

    fn write_result(&self, data: &[u8]) {
        self.vm.write_result(data);
    }
}

// Everything below is the `TestVM`'s (storage recorded on the way).

/// Implements host traits by handing each method to the `TestVM`.
macro_rules! delegate {
    ($($trait:ident { $(fn $name:ident(&self $(, $arg:ident: $ty:ty)*) -> $ret:ty;)* })*) => {
        $(impl $trait for CallHost {
            $(fn $name(&self $(, $arg: $ty)*) -> $ret {
                self.vm.$name($($arg),*)
            })*
        })*
    };
}

delegate! {
    CryptographyAccess {
        fn native_keccak256(&self, input: &[u8]) -> B256;
    }
    BlockAccess {
        fn block_basefee(&self) -> U256;
        fn block_coinbase(&self) -> Address;
        fn block_number(&self) -> u64;
        fn block_timestamp(&self) -> u64;
        fn block_gas_limit(&self) -> u64;
    }
    ChainAccess {
        fn chain_id(&self) -> u64;
    }
    AccountAccess {
        fn balance(&self, account: Address) -> U256;
        fn contract_address(&self) -> Address;
        fn code(&self, account: Address) -> Vec<u8>;
        fn code_size(&self, account: Address) -> usize;
        fn code_hash(&self, account: Address) -> B256;
    }
    MemoryAccess {
        fn pay_for_memory_grow(&self, pages: u16) -> ();
    }
    MessageAccess {
        fn msg_sender(&self) -> Address;
        fn msg_reentrant(&self) -> bool;
        fn msg_value(&self) -> U256;
        fn tx_origin(&self) -> Address;
    }
    MeteringAccess {
        fn evm_gas_left(&self) -> u64;
        fn evm_ink_left(&self) -> u64;
        fn tx_gas_price(&self) -> U256;
        fn tx_ink_price(&self) -> u32;
    }
    RawLogAccess {
        fn emit_log(&self, input: &[u8], num_topics: usize) -> ();
        fn raw_log(&self, topics: &[B256], data: &[u8]) -> Result<(), &'static str>;
    }
}

unsafe impl UnsafeDeploymentAccess for CallHost {
    unsafe fn create1(
        &self,
        code: *const u8,
        code_len: usize,
        endowment: *const u8,
        contract: *mut u8,
        revert_data_len: *mut usize,
    ) {
        // SAFETY: the caller's contract, passed on unchanged.
        unsafe { self.vm.create1(code, code_len, endowment, contract, revert_data_len) }
    }

    unsafe fn create2(
        &self,
        code: *const u8,
        code_len: usize,
        endowment: *const u8,
        salt: *const u8,
        contract: *mut u8,
        revert_data_len: *mut usize,
    ) {
        // SAFETY: the caller's contract, passed on unchanged.
        unsafe { self.vm.create2(code, code_len, endowment, salt, contract, revert_data_len) }
    }
}

impl StorageAccess for CallHost {
    fn storage_load_bytes32(&self, key: U256) -> B256 {
        self.calls.borrow_mut().read.insert(key);
        self.vm.storage_load_bytes32(key)
    }

    unsafe fn storage_cache_bytes32(&self, key: U256, value: B256) {
        self.calls.borrow_mut().written.insert(key);
        // SAFETY: the caller's contract, passed on unchanged.
        unsafe { self.vm.storage_cache_bytes32(key, value) }
    }

    fn flush_cache(&self, clear: bool) {
        self.vm.flush_cache(clear);
    }
}

#[cfg(test)]
mod tests {
    use stylus_sdk::call::{RawCall, static_call};
    use stylus_sdk::stylus_core::calls::Call;

    use super::*;

    #[test]
    fn each_call_reads_its_own_answer() {
        let host = CallHost::new();
        let (a, b) = (Address::repeat_byte(0xa), Address::repeat_byte(0xb));
        host.mock_static_call(a, vec![1], Ok(vec![0xaa; 3]));
        host.mock_static_call(b, vec![2], Err(vec![0xbb]));
        // Mocked last, answered first: a `TestVM` would answer both with 0xbb.
        assert_eq!(static_call(&host, Call::new(), a, &[1]).unwrap(), vec![0xaa; 3]);
        assert!(static_call(&host, Call::new(), b, &[2]).is_err());
        assert_eq!(static_call(&host, Call::new(), a, &[9]).unwrap(), Vec::<u8>::new());
        assert_eq!(host.calls().len(), 3);
        assert_eq!(host.calls_to(b)[0].data, vec![2]);
    }

    #[test]
    fn value_calls_match_on_value() {
        let host = CallHost::new();
        let to = Address::repeat_byte(0xc);
        host.mock_call(to, Vec::new(), U256::from(5), Err(Vec::new()));
        // SAFETY: no storage is aliased in this test.
        let paid = |value| unsafe { RawCall::new_with_value(&host, value).call(to, &[]) };
        assert!(paid(U256::from(5)).is_err());
        assert!(paid(U256::from(6)).is_ok());
        assert_eq!(host.calls()[1].value, U256::from(6));
    }

    #[test]
    fn ecrecover_recovers_the_signer() {
        let signature = Signature::test_signature();
        let digest = B256::repeat_byte(7);
        let signer = signature.recover_address_from_prehash(&digest).unwrap();
        let mut input = digest.to_vec();
        input.extend_from_slice(&U256::from(27 + u8::from(signature.v())).to_be_bytes::<32>());
        input.extend_from_slice(&signature.r().to_be_bytes::<32>());
        input.extend_from_slice(&signature.s().to_be_bytes::<32>());
        assert_eq!(ecrecover(&input), signer.into_word().to_vec());
        input[63] = 29;
        assert_eq!(ecrecover(&input), Vec::<u8>::new());
    }
}
