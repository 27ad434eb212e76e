//! Mining: headers (with real transaction and receipt roots), receipts, and log queries.

use alloy::{
    consensus::{
        Eip658Value, Header, Receipt as ConsensusReceipt, ReceiptEnvelope, ReceiptWithBloom,
        Transaction, TxEnvelope, TxReceipt,
        constants::EMPTY_OMMER_ROOT_HASH,
        proofs::{calculate_receipt_root, calculate_transaction_root},
    },
    primitives::{Bloom, logs_bloom},
    rpc::types::{Filter, Log as RpcLog},
};
use revm::{
    context::result::ExecutionResult,
    primitives::{B256, Bytes, Log, U256},
};

use super::{COINBASE, Chain, MinedBlock, MinedTx, Receipt, tx::PreparedTx};

impl Chain {
    /// Appends a block holding `envelopes` with `receipts` and returns its hash.
    pub(super) fn push_block(
        &mut self,
        timestamp: u64,
        envelopes: &[TxEnvelope],
        receipts: &[ReceiptEnvelope],
    ) -> B256 {
        let parent = self.blocks.last();
        let number = parent.map_or(0, |b| b.header.number + 1);
        let parent_hash = parent.map_or(B256::ZERO, |b| b.hash);
        let mut bloom = Bloom::default();
        for r in receipts {
            bloom.accrue_bloom(r.logs_bloom());
        }
        let header = Header {
            parent_hash,
            ommers_hash: EMPTY_OMMER_ROOT_HASH,
            beneficiary: COINBASE,
            transactions_root: calculate_transaction_root(envelopes),
            receipts_root: calculate_receipt_root(receipts),
            logs_bloom: bloom,
            difficulty: U256::from(1),
            number,
            gas_limit: self.config.block_gas_limit,
            gas_used: receipts.iter().map(TxReceipt::cumulative_gas_used).max().unwrap_or(0),
            timestamp,
            base_fee_per_gas: Some(self.config.base_fee),
            ..Header::default()
        };
        let hash = header.hash_slow();
        self.db.cache.block_hashes.insert(U256::from(number), hash);
        let txs = envelopes.iter().map(|e| *e.tx_hash()).collect();
        self.blocks.push(MinedBlock { header, hash, txs });
        hash
    }

    /// Mines the block of one executed transaction and records it.
    pub(super) fn push_tx_block(
        &mut self,
        timestamp: u64,
        tx: &PreparedTx,
        result: &ExecutionResult,
    ) -> Receipt {
        let success = result.is_success();
        let gas_used = result.tx_gas_used();
        let logs = if success { result.logs().to_vec() } else { Vec::new() };
        let consensus = ConsensusReceipt {
            status: Eip658Value::Eip658(success),
            cumulative_gas_used: gas_used,
            logs: logs.clone(),
        };
        let with_bloom = ReceiptWithBloom::new(consensus, logs_bloom(logs.iter()));
        let envelope = ReceiptEnvelope::from_typed(tx.envelope.tx_type(), with_bloom);
        let block_hash =
            self.push_block(timestamp, std::slice::from_ref(&tx.envelope), &[envelope]);
        let to = tx.envelope.to();
        let receipt = Receipt {
            tx_hash: tx.hash,
            from: tx.from,
            to,
            block_number: self.block_number(),
            block_hash,
            index: 0,
            success,
            gas_used,
            effective_gas_price: tx.envelope.effective_gas_price(Some(self.config.base_fee)),
            contract_address: if success { result.created_address() } else { None },
            logs,
            output: result.output().cloned().unwrap_or_else(Bytes::new),
        };
        self.txs
            .insert(tx.hash, MinedTx { envelope: tx.envelope.clone(), receipt: receipt.clone() });
        receipt
    }

    /// Logs of mined transactions matching `filter` (block range or hash, addresses, topics).
    pub fn logs(&self, filter: &Filter) -> Vec<RpcLog> {
        let latest = self.block_number();
        let (from, to) = match filter.get_block_hash() {
            Some(hash) => match self.block_by_hash(hash) {
                Some(b) => (b.header.number, b.header.number),
                None => return Vec::new(),
            },
            None => (
                filter.get_from_block().unwrap_or(latest),
                filter.get_to_block().unwrap_or(latest).min(latest),
            ),
        };
        let mut out = Vec::new();
        for number in from..=to {
            let Some(block) = self.block(number) else { continue };
            let mut log_index = 0u64;
            for (tx_index, hash) in block.txs.iter().enumerate() {
                let Some(mined) = self.txs.get(hash) else { continue };
                for log in &mined.receipt.logs {
                    if matches(filter, log) {
                        out.push(rpc_log(log, block, *hash, tx_index as u64, log_index));
                    }
                    log_index += 1;
                }
            }
        }
        out
    }

    /// Logs of one mined transaction, as the RPC shows them.
    pub fn tx_logs(&self, mined: &MinedTx) -> Vec<RpcLog> {
        let Some(block) = self.block(mined.receipt.block_number) else { return Vec::new() };
        mined
            .receipt
            .logs
            .iter()
            .enumerate()
            .map(|(i, log)| {
                rpc_log(log, block, mined.receipt.tx_hash, mined.receipt.index, i as u64)
            })
            .collect()
    }
}

fn matches(filter: &Filter, log: &Log) -> bool {
    let address_ok = filter.address.is_empty() || filter.address.matches(&log.address);
    address_ok && filter.matches_topics(log.topics())
}

fn rpc_log(log: &Log, block: &MinedBlock, tx: B256, tx_index: u64, log_index: u64) -> RpcLog {
    RpcLog {
        inner: log.clone(),
        block_hash: Some(block.hash),
        block_number: Some(block.header.number),
        block_timestamp: Some(block.header.timestamp),
        transaction_hash: Some(tx),
        transaction_index: Some(tx_index),
        log_index: Some(log_index),
        removed: false,
    }
}
