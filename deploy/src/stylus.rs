//! Putting one Stylus program on a chain: its on-chain form (`stylus-rules`, as cargo-stylus
//! 0.10.10 packages it: one program, or from ArbOS 60 fragments and a root), the activation
//! fee, the deployment with its constructor through `StylusDeployer` in a single transaction (a
//! separate constructor call after a plain deployment could be front-run), and a bid in the
//! chain's `CacheManager` so that calls start at the cached price.

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, B256, Bytes, U256, address, keccak256},
    providers::{DynProvider, Provider},
    rpc::types::{
        TransactionRequest,
        state::{AccountOverride, StateOverride},
    },
    sol_types::{SolCall, SolEvent, SolInterface},
};
use px_abi::arbitrum::{ARB_WASM, ArbOwnerPublic, ArbWasm, STYLUS_DEPLOYER, StylusDeployer};
pub use px_abi::arbitrum::{constructor_selector, init_code};
use stylus_rules::package::Package;

use crate::{DeployError, Sent, send, system::Step};

/// `ArbWasmCache` and nitro-contracts' `CacheManager`, as px-devnet declares them.
mod cache {
    #![allow(missing_docs)]
    alloy::sol!(
        #[sol(all_derives)]
        "../devnet/abi/arbitrum-stylus.sol"
    );
}
pub use cache::{ArbWasmCache, CacheManager};

/// `ArbWasmCache`'s address.
pub const ARB_WASM_CACHE: Address = address!("0x0000000000000000000000000000000000000072");
/// `ArbOwnerPublic`'s address.
const ARB_OWNER_PUBLIC: Address = address!("0x000000000000000000000000000000000000006b");
/// Head room on the estimated data fee: it may move between the estimate and the block.
const FEE_BUMP_PERCENT: u64 = 20;

/// The code a program has on chain when it fits in one account (`EFF000`, no dictionary, the
/// WASM brotli-compressed at quality 11 by the encoder cargo-stylus uses); `None` for a
/// program that needs fragments.
pub fn contract_code(wasm: &[u8]) -> Option<Vec<u8>> {
    match Package::new(wasm) {
        Package::Classic(code) => Some(code),
        Package::Fragmented { .. } => None,
    }
}

