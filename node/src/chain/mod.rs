//! What the node asks of the chain, behind one trait so that the logic can be tested without a
//! chain (`MemoryChain`, with the `test-util` feature only) and runs on any EVM JSON-RPC in
//! production ([`RpcChain`]).
//!
//! Every read is a call to the core (`PxStorageNft`) or the storefront; the only writes are the
//! registrar's `registerBtnsKey`.

#[cfg(any(test, feature = "test-util"))]
mod memory;
mod rpc;

use std::{future::Future, pin::Pin};

use alloy::primitives::{Address, B256, Bytes, U256};

#[cfg(any(test, feature = "test-util"))]
pub use memory::MemoryChain;
pub use rpc::RpcChain;

/// A boxed future, so that the trait can be used as `Arc<dyn Chain>`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Why a chain call failed.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    /// The RPC could not be reached or answered an error (alloy's error, kept as the source).
    #[error("rpc: {0}")]
    Rpc(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The call reverted; the text names the decoded error when it is one of the programs'.
    #[error("reverted: {0}")]
    Reverted(String),
    /// A transaction needs a key the node does not have.
    #[error("{0}")]
    NoSigner(&'static str),
}

impl ChainError {
    /// What a client may be told: the program's error name for a revert, never the RPC's
    /// error (its URL may hold an API key).
    pub fn public_message(&self) -> String {
        match self {
            Self::Rpc(_) => "the chain's RPC failed (see the node's log)".to_owned(),
            Self::Reverted(name) => format!("the chain refused: {name}"),
            Self::NoSigner(what) => (*what).to_owned(),
        }
    }
}

/// A token's state as the core records it (`usageOf`, `btnsKeyOf`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenState {
    /// The BTNS key bytes; empty when none is registered.
    pub btns_key: Bytes,
    /// Quota in bytes.
    pub quota_bytes: u64,
    /// Upload allowance.
    pub upload_limit: u32,
    /// Bytes used as last synced.
    pub used_bytes: u64,
    /// Uploads as last synced.
    pub upload_count: u32,
    /// When it was last synced (or minted).
    pub last_synced_at: u64,
    /// Sequence of the last synced report (0 = never).
    pub sync_sequence: u64,
    /// Digest of the last synced document.
    pub metadata_digest: B256,
}

/// The core's `canUpload` answer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[allow(clippy::struct_excessive_bools)] // the ABI's six booleans, named as the ABI names them
pub struct Gate {
    /// No reason applies.
    pub allowed: bool,
    /// Used bytes plus the upload exceed the quota.
    pub quota_exceeded: bool,
    /// The upload allowance is used up.
    pub uploads_exceeded: bool,
    /// Not synced within the window.
    pub sync_overdue: bool,
    /// No BTNS key.
    pub no_btns_key: bool,
    /// The program is paused.
    pub paused: bool,
}

/// The holders of the core's roles.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Roles {
    /// Minter (the storefront).
    pub minter: Address,
    /// Registrar (registration management).
    pub registrar: Address,
    /// Syncer (`PxSync`).
    pub syncer: Address,
    /// Renderer.
    pub renderer: Address,
}

/// The chain as the node uses it.
pub trait Chain: Send + Sync + std::fmt::Debug + 'static {
    /// `eth_chainId`.
    fn chain_id(&self) -> BoxFuture<'_, Result<u64, ChainError>>;

    /// The latest block number.
    fn latest_block(&self) -> BoxFuture<'_, Result<u64, ChainError>>;

    /// The latest block's timestamp: the clock the programs check deadlines and the sync
    /// window against (it can differ from the node's, e.g. on a local chain moved forward).
    fn block_time(&self) -> BoxFuture<'_, Result<u64, ChainError>>;

    /// The core's address.
    fn core(&self) -> Address;

    /// The core's role holders.
    fn roles(&self) -> BoxFuture<'_, Result<Roles, ChainError>>;

    /// The token's state, or `None` when it does not exist.
    fn token(&self, token_id: U256) -> BoxFuture<'_, Result<Option<TokenState>, ChainError>>;

    /// Whether `account` owns the token or is approved for it (ERC-721 rules).
    fn is_authorized(
        &self,
        token_id: U256,
        account: Address,
    ) -> BoxFuture<'_, Result<bool, ChainError>>;

    /// The core's `canUpload(tokenId, additionalBytes)`.
    fn can_upload(
        &self,
        token_id: U256,
        additional_bytes: u64,
    ) -> BoxFuture<'_, Result<Gate, ChainError>>;

    /// Whether the storefront's plan `plan_id` is active; `None` when there is no such plan.
    fn plan_active(&self, plan_id: U256) -> BoxFuture<'_, Result<Option<bool>, ChainError>>;

    /// The token that holds BTNS key `key` (`tokenOfBtnsKey`), 0 when none does.
    fn token_of_btns_key(&self, key: Bytes) -> BoxFuture<'_, Result<U256, ChainError>>;

    /// Ids of tokens minted (ERC-721 `Transfer` from the zero address) in blocks `from..=to`.
    fn minted(&self, from: u64, to: u64) -> BoxFuture<'_, Result<Vec<U256>, ChainError>>;

    /// `registerBtnsKey(tokenId, key)`, sent by the registrar and mined.
    fn register_btns_key(
        &self,
        token_id: U256,
        key: Bytes,
    ) -> BoxFuture<'_, Result<(), ChainError>>;

    /// Whether `account` has code (a contract wallet).
    fn has_code(&self, account: Address) -> BoxFuture<'_, Result<bool, ChainError>>;

    /// ERC-1271: whether `wallet.isValidSignature(hash, signature)` returns the magic value.
    fn is_valid_signature(
        &self,
        wallet: Address,
        hash: B256,
        signature: Bytes,
    ) -> BoxFuture<'_, Result<bool, ChainError>>;
}

/// ERC-1271's magic return value, `isValidSignature.selector`.
pub const ERC1271_MAGIC: [u8; 4] = [0x16, 0x26, 0xba, 0x7e];

alloy::sol! {
    /// ERC-1271, the standard interface of contract wallets (not a PX type).
    #[sol(rpc)]
    interface IERC1271 {
        /// Returns `0x1626ba7e` when `signature` is valid for `hash`.
        function isValidSignature(bytes32 hash, bytes signature) external view returns (bytes4);
    }
}
