//! The DON: `n = 3f + 1` nodes observe a request independently, a report exists only when
//! `f + 1` of them produced identical payload bytes, the agreeing nodes sign the raw report
//! and one transmits `KeystoneForwarder.report` with exactly `f + 1` signatures, as CRE's
//! consensus and EVM write capabilities do.

use std::sync::atomic::{AtomicU32, Ordering};

use alloy::{
    primitives::{Address, B256, keccak256},
    providers::DynProvider,
    signers::local::PrivateKeySigner,
    sol_types::SolValue,
};
use futures::future::join_all;

use crate::{
    Error, forwarder,
    node::{Node, ROUTE_CRE, SyncRequest, WorkflowConfig},
    report::{self, ReportHeader, WorkflowIdentity},
};

/// Gas limit of the report transaction (the workflow's `writeReport` gas limit, `gasLimit` in
/// `cre/px-sync/config.*.json`). Measured on px-devnet with the real PxSync as receiver
/// (`scripts/bench/gas.sh`, `docs/benchmarks.md`, "Sync through CRE"): a whole
/// `KeystoneForwarder.report` with two signatures into `onReport` uses 184,610 (refresh) to
/// 207,458 gas (first sync). 400,000 leaves 1.9× that for what px-devnet does not charge
/// (Arbitrum's L1 data component, Stylus start-ups above the documented minimum), and keeps the
/// ~130,000 the forwarder needs left at `route`.
pub const WRITE_REPORT_GAS_LIMIT: u64 = 400_000;

/// What happened to one request.
#[derive(Debug)]
pub enum Outcome {
    /// Delivered: the report transaction, the execution id and which nodes signed.
    Delivered {
        /// The `report` transaction.
        tx: B256,
        /// The workflow execution id (the forwarder's transmission key, with the receiver).
        execution_id: B256,
        /// Indexes of the nodes whose signatures were sent.
        signers: Vec<usize>,
    },
    /// Fewer than `f + 1` nodes agreed: nothing was sent. Each node's result, by index.
    NoQuorum(Vec<Result<Vec<u8>, Error>>),
    /// Not a CRE request (route 2 is Direct Request's).
    Ignored,
    /// Agreed, but signing or the transmission failed.
    Failed(Error),
}

/// A local DON running the px-sync workflow.
pub struct Don {
    /// The nodes, in signer order.
    pub nodes: Vec<Node>,
    /// Faults tolerated.
    pub f: usize,
    /// The workflow's identity and the DON's forwarder configuration.
    pub identity: WorkflowIdentity,
    /// The workflow's configuration.
    pub config: WorkflowConfig,
    /// The forwarder.
    pub forwarder: Address,
    /// The receiver (the syncing program's `onReport`).
    pub receiver: Address,
    /// The transmitting node's chain connection (its wallet pays the gas).
    pub transmitter: DynProvider,
    /// Gas limit of the report transaction.
    pub gas_limit: u64,
    config_digest: B256,
    seq_nr: AtomicU32,
}

impl Don {
    /// A DON of `nodes` tolerating `f` faults; reports go through `forwarder` to `receiver`
    /// from `transmitter`'s wallet.
    ///
    /// # Errors
    /// [`Error::Config`] unless there are `3f + 1` nodes with `f >= 1`.
    pub fn new(
        nodes: Vec<Node>,
        f: usize,
        identity: WorkflowIdentity,
        config: WorkflowConfig,
        forwarder: Address,
        receiver: Address,
        transmitter: DynProvider,
    ) -> Result<Self, Error> {
        if f == 0 || nodes.len() != 3 * f + 1 {
            return Err(Error::Config(format!(
                "a DON needs 3f + 1 nodes with f >= 1, got {} nodes and f = {f}",
                nodes.len()
            )));
        }
        let signers: Vec<Address> = nodes.iter().map(|n| n.signer.address()).collect();
        let config_digest = config_digest(forwarder, &identity, f, &signers);
        Ok(Self {
            nodes,
            f,
            identity,
            config,
            forwarder,
            receiver,
            transmitter,
            gas_limit: WRITE_REPORT_GAS_LIMIT,
            config_digest,
            seq_nr: AtomicU32::new(1),
        })
    }

    /// The nodes' signing addresses (what `setConfig` takes).
    pub fn signer_addresses(&self) -> Vec<Address> {
        self.nodes.iter().map(|n| n.signer.address()).collect()
    }

