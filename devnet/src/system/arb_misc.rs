//! `ArbOwnerPublic` and `ArbSys`: the getters tools ask for.

use alloy::sol_types::{SolCall, SolInterface};
use revm::{
    context::{Block, Cfg, ContextTr},
    interpreter::CallInputs,
    primitives::{Bytes, U256},
};

use super::{
    NETWORK_FEE_ACCOUNT, Outcome,
    abi::{
        ArbOwnerPublic::{self, ArbOwnerPublicCalls},
        ArbSys::{self, ArbSysCalls},
    },
};
use crate::{evm::Ctx, stylus::Runtime};

/// Gas for a getter (an estimate).
const GETTER_GAS: u64 = 100;

/// Runs a call to `ArbOwnerPublic`.
pub(crate) fn run_owner_public(inputs: &CallInputs, input: &[u8], rt: &Runtime) -> Outcome {
    if !inputs.call_value().is_zero() {
        return Outcome::revert_msg("ArbOwnerPublic: function is not payable", GETTER_GAS);
    }
    let out = match ArbOwnerPublicCalls::abi_decode(input) {
        Ok(ArbOwnerPublicCalls::getMaxStylusContractFragments(_)) => {
            ArbOwnerPublic::getMaxStylusContractFragmentsCall::abi_encode_returns(
                &rt.params().max_fragment_count,
            )
        }
        Ok(ArbOwnerPublicCalls::getNetworkFeeAccount(_)) => {
            ArbOwnerPublic::getNetworkFeeAccountCall::abi_encode_returns(&NETWORK_FEE_ACCOUNT)
        }
        Ok(ArbOwnerPublicCalls::isChainOwner(_)) => {
            ArbOwnerPublic::isChainOwnerCall::abi_encode_returns(&false)
        }
        Ok(ArbOwnerPublicCalls::getAllChainOwners(_)) => {
            ArbOwnerPublic::getAllChainOwnersCall::abi_encode_returns(&Vec::new())
        }
        Err(_) => {
            return Outcome::revert_msg("ArbOwnerPublic: not implemented on px-devnet", GETTER_GAS);
        }
    };
    Outcome::ok(Bytes::from(out), GETTER_GAS)
}

/// Runs a call to `ArbSys`.
pub(crate) fn run_sys(ctx: &mut Ctx, inputs: &CallInputs, input: &[u8], rt: &Runtime) -> Outcome {
    if !inputs.call_value().is_zero() {
        return Outcome::revert_msg("ArbSys: function is not payable", GETTER_GAS);
    }
    let out = match ArbSysCalls::abi_decode(input) {
        Ok(ArbSysCalls::arbBlockNumber(_)) => {
            ArbSys::arbBlockNumberCall::abi_encode_returns(&ctx.block().number())
        }
        Ok(ArbSysCalls::arbChainID(_)) => {
            ArbSys::arbChainIDCall::abi_encode_returns(&U256::from(ctx.cfg().chain_id()))
        }
        // Arbitrum reports 55 plus the ArbOS version.
        Ok(ArbSysCalls::arbOSVersion(_)) => {
            let version = 55 + rt.params().arbos_version;
            ArbSys::arbOSVersionCall::abi_encode_returns(&U256::from(version))
        }
        Err(_) => return Outcome::revert_msg("ArbSys: not implemented on px-devnet", GETTER_GAS),
    };
    Outcome::ok(Bytes::from(out), GETTER_GAS)
}
