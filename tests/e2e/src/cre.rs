//! Sync through CRE as the tests and the demo see it: the request a transaction made, the
//! answer PxSync logged, the `KeystoneForwarder.report` transaction that carried it (its DON
//! signatures and gas), and reports signed with the local DON's keys the way a DON, or an
//! attacker holding some of its keys, would sign them.

use std::time::{Duration, Instant};

use alloy::{
    consensus::Transaction as _,
    primitives::{Address, B256, Bytes, U256},
    providers::{DynProvider, Provider},
    rpc::types::{Filter, TransactionReceipt},
    signers::local::PrivateKeySigner,
    sol_types::{SolCall, SolEvent},
};
use anyhow::{Context, Result, bail, ensure};
use px_abi::IPxSync;
use px_don::{
    don::WRITE_REPORT_GAS_LIMIT,
    forwarder::{self, IKeystoneForwarder},
    report::{self, ReportHeader, SyncReport, WorkflowIdentity},
};
use px_metadata::{RawBlockCid, ReportFields, UsageDocument};

use crate::environment::Environment;

/// How a sync request ended on PxSync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// `SyncFulfilled`: the usage it applied.
    Fulfilled(IPxSync::SyncFulfilled),
    /// `SyncRejected` with its reason.
    Rejected(u8),
}

/// The `SyncRequested` a request transaction logged.
///
/// # Errors
/// When the receipt has none.
pub fn requested(receipt: &TransactionReceipt) -> Result<IPxSync::SyncRequested> {
    receipt
        .inner
        .logs()
        .iter()
        .find_map(|l| IPxSync::SyncRequested::decode_log_data(l.data()).ok())
        .context("no SyncRequested in the receipt")
}

/// The answer to `request` and the transaction that logged it, if there is one yet.
///
/// # Errors
/// When the chain does not answer.
pub async fn answer(env: &Environment, request: B256) -> Result<Option<(Answer, B256)>> {
    let provider = env.provider(&env.owner)?;
    let filter = Filter::new()
        .address(env.deployment.sync)
        .event_signature(vec![
            IPxSync::SyncFulfilled::SIGNATURE_HASH,
            IPxSync::SyncRejected::SIGNATURE_HASH,
        ])
        .topic2(request)
        .from_block(env.deployment.start_block);
    let Some(log) = provider.get_logs(&filter).await?.into_iter().next() else {
        return Ok(None);
    };
    let tx = log.transaction_hash.context("log without transaction")?;
    let answer = match IPxSync::SyncFulfilled::decode_log_data(log.data()) {
        Ok(fulfilled) => Answer::Fulfilled(fulfilled),
        Err(_) => Answer::Rejected(IPxSync::SyncRejected::decode_log_data(log.data())?.reason),
    };
    Ok(Some((answer, tx)))
}

/// Waits up to `timeout` for the answer to `request`.
///
/// # Errors
/// When none comes; the error carries the DON's log.
pub async fn wait_answer(
    env: &Environment,
    request: B256,
    timeout: Duration,
) -> Result<(Answer, B256)> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(found) = answer(env, request).await? {
            return Ok(found);
        }
        if Instant::now() > deadline {
            bail!("request {request} got no answer within {timeout:?}; px-don:\n{}", env.don_log());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A `KeystoneForwarder.report` transaction, as a DON operator would read it.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The transaction.
    pub tx: B256,
    /// Who sent it (the DON's transmitter).
    pub from: Address,
    /// The forwarder it called.
    pub to: Address,
    /// Its receiver (`report`'s first argument).
    pub receiver: Address,
    /// How many DON signatures it carried.
    pub signatures: usize,
    /// Gas the whole transaction used (forwarder, `onReport`, the core's `applyUsage`).
    pub gas_used: u64,
    /// The gas limit it was sent with (the workflow's `writeReport` gas limit).
    pub gas_limit: u64,
}

/// Reads the report transaction `tx`.
///
/// # Errors
/// When it is unknown or not a `report` call.
pub async fn delivery(env: &Environment, tx: B256) -> Result<Delivery> {
    let provider = env.provider(&env.owner)?;
    let sent = provider.get_transaction_by_hash(tx).await?.context("unknown transaction")?;
    let receipt = provider.get_transaction_receipt(tx).await?.context("no receipt")?;
    let call = IKeystoneForwarder::reportCall::abi_decode(sent.input())
        .context("not a KeystoneForwarder.report call")?;
    Ok(Delivery {
        tx,
        from: sent.inner.signer(),
        to: sent.to().context("a creation, not a call")?,
        receiver: call.receiver,
        signatures: call.signatures.len(),
        gas_used: receipt.gas_used,
        gas_limit: sent.gas_limit(),
    })
}

