//! Transactions: decoding signed ones, building ones the chain signs (development accounts)
//! or impersonates (any other sender, for tests), and turning them into revm's `TxEnv`.

use alloy::{
    consensus::{
        SignableTransaction, Signed, Transaction, TxEip1559, TxEnvelope,
        transaction::SignerRecoverable,
    },
    eips::Decodable2718,
    primitives::{Signature, TxKind, keccak256},
    signers::{SignerSync, local::PrivateKeySigner},
};
use revm::{
    context::{TxEnv, either::Either},
    primitives::{Address, B256, Bytes, U256},
};

use super::ChainError;

/// A transaction to send without a signature: the chain signs it with a development key, or
/// impersonates the sender when it has no key for it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TxRequest {
    /// Sender.
    pub from: Address,
    /// Recipient; `None` creates a contract from `data`.
    pub to: Option<Address>,
    /// Wei to send.
    pub value: U256,
    /// Calldata or init code.
    pub data: Bytes,
    /// Gas limit; `None` estimates it.
    pub gas: Option<u64>,
    /// Nonce; `None` takes the sender's next.
    pub nonce: Option<u64>,
}

impl TxRequest {
    /// A call from `from` to `to` with `data`.
    pub fn call(from: Address, to: Address, data: impl Into<Bytes>) -> Self {
        Self { from, to: Some(to), data: data.into(), ..Self::default() }
    }

    /// A contract creation from `from` with `init_code`.
    pub fn create(from: Address, init_code: impl Into<Bytes>) -> Self {
        Self { from, data: init_code.into(), ..Self::default() }
    }

    /// The same request sending `value`.
    #[must_use]
    pub fn with_value(mut self, value: U256) -> Self {
        self.value = value;
        self
    }

    /// The same request with gas limit `gas`.
    #[must_use]
    pub fn with_gas(mut self, gas: u64) -> Self {
        self.gas = Some(gas);
        self
    }
}

/// A transaction ready to run: the envelope (as `eth_getTransactionByHash` shows it), its
/// sender and hash.
#[derive(Debug, Clone)]
pub(crate) struct PreparedTx {
    pub(crate) envelope: TxEnvelope,
    pub(crate) from: Address,
    pub(crate) hash: B256,
}

/// Decodes a raw EIP-2718 transaction and recovers its sender.
pub(crate) fn decode_raw(raw: &[u8], chain_id: u64) -> Result<PreparedTx, ChainError> {
    let envelope = TxEnvelope::decode_2718(&mut &raw[..])
        .map_err(|e| ChainError::InvalidTransaction(format!("cannot decode: {e}")))?;
    if envelope.is_eip4844() {
        return Err(ChainError::InvalidTransaction("blob transactions are not supported".into()));
    }
    if let Some(id) = envelope.chain_id()
        && id != chain_id
    {
        return Err(ChainError::InvalidTransaction(format!(
            "chain id {id} does not match {chain_id}"
        )));
    }
    let from = envelope
        .recover_signer()
        .map_err(|e| ChainError::InvalidTransaction(format!("bad signature: {e}")))?;
    let hash = *envelope.tx_hash();
    Ok(PreparedTx { envelope, from, hash })
}

/// Builds the EIP-1559 transaction for `req`, signed with `key` when the chain holds the
/// sender's key, else with an invalid placeholder signature (impersonation: the hash then
/// also covers the sender so that two impersonated senders never collide).
pub(crate) fn prepare(
    req: TxRequest,
    nonce: u64,
    gas: u64,
    chain_id: u64,
    max_fee: u128,
    key: Option<&PrivateKeySigner>,
) -> PreparedTx {
    let tx = TxEip1559 {
        chain_id,
        nonce,
        gas_limit: gas,
        max_fee_per_gas: max_fee,
        max_priority_fee_per_gas: 0,
        to: req.to.map_or(TxKind::Create, TxKind::Call),
        value: req.value,
        access_list: alloy::eips::eip2930::AccessList::default(),
        input: req.data,
    };
    if let Some(key) = key {
        let signature = key.sign_hash_sync(&tx.signature_hash()).expect("local signing");
        let envelope = TxEnvelope::Eip1559(tx.into_signed(signature));
        let hash = *envelope.tx_hash();
        return PreparedTx { envelope, from: req.from, hash };
    }
    let placeholder = Signature::new(U256::from(1), U256::from(1), false);
    let mut preimage = req.from.to_vec();
    preimage.extend_from_slice(tx.signature_hash().as_slice());
    let hash = keccak256(preimage);
    let envelope = TxEnvelope::Eip1559(Signed::new_unchecked(tx, placeholder, hash));
    PreparedTx { envelope, from: req.from, hash }
}

/// revm's view of a transaction.
pub(crate) fn tx_env(tx: &PreparedTx) -> TxEnv {
    let e = &tx.envelope;
    let mut env = TxEnv {
        tx_type: e.tx_type() as u8,
        caller: tx.from,
        gas_limit: e.gas_limit(),
        gas_price: e.max_fee_per_gas(),
        kind: e.kind(),
        value: e.value(),
        data: e.input().clone(),
        nonce: e.nonce(),
        chain_id: e.chain_id(),
        access_list: e.access_list().cloned().unwrap_or_default(),
        gas_priority_fee: e.max_priority_fee_per_gas(),
        ..TxEnv::default()
    };
    if let Some(list) = e.authorization_list() {
        env.authorization_list = list.iter().cloned().map(Either::Left).collect();
    }
    env
}
