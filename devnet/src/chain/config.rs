//! What a chain starts with: chain id, gas and fee parameters, funded development accounts.

use alloy::signers::local::PrivateKeySigner;
use revm::primitives::{Address, U256, hardfork::SpecId};
use stylus_rules::{StylusParams, arbos};

/// Chain id of nitro-devnode, which cargo-stylus' guides use for local chains.
pub const DEFAULT_CHAIN_ID: u64 = 412_346;
/// Block gas limit: Arbitrum reports 2^50 (its real limit is the per-second "speed limit").
pub const DEFAULT_BLOCK_GAS_LIMIT: u64 = 1 << 50;
/// Base fee: 0.1 gwei, Arbitrum's minimum base fee (constant here: no congestion).
pub const DEFAULT_BASE_FEE: u64 = 100_000_000;
/// Balance of each development account: 10,000 ETH.
pub const DEV_BALANCE_WEI: u128 = 10_000 * 10u128.pow(18);

/// Private keys of the funded development accounts: nitro-devnode's prefunded key (the one
/// Arbitrum's Stylus guides use with `cargo stylus deploy`), then anvil's ten default keys.
/// Public test keys: never use them on a real network.
pub const DEV_KEYS: [&str; 11] = [
    "0xb6b15c8cb491557369f3c7d2c287b053eb229daa9c22138887752191c9520659",
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
    "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
    "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
    "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
    "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
    "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
    "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6",
];

/// How a chain is set up.
#[derive(Debug, Clone)]
pub struct ChainConfig {
    /// `eth_chainId`.
    pub chain_id: u64,
    /// Gas limit of every block (and the default for calls).
    pub block_gas_limit: u64,
    /// Base fee of every block, in wei.
    pub base_fee: u64,
    /// Accounts funded at genesis, and their balance.
    pub funded: Vec<(Address, U256)>,
    /// Development accounts whose keys the chain holds (`eth_accounts`, `eth_sendTransaction`).
    pub dev_keys: Vec<PrivateKeySigner>,
    /// EVM rules (Prague, as Arbitrum since ArbOS 40).
    pub spec: SpecId,
    /// Stylus rules: those of one ArbOS version ([`StylusParams::for_arbos`]; by default
    /// Arbitrum One's, ArbOS 61).
    pub stylus: StylusParams,
    /// Whether Stylus programs may import the debug `console` host functions.
    pub debug: bool,
    /// Timestamp of the genesis block; `None` for the current time.
    pub genesis_timestamp: Option<u64>,
}

impl ChainConfig {
    /// This configuration with the Stylus rules of ArbOS `version`.
    ///
    /// # Errors
    /// When the version is not modelled.
    pub fn with_arbos(mut self, version: u64) -> Result<Self, arbos::UnsupportedArbos> {
        self.stylus = StylusParams::for_arbos(version)?;
        Ok(self)
    }
}

impl Default for ChainConfig {
    fn default() -> Self {
        let dev_keys: Vec<PrivateKeySigner> =
            DEV_KEYS.iter().map(|k| k.parse().expect("valid development key")).collect();
        let funded = dev_keys.iter().map(|k| (k.address(), U256::from(DEV_BALANCE_WEI))).collect();
        Self {
            chain_id: DEFAULT_CHAIN_ID,
            block_gas_limit: DEFAULT_BLOCK_GAS_LIMIT,
            base_fee: DEFAULT_BASE_FEE,
            funded,
            dev_keys,
            spec: SpecId::PRAGUE,
            stylus: StylusParams::for_arbos(arbos::ARBITRUM_ONE).expect("a modelled version"),
            debug: false,
            genesis_timestamp: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn funds_the_well_known_development_accounts() {
        let config = ChainConfig::default();
        let addresses: Vec<String> = config.funded.iter().map(|(a, _)| a.to_string()).collect();
        assert_eq!(addresses[0], "0x3f1Eae7D46d88F08fc2F8ed27FCb2AB183EB2d0E");
        assert_eq!(addresses[1], "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
        assert_eq!(config.funded.len(), 11);
    }
}
