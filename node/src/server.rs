//! Wiring: [`NodeParts`] (the chain, the storage node, keys, settings) become a [`Node`]; its
//! [`Node::serve`] replays unfinished publishes, starts the background tasks (mint watcher,
//! publish retries, republishing, session purge), serves HTTP until the injected shutdown
//! future resolves, then stops the tasks.

use std::{future::Future, path::PathBuf, sync::Arc, time::Duration};

use alloy::{primitives::Address, signers::local::PrivateKeySigner};
use axum::Router;
use tokio::{net::TcpListener, sync::watch};

use px_storage_client::StorageClient;

use crate::{
    api::{self, AppState, HttpSettings, NodeInfo, body::BodyPace, limits::Limits},
    auth::{Auth, AuthSettings},
    chain::{Chain, RpcChain},
    config::Config,
    journal::Journal,
    listener::{self, ListenerSettings},
    metrics::Metrics,
    registration::{Registration, RegistrationSettings},
    tokens::{TokenService, TokenSettings},
};

/// Settings that are not parts: durations, limits, names.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Domain of sign-in messages.
    pub siwe_domain: String,
    /// Nonce lifetime.
    pub nonce_ttl: Duration,
    /// Most outstanding nonces.
    pub max_nonces: usize,
    /// Most outstanding nonces of one client.
    pub max_nonces_per_client: usize,
    /// Longest session.
    pub session_ttl: Duration,
    /// Record lifetime of publications.
    pub record_lifetime: Duration,
    /// Republish interval.
    pub republish_interval: Duration,
    /// Period of the watcher and publish retries.
    pub watch_interval: Duration,
    /// Whether to watch mints.
    pub watch_mints: bool,
    /// First block to watch on a fresh journal.
    pub watch_from_block: u64,
    /// Validity of mint authorizations.
    pub authorization_ttl: Duration,
    /// CORS origins.
    pub cors_origins: Vec<String>,
    /// Most concurrent requests (past the cheap checks).
    pub max_concurrent_requests: usize,
    /// Most requests of one client in flight.
    pub max_requests_per_client: usize,
    /// Most open connections of one client.
    pub max_connections_per_client: usize,
    /// Longest wait for a request head (also closes idle keep-alive connections).
    pub header_read_timeout: Duration,
    /// Longest wait for the next piece of a request body.
    pub body_stall_timeout: Duration,
    /// Lowest average request-body rate in bytes per second after the first stall timeout
    /// (0: none).
    pub min_body_rate: u64,
    /// Prefix of key names in the storage node's keystore.
    pub key_prefix: String,
    /// How long unreferenced CIDs stay pinned.
    pub unpin_grace: Duration,
}

impl Settings {
    /// The settings of `config`.
    pub fn from_config(c: &Config) -> Self {
        Self {
            siwe_domain: c.siwe_domain.clone(),
            nonce_ttl: c.nonce_ttl(),
            max_nonces: c.max_nonces,
            max_nonces_per_client: c.max_nonces_per_client,
            session_ttl: c.session_ttl(),
            record_lifetime: Duration::from_secs(c.record_lifetime_secs),
            republish_interval: Duration::from_secs(c.republish_interval_secs),
            watch_interval: Duration::from_millis(c.watch_interval_ms),
            watch_mints: c.watch_mints,
            watch_from_block: c.watch_from_block,
            authorization_ttl: Duration::from_secs(c.mint_authorization_ttl_secs),
            cors_origins: c.cors_origins.clone(),
            max_concurrent_requests: c.max_concurrent_requests,
            max_requests_per_client: c.max_requests_per_client,
            max_connections_per_client: c.max_connections_per_client,
            header_read_timeout: Duration::from_secs(c.header_read_timeout_secs),
            body_stall_timeout: Duration::from_secs(c.body_stall_timeout_secs),
            min_body_rate: c.min_body_rate,
            key_prefix: c.key_prefix.clone(),
            unpin_grace: Duration::from_secs(c.unpin_grace_secs),
        }
    }
}

impl Default for Settings {
    /// The binary's defaults (domain `localhost`).
    fn default() -> Self {
        Self {
            siwe_domain: "localhost".into(),
            nonce_ttl: Duration::from_mins(5),
            max_nonces: 100_000,
            max_nonces_per_client: 32,
            session_ttl: Duration::from_mins(15),
            record_lifetime: Duration::from_hours(24),
            republish_interval: Duration::from_hours(12),
            watch_interval: Duration::from_secs(2),
            watch_mints: true,
            watch_from_block: 0,
            authorization_ttl: Duration::from_hours(1),
            cors_origins: vec!["*".into()],
            max_concurrent_requests: 256,
            max_requests_per_client: 32,
            max_connections_per_client: 64,
            header_read_timeout: Duration::from_secs(10),
            body_stall_timeout: Duration::from_secs(30),
            min_body_rate: 1024,
            key_prefix: "px".into(),
            unpin_grace: Duration::from_hours(24),
        }
    }
}

