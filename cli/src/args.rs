//! The command line. Keys are never flags: `PX_PRIVATE_KEY`, or `--keystore FILE` (an
//! Ethereum keystore; its password in `PX_KEYSTORE_PASSWORD`).

use std::path::PathBuf;

use alloy::primitives::{Address, B256, U256};
use clap::{Args, Parser, Subcommand};

/// `px`: the PX storage NFT command line.
#[derive(Debug, Parser)]
#[command(
    name = "px",
    version,
    about = "PX storage NFTs: mint, upload within quota, sync usage on-chain"
)]
pub struct Cli {
    /// Ethereum JSON-RPC URL.
    #[arg(long, global = true, env = "PX_RPC_URL", default_value = "http://127.0.0.1:8547")]
    pub rpc_url: String,
    /// The PX node's URL.
    #[arg(long, global = true, env = "PX_NODE_URL", default_value = "http://127.0.0.1:8090")]
    pub node_url: String,
    /// The core program (`PxStorageNft`); asked from the node when not given.
    #[arg(long, global = true, env = "PX_CORE")]
    pub core: Option<Address>,
    /// Ethereum keystore file holding the account's key (password: `PX_KEYSTORE_PASSWORD`).
    /// Without it, `PX_PRIVATE_KEY` holds the key.
    #[arg(long, global = true, env = "PX_KEYSTORE")]
    pub keystore: Option<PathBuf>,
    /// Print one JSON document instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the storefront's plans.
    Plans,
    /// Mint a token: with a BTNS key from the node (default) or without one, as an explorer.
    Mint {
        /// Plan id (0 is the free plan).
        #[arg(long, default_value_t = 0)]
        plan: u64,
        /// Mint without a key; the node registers one when it sees the mint.
        #[arg(long)]
        no_key: bool,
    },
    /// Upload files to a token through the node.
    Upload {
        /// Files to upload.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The token.
        #[arg(long)]
        token: U256,
        /// Encrypt each file before it leaves this machine (`px-enc/1`, under the key the
        /// account's signature derives; `docs/encryption.md`). The node stores and counts the
        /// ciphertext.
        #[arg(long)]
        encrypt: bool,
    },
    /// List a token's files.
    Ls {
        /// The token.
        #[arg(long)]
        token: U256,
        /// Follow every page behind `filesIndex` (default: the newest 256).
        #[arg(long)]
        all: bool,
    },
    /// A token's usage: on-chain and on the node, side by side.
    Usage {
        /// The token.
        token: U256,
    },
    /// Sync a token's usage on-chain and wait for the fulfilment.
    Sync {
        /// The token.
        token: U256,
        /// Pay the sync with LINK (`transferAndCall`, Direct Request) instead of the sponsored
        /// `requestSync`.
        #[arg(long, conflicts_with = "pay_eth")]
        pay: bool,
        /// Pay the sync fee in ETH (`requestSyncWithFee`, through CRE) instead of the sponsored
        /// `requestSync`.
        #[arg(long)]
        pay_eth: bool,
        /// Seconds to wait for the fulfilment.
        #[arg(long, default_value_t = 300)]
        timeout: u64,
    },
    /// Download a file through the node.
    Download {
        /// The file's CID.
        cid: String,
        /// The token that lists it (default: any file the node stores).
        #[arg(long)]
        token: Option<U256>,
        /// Where to write it (default: the CID as file name; `-` for stdout).
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// Write an encrypted file's ciphertext as stored instead of decrypting it (by default
        /// a `px-enc/1` file is decrypted with the account's key).
        #[arg(long)]
        raw: bool,
    },
    /// Operator commands (owner or registrar keys).
    #[command(subcommand)]
    Admin(Admin),
    /// Check the RPC, the node, the storage node, the adapter and the contracts' configuration.
    Doctor(Doctor),
}

/// Operator commands.
#[derive(Debug, Subcommand)]
pub enum Admin {
    /// Configure Chainlink on `PxSync` (owner).
    SetOracle {
        /// LinkToken.
        #[arg(long)]
        link: Address,
        /// The Operator.
        #[arg(long)]
        operator: Address,
        /// The job id (bytes32; the ASCII of the job's UUID hex digits).
        #[arg(long)]
        job_id: B256,
        /// LINK per request, in juels (10^-18 LINK).
        #[arg(long)]
        fee: U256,
    },
    /// Add or change a plan on the storefront (owner).
    SetPlan {
        /// Plan id (`planCount()` adds one).
        plan: U256,
        /// Quota in bytes.
        #[arg(long)]
        quota: u64,
        /// Upload allowance.
        #[arg(long)]
        uploads: u32,
        /// Price in wei.
        #[arg(long)]
        price: U256,
        /// Make the plan unavailable.
        #[arg(long)]
        inactive: bool,
    },
    /// Trust a usage signer on `PxSync`, or stop trusting it with `--remove` (owner).
    AddSigner {
        /// The signer (the node's `usageSigner`, see `/v1/info`).
        signer: Address,
        /// Remove instead of add.
        #[arg(long)]
        remove: bool,
    },
    /// Pause the core (uploads and syncs stop), or `--unpause` (owner).
    Pause {
        /// Unpause instead.
        #[arg(long)]
        unpause: bool,
    },
    /// Have the node register a token minted without a key (node's registrar).
    Register {
        /// The token.
        token: U256,
    },
}

/// `px doctor` options.
#[derive(Debug, Args)]
pub struct Doctor {
    /// The oracle adapter's URL, to check it answers.
    #[arg(long, env = "PX_ADAPTER_URL")]
    pub adapter_url: Option<String>,
}