/// The node's current head for `token`: the document and its exact bytes.
///
/// # Errors
/// When the node does not answer.
pub async fn head(env: &Environment, token: U256) -> Result<(UsageDocument, Vec<u8>)> {
    let head = px_node_api::NodeClient::new(&env.node_url).usage(token).await?;
    Ok((UsageDocument::from_json(&head.bytes)?, head.bytes))
}

/// The report payload the DON builds from a head document for `request`.
pub fn payload_of(request: B256, token: U256, doc: &UsageDocument, bytes: &[u8]) -> SyncReport {
    SyncReport {
        request_id: request,
        token_id: token,
        sequence: doc.sequence,
        used_bytes: doc.used_bytes,
        upload_count: doc.upload_count,
        metadata_digest: RawBlockCid::of(bytes).digest(),
        signatures: Bytes::copy_from_slice(&doc.signature.to_bytes()),
    }
}

/// A `UsageReport` signature by `signer` over `fields` (what a PX node signs).
///
/// # Errors
/// When the key cannot sign.
pub fn usage_signature(fields: &ReportFields, signer: &PrivateKeySigner) -> Result<Bytes> {
    Ok(Bytes::copy_from_slice(&fields.sign(signer)?.to_bytes()))
}

/// Signs and sends reports through the deployment's forwarder with the local DON's keys, from
/// the DON's transmitter, outside px-don: what the adversary scenarios need.
pub struct Forger {
    /// The identity the deployment's receiver expects.
    pub identity: WorkflowIdentity,
    /// The DON's node keys, in configuration order.
    pub signers: Vec<PrivateKeySigner>,
    forwarder: Address,
    receiver: Address,
    transmitter: DynProvider,
    executions: std::sync::atomic::AtomicU64,
}

/// A report signed and ready for the forwarder.
#[derive(Debug, Clone)]
pub struct Signed {
    /// The execution id (with the receiver and report id, the forwarder's transmission key).
    pub execution_id: B256,
    /// Header and payload.
    pub raw: Vec<u8>,
    /// The report context the signatures cover.
    pub context: [u8; 96],
    /// The signatures sent.
    pub signatures: Vec<[u8; 65]>,
}

impl Forger {
    /// A forger for `env`'s deployment.
    ///
    /// # Errors
    /// When the deployment has no local DON.
    pub fn new(env: &Environment) -> Result<Self> {
        let cre = &env.deployment.cre;
        let don = cre.don.as_ref().context("the deployment has no local DON")?;
        Ok(Self {
            identity: WorkflowIdentity {
                workflow_id: cre.workflow_id,
                workflow_name: cre.workflow_name.clone(),
                workflow_owner: cre.workflow_owner,
                don_id: don.don_id,
                config_version: don.config_version,
            },
            signers: env.don_signers(),
            forwarder: cre.forwarder,
            receiver: env.deployment.sync,
            transmitter: env.provider(&Environment::don_transmitter())?,
            executions: std::sync::atomic::AtomicU64::new(1),
        })
    }

