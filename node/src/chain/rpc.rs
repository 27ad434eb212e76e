//! [`Chain`] over Ethereum JSON-RPC with alloy: calls through the `px-abi` bindings, the
//! registrar's transactions through a wallet provider, typed revert decoding.

use alloy::{
    network::EthereumWallet,
    primitives::{Address, B256, Bytes, U256},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::Filter,
    signers::local::PrivateKeySigner,
    sol_types::SolEvent,
};
use px_abi::{
    IPxStorageNft::{self, IPxStorageNftErrors, IPxStorageNftInstance},
    IPxStorefront,
};

use super::{BoxFuture, Chain, ChainError, ERC1271_MAGIC, Gate, IERC1271, Roles, TokenState};

/// The chain through a JSON-RPC provider.
#[derive(Debug)]
pub struct RpcChain {
    provider: DynProvider,
    core: IPxStorageNftInstance<DynProvider>,
    registrar: Option<Address>,
    // The storefront plans are read from; the core's minter when not set.
    storefront: Option<Address>,
    // One registrar transaction at a time: concurrent sends from one account would race for
    // the same nonce.
    tx_lock: tokio::sync::Mutex<()>,
}

impl RpcChain {
    /// Connects to `url`; `registrar` signs `registerBtnsKey` when given.
    pub fn connect(
        url: &str,
        core: Address,
        registrar: Option<PrivateKeySigner>,
    ) -> Result<Self, ChainError> {
        let url = url.parse().map_err(|e| ChainError::Rpc(Box::new(e)))?;
        let registrar_address = registrar.as_ref().map(PrivateKeySigner::address);
        let provider = match registrar {
            Some(signer) => ProviderBuilder::new()
                .wallet(EthereumWallet::from(signer))
                .connect_http(url)
                .erased(),
            None => ProviderBuilder::new().connect_http(url).erased(),
        };
        Ok(Self::with_provider(provider, core, registrar_address))
    }

    /// Uses `provider` (which must hold the registrar's key to register keys).
    pub fn with_provider(provider: DynProvider, core: Address, registrar: Option<Address>) -> Self {
        let core = IPxStorageNft::new(core, provider.clone());
        Self { provider, core, registrar, storefront: None, tx_lock: tokio::sync::Mutex::new(()) }
    }

    /// Reads plans from `storefront` (the address the node signs mint authorizations for).
    #[must_use]
    pub fn with_storefront(mut self, storefront: Address) -> Self {
        self.storefront = Some(storefront);
        self
    }
}

/// Maps a contract error, naming the program's custom error when it is one.
fn contract_err(e: &alloy::contract::Error) -> ChainError {
    if let Some(decoded) = e.as_decoded_interface_error::<IPxStorageNftErrors>() {
        return ChainError::Reverted(format!("{decoded:?}"));
    }
    if let Some(data) = e.as_revert_data() {
        return ChainError::Reverted(format!("0x{}", alloy::hex::encode(data)));
    }
    ChainError::Rpc(e.to_string().into())
}

fn is_nonexistent(e: &alloy::contract::Error) -> bool {
    matches!(
        e.as_decoded_interface_error::<IPxStorageNftErrors>(),
        Some(IPxStorageNftErrors::ERC721NonexistentToken(_))
    )
}

fn rpc_err(e: impl std::error::Error + Send + Sync + 'static) -> ChainError {
    ChainError::Rpc(Box::new(e))
}

