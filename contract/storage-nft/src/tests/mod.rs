//! TestVM tests of every external function: each path, each revert, the events.
//!
//! NOTE: the TestVM does not roll state back when a call returns an error, so the program
//! checks everything before it writes (which the tests below rely on, and which a revert on
//! chain would make moot).

mod admin;
mod erc721;
mod invariants;
mod keys;
mod reentrancy;
mod router;
mod slots;
mod usage;

use alloy_primitives::{Address, B256, Bytes, U256, address};
use alloy_sol_types::SolEvent;
use stylus_sdk::testing::TestVM;

use crate::{DEFAULT_SYNC_WINDOW, PxStorageNft, admin::Administration};

pub(super) const OWNER: Address = address!("0x00000000000000000000000000000000000000a1");
pub(super) const MINTER: Address = address!("0x00000000000000000000000000000000000000a2");
pub(super) const REGISTRAR: Address = address!("0x00000000000000000000000000000000000000a3");
pub(super) const SYNCER: Address = address!("0x00000000000000000000000000000000000000a4");
pub(super) const ALICE: Address = address!("0x00000000000000000000000000000000000000b1");
pub(super) const BOB: Address = address!("0x00000000000000000000000000000000000000b2");
pub(super) const CAROL: Address = address!("0x00000000000000000000000000000000000000b3");
pub(super) const STRANGER: Address = address!("0x00000000000000000000000000000000000000ee");
pub(super) const CORE: Address = address!("0x00000000000000000000000000000000000c0de1");
/// Block time at which the fixture starts.
pub(super) const T0: u64 = 1_700_000_000;
pub(super) const GIB: u64 = 1 << 30;

/// A deployed core with its roles set, at `T0`.
pub(super) struct Fixture {
    pub(super) vm: TestVM,
    pub(super) nft: PxStorageNft,
}

impl Fixture {
    pub(super) fn new() -> Self {
        let vm = TestVM::default();
        vm.set_contract_address(CORE);
        vm.set_block_timestamp(T0);
        let mut nft = PxStorageNft::from(&vm);
        vm.set_sender(OWNER);
        nft.constructor(OWNER).unwrap();
        nft.set_minter(MINTER).unwrap();
        nft.set_registrar(REGISTRAR).unwrap();
        nft.set_syncer(SYNCER).unwrap();
        assert_eq!(nft.sync_window.get().as_limbs()[0], DEFAULT_SYNC_WINDOW);
        vm.clear_mocks(); // also forgets the set-up's logs
        Self { vm, nft }
    }

    /// Sets the caller of the next calls.
    pub(super) fn sender(&self, account: Address) -> &Self {
        self.vm.set_sender(account);
        self
    }

    /// Mints a 1 GiB / 50-upload token with `key` to `to`, as the minter.
    pub(super) fn mint(&mut self, to: Address, key: &[u8]) -> U256 {
        self.vm.set_sender(MINTER);
        self.nft.mint_to(to, GIB, 50, Bytes::copy_from_slice(key)).unwrap()
    }

    /// The logs emitted so far, decoded as `E` where they match its signature.
    pub(super) fn events<E: SolEvent>(&self) -> Vec<E> {
        px_contract_testing::events(&self.vm)
    }

    pub(super) fn advance(&self, seconds: u64) {
        let now = self.vm.block_timestamp_for_tests();
        self.vm.set_block_timestamp(now + seconds);
    }
}

/// The TestVM's clock (the SDK's `Host` trait would need the prelude in every test).
trait Clock {
    fn block_timestamp_for_tests(&self) -> u64;
}

impl Clock for TestVM {
    fn block_timestamp_for_tests(&self) -> u64 {
        stylus_sdk::prelude::BlockAccess::block_timestamp(self)
    }
}

pub(super) use px_contract_testing::ed25519_key;

/// A 32-byte digest for tests.
pub(super) fn digest(seed: u8) -> B256 {
    B256::repeat_byte(seed)
}