    /// `payload` under `identity`, a fresh execution id, signed by the nodes `by` (indexes).
    ///
    /// # Errors
    /// When a key cannot sign.
    pub fn sign(
        &self,
        identity: &WorkflowIdentity,
        payload: &[u8],
        by: &[usize],
    ) -> Result<Signed> {
        let n = self.executions.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let execution_id = report::execution_id(identity.workflow_id, &format!("forged-{n}"));
        let raw = ReportHeader::new(identity, execution_id, 1_700_000_000).raw_report(payload);
        let context = report::report_context(B256::repeat_byte(0xc0), u32::try_from(n)?);
        let signatures = by
            .iter()
            .map(|&i| report::sign(&self.signers[i], &raw, &context))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Signed { execution_id, raw, context, signatures })
    }

    fn call(&self, signed: &Signed) -> IKeystoneForwarder::reportCall {
        forwarder::report_call(
            self.receiver,
            signed.raw.clone(),
            &signed.context,
            &signed.signatures,
        )
    }

    /// What the forwarder answers `signed` with, without sending it: `Ok` when it would go
    /// through, else its named error.
    ///
    /// # Errors
    /// When the chain does not answer or the refusal is not one of the forwarder's errors.
    pub async fn dry_run(
        &self,
        signed: &Signed,
    ) -> Result<std::result::Result<(), IKeystoneForwarder::IKeystoneForwarderErrors>> {
        let fwd = IKeystoneForwarder::new(self.forwarder, self.transmitter.clone());
        let c = self.call(signed);
        match fwd
            .report(c.receiver, c.rawReport, c.reportContext, c.signatures)
            .gas(WRITE_REPORT_GAS_LIMIT)
            .call()
            .await
        {
            Ok(_) => Ok(Ok(())),
            Err(e) => e
                .as_decoded_interface_error::<IKeystoneForwarder::IKeystoneForwarderErrors>()
                .map(Err)
                .with_context(|| format!("not a forwarder error: {e}")),
        }
    }

    /// Sends `signed` through the forwarder with the workflow's gas limit; the mined receipt.
    ///
    /// # Errors
    /// When the forwarder refuses it (the transaction reverts).
    pub async fn send(&self, signed: &Signed) -> Result<TransactionReceipt> {
        let tx = forwarder::transmit(
            &self.transmitter,
            self.forwarder,
            &self.call(signed),
            WRITE_REPORT_GAS_LIMIT,
        )
        .await?;
        self.transmitter.get_transaction_receipt(tx).await?.context("no receipt")
    }

    /// What the forwarder recorded for `signed`.
    ///
    /// # Errors
    /// When the chain does not answer.
    pub async fn state(&self, signed: &Signed) -> Result<IKeystoneForwarder::TransmissionState> {
        let fwd = IKeystoneForwarder::new(self.forwarder, self.transmitter.clone());
        let info = fwd
            .getTransmissionInfo(self.receiver, signed.execution_id, report::REPORT_ID.into())
            .call()
            .await?;
        Ok(info.state)
    }

    /// Why PxSync refuses `signed` when the forwarder calls it: its named error, or `None` when
    /// it accepts. The forwarder ignores the receiver's revert data, so this replays the call as
    /// an `eth_call` of `onReport` from the forwarder's address; px-devnet (like every node
    /// since EIP-3607) refuses calls from an account with code, so the forwarder's code is
    /// cleared inside a snapshot that is reverted at once (nothing is mined in between: px-don
    /// is stopped while forged reports run).
    ///
    /// # Errors
    /// When the chain does not answer or the refusal is not one of PxSync's errors.
    pub async fn receiver_refusal(
        &self,
        signed: &Signed,
    ) -> Result<Option<IPxSync::IPxSyncErrors>> {
        let sync = IPxSync::new(self.receiver, self.transmitter.clone());
        let metadata =
            Bytes::copy_from_slice(&signed.raw[report::METADATA_OFFSET..report::HEADER_LENGTH]);
        let payload = Bytes::copy_from_slice(&signed.raw[report::HEADER_LENGTH..]);
        let snapshot: U256 = self.transmitter.raw_request("evm_snapshot".into(), ()).await?;
        let _: serde_json::Value = self
            .transmitter
            .raw_request("anvil_setCode".into(), (self.forwarder, Bytes::new()))
            .await?;
        let called = sync.onReport(metadata, payload).from(self.forwarder).call().await;
        let reverted: bool = self.transmitter.raw_request("evm_revert".into(), (snapshot,)).await?;
        ensure!(reverted, "the snapshot around the replayed call was not restored");
        match called {
            Ok(_) => Ok(None),
            Err(e) => e
                .as_decoded_interface_error::<IPxSync::IPxSyncErrors>()
                .map(Some)
                .with_context(|| format!("not a PxSync error: {e}")),
        }
    }
}

/// Publishes `bytes` (one raw block) as `token`'s head under the key the node holds for it, as
/// whoever holds that key could.
///
/// # Errors
/// When IPFS or the chain does not answer, or the node holds no key for the token.
pub async fn publish_head(env: &Environment, token: U256, bytes: Vec<u8>) -> Result<()> {
    let provider = env.provider(&env.owner)?;
    let key =
        px_abi::IPxStorageNft::new(env.deployment.core, &provider).btnsKeyOf(token).call().await?;
    let id = px_metadata::BtnsKey::from_bytes(&key)?.to_base58();
    let list: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/api/v0/key/list", env.ipfs.api_url()))
        .send()
        .await?
        .json()
        .await?;
    let name = list["Keys"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|k| k["Id"] == id)
        .and_then(|k| k["Name"].as_str())
        .context("the node's key for the token")?
        .to_owned();
    let cid = env.ipfs.add_raw(bytes).await.map_err(|e| anyhow::anyhow!("IPFS add: {e}"))?;
    env.ipfs.publish(&name, &cid).await.map_err(|e| anyhow::anyhow!("IPFS publish: {e}"))?;
    Ok(())
}
