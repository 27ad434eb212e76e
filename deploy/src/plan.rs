//! What a deployment deploys and who holds which role, from a TOML file (see
//! `deploy/plans/*.toml`).

use alloy::primitives::{Address, B256, U256};
use serde::Deserialize;

use crate::DeployError;

/// A deployment plan.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// The core's registrar: signs mint authorizations, registers keys (the PX node's key).
    pub registrar: Address,
    /// Usage signers PxSync trusts (the PX nodes' signing keys).
    pub usage_signers: Vec<Address>,
    /// Proposed owner of every program once configured (it must call `acceptOwnership`); the
    /// deployer stays owner when absent.
    #[serde(default)]
    pub new_owner: Option<Address>,
    /// The storefront's plan prices.
    pub storefront: Storefront,
    /// PxSync's sponsorship and LINK.
    pub sync: Sync,
    /// The Chainlink oracle PxSync sends requests to.
    pub chainlink: Chainlink,
    /// Bids in Arbitrum's Stylus cache for the programs once deployed; absent: no bids.
    #[serde(default)]
    pub cache: Option<Cache>,
}

/// Caching the programs in ArbOS' cache (`CacheManager.placeBid`): a cached program's calls
/// start at its cached price (`ArbWasm.programInitGas`'s second figure).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cache {
    /// Wei (decimal) bid for each program; the minimum is 0 while the cache has room
    /// (`cargo stylus cache suggest-bid` tells the current minimum).
    pub bid_wei: String,
}

/// Plan prices (plans 1, 2, 3: 1 GiB, 5 GiB, 20 GiB; plan 0 is free).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Storefront {
    /// Prices in wei, decimal strings.
    pub prices_wei: [String; 3],
}

/// Sponsored syncs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sync {
    /// Tokens with at least this quota (bytes) get sponsored syncs (0 turns them off).
    pub sponsored_min_quota: u64,
    /// LINK (juels, decimal) the deployer sends PxSync to pay sponsored syncs.
    pub link_for_sponsored_syncs: String,
}

/// The oracle.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Chainlink {
    /// Deploy LinkToken and Operator here from `tools/chainlink/out` (local chains only).
    #[serde(default)]
    pub deploy_local: bool,
    /// The LINK token (required unless `deploy_local`).
    #[serde(default)]
    pub link: Option<Address>,
    /// The Operator (required unless `deploy_local`).
    #[serde(default)]
    pub operator: Option<Address>,
    /// With `deploy_local`: the Chainlink node's address, made the Operator's authorized sender.
    #[serde(default)]
    pub node: Option<Address>,
    /// The PX job's `externalJobID` (a UUID).
    pub job_id: String,
    /// LINK (juels, decimal) per request.
    pub fee: String,
}

/// Parses a decimal amount.
fn amount(field: &str, text: &str) -> Result<U256, DeployError> {
    U256::from_str_radix(text, 10).map_err(|e| DeployError::Plan(format!("{field}: {e}")))
}

impl Plan {
    /// Reads a plan.
    ///
    /// # Errors
    /// [`DeployError::Plan`] for invalid TOML, amounts or a missing oracle address.
    pub fn parse(text: &str) -> Result<Self, DeployError> {
        let plan: Self = toml::from_str(text).map_err(|e| DeployError::Plan(e.to_string()))?;
        plan.prices()?;
        plan.fee()?;
        plan.link_for_sponsored_syncs()?;
        plan.job_id()?;
        plan.cache_bid()?;
        if !plan.chainlink.deploy_local
            && (plan.chainlink.link.is_none() || plan.chainlink.operator.is_none())
        {
            return Err(DeployError::Plan(
                "chainlink.link and chainlink.operator are required unless deploy_local".into(),
            ));
        }
        if plan.chainlink.deploy_local && plan.chainlink.node.is_none() {
            return Err(DeployError::Plan("chainlink.node is required with deploy_local".into()));
        }
        Ok(plan)
    }

