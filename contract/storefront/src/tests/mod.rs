//! TestVM tests of every external function: each path, each revert, the events, the calls made
//! into the core and the storage slots touched.
//!
//! The core is mocked call by call on a [`CallHost`] (a `TestVM` whose calls answer their own
//! mocks); `ecrecover` runs for real on it, so signatures made here with k256 over the digest of
//! the reference implementation (`px_abi::eip712`) check the digest the program builds.
//!
//! NOTE: the TestVM does not roll state back when a call returns an error; the program checks
//! everything before it writes, which the error tests below verify by the slots written.

mod admin;
mod minting;
mod plans;
mod router;
mod slots;
mod upgrades;

use alloy_primitives::{Address, B256, Bytes, U256, address, keccak256};
use alloy_sol_types::{SolCall, SolError, SolEvent};
use k256::ecdsa::SigningKey;
use px_abi::IPxStorageNft as core_abi;
use px_contract_testing::{CallHost, MadeCall};
use stylus_sdk::prelude::*;

use crate::PxStorefront;

pub(super) const OWNER: Address = address!("0x00000000000000000000000000000000000000a1");
pub(super) const ALICE: Address = address!("0x00000000000000000000000000000000000000b1");
pub(super) const BOB: Address = address!("0x00000000000000000000000000000000000000b2");
pub(super) const STRANGER: Address = address!("0x00000000000000000000000000000000000000ee");
pub(super) const CORE: Address = address!("0x00000000000000000000000000000000000c0de1");
pub(super) const STOREFRONT: Address = address!("0x0000000000000000000000000000000000005f01");
/// Block time at which the fixture starts.
pub(super) const T0: u64 = 1_700_000_000;
pub(super) const MIB: u64 = 1 << 20;
pub(super) const GIB: u64 = 1 << 30;
/// Prices of plans 1, 2 and 3 at deployment.
pub(super) const PRICES: [u64; 3] =
    [1_000_000_000_000_000, 4_000_000_000_000_000, 15_000_000_000_000_000];

/// The registrar's signing key and address.
pub(super) fn registrar() -> (SigningKey, Address) {
    let key = SigningKey::from_slice(&[0x11; 32]).unwrap();
    let address = Address::from_private_key(&key);
    (key, address)
}

/// A deployed storefront over a mocked core whose registrar is [`registrar`], at `T0`.
pub(super) struct Fixture {
    pub(super) host: CallHost,
    pub(super) shop: PxStorefront,
}

impl Fixture {
    pub(super) fn new() -> Self {
        let host = CallHost::new();
        host.set_contract_address(STOREFRONT);
        host.set_block_timestamp(T0);
        host.set_sender(OWNER);
        let mut shop = PxStorefront::from(&host);
        let [p1, p5, p20] = PRICES.map(U256::from);
        shop.constructor(OWNER, CORE, p1, p5, p20).unwrap();
        host.mock_static_call(
            CORE,
            core_abi::rolesCall {}.abi_encode(),
            Ok(core_abi::rolesCall::abi_encode_returns(&core_abi::rolesReturn {
                minter: STOREFRONT,
                registrar: registrar().1,
                syncer: Address::repeat_byte(3),
                renderer: Address::repeat_byte(4),
            })),
        );
        host.clear_mocks(); // the TestVM's: forgets the set-up's logs
        host.clear_calls();
        Self { host, shop }
    }

    /// Sets the caller and the value of the next calls.
    pub(super) fn send(&self, sender: Address, value: u64) -> &Self {
        self.host.set_sender(sender);
        self.host.set_value(U256::from(value));
        self
    }

    /// Lets the core mint token `id` for `mintTo(to, quota, limit, key)`.
    pub(super) fn core_mints(&self, to: Address, quota: u64, limit: u32, key: &[u8], id: u64) {
        let call = core_abi::mintToCall {
            to,
            quotaBytes: quota,
            uploadLimit: limit,
            btnsKey: Bytes::copy_from_slice(key),
        };
        let answer = core_abi::mintToCall::abi_encode_returns(&U256::from(id));
        self.host.mock_call(CORE, call.abi_encode(), U256::ZERO, Ok(answer));
    }

