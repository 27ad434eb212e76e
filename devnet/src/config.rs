//! Command-line configuration of the `px-devnet` server.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use clap::Parser;
use stylus_rules::{StylusParams, arbos};

use crate::chain::{
    ChainConfig,
    config::{DEFAULT_BASE_FEE, DEFAULT_BLOCK_GAS_LIMIT, DEFAULT_CHAIN_ID},
};

/// A local Arbitrum Stylus chain: EVM and Stylus WASM in one state, served over JSON-RPC.
#[derive(Debug, Clone, Parser)]
#[command(name = "px-devnet", version)]
pub struct Cli {
    /// Address to listen on (loopback by default: the development keys are public).
    #[arg(long, env = "PX_DEVNET_HOST", default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    pub host: IpAddr,
    /// Port to listen on (8547, as nitro-devnode).
    #[arg(long, short, env = "PX_DEVNET_PORT", default_value_t = 8547)]
    pub port: u16,
    /// Chain id (412346, as nitro-devnode).
    #[arg(long, env = "PX_DEVNET_CHAIN_ID", default_value_t = DEFAULT_CHAIN_ID)]
    pub chain_id: u64,
    /// Block gas limit.
    #[arg(long, default_value_t = DEFAULT_BLOCK_GAS_LIMIT)]
    pub block_gas_limit: u64,
    /// Base fee in wei.
    #[arg(long, default_value_t = DEFAULT_BASE_FEE)]
    pub base_fee: u64,
    /// Accept Stylus programs that import the debug `console` host functions.
    #[arg(long)]
    pub debug: bool,
    /// The ArbOS version whose Stylus rules the chain follows: 61 (Arbitrum One since
    /// 2026-08-20: root + 4 fragments, 256 KiB modules) or an older one down to 40 (one
    /// 24 KiB program, 128 KiB modules).
    #[arg(long, env = "PX_DEVNET_ARBOS_VERSION", default_value_t = arbos::ARBITRUM_ONE,
          value_parser = parse_arbos)]
    pub arbos_version: u64,
}

fn parse_arbos(text: &str) -> Result<u64, String> {
    let version: u64 = text.parse().map_err(|e| format!("{e}"))?;
    StylusParams::for_arbos(version).map(|_| version).map_err(|e| e.to_string())
}

impl Cli {
    /// The address to bind.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::new(self.host, self.port)
    }

    /// The chain configuration the flags describe.
    ///
    /// # Panics
    /// Never for parsed flags: the ArbOS version was checked when parsed.
    pub fn chain_config(&self) -> ChainConfig {
        ChainConfig {
            chain_id: self.chain_id,
            block_gas_limit: self.block_gas_limit,
            base_fee: self.base_fee,
            debug: self.debug,
            stylus: StylusParams::for_arbos(self.arbos_version).expect("checked when parsed"),
            ..ChainConfig::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_to_nitro_devnode_port_and_chain_id_on_loopback() {
        let cli = Cli::parse_from(["px-devnet"]);
        assert_eq!(cli.addr().to_string(), "127.0.0.1:8547");
        assert_eq!(cli.chain_config().chain_id, 412_346);
    }

    #[test]
    fn port_flag_changes_the_port() {
        let cli = Cli::parse_from(["px-devnet", "--port", "9000"]);
        assert_eq!(cli.addr().port(), 9000);
    }

    #[test]
    fn arbos_version_flag_selects_the_stylus_rules() {
        let cli = Cli::parse_from(["px-devnet"]);
        assert_eq!(cli.chain_config().stylus.max_fragment_count, 4);
        let cli = Cli::parse_from(["px-devnet", "--arbos-version", "51"]);
        assert_eq!(cli.chain_config().stylus.max_fragment_count, 0);
        let err = Cli::try_parse_from(["px-devnet", "--arbos-version", "30"]).unwrap_err();
        assert!(err.to_string().contains("ArbOS 30 is not modelled"), "{err}");
    }

    #[test]
    fn error_when_the_port_is_not_a_number() {
        assert!(Cli::try_parse_from(["px-devnet", "--port", "http"]).is_err());
    }
}
