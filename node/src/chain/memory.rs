//! [`MemoryChain`]: an in-process model of the core for logic tests. It follows the core's rules
//! (the gate of `canUpload`, ERC-721 authorization, key registration) closely enough to test
//! the node's decisions; the real programs are tested through `px-devnet` (see `tests/`).

use std::{
    collections::{BTreeMap, HashMap, HashSet},
    sync::{Mutex, MutexGuard},
};

use alloy::primitives::{Address, B256, Bytes, Signature, U256};

use super::{BoxFuture, Chain, ChainError, Gate, Roles, TokenState};

/// Default sync window of the core: 30 days.
const DEFAULT_WINDOW: u64 = 30 * 86_400;

#[derive(Debug, Clone)]
struct Token {
    state: TokenState,
    owner: Address,
    approved: Address,
}

#[derive(Debug, Default)]
struct State {
    block: u64,
    now: u64,
    window: u64,
    paused: bool,
    tokens: BTreeMap<U256, Token>,
    mints: Vec<(u64, U256)>,
    operators: HashSet<(Address, Address)>,
    // Contract wallet -> the EOA whose signatures it accepts (ERC-1271).
    wallets: HashMap<Address, Address>,
    registrations: u32,
    offline: bool,
    // The storefront's plans: id -> active.
    plans: BTreeMap<U256, bool>,
}

/// A chain in memory; the clock starts at 1,800,000,000 and moves only when told.
#[derive(Debug)]
pub struct MemoryChain {
    chain_id: u64,
    core: Address,
    roles: Roles,
    state: Mutex<State>,
}

impl MemoryChain {
    /// A chain `chain_id` whose core is `core`, with `registrar` holding the registrar role.
    pub fn new(chain_id: u64, core: Address, registrar: Address) -> Self {
        // The storefront's four plans of px-testkit, all active.
        let plans = (0..4u64).map(|id| (U256::from(id), true)).collect();
        let state = State {
            block: 1,
            now: 1_800_000_000,
            window: DEFAULT_WINDOW,
            plans,
            ..State::default()
        };
        let roles = Roles { registrar, ..Roles::default() };
        Self { chain_id, core, roles, state: Mutex::new(state) }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock is a test failure already; keep going with the data.
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Mints the next token to `to` with a quota and key (empty = none), as the storefront.
    pub fn mint(&self, to: Address, quota_bytes: u64, upload_limit: u32, key: &[u8]) -> U256 {
        let mut s = self.lock();
        let id = U256::from(s.tokens.len() + 1);
        s.block += 1;
        let now = s.now;
        let block = s.block;
        s.mints.push((block, id));
        let state = TokenState {
            btns_key: Bytes::copy_from_slice(key),
            quota_bytes,
            upload_limit,
            used_bytes: 0,
            upload_count: 0,
            last_synced_at: now,
            sync_sequence: 0,
            metadata_digest: B256::ZERO,
        };
        s.tokens.insert(id, Token { state, owner: to, approved: Address::ZERO });
        id
    }

    /// Adds or changes the storefront's plan `plan_id` (`setPlan`'s `active`).
    pub fn set_plan(&self, plan_id: U256, active: bool) {
        self.lock().plans.insert(plan_id, active);
    }

    /// Pauses or unpauses the core.
    pub fn set_paused(&self, paused: bool) {
        self.lock().paused = paused;
    }

    /// Moves the clock forward.
    pub fn advance(&self, seconds: u64) {
        self.lock().now += seconds;
    }

    /// What the syncer applies after a verified report.
    pub fn apply_usage(&self, token_id: U256, sequence: u64, used: u64, count: u32, digest: B256) {
        let mut s = self.lock();
        let now = s.now;
        if let Some(t) = s.tokens.get_mut(&token_id) {
            t.state.sync_sequence = sequence;
            t.state.used_bytes = used;
            t.state.upload_count = count;
            t.state.metadata_digest = digest;
            t.state.last_synced_at = now;
        }
    }

    /// `approve(to, tokenId)` by the owner.
    pub fn approve(&self, token_id: U256, to: Address) {
        if let Some(t) = self.lock().tokens.get_mut(&token_id) {
            t.approved = to;
        }
    }

    /// `setApprovalForAll(operator, approved)` by `owner`.
    pub fn set_approval_for_all(&self, owner: Address, operator: Address, approved: bool) {
        let mut s = self.lock();
        if approved {
            s.operators.insert((owner, operator));
        } else {
            s.operators.remove(&(owner, operator));
        }
    }

    /// Transfers the token to `to` (clears its approval, as ERC-721 does).
    pub fn transfer(&self, token_id: U256, to: Address) {
        if let Some(t) = self.lock().tokens.get_mut(&token_id) {
            t.owner = to;
            t.approved = Address::ZERO;
        }
    }

    /// Puts a contract wallet at `wallet` that accepts `owner`'s signatures (ERC-1271).
    pub fn add_contract_wallet(&self, wallet: Address, owner: Address) {
        self.lock().wallets.insert(wallet, owner);
    }

    /// How many `registerBtnsKey` transactions were mined.
    pub fn registrations(&self) -> u32 {
        self.lock().registrations
    }

    /// Makes every call fail as an unreachable RPC would (or work again).
    pub fn set_offline(&self, offline: bool) {
        self.lock().offline = offline;
    }

    fn online(&self) -> Result<MutexGuard<'_, State>, ChainError> {
        let s = self.lock();
        if s.offline { Err(ChainError::Rpc("connection refused".into())) } else { Ok(s) }
    }
}

