//! Configuration: every setting is a flag and an environment variable (`PX_NODE_*`), except
//! private keys, which come only from the environment or from a key file (never from a flag,
//! where `ps` and shell history would show them).

use std::{net::IpAddr, path::PathBuf, time::Duration};

use alloy::{primitives::Address, signers::local::PrivateKeySigner};
use clap::{Parser, ValueEnum};

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// The node's settings.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "px-node",
    version,
    about = "The PX node: uploads within quota, signed usage under BTNS, registration management"
)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "PX_NODE_HOST", default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// Port to listen on (0 = any free port).
    #[arg(long, env = "PX_NODE_PORT", default_value_t = 8090)]
    pub port: u16,
    /// Ethereum JSON-RPC URL of the chain.
    #[arg(long, env = "PX_RPC_URL", default_value = "http://127.0.0.1:8547")]
    pub rpc_url: String,
    /// The core program (`PxStorageNft`).
    #[arg(long, env = "PX_CORE")]
    pub core: Address,
    /// The storefront (`PxStorefront`), verifying contract of mint authorizations; read from the
    /// core's minter role when not set.
    #[arg(long, env = "PX_STOREFRONT")]
    pub storefront: Option<Address>,
    /// Storage node API base URL (BTFS or IPFS).
    #[arg(long, env = "PX_STORAGE_API_URL", default_value = "http://127.0.0.1:5001")]
    pub storage_api_url: String,
    /// API path prefix: `/api/v1` for BTFS, `/api/v0` for IPFS.
    #[arg(long, env = "PX_STORAGE_API_PREFIX", default_value = "/api/v1")]
    pub storage_api_prefix: String,
    /// Content path prefix for `cat`: `/btfs` for BTFS, `/ipfs` for IPFS.
    #[arg(long, env = "PX_STORAGE_PATH_PREFIX", default_value = "/btfs")]
    pub storage_path_prefix: String,
    /// Directory of the journal (`journal.redb`).
    #[arg(long, env = "PX_NODE_DATA_DIR", default_value = "px-node-data")]
    pub data_dir: PathBuf,
    /// File holding the usage signer's private key (hex); `PX_USAGE_SIGNER_KEY` takes the key
    /// itself.
    #[arg(long, env = "PX_USAGE_SIGNER_KEY_FILE")]
    pub usage_signer_key_file: Option<PathBuf>,
    /// File holding the registrar's private key (hex); `PX_REGISTRAR_KEY` takes the key itself.
    /// Without a registrar the node serves uploads but allocates and registers no keys.
    #[arg(long, env = "PX_REGISTRAR_KEY_FILE")]
    pub registrar_key_file: Option<PathBuf>,
    /// The domain sign-in messages must name (EIP-4361 `domain`), e.g. `app.example.org`.
    #[arg(long, env = "PX_SIWE_DOMAIN", default_value = "localhost")]
    pub siwe_domain: String,
    /// Seconds a sign-in nonce stays usable.
    #[arg(long, env = "PX_NONCE_TTL_SECS", default_value_t = 300)]
    pub nonce_ttl_secs: u64,
    /// Most outstanding nonces (requests beyond it get 429).
    #[arg(long, env = "PX_MAX_NONCES", default_value_t = 100_000)]
    pub max_nonces: usize,
    /// Most outstanding nonces of one client (peer IP; behind a proxy, see node/README.md).
    #[arg(long, env = "PX_MAX_NONCES_PER_CLIENT", default_value_t = 32)]
    pub max_nonces_per_client: usize,
    /// Longest session, in seconds (shorter if the message expires earlier).
    #[arg(long, env = "PX_SESSION_TTL_SECS", default_value_t = 900)]
    pub session_ttl_secs: u64,
    /// Allowed CORS origins, comma-separated; `*` allows any.
    #[arg(long, env = "PX_CORS_ORIGINS", value_delimiter = ',', default_value = "*")]
    pub cors_origins: Vec<String>,
    /// Lifetime of published name records, in seconds (BTNS/IPNS default: 24 h).
    #[arg(long, env = "PX_RECORD_LIFETIME_SECS", default_value_t = 86_400)]
    pub record_lifetime_secs: u64,
    /// Republish every head this often, in seconds (must be below the lifetime).
    #[arg(long, env = "PX_REPUBLISH_INTERVAL_SECS", default_value_t = 43_200)]
    pub republish_interval_secs: u64,
    /// How often the mint watcher and the publish retry run, in milliseconds.
    #[arg(long, env = "PX_WATCH_INTERVAL_MS", default_value_t = 2_000)]
    pub watch_interval_ms: u64,
    /// First block the mint watcher reads on a fresh journal (the core's deployment block).
    #[arg(long, env = "PX_WATCH_FROM_BLOCK", default_value_t = 0)]
    pub watch_from_block: u64,
    /// Whether to watch mints at all (needs a registrar key for keyless tokens).
    #[arg(long, env = "PX_WATCH_MINTS", default_value_t = true, action = clap::ArgAction::Set)]
    pub watch_mints: bool,
    /// Prefix of the key names the node creates in the storage node's keystore (several
    /// deployments may share one storage node).
    #[arg(long, env = "PX_KEY_PREFIX", default_value = "px")]
    pub key_prefix: String,
    /// Seconds a CID nothing references any more (a deleted file, a head neither latest,
    /// published nor on-chain, its pages) stays pinned before the node unpins it: syncs in
    /// flight and readers of a still-valid name record find it meanwhile.
    #[arg(long, env = "PX_UNPIN_GRACE_SECS", default_value_t = 86_400)]
    pub unpin_grace_secs: u64,
    /// Seconds a mint authorization stays valid.
    #[arg(long, env = "PX_MINT_AUTHORIZATION_TTL_SECS", default_value_t = 3_600)]
    pub mint_authorization_ttl_secs: u64,
    /// Most requests served at once, counted once a request passed its cheap checks (for an
    /// upload: session, owner, quota); 503 beyond.
    #[arg(long, env = "PX_MAX_CONCURRENT_REQUESTS", default_value_t = 256)]
    pub max_concurrent_requests: usize,
    /// Most requests of one client (peer IP; IPv6 per /64) in flight at once; 429 beyond.
    #[arg(long, env = "PX_MAX_REQUESTS_PER_CLIENT", default_value_t = 32)]
    pub max_requests_per_client: usize,
    /// Most connections one client keeps open; more are closed at accept.
    #[arg(long, env = "PX_MAX_CONNECTIONS_PER_CLIENT", default_value_t = 64)]
    pub max_connections_per_client: usize,
    /// Seconds a client has to send a request head; keep-alive connections idle this long are
    /// closed too.
    #[arg(long, env = "PX_HEADER_READ_TIMEOUT_SECS", default_value_t = 10)]
    pub header_read_timeout_secs: u64,
    /// Seconds a request body may send nothing before it is cut off (408).
    #[arg(long, env = "PX_BODY_STALL_TIMEOUT_SECS", default_value_t = 30)]
    pub body_stall_timeout_secs: u64,
    /// Lowest average request-body rate, bytes per second, after the body's first
    /// `--body-stall-timeout-secs`; slower is cut off (408). 0 turns the minimum off.
    #[arg(long, env = "PX_MIN_BODY_RATE", default_value_t = 1024)]
    pub min_body_rate: u64,
    /// Seconds to finish requests after a shutdown signal.
    #[arg(long, env = "PX_SHUTDOWN_GRACE_SECS", default_value_t = 20)]
    pub shutdown_grace_secs: u64,
    /// Log filter (`tracing` env-filter syntax); `RUST_LOG` wins when set.
    #[arg(long, env = "PX_LOG_LEVEL", default_value = "info")]
    pub log_level: String,
    /// Log format.
    #[arg(long, env = "PX_LOG_FORMAT", value_enum, default_value = "text")]
    pub log_format: LogFormat,
}

