//! The chain's records as Ethereum JSON-RPC objects (alloy's RPC types, so that what alloy
//! providers, cast and cargo-stylus parse is what they expect).

use alloy::{
    consensus::{
        Eip658Value, Receipt as ConsensusReceipt, ReceiptEnvelope, ReceiptWithBloom,
        transaction::Recovered,
    },
    primitives::logs_bloom,
    rpc::types::{
        Block, BlockTransactions, Header, Transaction, TransactionReceipt, TransactionRequest,
    },
};
use revm::primitives::{Address, TxKind, U256};

use crate::chain::{Chain, MinedBlock, MinedTx, TxRequest};

/// `eth_getTransactionByHash`'s object.
pub(crate) fn transaction(chain: &Chain, mined: &MinedTx) -> Transaction {
    let r = &mined.receipt;
    let timestamp = chain.block(r.block_number).map(|b| b.header.timestamp);
    Transaction {
        inner: Recovered::new_unchecked(mined.envelope.clone(), r.from),
        block_hash: Some(r.block_hash),
        block_number: Some(r.block_number),
        transaction_index: Some(r.index),
        effective_gas_price: Some(r.effective_gas_price),
        block_timestamp: timestamp,
    }
}

/// `eth_getTransactionReceipt`'s object.
pub(crate) fn receipt(chain: &Chain, mined: &MinedTx) -> TransactionReceipt {
    let r = &mined.receipt;
    let logs = chain.tx_logs(mined);
    let bloom = logs_bloom(r.logs.iter());
    let inner = ReceiptWithBloom::new(
        ConsensusReceipt {
            status: Eip658Value::Eip658(r.success),
            cumulative_gas_used: r.gas_used,
            logs,
        },
        bloom,
    );
    let inner = ReceiptEnvelope::from_typed(mined.envelope.tx_type(), inner);
    TransactionReceipt {
        inner,
        transaction_hash: r.tx_hash,
        transaction_index: Some(r.index),
        block_hash: Some(r.block_hash),
        block_number: Some(r.block_number),
        gas_used: r.gas_used,
        effective_gas_price: r.effective_gas_price,
        blob_gas_used: None,
        blob_gas_price: None,
        from: r.from,
        to: r.to,
        contract_address: r.contract_address,
    }
}

/// `eth_getBlockBy*`'s object, with transaction hashes or full transactions.
pub(crate) fn block(chain: &Chain, block: &MinedBlock, full: bool) -> Block {
    let transactions = if full {
        BlockTransactions::Full(
            block
                .txs
                .iter()
                .filter_map(|h| chain.transaction(*h))
                .map(|t| transaction(chain, t))
                .collect(),
        )
    } else {
        BlockTransactions::Hashes(block.txs.clone())
    };
    let mut header = Header::new(block.header.clone());
    header.hash = block.hash;
    header.total_difficulty = Some(U256::ZERO);
    Block { header, uncles: Vec::new(), transactions, withdrawals: None }
}

/// A JSON-RPC transaction object as the chain's request: the sender defaults to the zero
/// address (as geth's `eth_call`), the input is `input` or, for old clients, `data`.
pub(crate) fn tx_request(req: &TransactionRequest) -> TxRequest {
    TxRequest {
        from: req.from.unwrap_or(Address::ZERO),
        to: match req.to {
            Some(TxKind::Call(to)) => Some(to),
            Some(TxKind::Create) | None => None,
        },
        value: req.value.unwrap_or_default(),
        data: req.input.input().cloned().unwrap_or_default(),
        gas: req.gas,
        nonce: req.nonce,
    }
}