/// Everything a node is made of.
pub struct NodeParts {
    /// The chain.
    pub chain: Arc<dyn Chain>,
    /// Chain id (checked against the chain by [`run`]).
    pub chain_id: u64,
    /// The storefront (verifying contract of mint authorizations).
    pub storefront: Address,
    /// The storage node.
    pub storage: StorageClient,
    /// Where the journal lives.
    pub journal_path: PathBuf,
    /// The usage signer.
    pub usage_signer: PrivateKeySigner,
    /// The registrar, if this node manages registrations.
    pub registrar: Option<PrivateKeySigner>,
    /// Settings.
    pub settings: Settings,
}

/// A node, ready to serve.
#[derive(Debug, Clone)]
pub struct Node {
    state: Arc<AppState>,
    settings: Settings,
}

impl Node {
    /// Opens the journal and builds the services.
    pub fn build(parts: NodeParts) -> Result<Self, crate::NodeError> {
        let metrics = Arc::new(Metrics::new());
        let journal = Arc::new(Journal::open(&parts.journal_path)?);
        let core = parts.chain.core();
        let s = &parts.settings;
        let tokens = Arc::new(TokenService::new(
            parts.chain.clone(),
            parts.storage.clone(),
            journal,
            parts.usage_signer.clone(),
            TokenSettings {
                chain_id: parts.chain_id,
                core,
                record_lifetime: s.record_lifetime,
                republish_interval: s.republish_interval,
                unpin_grace: s.unpin_grace,
            },
            metrics.clone(),
        ));
        let registration = Arc::new(Registration::new(
            parts.chain.clone(),
            parts.storage.clone(),
            tokens.clone(),
            parts.registrar.clone(),
            RegistrationSettings {
                chain_id: parts.chain_id,
                storefront: parts.storefront,
                authorization_ttl: s.authorization_ttl,
                watch_from_block: s.watch_from_block,
                key_prefix: s.key_prefix.clone(),
            },
            metrics.clone(),
        ));
        let auth = Arc::new(Auth::new(
            AuthSettings {
                domain: s.siwe_domain.clone(),
                chain_id: parts.chain_id,
                nonce_ttl: s.nonce_ttl,
                max_nonces: s.max_nonces,
                max_nonces_per_client: s.max_nonces_per_client,
                session_ttl: s.session_ttl,
            },
            parts.chain.clone(),
            metrics.clone(),
        ));
        let info = NodeInfo {
            chain_id: parts.chain_id.to_string(),
            core: format!("{core:#x}"),
            storefront: format!("{:#x}", parts.storefront),
            usage_signer: format!("{:#x}", parts.usage_signer.address()),
            registrar: parts.registrar.as_ref().map(|r| format!("{:#x}", r.address())),
            siwe_domain: s.siwe_domain.clone(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
        };
        let state = Arc::new(AppState {
            tokens,
            registration,
            auth,
            metrics,
            chain: parts.chain,
            storage: parts.storage,
            info,
            limits: Limits::new(s.max_requests_per_client, s.max_concurrent_requests),
        });
        Ok(Self { state, settings: parts.settings })
    }

    /// The shared state.
    pub fn state(&self) -> Arc<AppState> {
        self.state.clone()
    }

    /// The HTTP router.
    pub fn router(&self) -> Router {
        api::app(
            self.state.clone(),
            &HttpSettings {
                cors_origins: self.settings.cors_origins.clone(),
                body_pace: BodyPace {
                    stall: self.settings.body_stall_timeout,
                    min_rate: self.settings.min_body_rate,
                },
            },
        )
    }

    /// Replays heads committed but never published (a crash between storing a file and
    /// publishing its head), after re-signing heads of a previous usage signer; returns how
    /// many were published.
    pub async fn replay(&self) -> Result<usize, crate::NodeError> {
        let resigned = self.state.tokens.resign_stale()?;
        if resigned > 0 {
            tracing::info!(resigned, "re-signed heads of a previous usage signer");
        }
        let pending = self.state.tokens.journal().pending()?.len();
        let done = self.state.tokens.publish_pending().await?;
        tracing::info!(pending, published = done, "replayed unfinished publishes");
        Ok(done)
    }

    /// Replays, starts the background tasks and serves on `listener` until `shutdown`
    /// resolves; requests in flight then finish before it returns.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        if let Err(e) = self.replay().await {
            tracing::warn!(error = %e, "replay failed; the background task retries");
        }
        let (stop_tx, stop_rx) = watch::channel(false);
        let tasks = self.spawn_tasks(&stop_rx);
        let limits = ListenerSettings {
            header_read_timeout: self.settings.header_read_timeout,
            max_connections_per_client: self.settings.max_connections_per_client,
        };
        let result = listener::serve(listener, self.router(), limits, shutdown).await;
        let _ = stop_tx.send(true);
        for task in tasks {
            let _ = task.await;
        }
        result
    }

    fn spawn_tasks(&self, stop: &watch::Receiver<bool>) -> Vec<tokio::task::JoinHandle<()>> {
        let period = self.settings.watch_interval;
        let state = self.state.clone();
        let mut tasks = vec![every(period, stop.clone(), move || {
            let s = state.clone();
            async move {
                if let Err(e) = s.tokens.publish_pending().await {
                    tracing::warn!(error = %e, "publish retry failed");
                }
                match s.tokens.sweep_unpins().await {
                    Ok(n) if n > 0 => tracing::info!(unpinned = n, "unpinned unreferenced CIDs"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "unpin sweep failed"),
                }
                s.auth.purge();
            }
        })];
        // Checking often is cheap: only heads older than the interval are republished.
        let check = (self.settings.republish_interval / 8)
            .clamp(Duration::from_millis(100), Duration::from_mins(10));
        let state = self.state.clone();
        tasks.push(every(check, stop.clone(), move || {
            let s = state.clone();
            async move {
                match s.tokens.republish_due().await {
                    Ok(n) if n > 0 => tracing::info!(republished = n, "republished heads"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "republish failed"),
                }
            }
        }));
        if self.settings.watch_mints {
            let state = self.state.clone();
            tasks.push(every(period, stop.clone(), move || {
                let s = state.clone();
                async move {
                    match s.registration.watch_once().await {
                        Ok(n) if n > 0 => {
                            tracing::info!(registered = n, "registered minted tokens");
                        }
                        Ok(_) => {}
                        Err(e) => tracing::warn!(error = %e, "mint watcher failed; retrying"),
                    }
                }
            }));
        }
        tasks
    }
}

