//! What the chain remembers about mined blocks and transactions.

use alloy::consensus::{Header, TxEnvelope};
use revm::primitives::{Address, B256, Bytes, Log};

/// The receipt of a mined transaction, with the return (or revert) data tests want to look
/// at and receipts do not carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// Transaction hash.
    pub tx_hash: B256,
    /// Sender.
    pub from: Address,
    /// Recipient (`None` for a creation).
    pub to: Option<Address>,
    /// Block it was mined in.
    pub block_number: u64,
    /// Hash of that block.
    pub block_hash: B256,
    /// Position in the block (always 0: one transaction per block).
    pub index: u64,
    /// Whether it succeeded (status 1).
    pub success: bool,
    /// Gas used, after refunds.
    pub gas_used: u64,
    /// Wei per gas paid.
    pub effective_gas_price: u128,
    /// Address created by a creation.
    pub contract_address: Option<Address>,
    /// Logs emitted (none if it failed).
    pub logs: Vec<Log>,
    /// Return data on success, revert data on a revert.
    pub output: Bytes,
}

impl Receipt {
    /// Checks that the transaction succeeded: for tests.
    ///
    /// # Panics
    ///
    /// If it did not, with the decoded revert reason and the raw revert data.
    #[track_caller]
    pub fn expect_success(&self) -> &Self {
        assert!(
            self.success,
            "transaction {} failed: {:?} (output 0x{})",
            self.tx_hash,
            alloy::sol_types::decode_revert_reason(&self.output),
            alloy::hex::encode(&self.output)
        );
        self
    }
}

/// A mined transaction.
#[derive(Debug, Clone)]
pub struct MinedTx {
    /// The transaction as sent (placeholder signature when the sender was impersonated).
    pub envelope: TxEnvelope,
    /// Its receipt.
    pub receipt: Receipt,
}

/// A mined block.
#[derive(Debug, Clone)]
pub struct MinedBlock {
    /// The consensus header (roots of transactions and receipts included; the state root is
    /// zero: this chain does not keep a state trie).
    pub header: Header,
    /// `header`'s hash.
    pub hash: B256,
    /// Hashes of its transactions.
    pub txs: Vec<B256>,
}