/// The data fee `ArbWasm.activateProgram` will charge for `package`, plus 20%: an activation
/// simulated with the program (and any fragments) placed at probe addresses by state overrides,
/// as cargo-stylus does. Zero when a program with the same code hash is active already.
///
/// # Errors
/// [`DeployError::Chain`] when the chain cannot simulate it, [`DeployError::Refused`] when it
/// refuses the program.
pub async fn activation_fee(
    provider: &DynProvider,
    package: &Package,
) -> Result<U256, DeployError> {
    let probe = Address::repeat_byte(0xfd);
    let from = Address::repeat_byte(0xfe);
    let mut state = StateOverride::default();
    state.insert(from, AccountOverride::default().with_balance(U256::MAX));
    let code = match package {
        Package::Classic(code) => code.clone(),
        Package::Fragmented { fragments, .. } => {
            let mut addresses = Vec::new();
            for (i, fragment) in fragments.iter().enumerate() {
                let at = Address::left_padding_from(&[0xfd, 0xf0, u8::try_from(i).unwrap_or(0xff)]);
                state.insert(at, AccountOverride::default().with_code(fragment.clone()));
                addresses.push(at.0.0);
            }
            package.root(addresses)
        }
    };
    state.insert(probe, AccountOverride::default().with_code(Bytes::from(code)));
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
/// `constructor_args` (ABI-encoded), in one `StylusDeployer.deploy` transaction. A program over
/// 24,576 bytes deploys its fragments first, one create transaction each, as cargo-stylus
/// 0.10.10 does (refused early when the chain allows fewer fragments than it needs); their
/// receipts are in [`Sent::earlier`].
///
/// # Errors
/// [`DeployError`] when the chain refuses or a transaction reverts.
pub async fn deploy_with_constructor(
    provider: &DynProvider,
    wasm: &[u8],
    constructor_args: &[u8],
) -> Result<(Address, Sent), DeployError> {
    let package = Package::new(wasm);
    if let Package::Fragmented { fragments, .. } = &package {
        let allowed = max_fragments(provider).await?;
        if fragments.len() > usize::from(allowed) {
            return Err(DeployError::Refused(format!(
                "the program needs {} fragments and the chain allows {allowed}",
                fragments.len()
            )));
        }
    }
    let fee = activation_fee(provider, &package).await?;
    let (code, earlier) = place_fragments(provider, &package).await?;
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
    let mut sent = send(provider, tx).await?;
    sent.earlier = earlier;
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

/// `ArbOwnerPublic.getMaxStylusContractFragments()`; a chain that does not answer has none
/// (as cargo-stylus reads a failure).
async fn max_fragments(provider: &DynProvider) -> Result<u8, DeployError> {
    let call = ArbOwnerPublic::getMaxStylusContractFragmentsCall {};
    let tx = TransactionRequest::default().with_to(ARB_OWNER_PUBLIC).with_input(call.abi_encode());
    Ok(provider
        .call(tx)
        .await
        .ok()
        .and_then(|out| {
            ArbOwnerPublic::getMaxStylusContractFragmentsCall::abi_decode_returns(&out).ok()
        })
        .unwrap_or(0))
}

/// The program's code: a classic program as it is, or the root after deploying its fragments.
async fn place_fragments(
    provider: &DynProvider,
    package: &Package,
) -> Result<(Vec<u8>, Vec<alloy::rpc::types::TransactionReceipt>), DeployError> {
    let fragments = match package {
        Package::Classic(code) => return Ok((code.clone(), Vec::new())),
        Package::Fragmented { fragments, .. } => fragments,
    };
    let (mut addresses, mut receipts) = (Vec::new(), Vec::new());
    for fragment in fragments {
        let tx = TransactionRequest::default().with_deploy_code(Bytes::from(init_code(fragment)));
        let sent = send(provider, tx).await?;
        let at = sent
            .receipt
            .contract_address
            .ok_or_else(|| DeployError::Chain("a fragment's create has no address".into()))?;
        addresses.push(at.0.0);
        receipts.push(sent.receipt);
    }
    Ok((package.root(addresses), receipts))
}

/// Bids `bid` wei in the chain's `CacheManager` (the last `ArbWasmCache.allCacheManagers()`,
/// as cargo-stylus picks it) to cache the program at `program`, as `cargo stylus cache bid`
/// does: simulated first, so the manager's error (`BidTooSmall`, `AsmTooLarge`, ...) is named.
/// `None` when the program is cached already.
///
/// # Errors
/// [`DeployError::Refused`] when the chain has no cache manager or the manager refuses the bid,
/// [`DeployError::Chain`] when the chain does not answer.
pub async fn place_cache_bid(
    provider: &DynProvider,
    program: Address,
    bid: U256,
) -> Result<Option<Sent>, DeployError> {
    let chain = |e: alloy::transports::TransportError| DeployError::Chain(e.to_string());
    let view =
        |call: Vec<u8>| TransactionRequest::default().with_to(ARB_WASM_CACHE).with_input(call);
    let out = provider.call(view(ArbWasmCache::allCacheManagersCall {}.abi_encode())).await;
    let managers = ArbWasmCache::allCacheManagersCall::abi_decode_returns(&out.map_err(chain)?)
        .map_err(|e| DeployError::Chain(format!("allCacheManagers: {e}")))?;
    let manager = *managers
        .last()
        .ok_or_else(|| DeployError::Refused("the chain has no Stylus cache manager".into()))?;
    let code = provider.get_code_at(program).await.map_err(chain)?;
    let is_cached = ArbWasmCache::codehashIsCachedCall { codehash: keccak256(&code) };
    let out = provider.call(view(is_cached.abi_encode())).await.map_err(chain)?;
    if ArbWasmCache::codehashIsCachedCall::abi_decode_returns(&out).unwrap_or(false) {
        return Ok(None);
    }
    let tx = TransactionRequest::default()
        .with_to(manager)
        .with_value(bid)
        .with_input(CacheManager::placeBidCall { program }.abi_encode());
    if let Err(error) = provider.call(tx.clone()).await {
        #[allow(clippy::redundant_closure_for_method_calls)]
        let data = error.as_error_resp().and_then(|e| e.as_revert_data());
        let named =
            data.as_deref().and_then(|d| CacheManager::CacheManagerErrors::abi_decode(d).ok());
        return Err(DeployError::Refused(match named {
            Some(refused) => format!("cache bid for {program}: {refused:?}"),
            None => format!("cache bid for {program}: {error}"),
        }));
    }
    send(provider, tx).await.map(Some)
}

/// Bids `bid` for each of `programs` (named for the steps) with [`place_cache_bid`]; a
/// program whose code is cached already is skipped.
///
/// # Errors
/// The first bid that fails, named.
pub async fn cache_programs(
    provider: &DynProvider,
    programs: &[(&str, Address)],
    bid: U256,
) -> Result<Vec<Step>, DeployError> {
    let mut steps = Vec::new();
    for (name, program) in programs {
        if let Some(sent) = place_cache_bid(provider, *program, bid).await? {
            steps.push(Step {
                step: format!("cache {name}"),
                transaction: sent.receipt.transaction_hash,
                gas_used: sent.receipt.gas_used,
            });
        }
    }
    Ok(steps)
}

#[cfg(test)]
mod tests {
    use super::*;
    use stylus_rules::{code, testing};

    #[test]
    fn a_small_program_is_prefixed_brotli_of_the_wasm() {
        let wasm = b"\0asm\x01\0\0\0 a program".repeat(20);
        let code = contract_code(&wasm).unwrap();
        assert_eq!(code[..4], [0xef, 0xf0, 0x00, 0x00]);
        assert_eq!(code::decompress(&code[4..], 1 << 20).unwrap(), wasm);
    }

    #[test]
    fn a_program_over_24_kib_has_no_single_contract_code() {
        assert_eq!(contract_code(&testing::incompressible(30_000, 1)), None);
    }
}
