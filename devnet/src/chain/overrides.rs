//! `eth_call` state overrides: per-call changes to accounts, on a copy of the state.

use alloy::rpc::types::state::StateOverride;
use revm::{bytecode::Bytecode, primitives::U256};

use crate::evm::Db;

/// Applies `overrides` to `db` (a copy made for one call).
pub(crate) fn apply(db: &mut Db, overrides: &StateOverride) {
    for (address, over) in overrides {
        let mut info = db.cache.accounts.get(address).map(|a| a.info.clone()).unwrap_or_default();
        if let Some(balance) = over.balance {
            info.balance = balance;
        }
        if let Some(nonce) = over.nonce {
            info.nonce = nonce;
        }
        if let Some(code) = &over.code {
            info = info.with_code(Bytecode::new_raw(code.clone()));
        }
        db.insert_account_info(*address, info);
        if let Some(state) = &over.state {
            let slots =
                state.iter().map(|(k, v)| (U256::from_be_bytes(k.0), U256::from_be_bytes(v.0)));
            db.replace_account_storage(*address, slots.collect()).expect("in-memory state");
        }
        if let Some(diff) = &over.state_diff {
            for (k, v) in diff {
                db.insert_account_storage(
                    *address,
                    U256::from_be_bytes(k.0),
                    U256::from_be_bytes(v.0),
                )
                .expect("in-memory state");
            }
        }
    }
}
