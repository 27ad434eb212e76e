//! The whole PX loop on one machine, for the end-to-end tests and the demo.
//!
//! [`environment::Environment`] starts the parts as processes — the local Stylus chain
//! (`px-devnet`), a real IPFS node (js-ipfs), the oracle adapter, the PX node and the Chainlink
//! stand-in (`px-job-runner`, driven by `scripts/chainlink/px-sync-job.toml`) — and deploys the
//! real programs with `px-deploy`. Users act through the `px` command line, as they would.
//!
//! The binaries come from the workspace's build (`cargo build --workspace --bins`; the tests find
//! them next to themselves, or in `PX_BIN_DIR`); each run keeps its logs in `target/e2e/`.

pub mod environment;
pub mod process;
