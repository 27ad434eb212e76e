//! The JSON-RPC methods: the subset alloy providers, `cast` and `cargo stylus deploy`/`check`
//! use, plus anvil-style development helpers.

use alloy::{
    eips::{BlockId, BlockNumberOrTag},
    primitives::U64,
    rpc::types::{FeeHistory, Filter, TransactionRequest, state::StateOverride},
};
use revm::primitives::{Address, B256, Bytes, U256};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::{RpcError, convert};
use crate::chain::{Chain, ChainError};

/// Runs `method` with `params` on `chain`.
pub(crate) fn dispatch(
    chain: &mut Chain,
    method: &str,
    params: &[Value],
) -> Result<Value, RpcError> {
    let p = Params(params);
    match method {
        "web3_clientVersion" => Ok(json!(concat!("px-devnet/", env!("CARGO_PKG_VERSION")))),
        "net_version" => Ok(json!(chain.config().chain_id.to_string())),
        "net_listening" => Ok(json!(true)),
        "eth_chainId" => Ok(quantity(chain.config().chain_id)),
        "eth_syncing" => Ok(json!(false)),
        "eth_blockNumber" => Ok(quantity(chain.block_number())),
        "eth_accounts" => Ok(json!(chain.dev_accounts())),
        "eth_gasPrice" => Ok(quantity(chain.config().base_fee)),
        "eth_maxPriorityFeePerGas" => Ok(quantity(0)),
        "eth_feeHistory" => fee_history(chain, &p),
        "eth_getBalance" => {
            latest_only(chain, p.opt(1)?)?;
            Ok(json!(chain.balance(p.get::<Address>(0)?)))
        }
        "eth_getTransactionCount" => {
            latest_only(chain, p.opt(1)?)?;
            Ok(quantity(chain.nonce(p.get::<Address>(0)?)))
        }
        "eth_getCode" => {
            latest_only(chain, p.opt(1)?)?;
            Ok(json!(chain.code(p.get::<Address>(0)?)))
        }
        "eth_getStorageAt" => {
            latest_only(chain, p.opt(2)?)?;
            let slot: U256 = p.get(1)?;
            let value = chain.storage(p.get(0)?, slot);
            Ok(json!(B256::from(value.to_be_bytes::<32>())))
        }
        "eth_call" => {
            latest_only(chain, p.opt(1)?)?;
            let req = convert::tx_request(&p.get::<TransactionRequest>(0)?);
            let state: Option<StateOverride> = p.opt(2)?;
            let out = chain.call(&req, state.as_ref())?;
            if out.success { Ok(json!(out.output)) } else { Err(RpcError::Reverted(out.output)) }
        }
        "eth_estimateGas" => {
            let req = convert::tx_request(&p.get::<TransactionRequest>(0)?);
            let state: Option<StateOverride> = p.opt(2)?;
            Ok(quantity(chain.estimate_gas(&req, state.as_ref())?))
        }
        "eth_sendRawTransaction" => {
            let raw: Bytes = p.get(0)?;
            Ok(json!(chain.send_raw(&raw)?.tx_hash))
        }
        "eth_sendTransaction" => send_transaction(chain, &p),
        "eth_getTransactionReceipt" => {
            let hash: B256 = p.get(0)?;
            Ok(chain.transaction(hash).map_or(Value::Null, |t| json!(convert::receipt(chain, t))))
        }
        "eth_getTransactionByHash" => {
            let hash: B256 = p.get(0)?;
            Ok(chain
                .transaction(hash)
                .map_or(Value::Null, |t| json!(convert::transaction(chain, t))))
        }
        "eth_getBlockByNumber" => {
            let number = block_number(chain, &p.get::<BlockNumberOrTag>(0)?);
            let full = p.opt::<bool>(1)?.unwrap_or(false);
            Ok(chain.block(number).map_or(Value::Null, |b| json!(convert::block(chain, b, full))))
        }
        "eth_getBlockByHash" => {
            let full = p.opt::<bool>(1)?.unwrap_or(false);
            Ok(chain
                .block_by_hash(p.get(0)?)
                .map_or(Value::Null, |b| json!(convert::block(chain, b, full))))
        }
        "eth_getLogs" => Ok(json!(chain.logs(&p.get::<Filter>(0)?))),
        "evm_mine" | "anvil_mine" => {
            if let Some(ts) = p.opt::<U64>(0)? {
                chain.set_next_block_timestamp(ts.to());
            }
            chain.mine();
            Ok(json!("0x0"))
        }
        "evm_increaseTime" | "anvil_increaseTime" => {
            let seconds: U64 = p.get(0)?;
            chain.increase_time(seconds.to());
            Ok(json!(seconds.to::<u64>()))
        }
        "evm_setNextBlockTimestamp" | "anvil_setNextBlockTimestamp" => {
            chain.set_next_block_timestamp(p.get::<U64>(0)?.to());
            Ok(Value::Null)
        }
        "evm_snapshot" | "anvil_snapshot" => Ok(quantity(chain.snapshot())),
        "evm_revert" | "anvil_revert" => Ok(json!(chain.revert(p.get::<U64>(0)?.to()).is_ok())),
        "anvil_setBalance" => {
            chain.set_balance(p.get(0)?, p.get::<U256>(1)?);
            Ok(Value::Null)
        }
        "anvil_setCode" => {
            chain.set_code(p.get(0)?, p.get(1)?);
            Ok(Value::Null)
        }
        _ => Err(RpcError::MethodNotFound(method.to_owned())),
    }
}