    /// Plan prices as numbers.
    ///
    /// # Errors
    /// [`DeployError::Plan`] for a malformed price.
    pub fn prices(&self) -> Result<[U256; 3], DeployError> {
        let [a, b, c] = &self.storefront.prices_wei;
        Ok([amount("price", a)?, amount("price", b)?, amount("price", c)?])
    }

    /// The fee per request.
    ///
    /// # Errors
    /// [`DeployError::Plan`] for a malformed fee.
    pub fn fee(&self) -> Result<U256, DeployError> {
        amount("chainlink.fee", &self.chainlink.fee)
    }

    /// LINK for sponsored syncs.
    ///
    /// # Errors
    /// [`DeployError::Plan`] for a malformed amount.
    pub fn link_for_sponsored_syncs(&self) -> Result<U256, DeployError> {
        amount("sync.link_for_sponsored_syncs", &self.sync.link_for_sponsored_syncs)
    }

    /// The cache bid per program, if the plan bids.
    ///
    /// # Errors
    /// [`DeployError::Plan`] for a malformed amount.
    pub fn cache_bid(&self) -> Result<Option<U256>, DeployError> {
        self.cache.as_ref().map(|c| amount("cache.bid_wei", &c.bid_wei)).transpose()
    }

    /// The job id as `PxSync.setOracle` takes it: the ASCII of the UUID's 32 hex digits (how
    /// Chainlink requests name jobs; a node matches it).
    ///
    /// # Errors
    /// [`DeployError::Plan`] when `job_id` is not a UUID.
    pub fn job_id(&self) -> Result<B256, DeployError> {
        let hex: String =
            self.chainlink.job_id.chars().filter(|c| *c != '-').collect::<String>().to_lowercase();
        if hex.len() != 32 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(DeployError::Plan(format!(
                "job_id {:?} is not a UUID",
                self.chainlink.job_id
            )));
        }
        Ok(B256::from_slice(hex.as_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCAL: &str = include_str!("../plans/local.toml");

    #[test]
    fn reads_the_local_plan() {
        let plan = Plan::parse(LOCAL).unwrap();
        assert!(plan.chainlink.deploy_local);
        assert_eq!(plan.job_id().unwrap(), B256::from_slice(b"0eec7e1dd0d2476ca1a872dfb6633f46"));
        assert_eq!(plan.prices().unwrap()[0], U256::from(1_000_000_000_000_000u64));
    }

    #[test]
    fn reads_the_sepolia_template() {
        let plan = Plan::parse(include_str!("../plans/arbitrum-sepolia.toml")).unwrap();
        assert!(!plan.chainlink.deploy_local);
        assert!(plan.chainlink.operator.is_some());
    }

    #[test]
    fn a_plan_may_bid_for_the_cache() {
        assert_eq!(Plan::parse(LOCAL).unwrap().cache_bid().unwrap(), None);
        let bidding = format!("{LOCAL}\n[cache]\nbid_wei = \"0\"\n");
        assert_eq!(Plan::parse(&bidding).unwrap().cache_bid().unwrap(), Some(U256::ZERO));
        let bad = format!("{LOCAL}\n[cache]\nbid_wei = \"free\"\n");
        assert!(
            matches!(Plan::parse(&bad), Err(DeployError::Plan(m)) if m.contains("cache.bid_wei"))
        );
    }

    #[test]
    fn error_when_a_remote_plan_has_no_operator() {
        let text = LOCAL.replace("deploy_local = true", "deploy_local = false");
        assert!(matches!(Plan::parse(&text), Err(DeployError::Plan(m)) if m.contains("operator")));
    }

    #[test]
    fn error_when_an_amount_or_the_job_id_is_malformed() {
        assert!(Plan::parse(&LOCAL.replace("100000000000000000\"", "0.1\"")).is_err());
        assert!(Plan::parse(&LOCAL.replace("0eec7e1d-", "zz")).is_err());
        assert!(Plan::parse(&format!("{LOCAL}\nsurprise = 1\n")).is_err());
    }
}
