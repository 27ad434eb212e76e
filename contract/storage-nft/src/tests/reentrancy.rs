//! A receiver that calls back into the token during `safeTransferFrom`, as marketplaces do.
//!
//! The TestVM answers calls from canned mocks, so this test wraps it in a host whose
//! `call_contract` runs real code: when the token calls the receiver, the "receiver" calls the
//! token again (a second program instance on the same storage, with the receiver as sender),
//! then answers the ERC-721 selector. The outer call must find the state the inner call left.
//! That the WASM's entrypoint lets the reentrant call in (the `reentrant` feature) is checked on
//! the local chain, where the real program runs.

use std::{cell::RefCell, rc::Rc};

use alloy_primitives::{Address, B256, FixedBytes, U256, address};
use alloy_sol_types::{SolCall, SolValue};
use stylus_sdk::{prelude::*, testing::TestVM};

use super::{ALICE, BOB, CAROL, Fixture};
use crate::{
    PxStorageNft, Transfer,
    erc721::{Erc721, IERC721Receiver},
};

const MARKET: Address = address!("0x00000000000000000000000000000000000000ac");

type Callback = Rc<dyn Fn(&TestVM) -> Result<Vec<u8>, Vec<u8>>>;

/// A TestVM whose calls to `MARKET` run `callback`.
#[derive(Clone)]
struct CallbackHost {
    inner: TestVM,
    callback: Callback,
    return_data: Rc<RefCell<Vec<u8>>>,
}

macro_rules! delegate {
    ($($name:ident($($arg:ident: $ty:ty),*) -> $ret:ty;)*) => {
        $(fn $name(&self, $($arg: $ty),*) -> $ret { self.inner.$name($($arg),*) })*
    };
}

impl CryptographyAccess for CallbackHost {
    delegate! { native_keccak256(input: &[u8]) -> B256; }
}

impl CalldataAccess for CallbackHost {
    delegate! {
        read_args(len: usize) -> Vec<u8>;
        write_result(data: &[u8]) -> ();
    }
    fn read_return_data(&self, offset: usize, size: Option<usize>) -> Vec<u8> {
        let data = self.return_data.borrow();
        let start = offset.min(data.len());
        let end = size.map_or(data.len(), |s| (start + s).min(data.len()));
        data[start..end].to_vec()
    }
    fn return_data_size(&self) -> usize {
        self.return_data.borrow().len()
    }
}

#[allow(unsafe_code)]
unsafe impl UnsafeDeploymentAccess for CallbackHost {
    unsafe fn create1(
        &self,
        code: *const u8,
        len: usize,
        value: *const u8,
        out: *mut u8,
        rlen: *mut usize,
    ) {
        unsafe { self.inner.create1(code, len, value, out, rlen) }
    }
    unsafe fn create2(
        &self,
        code: *const u8,
        len: usize,
        value: *const u8,
        salt: *const u8,
        out: *mut u8,
        rlen: *mut usize,
    ) {
        unsafe { self.inner.create2(code, len, value, salt, out, rlen) }
    }
}

impl StorageAccess for CallbackHost {
    delegate! {
        storage_load_bytes32(key: U256) -> B256;
        flush_cache(clear: bool) -> ();
    }
    #[allow(unsafe_code)]
    unsafe fn storage_cache_bytes32(&self, key: U256, value: B256) {
        unsafe { self.inner.storage_cache_bytes32(key, value) }
    }
}

#[allow(unsafe_code)]
unsafe impl UnsafeCallAccess for CallbackHost {
    unsafe fn call_contract(
        &self,
        to: *const u8,
        data: *const u8,
        data_len: usize,
        value: *const u8,
        gas: u64,
        outs_len: &mut usize,
    ) -> u8 {
        // SAFETY: the SDK passes a 20-byte address.
        let target = Address::from_slice(unsafe { std::slice::from_raw_parts(to, 20) });
        if target != MARKET {
            let status =
                unsafe { self.inner.call_contract(to, data, data_len, value, gas, outs_len) };
            *self.return_data.borrow_mut() = self.inner.read_return_data(0, None);
            return status;
        }
        let caller = self.inner.msg_sender();
        self.inner.set_sender(MARKET);
        let outcome = (self.callback)(&self.inner);
        self.inner.set_sender(caller);
        let (status, bytes) = match outcome {
            Ok(bytes) => (0, bytes),
            Err(bytes) => (1, bytes),
        };
        *outs_len = bytes.len();
        *self.return_data.borrow_mut() = bytes;
        status
    }
    unsafe fn static_call_contract(
        &self,
        to: *const u8,
        data: *const u8,
        data_len: usize,
        gas: u64,
        outs_len: &mut usize,
    ) -> u8 {
        unsafe { self.inner.static_call_contract(to, data, data_len, gas, outs_len) }
    }
    unsafe fn delegate_call_contract(
        &self,
        to: *const u8,
        data: *const u8,
        data_len: usize,
        gas: u64,
        outs_len: &mut usize,
    ) -> u8 {
        unsafe { self.inner.delegate_call_contract(to, data, data_len, gas, outs_len) }
    }
}

