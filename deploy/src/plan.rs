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
    /// The Chainlink oracle PxSync sends Direct Requests to (the legacy route).
    pub chainlink: Chainlink,
    /// Sync through CRE: the forwarder, the workflow PxSync accepts reports from, the fee.
    pub cre: Cre,
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

/// Sync through CRE (wire formats, "Sync through CRE"): which `KeystoneForwarder` may call
/// PxSync's `onReport`, which workflow's reports it accepts, what a user-paid sync costs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cre {
    /// `"deploy"`: deploy Chainlink's `KeystoneForwarder` (local chains) and configure [`Cre::don`]
    /// on it; otherwise the address of Chainlink's forwarder on this chain (its forwarder
    /// directory).
    pub forwarder: String,
    /// With `forwarder = "deploy"`: the DON configured on the new forwarder.
    #[serde(default)]
    pub don: Option<Don>,
    /// The workflow owner PxSync expects in a report's metadata.
    pub workflow_owner: Address,
    /// The workflow id PxSync expects (what the workflow registry gives the registered workflow).
    pub workflow_id: B256,
    /// The workflow name, checked together with the owner (empty: not checked).
    #[serde(default)]
    pub workflow_name: String,
    /// Wei (decimal) a user pays for a sync through CRE (`requestSyncWithFee`).
    pub sync_fee_wei: String,
    /// Seconds after which an unanswered CRE request may be cancelled (`cancelSync`).
    pub request_timeout_s: u64,
    /// The route requests take: `"cre"` or `"direct-request"`.
    pub default_route: Route,
}

/// A sync route (`SyncRequested.route`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Route {
    /// Through a CRE workflow and the `KeystoneForwarder` (route 1), the primary path.
    #[default]
    Cre,
    /// Through a Chainlink Operator (route 2, the legacy path).
    DirectRequest,
}

impl Route {
    /// The route's number on-chain (`setSyncRoute`, `SyncRequested.route`).
    pub fn id(self) -> u8 {
        match self {
            Self::Cre => 1,
            Self::DirectRequest => 2,
        }
    }
}