    /// Makes the core revert `mintTo(to, quota, limit, key)` with `revert`.
    pub(super) fn core_rejects_mint(
        &self,
        to: Address,
        quota: u64,
        limit: u32,
        key: &[u8],
        revert: Vec<u8>,
    ) {
        let call = core_abi::mintToCall {
            to,
            quotaBytes: quota,
            uploadLimit: limit,
            btnsKey: Bytes::copy_from_slice(key),
        };
        self.host.mock_call(CORE, call.abi_encode(), U256::ZERO, Err(revert));
    }

    /// Lets the core answer `ownerOf(id)` and `usageOf(id)` for a token with `quota`, `limit`.
    pub(super) fn core_has(&self, id: u64, owner: Address, quota: u64, limit: u32) {
        let token_id = U256::from(id);
        self.host.mock_static_call(
            CORE,
            core_abi::ownerOfCall { tokenId: token_id }.abi_encode(),
            Ok(core_abi::ownerOfCall::abi_encode_returns(&owner)),
        );
        let usage = core_abi::usageOfReturn {
            quotaBytes: quota,
            uploadLimit: limit,
            usedBytes: 7,
            uploadCount: 3,
            lastSyncedAt: T0,
            syncSequence: 2,
            metadataDigest: B256::repeat_byte(9),
        };
        self.host.mock_static_call(
            CORE,
            core_abi::usageOfCall { tokenId: token_id }.abi_encode(),
            Ok(core_abi::usageOfCall::abi_encode_returns(&usage)),
        );
    }

    /// Makes the core revert `ownerOf(id)` and `usageOf(id)` as for a token never minted.
    pub(super) fn core_lacks(&self, id: u64) -> Vec<u8> {
        let token_id = U256::from(id);
        let revert = core_abi::ERC721NonexistentToken { tokenId: token_id }.abi_encode();
        for call in [
            core_abi::ownerOfCall { tokenId: token_id }.abi_encode(),
            core_abi::usageOfCall { tokenId: token_id }.abi_encode(),
        ] {
            self.host.mock_static_call(CORE, call, Err(revert.clone()));
        }
        revert
    }

    /// The `setQuota` call the storefront must make.
    pub(super) fn set_quota_call(id: u64, quota: u64, limit: u32) -> MadeCall {
        MadeCall {
            kind: px_contract_testing::CallKind::Call,
            to: CORE,
            data: core_abi::setQuotaCall {
                tokenId: U256::from(id),
                quotaBytes: quota,
                uploadLimit: limit,
            }
            .abi_encode(),
            value: U256::ZERO,
        }
    }

    /// The calls that changed the core (not the views).
    pub(super) fn core_writes(&self) -> Vec<MadeCall> {
        self.host
            .calls_to(CORE)
            .into_iter()
            .filter(|c| c.kind == px_contract_testing::CallKind::Call)
            .collect()
    }

    /// The logs emitted so far, decoded as `E` where they match its signature.
    pub(super) fn events<E: SolEvent>(&self) -> Vec<E> {
        self.host.events()
    }

    /// The registrar's `MintAuthorization` signature (r ‖ s ‖ v) for `minter`.
    pub(super) fn authorize(minter: Address, plan_id: u64, key: &[u8], deadline: u64) -> Bytes {
        sign(&registrar().0, minter, plan_id, key, deadline)
    }
}

/// `signer`'s `MintAuthorization` signature, over the digest of the reference implementation.
pub(super) fn sign(
    signer: &SigningKey,
    minter: Address,
    plan_id: u64,
    key: &[u8],
    deadline: u64,
) -> Bytes {
    use alloy_sol_types::SolStruct;
    let authorization = px_abi::eip712::MintAuthorization {
        minter,
        planId: U256::from(plan_id),
        btnsKey: Bytes::copy_from_slice(key),
        deadline: U256::from(deadline),
    };
    let chain_id = CallHost::new().chain_id();
    let digest = authorization.eip712_signing_hash(&px_abi::eip712::domain(chain_id, STOREFRONT));
    let (signature, recovery) = signer.sign_prehash_recoverable(digest.as_slice()).unwrap();
    let mut bytes = signature.to_bytes().to_vec();
    bytes.push(27 + recovery.to_byte());
    bytes.into()
}

pub(super) use px_contract_testing::ed25519_key;

/// The slot of `key` in the mapping at slot `base` (Solidity's layout, which the SDK follows).
pub(super) fn map_slot(key: B256, base: u64) -> U256 {
    let mut preimage = key.to_vec();
    preimage.extend_from_slice(&U256::from(base).to_be_bytes::<32>());
    keccak256(preimage).into()
}