/// Runs `job` every `period` until `stop` turns true.
fn every<F, Fut>(
    period: Duration,
    mut stop: watch::Receiver<bool>,
    job: F,
) -> tokio::task::JoinHandle<()>
where
    F: Fn() -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = stop.changed() => return,
                () = tokio::time::sleep(period) => job().await,
            }
        }
    })
}

/// Builds a node from `config` (JSON-RPC chain, HTTP storage node), checks the chain id and
/// the roles, binds and serves until `shutdown`.
pub async fn run(
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    config.validate()?;
    let usage_signer = config.usage_signer()?;
    let registrar = config.registrar()?;
    let chain = RpcChain::connect(&config.rpc_url, config.core, registrar.clone())?;
    let chain_id = chain
        .chain_id()
        .await
        .map_err(|e| anyhow::anyhow!("cannot reach the chain at {}: {e}", config.rpc_url))?;
    let roles =
        chain.roles().await.map_err(|e| anyhow::anyhow!("cannot read the core's roles: {e}"))?;
    if let Some(r) = &registrar
        && r.address() != roles.registrar
    {
        tracing::warn!(configured = %r.address(), core = %roles.registrar, "the registrar key is not the core's registrar: registerBtnsKey and mint authorizations will be refused");
    }
    let storefront = config.storefront.unwrap_or(roles.minter);
    // The one place the node learns its contracts' addresses; plans are read there too.
    let chain = Arc::new(chain.with_storefront(storefront));
    let storage = StorageClient::new(
        &config.storage_api_url,
        &config.storage_api_prefix,
        &config.storage_path_prefix,
    )?;
    std::fs::create_dir_all(&config.data_dir)?;
    let node = Node::build(NodeParts {
        chain,
        chain_id,
        storefront,
        storage,
        journal_path: config.data_dir.join("journal.redb"),
        usage_signer,
        registrar,
        settings: Settings::from_config(&config),
    })?;
    let listener = TcpListener::bind((config.host, config.port)).await?;
    tracing::info!(addr = %listener.local_addr()?, chain_id, core = %config.core, "px-node listening");
    node.serve(listener, shutdown).await?;
    tracing::info!("px-node stopped");
    Ok(())
}