/// A local DON's configuration on a forwarder px-deploy deploys.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Don {
    /// DON id.
    pub don_id: u32,
    /// Configuration version.
    pub config_version: u32,
    /// Faults tolerated: reports need `f + 1` signatures, the DON has `3f + 1` signers.
    pub f: u8,
    /// The DON nodes' signing addresses; absent: px-don's development signers.
    #[serde(default)]
    pub signers: Option<Vec<Address>>,
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
        plan.sync_fee()?;
        plan.forwarder()?;
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

    /// The wei a user pays for a CRE sync.
    ///
    /// # Errors
    /// [`DeployError::Plan`] for a malformed amount.
    pub fn sync_fee(&self) -> Result<U256, DeployError> {
        amount("cre.sync_fee_wei", &self.cre.sync_fee_wei)
    }

    /// The forwarder: `None` to deploy one (with the DON it configures), or Chainlink's.
    ///
    /// # Errors
    /// [`DeployError::Plan`] when `forwarder` is neither `"deploy"` nor an address, when a
    /// deployed forwarder has no `[cre.don]`, or a named one has one.
    pub fn forwarder(&self) -> Result<Option<Address>, DeployError> {
        let cre = &self.cre;
        if cre.forwarder == "deploy" {
            let don = cre.don.as_ref().ok_or_else(|| {
                DeployError::Plan("cre.don is required with cre.forwarder = \"deploy\"".into())
            })?;
            if don.f == 0 {
                return Err(DeployError::Plan("cre.don.f must be at least 1".into()));
            }
            if let Some(signers) = &don.signers
                && signers.len() != 3 * usize::from(don.f) + 1
            {
                return Err(DeployError::Plan(format!(
                    "cre.don.signers: {} signers, a DON with f = {} has {}",
                    signers.len(),
                    don.f,
                    3 * usize::from(don.f) + 1
                )));
            }
            return Ok(None);
        }
        let forwarder: Address = cre.forwarder.parse().map_err(|e| {
            DeployError::Plan(format!(
                "cre.forwarder {:?}: not \"deploy\" or an address: {e}",
                cre.forwarder
            ))
        })?;
        if cre.don.is_some() {
            return Err(DeployError::Plan(
                "cre.don configures a forwarder px-deploy deploys; Chainlink's is configured by \
                 Chainlink"
                    .into(),
            ));
        }
        Ok(Some(forwarder))
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
    fn the_local_plan_deploys_a_forwarder_for_a_four_node_don_and_routes_through_cre() {
        let plan = Plan::parse(LOCAL).unwrap();
        assert_eq!(plan.forwarder().unwrap(), None);
        let don = plan.cre.don.as_ref().unwrap();
        assert_eq!((don.f, don.signers.as_ref()), (1, None));
        assert_eq!(plan.cre.default_route, Route::Cre);
        assert_eq!(plan.cre.default_route.id(), 1);
        assert_eq!(plan.sync_fee().unwrap(), U256::from(100_000_000_000_000u64));
    }

    #[test]
    fn the_arbitrum_plans_name_chainlinks_forwarder() {
        // The forwarder directory's production KeystoneForwarders (see the plans' comments).
        for (text, forwarder) in [
            (
                include_str!("../plans/arbitrum-sepolia.toml"),
                "0x76c9cf548b4179F8901cda1f8623568b58215E62",
            ),
            (
                include_str!("../plans/arbitrum-one.toml"),
                "0xF8344CFd5c43616a4366C34E3EEE75af79a74482",
            ),
        ] {
            let plan = Plan::parse(text).unwrap();
            assert_eq!(plan.forwarder().unwrap(), Some(forwarder.parse().unwrap()));
            assert!(plan.cre.don.is_none());
        }
    }

    #[test]
    fn error_when_the_forwarder_is_neither_deploy_nor_an_address() {
        let text = LOCAL.replace("forwarder = \"deploy\"", "forwarder = \"chainlink's\"");
        assert!(
            matches!(Plan::parse(&text), Err(DeployError::Plan(m)) if m.contains("cre.forwarder"))
        );
    }

    #[test]
    fn error_when_a_deployed_forwarder_has_no_don_or_a_named_one_has_one() {
        let no_don = LOCAL.split("[cre.don]").next().unwrap();
        assert!(matches!(Plan::parse(no_don), Err(DeployError::Plan(m)) if m.contains("cre.don")));
        let named = LOCAL.replace(
            "forwarder = \"deploy\"",
            "forwarder = \"0x76c9cf548b4179F8901cda1f8623568b58215E62\"",
        );
        assert!(matches!(Plan::parse(&named), Err(DeployError::Plan(m)) if m.contains("cre.don")));
    }

    #[test]
    fn error_when_the_don_is_not_three_f_plus_one_signers() {
        let three = format!(
            "{LOCAL}signers = [\"{a}\", \"{a}\", \"{a}\"]\n",
            a = "0x0000000000000000000000000000000000000001"
        );
        assert!(matches!(Plan::parse(&three), Err(DeployError::Plan(m)) if m.contains("signers")));
        let no_faults = LOCAL.replace("f = 1", "f = 0");
        assert!(
            matches!(Plan::parse(&no_faults), Err(DeployError::Plan(m)) if m.contains("f must"))
        );
    }

    #[test]
    fn error_when_the_route_or_the_sync_fee_is_malformed() {
        assert!(
            Plan::parse(&LOCAL.replace("default_route = \"cre\"", "default_route = \"x\""))
                .is_err()
        );
        let fee = LOCAL.replace("sync_fee_wei = \"100000000000000\"", "sync_fee_wei = \"1e14\"");
        assert!(matches!(Plan::parse(&fee), Err(DeployError::Plan(m)) if m.contains("sync_fee")));
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
