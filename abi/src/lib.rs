//! Rust bindings for the PX programs, generated with alloy's `sol!` from the Solidity
//! interfaces beside this crate: the one ABI every native crate (oracle adapter, PX node, CLI,
//! tests) uses.
//!
//! - [`IPxStorageNft`], [`IPxSync`], [`IPxStorefront`], [`IPxRenderer`]: calls, events, errors
//!   and `#[sol(rpc)]` contract instances.
//! - [`eip712`]: the `UsageReport` and `MintAuthorization` messages and their domain.
//!
//! `cargo test -p px-abi` checks the interfaces against the programs (`export-abi`) and the JSON
//! ABIs against the interfaces; `UPDATE_ABI=1 cargo test -p px-abi` rewrites the JSON files.
// Generated items carry the interfaces' NatSpec, not Rust docs, and mirror Solidity signatures.
#![allow(missing_docs, clippy::too_many_arguments)]

alloy::sol!(
    #[sol(rpc, abi, all_derives)]
    "IPxStorageNft.sol"
);
alloy::sol!(
    #[sol(rpc, abi, all_derives)]
    "IPxSync.sol"
);
alloy::sol!(
    #[sol(rpc, abi, all_derives)]
    "IPxStorefront.sol"
);
alloy::sol!(
    #[sol(rpc, abi, all_derives)]
    "IPxRenderer.sol"
);

/// Chainlink's LinkToken (ERC-677) and Operator, as far as the PX parts use them.
pub mod chainlink {
    alloy::sol!(
        #[sol(rpc, abi, all_derives)]
        "chainlink.sol"
    );
}

/// The Arbitrum system contracts that deploy, activate and keep Stylus programs.
pub mod arbitrum {
    use alloy::primitives::{Address, address};

    alloy::sol!(
        #[sol(rpc, abi, all_derives)]
        "arbitrum.sol"
    );

    /// Where `ArbWasm` lives on every Arbitrum chain.
    pub const ARB_WASM: Address = address!("0x0000000000000000000000000000000000000071");
    /// Where cargo-stylus 0.10 expects `StylusDeployer`.
    pub const STYLUS_DEPLOYER: Address = address!("0xcEcba2F1DC234f70Dd89F2041029807F8D03A990");

    /// Length of the init code's EVM prelude, version byte included.
    pub const INIT_CODE_PRELUDE: u8 = 43;

    /// The selector the Stylus SDK routes to a `#[constructor]`: `stylus_constructor()`.
    pub fn constructor_selector() -> [u8; 4] {
        let hash = alloy::primitives::keccak256("stylus_constructor()");
        [hash[0], hash[1], hash[2], hash[3]]
    }

    /// Init code that deploys `code` unchanged: the EVM prelude cargo-stylus uses (`PUSH32 len,
    /// DUP1, PUSH1 43, PUSH1 0, CODECOPY, PUSH1 0, RETURN`, a version byte), then `code`.
    pub fn init_code(code: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(code.len() + usize::from(INIT_CODE_PRELUDE));
        out.push(0x7f);
        out.extend_from_slice(&alloy::primitives::U256::from(code.len()).to_be_bytes::<32>());
        out.extend_from_slice(&[
            0x80,
            0x60,
            INIT_CODE_PRELUDE,
            0x60,
            0x00,
            0x39,
            0x60,
            0x00,
            0xf3,
            0x00,
        ]);
        out.extend_from_slice(code);
        out
    }
}

/// The EIP-712 messages and domain (wire formats, "Usage report signature").
pub mod eip712 {
    use alloy::{
        primitives::Address,
        sol_types::{Eip712Domain, eip712_domain},
    };

    alloy::sol!(
        #[sol(all_derives)]
        "eip712.sol"
    );

    /// Domain name shared by every PX message.
    pub const DOMAIN_NAME: &str = "PX Storage NFT";
    /// Domain version shared by every PX message.
    pub const DOMAIN_VERSION: &str = "1";

    /// The domain for messages verified on behalf of `verifying_contract` on `chain_id`: the
    /// core for `UsageReport`, the storefront for `MintAuthorization`.
    pub fn domain(chain_id: u64, verifying_contract: Address) -> Eip712Domain {
        eip712_domain! {
            name: DOMAIN_NAME,
            version: DOMAIN_VERSION,
            chain_id: chain_id,
            verifying_contract: verifying_contract,
        }
    }
}
