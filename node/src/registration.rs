//! Registration management: BTNS keys for tokens.
//!
//! - [`Registration::allocate`] (`POST /v1/keys`): a key for a mint the caller is about to make,
//!   with the registrar's EIP-712 `MintAuthorization` for `mintWithKey` and its deadline.
//! - [`Registration::register`] (`POST /v1/registrations/{tokenId}` and the mint watcher): once
//!   a token exists, serve it: bind the key it was minted with, or (minted without one, as an
//!   explorer would) allocate one and call `registerBtnsKey`; then publish sequence 1.
//!
//! Idempotence: keys are named deterministically before `key/gen` is called (`px-t-<id>` for a
//! token, `px-m-<minter>-<plan>-<generation>` for a mint), and `key/gen` is skipped when the
//! keystore already has the name; so a retry, even after a crash, finds the same key and never
//! allocates a second one.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use alloy::{
    primitives::{Address, U256},
    signers::{SignerSync, local::PrivateKeySigner},
    sol_types::SolStruct,
};
use px_abi::eip712::{MintAuthorization, domain};
use px_metadata::BtnsKey;
use px_node_api::{KeyAllocation, Registered};

use px_storage_client::StorageClient;

use crate::{
    chain::{Chain, ChainError},
    error::NodeError,
    journal::{Journal, MintAllocation},
    metrics::Metrics,
    tokens::TokenService,
};

/// Settings of registration management.
#[derive(Debug, Clone)]
pub struct RegistrationSettings {
    /// Chain id.
    pub chain_id: u64,
    /// The storefront (verifying contract of mint authorizations).
    pub storefront: Address,
    /// How long a mint authorization is valid.
    pub authorization_ttl: Duration,
    /// First block the watcher reads on a fresh journal.
    pub watch_from_block: u64,
    /// Prefix of the key names this node creates in the storage node's keystore.
    pub key_prefix: String,
}