impl Chain for MemoryChain {
    fn chain_id(&self) -> BoxFuture<'_, Result<u64, ChainError>> {
        Box::pin(async move { self.online().map(|_| self.chain_id) })
    }

    fn latest_block(&self) -> BoxFuture<'_, Result<u64, ChainError>> {
        Box::pin(async move { self.online().map(|s| s.block) })
    }

    fn block_time(&self) -> BoxFuture<'_, Result<u64, ChainError>> {
        Box::pin(async move { self.online().map(|s| s.now) })
    }

    fn core(&self) -> Address {
        self.core
    }

    fn roles(&self) -> BoxFuture<'_, Result<Roles, ChainError>> {
        Box::pin(async move { self.online().map(|_| self.roles) })
    }

    fn token(&self, token_id: U256) -> BoxFuture<'_, Result<Option<TokenState>, ChainError>> {
        Box::pin(async move { Ok(self.online()?.tokens.get(&token_id).map(|t| t.state.clone())) })
    }

    fn is_authorized(
        &self,
        token_id: U256,
        account: Address,
    ) -> BoxFuture<'_, Result<bool, ChainError>> {
        Box::pin(async move {
            let s = self.online()?;
            Ok(s.tokens.get(&token_id).is_some_and(|t| {
                let owner = t.owner;
                owner == account || t.approved == account || s.operators.contains(&(owner, account))
            }))
        })
    }

    fn can_upload(
        &self,
        token_id: U256,
        additional_bytes: u64,
    ) -> BoxFuture<'_, Result<Gate, ChainError>> {
        Box::pin(async move {
            let s = self.online()?;
            let t = s
                .tokens
                .get(&token_id)
                .ok_or_else(|| ChainError::Reverted("ERC721NonexistentToken".into()))?;
            let u = &t.state;
            let mut gate = Gate {
                allowed: false,
                quota_exceeded: u.used_bytes.saturating_add(additional_bytes) > u.quota_bytes,
                uploads_exceeded: u.upload_count >= u.upload_limit,
                sync_overdue: s.now > u.last_synced_at.saturating_add(s.window),
                no_btns_key: u.btns_key.is_empty(),
                paused: s.paused,
            };
            gate.allowed = !(gate.quota_exceeded
                || gate.uploads_exceeded
                || gate.sync_overdue
                || gate.no_btns_key
                || gate.paused);
            Ok(gate)
        })
    }

    fn plan_active(&self, plan_id: U256) -> BoxFuture<'_, Result<Option<bool>, ChainError>> {
        Box::pin(async move { Ok(self.online()?.plans.get(&plan_id).copied()) })
    }

    fn token_of_btns_key(&self, key: Bytes) -> BoxFuture<'_, Result<U256, ChainError>> {
        Box::pin(async move {
            let s = self.online()?;
            Ok(s.tokens
                .iter()
                .find(|(_, t)| t.state.btns_key == key)
                .map_or(U256::ZERO, |(id, _)| *id))
        })
    }

    fn minted(&self, from: u64, to: u64) -> BoxFuture<'_, Result<Vec<U256>, ChainError>> {
        Box::pin(async move {
            let s = self.online()?;
            Ok(s.mints.iter().filter(|(b, _)| (from..=to).contains(b)).map(|(_, id)| *id).collect())
        })
    }

    fn register_btns_key(
        &self,
        token_id: U256,
        key: Bytes,
    ) -> BoxFuture<'_, Result<(), ChainError>> {
        Box::pin(async move {
            if self.roles.registrar.is_zero() {
                return Err(ChainError::NoSigner("no registrar key configured"));
            }
            let mut s = self.online()?;
            if s.tokens.values().any(|t| t.state.btns_key == key) {
                return Err(ChainError::Reverted("BtnsKeyAlreadyRegistered".into()));
            }
            let t = s
                .tokens
                .get_mut(&token_id)
                .ok_or_else(|| ChainError::Reverted("ERC721NonexistentToken".into()))?;
            if !t.state.btns_key.is_empty() {
                return Err(ChainError::Reverted("BtnsKeyAlreadySet".into()));
            }
            t.state.btns_key = key;
            s.block += 1;
            s.registrations += 1;
            Ok(())
        })
    }

    fn has_code(&self, account: Address) -> BoxFuture<'_, Result<bool, ChainError>> {
        Box::pin(async move { Ok(self.online()?.wallets.contains_key(&account)) })
    }

    fn is_valid_signature(
        &self,
        wallet: Address,
        hash: B256,
        signature: Bytes,
    ) -> BoxFuture<'_, Result<bool, ChainError>> {
        Box::pin(async move {
            let Some(owner) = self.online()?.wallets.get(&wallet).copied() else {
                return Ok(false);
            };
            let recovered = Signature::try_from(signature.as_ref())
                .ok()
                .and_then(|sig| sig.recover_address_from_prehash(&hash).ok());
            Ok(recovered == Some(owner))
        })
    }
}