impl BlockAccess for CallbackHost {
    delegate! {
        block_basefee() -> U256;
        block_coinbase() -> Address;
        block_number() -> u64;
        block_timestamp() -> u64;
        block_gas_limit() -> u64;
    }
}

impl ChainAccess for CallbackHost {
    delegate! { chain_id() -> u64; }
}

impl AccountAccess for CallbackHost {
    delegate! {
        balance(account: Address) -> U256;
        contract_address() -> Address;
        code(account: Address) -> Vec<u8>;
        code_size(account: Address) -> usize;
        code_hash(account: Address) -> B256;
    }
}

impl MemoryAccess for CallbackHost {
    delegate! { pay_for_memory_grow(pages: u16) -> (); }
}

impl MessageAccess for CallbackHost {
    delegate! {
        msg_sender() -> Address;
        msg_reentrant() -> bool;
        msg_value() -> U256;
        tx_origin() -> Address;
    }
}

impl MeteringAccess for CallbackHost {
    delegate! {
        evm_gas_left() -> u64;
        evm_ink_left() -> u64;
        tx_gas_price() -> U256;
        tx_ink_price() -> u32;
    }
}

impl RawLogAccess for CallbackHost {
    delegate! {
        emit_log(input: &[u8], num_topics: usize) -> ();
        raw_log(topics: &[B256], data: &[u8]) -> Result<(), &'static str>;
    }
}

impl Host for CallbackHost {}

fn accepted() -> Vec<u8> {
    FixedBytes::<4>(IERC721Receiver::onERC721ReceivedCall::SELECTOR).abi_encode()
}

/// A token with id 1 owned by ALICE, and the core seen through a host whose market calls back.
fn with_market(callback: Callback) -> (Fixture, PxStorageNft, U256) {
    let mut f = Fixture::new();
    let id = f.mint(ALICE, &super::ed25519_key(1));
    f.vm.set_code(MARKET, vec![0xfe]);
    f.vm.clear_mocks();
    let host = CallbackHost {
        inner: f.vm.clone(),
        callback,
        return_data: Rc::new(RefCell::new(Vec::new())),
    };
    let nft = PxStorageNft::from(&host);
    (f, nft, id)
}

#[test]
fn a_receiver_that_resells_during_the_callback_leaves_consistent_state() {
    let resell: Callback = Rc::new(|vm: &TestVM| {
        let mut token = PxStorageNft::from(vm);
        // The market sees itself as owner already (effects before the interaction) and
        // passes the token on to the buyer.
        assert_eq!(token.owner_of(U256::from(1)).unwrap(), MARKET);
        token.transfer_from(MARKET, CAROL, U256::from(1)).map_err(Vec::from)?;
        Ok(accepted())
    });
    let (f, mut nft, id) = with_market(resell);
    f.vm.set_sender(ALICE);
    nft.safe_transfer_from(ALICE, MARKET, id).unwrap();

    assert_eq!(f.nft.owner_of(id).unwrap(), CAROL);
    assert_eq!(f.nft.balance_of(ALICE).unwrap(), U256::ZERO);
    assert_eq!(f.nft.balance_of(MARKET).unwrap(), U256::ZERO);
    assert_eq!(f.nft.balance_of(CAROL).unwrap(), U256::from(1));
    let transfers = f.events::<Transfer>();
    assert_eq!(
        transfers,
        vec![
            Transfer { from: ALICE, to: MARKET, tokenId: id },
            Transfer { from: MARKET, to: CAROL, tokenId: id },
        ]
    );
}

#[test]
fn error_when_a_receiver_calls_back_and_then_rejects() {
    let reject: Callback = Rc::new(|vm: &TestVM| {
        let token = PxStorageNft::from(vm);
        let _ = token.balance_of(MARKET);
        Ok(FixedBytes::<4>([0, 0, 0, 0]).abi_encode())
    });
    let (f, mut nft, id) = with_market(reject);
    f.vm.set_sender(ALICE);
    assert!(nft.safe_transfer_from(ALICE, MARKET, id).is_err());
}

#[test]
fn a_reentrant_transfer_of_someone_elses_token_is_refused() {
    // While holding token 1 for a moment, the market tries to move BOB's token 2.
    let steal: Callback = Rc::new(|vm: &TestVM| {
        let mut token = PxStorageNft::from(vm);
        match token.transfer_from(BOB, MARKET, U256::from(2)) {
            Err(crate::Error::InsufficientApproval(_)) => Ok(accepted()),
            other => panic!("the market moved a token it may not: {other:?}"),
        }
    });
    let (mut f, mut nft, id) = with_market(steal);
    let bobs = f.mint(BOB, &[]);
    f.vm.set_sender(ALICE);
    nft.safe_transfer_from(ALICE, MARKET, id).unwrap();
    assert_eq!(f.nft.owner_of(bobs).unwrap(), BOB);
}