impl Config {
    /// The usage signer: `PX_USAGE_SIGNER_KEY`, else the key file.
    pub fn usage_signer(&self) -> anyhow::Result<PrivateKeySigner> {
        load_key("PX_USAGE_SIGNER_KEY", self.usage_signer_key_file.as_ref())?.ok_or_else(|| {
            anyhow::anyhow!("no usage signer: set PX_USAGE_SIGNER_KEY or --usage-signer-key-file")
        })
    }

    /// The registrar, if configured: `PX_REGISTRAR_KEY`, else the key file.
    pub fn registrar(&self) -> anyhow::Result<Option<PrivateKeySigner>> {
        load_key("PX_REGISTRAR_KEY", self.registrar_key_file.as_ref())
    }

    /// Nonce lifetime.
    pub fn nonce_ttl(&self) -> Duration {
        Duration::from_secs(self.nonce_ttl_secs)
    }

    /// Longest session.
    pub fn session_ttl(&self) -> Duration {
        Duration::from_secs(self.session_ttl_secs)
    }

    /// Checks settings that depend on each other.
    pub fn validate(&self) -> anyhow::Result<()> {
        anyhow::ensure!(
            self.republish_interval_secs > 0
                && self.republish_interval_secs < self.record_lifetime_secs,
            "--republish-interval-secs must be above 0 and below --record-lifetime-secs"
        );
        anyhow::ensure!(self.watch_interval_ms > 0, "--watch-interval-ms must be above 0");
        for (value, flag) in [
            (self.max_concurrent_requests, "--max-concurrent-requests"),
            (self.max_requests_per_client, "--max-requests-per-client"),
            (self.max_connections_per_client, "--max-connections-per-client"),
        ] {
            anyhow::ensure!(value > 0, "{flag} must be above 0");
        }
        anyhow::ensure!(
            self.header_read_timeout_secs > 0 && self.body_stall_timeout_secs > 0,
            "--header-read-timeout-secs and --body-stall-timeout-secs must be above 0"
        );
        Ok(())
    }
}

