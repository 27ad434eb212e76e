//! The whole PX loop on one machine, for the end-to-end tests and the demo.
//!
//! [`environment::Environment`] starts the parts as processes — the local Stylus chain
//! (`px-devnet`), a real IPFS node (js-ipfs), the oracle adapter, the PX node, the local CRE DON
//! (`px-don`: 4 nodes, f = 1, on Chainlink's real `KeystoneForwarder`) and the Direct Request
//! stand-in (`px-job-runner`, driven by `scripts/chainlink/px-sync-job.toml`) — and deploys the
//! real programs with `px-deploy`. Syncs go through CRE unless the environment is started on
//! the legacy route ([`environment::Options::direct_request`]). Users act through the `px`
//! command line, as they would; [`cre`] reads and forges CRE deliveries.
//!
//! The binaries come from the workspace's build (`cargo build --workspace --bins`; the tests find
//! them next to themselves, or in `PX_BIN_DIR`); each run keeps its logs in `target/e2e/`.

pub mod cre;
pub mod environment;
pub mod process;