impl Chain for RpcChain {
    fn chain_id(&self) -> BoxFuture<'_, Result<u64, ChainError>> {
        Box::pin(async move { self.provider.get_chain_id().await.map_err(rpc_err) })
    }

    fn latest_block(&self) -> BoxFuture<'_, Result<u64, ChainError>> {
        Box::pin(async move { self.provider.get_block_number().await.map_err(rpc_err) })
    }

    fn block_time(&self) -> BoxFuture<'_, Result<u64, ChainError>> {
        Box::pin(async move {
            let block = self
                .provider
                .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
                .await
                .map_err(rpc_err)?
                .ok_or_else(|| ChainError::Rpc("no latest block".into()))?;
            Ok(block.header.timestamp)
        })
    }

    fn core(&self) -> Address {
        *self.core.address()
    }

    fn roles(&self) -> BoxFuture<'_, Result<Roles, ChainError>> {
        Box::pin(async move {
            let r = self.core.roles().call().await.map_err(|e| contract_err(&e))?;
            Ok(Roles {
                minter: r.minter,
                registrar: r.registrar,
                syncer: r.syncer,
                renderer: r.renderer,
            })
        })
    }

    fn token(&self, token_id: U256) -> BoxFuture<'_, Result<Option<TokenState>, ChainError>> {
        Box::pin(async move {
            // usageOf reverts for a token that does not exist; the key is read beside it.
            let usage_call = self.core.usageOf(token_id);
            let key_call = self.core.btnsKeyOf(token_id);
            let (usage, key) = tokio::join!(usage_call.call(), key_call.call());
            let u = match usage {
                Ok(u) => u,
                Err(e) if is_nonexistent(&e) => return Ok(None),
                Err(e) => return Err(contract_err(&e)),
            };
            Ok(Some(TokenState {
                btns_key: key.map_err(|e| contract_err(&e))?,
                quota_bytes: u.quotaBytes,
                upload_limit: u.uploadLimit,
                used_bytes: u.usedBytes,
                upload_count: u.uploadCount,
                last_synced_at: u.lastSyncedAt,
                sync_sequence: u.syncSequence,
                metadata_digest: u.metadataDigest,
            }))
        })
    }

    fn is_authorized(
        &self,
        token_id: U256,
        account: Address,
    ) -> BoxFuture<'_, Result<bool, ChainError>> {
        Box::pin(async move {
            // syncContext answers the ERC-721 rule (owner, approved, operator) in one call.
            let ctx = self.core.syncContext(token_id, account).call().await;
            match ctx {
                Ok(ctx) => Ok(ctx.authorized),
                Err(e) if is_nonexistent(&e) => Ok(false),
                Err(e) => Err(contract_err(&e)),
            }
        })
    }

    fn can_upload(
        &self,
        token_id: U256,
        additional_bytes: u64,
    ) -> BoxFuture<'_, Result<Gate, ChainError>> {
        Box::pin(async move {
            let g = self
                .core
                .canUpload(token_id, additional_bytes)
                .call()
                .await
                .map_err(|e| contract_err(&e))?;
            Ok(Gate {
                allowed: g.allowed,
                quota_exceeded: g.quotaExceeded,
                uploads_exceeded: g.uploadsExceeded,
                sync_overdue: g.syncOverdue,
                no_btns_key: g.noBtnsKey,
                paused: g.paused,
            })
        })
    }

    fn plan_active(&self, plan_id: U256) -> BoxFuture<'_, Result<Option<bool>, ChainError>> {
        Box::pin(async move {
            let storefront = match self.storefront {
                Some(s) => s,
                None => self.core.roles().call().await.map_err(|e| contract_err(&e))?.minter,
            };
            let store = IPxStorefront::new(storefront, &self.provider);
            let count = store.planCount().call().await.map_err(|e| contract_err(&e))?;
            if plan_id >= count {
                return Ok(None);
            }
            let plan = store.plan(plan_id).call().await.map_err(|e| contract_err(&e))?;
            Ok(Some(plan.active))
        })
    }

    fn token_of_btns_key(&self, key: Bytes) -> BoxFuture<'_, Result<U256, ChainError>> {
        Box::pin(
            async move { self.core.tokenOfBtnsKey(key).call().await.map_err(|e| contract_err(&e)) },
        )
    }

    fn minted(&self, from: u64, to: u64) -> BoxFuture<'_, Result<Vec<U256>, ChainError>> {
        Box::pin(async move {
            let filter = Filter::new()
                .address(*self.core.address())
                .event_signature(IPxStorageNft::Transfer::SIGNATURE_HASH)
                .topic1(B256::ZERO)
                .from_block(from)
                .to_block(to);
            let logs = self.provider.get_logs(&filter).await.map_err(rpc_err)?;
            logs.iter()
                .map(|log| {
                    log.log_decode::<IPxStorageNft::Transfer>()
                        .map(|l| l.inner.data.tokenId)
                        .map_err(rpc_err)
                })
                .collect()
        })
    }

    fn register_btns_key(
        &self,
        token_id: U256,
        key: Bytes,
    ) -> BoxFuture<'_, Result<(), ChainError>> {
        Box::pin(async move {
            let from = self.registrar.ok_or(ChainError::NoSigner("no registrar key configured"))?;
            let _one_at_a_time = self.tx_lock.lock().await;
            let call = self.core.registerBtnsKey(token_id, key).from(from);
            // Simulate first: a revert then comes back as the program's typed error, which a
            // mined receipt does not carry.
            call.call().await.map_err(|e| contract_err(&e))?;
            let receipt = call
                .send()
                .await
                .map_err(|e| contract_err(&e))?
                .get_receipt()
                .await
                .map_err(rpc_err)?;
            if receipt.status() {
                Ok(())
            } else {
                Err(ChainError::Reverted(format!(
                    "registerBtnsKey mined with status 0 ({})",
                    receipt.transaction_hash
                )))
            }
        })
    }

    fn has_code(&self, account: Address) -> BoxFuture<'_, Result<bool, ChainError>> {
        Box::pin(async move {
            Ok(!self.provider.get_code_at(account).await.map_err(rpc_err)?.is_empty())
        })
    }

    fn is_valid_signature(
        &self,
        wallet: Address,
        hash: B256,
        signature: Bytes,
    ) -> BoxFuture<'_, Result<bool, ChainError>> {
        Box::pin(async move {
            let contract = IERC1271::new(wallet, &self.provider);
            match contract.isValidSignature(hash, signature).call().await {
                Ok(magic) => Ok(magic.0 == ERC1271_MAGIC),
                // A wallet that reverts or answers garbage does not vouch for the signature.
                Err(alloy::contract::Error::TransportError(e)) if e.as_error_resp().is_none() => {
                    Err(rpc_err(e))
                }
                Err(_) => Ok(false),
            }
        })
    }
}
