//! Watching the Operator for the job's requests and answering them.

use std::{collections::BTreeSet, future::Future, pin::Pin, sync::Arc, time::Duration};

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, B256, Bytes, U256},
    providers::{DynProvider, Provider},
    rpc::types::{Filter, TransactionRequest},
    sol_types::SolEvent,
};

use px_abi::chainlink::OperatorInterface::OracleRequest;

use crate::{
    Error,
    dot::Pipeline,
    runner,
    spec::{JobSpec, NODE_MIN_CONTRACT_PAYMENT, Rejection},
    tasks::{Submitter, TaskContext},
};

/// Sends `ethtx` transactions from the node's key through a provider that holds it.
pub struct ChainSubmitter {
    provider: DynProvider,
}

impl ChainSubmitter {
    /// A submitter over a provider with the node's wallet.
    pub fn new(provider: DynProvider) -> Self {
        Self { provider }
    }
}

impl Submitter for ChainSubmitter {
    fn send(
        &self,
        to: Address,
        data: Bytes,
        gas_limit: u64,
    ) -> Pin<Box<dyn Future<Output = Result<B256, Error>> + Send + '_>> {
        Box::pin(async move {
            let tx = TransactionRequest::default()
                .with_to(to)
                .with_input(data)
                .with_gas_limit(gas_limit);
            let pending = self
                .provider
                .send_transaction(tx)
                .await
                .map_err(|e| Error::Chain(e.to_string()))?;
            let receipt = pending.get_receipt().await.map_err(|e| Error::Chain(e.to_string()))?;
            if !receipt.status() {
                tracing::warn!(tx = %receipt.transaction_hash, "the fulfilment transaction reverted");
            }
            Ok(receipt.transaction_hash)
        })
    }
}

/// What happened to one request.
#[derive(Debug)]
pub struct Outcome {
    /// The Operator's request id.
    pub request_id: B256,
    /// The fulfilment transaction, or why the run failed or was not started
    /// ([`Error::Rejected`]: nothing was sent).
    pub result: Result<B256, Error>,
}

/// Follows the chain from a block on and runs the job for each of its requests once.
pub struct Listener {
    provider: DynProvider,
    spec: JobSpec,
    pipeline: Pipeline,
    ctx: TaskContext,
    node_min_payment: U256,
    next_block: u64,
    seen: BTreeSet<(B256, u64)>,
}

impl Listener {
    /// A listener for the requests to the job sent to its Operator (`contractAddress`), from
    /// `from_block` on; a job without `minContractPaymentLinkJuels` asks for a Chainlink node's
    /// default minimum ([`NODE_MIN_CONTRACT_PAYMENT`]).
    pub fn new(
        provider: DynProvider,
        spec: JobSpec,
        pipeline: Pipeline,
        ctx: TaskContext,
        from_block: u64,
    ) -> Self {
        Self {
            provider,
            spec,
            pipeline,
            ctx,
            node_min_payment: NODE_MIN_CONTRACT_PAYMENT,
            next_block: from_block,
            seen: BTreeSet::new(),
        }
    }

    /// Sets the minimum payment for jobs that set none (a node's `MinContractPayment`).
    #[must_use]
    pub fn with_node_min_payment(mut self, juels: U256) -> Self {
        self.node_min_payment = juels;
        self
    }

    /// Handles the requests confirmed since the last poll.
    ///
    /// # Errors
    /// [`Error::Chain`] when the chain does not answer; a failed run is an [`Outcome`], not an
    /// error.
    pub async fn poll(&mut self) -> Result<Vec<Outcome>, Error> {
        let head =
            self.provider.get_block_number().await.map_err(|e| Error::Chain(e.to_string()))?;
        // A log in block b has head - b + 1 confirmations.
        let confirmations = self.spec.min_incoming_confirmations.max(1);
        let Some(confirmed) = (head + 1).checked_sub(confirmations) else { return Ok(Vec::new()) };
        if confirmed < self.next_block {
            return Ok(Vec::new());
        }
        let filter = Filter::new()
            .address(self.spec.contract_address)
            .event_signature(OracleRequest::SIGNATURE_HASH)
            .topic1(self.spec.spec_ids().to_vec())
            .from_block(self.next_block)
            .to_block(confirmed);
        let logs =
            self.provider.get_logs(&filter).await.map_err(|e| Error::Chain(e.to_string()))?;
        let mut outcomes = Vec::new();
        for log in logs {
            let key = (log.transaction_hash.unwrap_or_default(), log.log_index.unwrap_or_default());
            if !self.seen.insert(key) {
                continue;
            }
            let topics = log.topics().to_vec();
            let data = log.data().data.clone();
            let (request_id, result) = match self.admit(&topics, &data) {
                Ok(request_id) => {
                    let result = self.fulfil(&topics, &data).await;
                    (request_id, result)
                }
                Err((request_id, rejection)) => {
                    tracing::info!(%request_id, %rejection, "rejected run; nothing sent");
                    (request_id, Err(Error::Rejected(rejection)))
                }
            };
            match &result {
                Ok(tx) => tracing::info!(%request_id, %tx, "request fulfilled"),
                Err(Error::Rejected(_)) => {}
                Err(error) => tracing::warn!(%request_id, %error, "run failed; nothing sent"),
            }
            outcomes.push(Outcome { request_id, result });
        }
        self.next_block = confirmed + 1;
        Ok(outcomes)
    }

    /// The request id of an `OracleRequest` log the job admits, or why it does not run
    /// ([`JobSpec::admit`], with the node's minimum for a job that sets none).
    fn admit(&self, topics: &[B256], data: &Bytes) -> Result<B256, (B256, Rejection)> {
        let request = OracleRequest::decode_raw_log(topics.iter().copied(), data)
            .map_err(|e| (B256::ZERO, Rejection::Malformed(e.to_string())))?;
        self.spec
            .admit(request.requester, request.payment, self.node_min_payment)
            .map(|()| request.requestId)
            .map_err(|rejection| (request.requestId, rejection))
    }

    /// Runs the pipeline for one admitted log; the hash of the transaction it sent.
    async fn fulfil(&self, topics: &[B256], data: &Bytes) -> Result<B256, Error> {
        let vars = runner::run(&self.spec, &self.pipeline, topics, data, &self.ctx).await?;
        let last = self.pipeline.order().last().map(|t| t.name.clone()).unwrap_or_default();
        let hash = vars.get(&last)?.as_str().unwrap_or_default().parse();
        hash.map_err(|e| Error::Chain(format!("{e}")))
    }

    /// Polls every `interval` until `shutdown` completes.
    pub async fn run(mut self, interval: Duration, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        let mut ticker = tokio::time::interval(interval);
        loop {
            tokio::select! {
                () = &mut shutdown => break,
                _ = ticker.tick() => {
                    if let Err(error) = self.poll().await {
                        tracing::warn!(%error, "poll failed; retrying");
                    }
                }
            }
        }
    }
}

/// A shared submitter, for [`TaskContext::submitter`].
pub fn submitter(provider: DynProvider) -> Arc<dyn Submitter> {
    Arc::new(ChainSubmitter::new(provider))
}
