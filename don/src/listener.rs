//! The workflow's EVM log trigger: the syncing program's `SyncRequested` logs, each handed to
//! the DON once, with its block's timestamp as the report's DON time.

use std::{collections::BTreeSet, future::Future, time::Duration};

use alloy::{
    eips::BlockNumberOrTag,
    primitives::{Address, B256},
    providers::{DynProvider, Provider},
    rpc::types::Filter,
    sol_types::SolEvent,
};

use crate::{
    Error,
    don::{Don, Outcome},
    node::SyncRequest,
};

/// The request event of both sync routes (wire formats, "Sync through CRE"), from the syncing
/// program's ABI.
pub use px_abi::IPxSync::SyncRequested;

/// Decodes one `SyncRequested` log.
///
/// # Errors
/// [`Error::Request`] when the log is not a `SyncRequested`.
pub fn decode(log: &alloy::rpc::types::Log) -> Result<SyncRequest, Error> {
    let e =
        SyncRequested::decode_log_data(log.data()).map_err(|e| Error::Request(e.to_string()))?;
    Ok(SyncRequest {
        token_id: e.tokenId,
        request_id: e.requestId,
        payer: e.payer,
        route: e.route,
        btns_key: e.btnsKey,
        tx_hash: log.transaction_hash.unwrap_or_default(),
        log_index: log.log_index.unwrap_or_default(),
        block_number: log.block_number.unwrap_or_default(),
    })
}

/// Follows `program`'s `SyncRequested` logs from a block on.
pub struct Listener {
    provider: DynProvider,
    program: Address,
    next_block: u64,
    seen: BTreeSet<(B256, u64)>,
}

impl Listener {
    /// Watches `program` from `from_block` on.
    pub fn new(provider: DynProvider, program: Address, from_block: u64) -> Self {
        Self { provider, program, next_block: from_block, seen: BTreeSet::new() }
    }

    /// The requests logged since the last poll, each once, with their block's timestamp.
    ///
    /// # Errors
    /// [`Error::Chain`] when the chain does not answer.
    pub async fn poll(&mut self) -> Result<Vec<(SyncRequest, u32)>, Error> {
        let chain = |e: alloy::transports::TransportError| Error::Chain(e.to_string());
        let head = self.provider.get_block_number().await.map_err(chain)?;
        if head < self.next_block {
            return Ok(Vec::new());
        }
        let filter = Filter::new()
            .address(self.program)
            .event_signature(SyncRequested::SIGNATURE_HASH)
            .from_block(self.next_block)
            .to_block(head);
        let logs = self.provider.get_logs(&filter).await.map_err(chain)?;
        let mut out = Vec::new();
        for log in &logs {
            let request = match decode(log) {
                Ok(r) => r,
                Err(e) => {
                    tracing::warn!(error = %e, "undecodable SyncRequested log skipped");
                    continue;
                }
            };
            if !self.seen.insert((request.tx_hash, request.log_index)) {
                continue;
            }
            let block = self
                .provider
                .get_block_by_number(BlockNumberOrTag::Number(request.block_number))
                .await
                .map_err(chain)?
                .ok_or_else(|| Error::Chain(format!("block {} not found", request.block_number)))?;
            let timestamp = u32::try_from(block.header.timestamp).unwrap_or(u32::MAX);
            out.push((request, timestamp));
        }
        self.next_block = head + 1;
        Ok(out)
    }

    /// Polls every `interval` and hands each request to `don`, until `shutdown` completes.
    pub async fn run(mut self, don: &Don, interval: Duration, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        let mut ticker = tokio::time::interval(interval);
        loop {
            tokio::select! {
                () = &mut shutdown => break,
                _ = ticker.tick() => {
                    let requests = match self.poll().await {
                        Ok(r) => r,
                        Err(error) => {
                            tracing::warn!(%error, "poll failed; retrying");
                            continue;
                        }
                    };
                    for (request, timestamp) in requests {
                        let id = request.request_id;
                        match don.handle(&request, timestamp).await {
                            Outcome::Delivered { tx, signers, .. } => tracing::info!(request = %id, %tx, ?signers, "report delivered"),
                            Outcome::Ignored => tracing::debug!(request = %id, "not a CRE request"),
                            Outcome::NoQuorum(_) => tracing::warn!(request = %id, "no f + 1 identical observations; nothing sent"),
                            Outcome::Failed(error) => tracing::warn!(request = %id, %error, "report not delivered"),
                        }
                    }
                }
            }
        }
    }
}