/// A private key from `var` or, failing that, from `file` (hex, with or without `0x`,
/// surrounding whitespace ignored).
fn load_key(var: &str, file: Option<&PathBuf>) -> anyhow::Result<Option<PrivateKeySigner>> {
    let text = match (std::env::var(var).ok().filter(|v| !v.trim().is_empty()), file) {
        (Some(v), _) => v,
        (None, Some(path)) => std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read key file {}: {e}", path.display()))?,
        (None, None) => return Ok(None),
    };
    let signer = text
        .trim()
        .parse::<PrivateKeySigner>()
        .map_err(|_| anyhow::anyhow!("{var}: not a hex private key"))?;
    Ok(Some(signer))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Config, clap::Error> {
        let mut all = vec!["px-node", "--core", "0x00000000000000000000000000000000000000c0"];
        all.extend_from_slice(args);
        Config::try_parse_from(all)
    }

    #[test]
    fn parses_defaults_for_btfs() {
        let c = parse(&[]).unwrap();
        assert_eq!(c.storage_api_prefix, "/api/v1");
        assert_eq!(c.storage_path_prefix, "/btfs");
        assert_eq!(c.record_lifetime_secs, 86_400);
        c.validate().unwrap();
    }

    #[test]
    fn error_when_a_client_limit_or_timeout_is_zero() {
        for flag in [
            "--max-requests-per-client",
            "--max-connections-per-client",
            "--header-read-timeout-secs",
            "--body-stall-timeout-secs",
        ] {
            assert!(parse(&[flag, "0"]).unwrap().validate().is_err(), "{flag} 0");
        }
        assert!(parse(&["--min-body-rate", "0"]).unwrap().validate().is_ok());
    }

    #[test]
    fn error_when_republishing_no_sooner_than_records_expire() {
        let c =
            parse(&["--record-lifetime-secs", "60", "--republish-interval-secs", "60"]).unwrap();
        assert!(c.validate().is_err());
    }

    #[test]
    fn error_when_the_core_is_missing_or_not_an_address() {
        assert!(Config::try_parse_from(["px-node"]).is_err());
        assert!(Config::try_parse_from(["px-node", "--core", "0x12"]).is_err());
    }

    #[test]
    fn reads_a_key_file_and_refuses_garbage() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("k");
        std::fs::write(
            &good,
            "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d\n",
        )
        .unwrap();
        assert!(load_key("PX_TEST_UNSET_VAR_1", Some(&good)).unwrap().is_some());
        let bad = dir.path().join("b");
        std::fs::write(&bad, "not a key").unwrap();
        assert!(load_key("PX_TEST_UNSET_VAR_1", Some(&bad)).is_err());
        assert!(load_key("PX_TEST_UNSET_VAR_1", None).unwrap().is_none());
    }
}