/// Registration management.
#[derive(Debug)]
pub struct Registration {
    chain: Arc<dyn Chain>,
    storage: StorageClient,
    journal: Arc<Journal>,
    tokens: Arc<TokenService>,
    registrar: Option<PrivateKeySigner>,
    settings: RegistrationSettings,
    metrics: Arc<Metrics>,
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl Registration {
    /// Registration management over these parts; without `registrar` it binds keys minted
    /// through it but can neither authorize mints nor register keys.
    pub fn new(
        chain: Arc<dyn Chain>,
        storage: StorageClient,
        tokens: Arc<TokenService>,
        registrar: Option<PrivateKeySigner>,
        settings: RegistrationSettings,
        metrics: Arc<Metrics>,
    ) -> Self {
        let journal = tokens.journal_arc();
        Self {
            chain,
            storage,
            journal,
            tokens,
            registrar,
            settings,
            metrics,
            locks: Mutex::default(),
        }
    }

    /// The registrar's address, if the node has the key.
    pub fn registrar_address(&self) -> Option<Address> {
        self.registrar.as_ref().map(PrivateKeySigner::address)
    }

    fn registrar(&self) -> Result<&PrivateKeySigner, NodeError> {
        self.registrar
            .as_ref()
            .ok_or_else(|| NodeError::Unavailable("this node has no registrar key".into()))
    }

    async fn lock(&self, name: String) -> tokio::sync::OwnedMutexGuard<()> {
        let m = {
            let mut locks = self.locks.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            locks.entry(name).or_default().clone()
        };
        m.lock_owned().await
    }

    /// A key for `minter` to mint plan `plan_id` with, and the registrar's authorization.
    /// Asking again returns the same key until a token holds it.
    pub async fn allocate(
        &self,
        minter: Address,
        plan_id: U256,
    ) -> Result<KeyAllocation, NodeError> {
        let registrar = self.registrar()?.clone();
        // Only the storefront's existing, active plans: each new (minter, plan) costs a
        // keystore key, a journal entry and a signature, so the plans bound what one address
        // can make the node allocate.
        match self.chain.plan_active(plan_id).await? {
            Some(true) => {}
            Some(false) => {
                return Err(NodeError::Conflict(format!("plan {plan_id} is not on sale")));
            }
            None => {
                return Err(NodeError::NotFound(format!("the storefront has no plan {plan_id}")));
            }
        }
        let slot = format!("{minter:#x}/{plan_id}");
        let _guard = self.lock(format!("mint:{slot}")).await;
        let mut current = self.journal.mint_allocation(&slot)?;
        // A key that ended up on a token is spent: the next mint gets the next generation.
        if let Some(a) = &current
            && let Some(peer) = &a.peer_id
        {
            let key: BtnsKey = peer.parse().map_err(|e| NodeError::Internal(format!("{e}")))?;
            if !self
                .chain
                .token_of_btns_key(key.to_bytes())
                .await
                .map_err(NodeError::from)?
                .is_zero()
            {
                current = Some(self.fresh_allocation(minter, plan_id, a.generation + 1));
            }
        }
        let mut a = current.unwrap_or_else(|| self.fresh_allocation(minter, plan_id, 0));
        // The name is durable before the keystore is touched: a crash between the two leaves
        // a name that `key_gen_or_get` finds again.
        self.journal.put_mint_allocation(&slot, &a)?;
        let key = if let Some(peer) = &a.peer_id {
            parse_generated(peer)?
        } else {
            let (peer, key) = self.named_key(&a.key_name).await?;
            a.peer_id = Some(peer);
            key
        };
        // The storefront checks the deadline against the chain's clock, not the node's.
        let now = self.chain.block_time().await?;
        let ttl = self.settings.authorization_ttl.as_secs();
        // Re-sign only when less than half the validity is left, so retries get identical answers.
        if a.signature.is_empty() || a.deadline < now + ttl / 2 {
            a.deadline = now + ttl;
            let message = MintAuthorization {
                minter,
                planId: plan_id,
                btnsKey: key.to_bytes(),
                deadline: U256::from(a.deadline),
            };
            let hash = message
                .eip712_signing_hash(&domain(self.settings.chain_id, self.settings.storefront));
            let sig = registrar
                .sign_hash_sync(&hash)
                .map_err(|e| NodeError::Internal(format!("signing: {e}")))?;
            a.signature = format!("0x{}", alloy::hex::encode(sig.as_bytes()));
        }
        self.journal.put_mint_allocation(&slot, &a)?;
        Ok(KeyAllocation {
            btns_key: key.to_base58(),
            btns_key_hex: key.to_hex(),
            minter: format!("{minter:#x}"),
            plan_id: plan_id.to_string(),
            deadline: a.deadline.to_string(),
            signature: a.signature,
            storefront: format!("{:#x}", self.settings.storefront),
            chain_id: self.settings.chain_id.to_string(),
        })
    }

    /// Serves `token_id`: binds or registers its key and publishes sequence 1. Idempotent.
    pub async fn register(&self, token_id: U256) -> Result<Registered, NodeError> {
        let result = self.register_inner(token_id).await;
        self.metrics.registration(match &result {
            Ok(_) => "ok",
            Err(NodeError::Conflict(_)) => "conflict",
            Err(_) => "error",
        });
        result
    }

    async fn register_inner(&self, token_id: U256) -> Result<Registered, NodeError> {
        let _guard = self.lock(format!("token:{token_id}")).await;
        if self.journal.token(token_id)?.is_some() {
            // Already served: make sure its head is out, and answer the same.
            let _ = self.tokens.publish_latest(token_id).await;
            return self.registered(token_id);
        }
        let state = self
            .chain
            .token(token_id)
            .await
            .map_err(NodeError::from)?
            .ok_or_else(|| NodeError::NotFound(format!("token {token_id} does not exist")))?;
        if state.sync_sequence > 0 {
            return Err(NodeError::Conflict(format!(
                "token {token_id} already synced usage (sequence {}): its head lives on the node that served it; move that node's journal and keys here instead",
                state.sync_sequence
            )));
        }
        let (key_name, key) = if state.btns_key.is_empty() {
            self.register_new_key(token_id).await?
        } else {
            let key = BtnsKey::from_bytes(&state.btns_key)?;
            let name = self.journal.key_name(&key.to_base58())?.ok_or_else(|| {
                NodeError::Conflict(format!(
                    "token {token_id}'s BTNS key {key} was not allocated by this node"
                ))
            })?;
            (name, key)
        };
        self.tokens.create_first(token_id, &key_name, key, &state).await?;
        self.registered(token_id)
    }

    /// A minter's allocation of `generation` for `plan_id`: a key name, no key yet.
    fn fresh_allocation(&self, minter: Address, plan_id: U256, generation: u32) -> MintAllocation {
        MintAllocation {
            generation,
            key_name: format!("{}-m-{minter:x}-{plan_id}-{generation}", self.settings.key_prefix),
            peer_id: None,
            deadline: 0,
            signature: String::new(),
        }
    }

    /// Generates the keystore key `name` (or finds it, after a crash), remembers which name
    /// it is, and returns its peer id as the storage node spelled it and as a BTNS key.
    async fn named_key(&self, name: &str) -> Result<(String, BtnsKey), NodeError> {
        let peer = self.storage.key_gen_or_get(name).await?;
        self.journal.put_key(&peer, name)?;
        let key = parse_generated(&peer)?;
        Ok((peer, key))
    }

    /// Allocates `<prefix>-t-<id>` and registers it on-chain as the registrar.
    async fn register_new_key(&self, token_id: U256) -> Result<(String, BtnsKey), NodeError> {
        self.registrar()?;
        let name = format!("{}-t-{token_id}", self.settings.key_prefix);
        let (_, key) = self.named_key(&name).await?;
        match self.chain.register_btns_key(token_id, key.to_bytes()).await {
            Ok(()) => Ok((name, key)),
            // A retry after the transaction was mined but before the head was written.
            Err(ChainError::Reverted(why)) if why.contains("BtnsKeyAlreadySet") => {
                let now = self.chain.token(token_id).await.map_err(NodeError::from)?;
                if now.is_some_and(|s| s.btns_key == key.to_bytes()) {
                    Ok((name, key))
                } else {
                    Err(NodeError::Conflict(format!("token {token_id} got another key meanwhile")))
                }
            }
            Err(e) => Err(NodeError::from(e)),
        }
    }

    fn registered(&self, token_id: U256) -> Result<Registered, NodeError> {
        let r = self
            .journal
            .token(token_id)?
            .ok_or_else(|| NodeError::Internal(format!("token {token_id} vanished")))?;
        Ok(Registered {
            token_id: token_id.to_string(),
            btns_key: r.btns_key.to_base58(),
            btns_key_hex: r.btns_key.to_hex(),
            sequence: r.sequence.to_string(),
            head_cid: r.head_cid,
            published: r.published_sequence >= r.sequence,
        })
    }

    /// One pass of the mint watcher: registers tokens minted since the cursor. Tokens of other
    /// nodes (keys this node did not allocate) are skipped; a chain or storage failure stops
    /// the pass without moving the cursor, so the next pass retries. Returns how many tokens
    /// were registered.
    pub async fn watch_once(&self) -> Result<usize, NodeError> {
        let latest = self.chain.latest_block().await.map_err(NodeError::from)?;
        let from = match self.journal.watch_cursor()? {
            Some(done) => done + 1,
            None => self.settings.watch_from_block,
        };
        if from > latest {
            return Ok(0);
        }
        // Bounded ranges: RPCs cap eth_getLogs spans.
        let to = latest.min(from + 9_999);
        let mut registered = 0;
        for token_id in self.chain.minted(from, to).await.map_err(NodeError::from)? {
            match self.register(token_id).await {
                Ok(_) => registered += 1,
                Err(
                    e @ (NodeError::Conflict(_)
                    | NodeError::Unavailable(_)
                    | NodeError::NotFound(_)),
                ) => {
                    tracing::debug!(%token_id, reason = %e, "minted token not served here");
                }
                Err(e) => return Err(e),
            }
        }
        self.journal.set_watch_cursor(to)?;
        Ok(registered)
    }
}

/// A peer id the storage node's `key/gen` returned, as a BTNS key.
fn parse_generated(peer: &str) -> Result<BtnsKey, NodeError> {
    peer.parse().map_err(|source| NodeError::StorageAnswer {
        what: format!("key/gen returned {peer}"),
        source,
    })
}
