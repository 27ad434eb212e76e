//! Putting one Stylus program on a chain: its on-chain form, the activation fee, and the
//! deployment with its constructor through `StylusDeployer` in a single transaction (a separate
//! constructor call after a plain deployment could be front-run).

use std::io::Write;

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, B256, Bytes, U256},
    providers::{DynProvider, Provider},
    rpc::types::{
        TransactionRequest,
        state::{AccountOverride, StateOverride},
    },
    sol_types::{SolCall, SolEvent, SolInterface},
};
use px_abi::arbitrum::{ARB_WASM, ArbWasm, STYLUS_DEPLOYER, StylusDeployer};
pub use px_abi::arbitrum::{constructor_selector, init_code};

use crate::{DeployError, Sent, send};

/// `EFF000` (Stylus code) and `00` (no brotli dictionary).
const PREFIX: [u8; 4] = [0xef, 0xf0, 0x00, 0x00];
/// Head room on the estimated data fee: it may move between the estimate and the block.
const FEE_BUMP_PERCENT: u64 = 20;

/// The code a program has on chain: the prefix, then the WASM brotli-compressed at quality 11.
pub fn contract_code(wasm: &[u8]) -> Vec<u8> {
    let mut code = PREFIX.to_vec();
    let mut writer = brotli::CompressorWriter::new(&mut code, 4096, 11, 22);
    // The writer writes into memory: it cannot fail.
    let _ = writer.write_all(wasm);
    drop(writer);
    code
}

/// The data fee `ArbWasm.activateProgram` will charge for `code`, plus 20%: an activation
/// simulated with `code` placed at a probe address (state overrides, as cargo-stylus does).
/// Zero when a program with the same code hash is active already.
///
/// # Errors
/// [`DeployError::Chain`] when the chain cannot simulate it or refuses the program.
pub async fn activation_fee(provider: &DynProvider, code: &[u8]) -> Result<U256, DeployError> {
    let probe = Address::repeat_byte(0xfd);
    let from = Address::repeat_byte(0xfe);
    let mut state = StateOverride::default();
    state.insert(probe, AccountOverride::default().with_code(Bytes::copy_from_slice(code)));
    state.insert(from, AccountOverride::default().with_balance(U256::MAX));
    let tx = TransactionRequest::default()
        .with_from(from)
        .with_to(ARB_WASM)
        .with_value(U256::from(10).pow(U256::from(18)))
        .with_input(ArbWasm::activateProgramCall { program: probe }.abi_encode());
    match provider.call(tx).overrides(state).await {
        Ok(out) => {
            let fee = ArbWasm::activateProgramCall::abi_decode_returns(&out)
                .map_err(|e| DeployError::Chain(format!("activateProgram answered {out}: {e}")))?
                .dataFee;
            Ok(fee + fee * U256::from(FEE_BUMP_PERCENT) / U256::from(100))
        }
        Err(error) => {
            // The payload's type is in alloy-json-rpc, which alloy re-exports only with more features.
            #[allow(clippy::redundant_closure_for_method_calls)]
            let data = error.as_error_resp().and_then(|e| e.as_revert_data());
            match data.as_deref().map(|d| ArbWasm::ArbWasmErrors::abi_decode(d)) {
                Some(Ok(ArbWasm::ArbWasmErrors::ProgramUpToDate(_))) => Ok(U256::ZERO),
                Some(Ok(refused)) => Err(DeployError::Refused(format!("activation: {refused:?}"))),
                _ => Err(DeployError::Chain(format!("simulating activation: {error}"))),
            }
        }
    }
}

/// Deploys `wasm`, activates it if its code hash is new, and runs its constructor with
/// `constructor_args` (ABI-encoded), in one `StylusDeployer.deploy` transaction.
///
/// # Errors
/// [`DeployError`] when the chain refuses or the transaction reverts.
pub async fn deploy_with_constructor(
    provider: &DynProvider,
    wasm: &[u8],
    constructor_args: &[u8],
) -> Result<(Address, Sent), DeployError> {
    let code = contract_code(wasm);
    let fee = activation_fee(provider, &code).await?;
    let mut init_data = constructor_selector().to_vec();
    init_data.extend_from_slice(constructor_args);
    let call = StylusDeployer::deployCall {
        bytecode: init_code(&code).into(),
        initData: init_data.into(),
        initValue: U256::ZERO,
        salt: B256::ZERO,
    };
    let tx = TransactionRequest::default()
        .with_to(STYLUS_DEPLOYER)
        .with_value(fee)
        .with_input(call.abi_encode());
    let sent = send(provider, tx).await?;
    let address = sent
        .receipt
        .inner
        .logs()
        .iter()
        .find_map(|log| StylusDeployer::ContractDeployed::decode_log_data(log.data()).ok())
        .map(|event| event.deployedContract)
        .ok_or_else(|| DeployError::Chain("StylusDeployer emitted no ContractDeployed".into()))?;
    Ok((address, sent))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_is_prefixed_brotli_of_the_wasm() {
        let wasm = b"\0asm\x01\0\0\0 a program".repeat(20);
        let code = contract_code(&wasm);
        assert_eq!(code[..4], PREFIX);
        let mut back = Vec::new();
        std::io::Read::read_to_end(&mut brotli::Decompressor::new(&code[4..], 4096), &mut back)
            .unwrap();
        assert_eq!(back, wasm);
    }
}