/// Positional parameters.
struct Params<'a>(&'a [Value]);

impl Params<'_> {
    fn get<T: DeserializeOwned>(&self, i: usize) -> Result<T, RpcError> {
        let value = self
            .0
            .get(i)
            .ok_or_else(|| RpcError::InvalidParams(format!("missing parameter {i}")))?;
        serde_json::from_value(value.clone())
            .map_err(|e| RpcError::InvalidParams(format!("parameter {i}: {e}")))
    }

    fn opt<T: DeserializeOwned>(&self, i: usize) -> Result<Option<T>, RpcError> {
        match self.0.get(i) {
            None | Some(Value::Null) => Ok(None),
            Some(_) => self.get(i).map(Some),
        }
    }
}

fn quantity(n: u64) -> Value {
    json!(U64::from(n))
}

/// The number of the block a tag names (pending, safe and finalized are the latest block).
fn block_number(chain: &Chain, tag: &BlockNumberOrTag) -> u64 {
    match tag {
        BlockNumberOrTag::Earliest => 0,
        BlockNumberOrTag::Number(n) => *n,
        _ => chain.block_number(),
    }
}

/// This chain keeps only its latest state: reads at an older block are refused rather than
/// answered with the wrong state.
fn latest_only(chain: &Chain, block: Option<BlockId>) -> Result<(), RpcError> {
    let latest = chain.block_number();
    let ok = match block {
        Some(BlockId::Number(BlockNumberOrTag::Number(n))) => n == latest,
        Some(BlockId::Number(BlockNumberOrTag::Earliest)) => latest == 0,
        None | Some(BlockId::Number(_)) => true,
        Some(BlockId::Hash(h)) => h.block_hash == chain.latest().hash,
    };
    if ok {
        Ok(())
    } else {
        Err(RpcError::Unsupported(
            "px-devnet keeps only the latest state; query the latest block".into(),
        ))
    }
}

fn fee_history(chain: &Chain, p: &Params<'_>) -> Result<Value, RpcError> {
    let count: U64 = p.get(0)?;
    let newest = block_number(chain, &p.get::<BlockNumberOrTag>(1)?).min(chain.block_number());
    let percentiles: Option<Vec<f64>> = p.opt(2)?;
    let count = count.to::<u64>().min(newest + 1).max(1);
    let oldest = newest + 1 - count;
    let base_fee = u128::from(chain.config().base_fee);
    let blocks = (oldest..=newest).filter_map(|n| chain.block(n));
    #[allow(clippy::cast_precision_loss)] // a ratio for display, as every node computes it
    let gas_used_ratio =
        blocks.map(|b| b.header.gas_used as f64 / b.header.gas_limit as f64).collect::<Vec<_>>();
    let history = FeeHistory {
        base_fee_per_gas: vec![base_fee; gas_used_ratio.len() + 1],
        reward: percentiles.map(|ps| vec![vec![0u128; ps.len()]; gas_used_ratio.len()]),
        gas_used_ratio,
        base_fee_per_blob_gas: Vec::new(),
        blob_gas_used_ratio: Vec::new(),
        oldest_block: oldest,
    };
    Ok(json!(history))
}

/// `eth_sendTransaction`: for the development accounts, whose keys the chain holds; the gas
/// limit is estimated when missing, as anvil does.
fn send_transaction(chain: &mut Chain, p: &Params<'_>) -> Result<Value, RpcError> {
    let rpc: TransactionRequest = p.get(0)?;
    let Some(from) = rpc.from else {
        return Err(RpcError::InvalidParams("from is required".into()));
    };
    if !chain.dev_accounts().contains(&from) {
        return Err(RpcError::Chain(ChainError::InvalidTransaction(format!(
            "{from} is not a development account of this chain (sign it and use eth_sendRawTransaction)"
        ))));
    }
    let mut req = convert::tx_request(&rpc);
    if req.gas.is_none() {
        req.gas = Some(chain.estimate_gas(&req, None)?);
    }
    Ok(json!(chain.send(req)?.tx_hash))
}