    /// Runs the workflow for one request: observe, agree, sign, transmit.
    pub async fn handle(&self, request: &SyncRequest, timestamp: u32) -> Outcome {
        if request.route != ROUTE_CRE {
            return Outcome::Ignored;
        }
        let observations =
            join_all(self.nodes.iter().map(|node| node.observe(&self.config, request))).await;
        let Some((payload, agreeing)) = agreed(&observations, self.f + 1) else {
            for (i, o) in observations.iter().enumerate() {
                if let Err(e) = o {
                    tracing::warn!(node = i, error = %e, "observation failed");
                }
            }
            return Outcome::NoQuorum(observations);
        };
        let workflow_id = self.identity.workflow_id;
        let event_id = report::log_event_id(request.tx_hash, request.log_index);
        let execution_id = report::execution_id(workflow_id, &event_id);
        let header = ReportHeader::new(&self.identity, execution_id, timestamp);
        let raw_report = header.raw_report(&payload);
        let seq_nr = self.seq_nr.fetch_add(1, Ordering::Relaxed);
        let context = report::report_context(self.config_digest, seq_nr);
        let signers: Vec<usize> = agreeing.into_iter().take(self.f + 1).collect();
        let mut signatures = Vec::with_capacity(signers.len());
        for &i in &signers {
            match report::sign(&self.nodes[i].signer, &raw_report, &context) {
                Ok(s) => signatures.push(s),
                Err(e) => return Outcome::Failed(e),
            }
        }
        let call = forwarder::report_call(self.receiver, raw_report, &context, &signatures);
        match forwarder::transmit(&self.transmitter, self.forwarder, &call, self.gas_limit).await {
            Ok(tx) => Outcome::Delivered { tx, execution_id, signers },
            Err(e) => Outcome::Failed(e),
        }
    }
}

/// The payload at least `quorum` nodes produced byte for byte, and which nodes produced it.
pub fn agreed(
    observations: &[Result<Vec<u8>, Error>],
    quorum: usize,
) -> Option<(Vec<u8>, Vec<usize>)> {
    let mut groups: Vec<(&[u8], Vec<usize>)> = Vec::new();
    for (i, o) in observations.iter().enumerate() {
        let Ok(payload) = o else { continue };
        match groups.iter_mut().find(|(p, _)| *p == payload.as_slice()) {
            Some((_, members)) => members.push(i),
            None => groups.push((payload, vec![i])),
        }
    }
    groups
        .into_iter()
        .filter(|(_, members)| members.len() >= quorum)
        .max_by_key(|(_, members)| members.len())
        .map(|(p, members)| (p.to_vec(), members))
}

/// This DON's OCR config digest: a hash of everything `setConfig` fixed (a real DON's comes
/// from its OCR3 configuration; the forwarder only needs every node to sign the same one).
fn config_digest(
    forwarder: Address,
    identity: &WorkflowIdentity,
    f: usize,
    signers: &[Address],
) -> B256 {
    keccak256(
        (
            forwarder,
            identity.don_id,
            identity.config_version,
            u64::try_from(f).unwrap_or(u64::MAX),
            signers.to_vec(),
        )
            .abi_encode_params(),
    )
}

/// Development DON keys: `keccak256("px-don development signer <i>")`, public, for local
/// chains only.
pub fn dev_signers(n: usize) -> Vec<PrivateKeySigner> {
    (1..=n)
        .map(|i| {
            let secret = keccak256(format!("px-don development signer {i}"));
            PrivateKeySigner::from_bytes(&secret).unwrap_or_else(|_| PrivateKeySigner::random())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(clippy::unnecessary_wraps)] // an observation is a Result
    fn ok(b: &[u8]) -> Result<Vec<u8>, Error> {
        Ok(b.to_vec())
    }

    #[test]
    fn f_plus_one_identical_payloads_agree() {
        let obs = vec![ok(b"a"), ok(b"b"), ok(b"a"), Err(Error::Fetch("down".into()))];
        assert_eq!(agreed(&obs, 2), Some((b"a".to_vec(), vec![0, 2])));
    }

    #[test]
    fn f_identical_payloads_do_not() {
        let obs = vec![ok(b"a"), ok(b"b"), ok(b"c"), Err(Error::Fetch("down".into()))];
        assert_eq!(agreed(&obs, 2), None);
    }

    #[test]
    fn dev_signers_are_distinct_and_stable() {
        let a = dev_signers(4);
        let b = dev_signers(4);
        let addrs: Vec<Address> = a.iter().map(PrivateKeySigner::address).collect();
        assert_eq!(addrs, b.iter().map(PrivateKeySigner::address).collect::<Vec<_>>());
        let mut unique = addrs.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 4);
    }
}
