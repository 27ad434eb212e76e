//! `px-demo`: the README's main job. Brings up the local environment (the local Stylus chain,
//! a real IPFS node, the oracle adapter, the PX node, the local CRE DON on Chainlink's
//! `KeystoneForwarder`, the Direct Request stand-in), deploys the programs and runs the sync
//! loop as a narrated demo: each step, its transactions and gas, the usage before and after each
//! sync. Syncs go through CRE (the forwarder, the DON's f + 1 signatures, `onReport`'s gas);
//! `--direct-request` (or `PX_DEMO_ROUTE=direct-request`) takes the legacy Operator path. Then
//! it keeps everything running for `px` and `cast` until ctrl-c (or exits at once with
//! `--exit`), and stops every process it started.

use std::{path::PathBuf, process::Output, time::Duration};

use alloy::{
    primitives::{B256, U256},
    signers::local::PrivateKeySigner,
};
use anyhow::{Context, Result, bail};
use px_abi::IPxSync;
use px_e2e::{
    cre,
    environment::{Environment, Options, Route},
};
use serde_json::Value;

const WINDOW: u64 = 30 * 24 * 3600;

fn step(n: u8, title: &str) {
    println!("\n\x1b[1m[{n}/7] {title}\x1b[0m");
}

fn json(out: &Output, what: &str) -> Result<Value> {
    if !out.status.success() {
        bail!("{what}: {}", String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(serde_json::from_slice(&out.stdout)?)
}

fn hash(v: &Value) -> Result<B256> {
    Ok(v["tx"].as_str().context("no tx")?.parse()?)
}

struct Demo {
    env: Environment,
    route: Route,
}

impl Demo {
    async fn px(&self, user: &PrivateKeySigner, args: &[&str], what: &str) -> Result<Value> {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        json(&self.env.px(user, &all).await?, what)
    }

    async fn usage_line(&self, token: U256) -> Result<String> {
        let u = self.env.usage(token).await?;
        Ok(format!(
            "on-chain: {} of {} bytes, {} of {} uploads, sequence {}",
            u.usedBytes, u.quotaBytes, u.uploadCount, u.uploadLimit, u.syncSequence
        ))
    }

    async fn sync(&self, user: &PrivateKeySigner, token: U256, pay: bool) -> Result<()> {
        println!("    before: {}", self.usage_line(token).await?);
        match self.route {
            Route::Cre => self.sync_cre(user, token, pay).await?,
            Route::DirectRequest => self.sync_direct_request(user, token, pay).await?,
        }
        println!("    after:  {}", self.usage_line(token).await?);
        Ok(())
    }

    /// Through CRE: the request on PxSync, the local DON's delivery through the forwarder.
    async fn sync_cre(&self, user: &PrivateKeySigner, token: U256, pay: bool) -> Result<()> {
        let provider = self.env.provider(user)?;
        let sync = IPxSync::new(self.env.deployment.sync, &provider);
        let receipt = if pay {
            let fee = sync.creConfig().call().await?.syncFee;
            sync.requestSyncWithFee(token).value(fee).send().await?.get_receipt().await?
        } else {
            sync.requestSync(token).send().await?.get_receipt().await?
        };
        if !receipt.status() {
            bail!("the sync request {} reverted", receipt.transaction_hash);
        }
        let request = cre::requested(&receipt)?;
        let how = if pay { "paid in ETH (requestSyncWithFee)" } else { "sponsored (requestSync)" };
        println!(
            "    request {} ({how}): tx {}  gas {}; SyncRequested route {} (CRE)",
            request.requestId, receipt.transaction_hash, receipt.gas_used, request.route
        );
        let (answer, tx) =
            cre::wait_answer(&self.env, request.requestId, Duration::from_mins(2)).await?;
        let delivery = cre::delivery(&self.env, tx).await?;
        let n = self.env.don_signers().len();
        println!(
            "    the local DON ({n} nodes, each asking the adapter) agreed and delivered through \
             KeystoneForwarder {}",
            delivery.to
        );
        println!(
            "    DON signatures: {} of {n} (f + 1)  tx {tx}  gas {} of the limit {} \
             (KeystoneForwarder.report + onReport + applyUsage)",
            delivery.signatures, delivery.gas_used, delivery.gas_limit
        );
        if let cre::Answer::Rejected(reason) = answer {
            bail!("PxSync rejected the report (reason {reason})");
        }
        Ok(())
    }

    /// Through Direct Request (the legacy path): `px sync`, the Operator, px-job-runner.
    async fn sync_direct_request(
        &self,
        user: &PrivateKeySigner,
        token: U256,
        pay: bool,
    ) -> Result<()> {
        let id = token.to_string();
        let mut args = vec!["sync", id.as_str(), "--timeout", "120"];
        if pay {
            args.push("--pay");
        }
        let how = if pay { "paid with LINK (transferAndCall)" } else { "sponsored (requestSync)" };
        let out = self.px(user, &args, "px sync").await?;
        let request: B256 = out["requestId"].as_str().context("no request id")?.parse()?;
        let (tx, gas) = self.env.fulfilment(request).await?;
        println!("    request {request}, {how}");
        println!(
            "    fulfilled by the Chainlink stand-in: tx {tx}  gas {gas} (Operator + fulfillSync + applyUsage)"
        );
        Ok(())
    }

    fn file(&self, name: &str, bytes: usize) -> Result<PathBuf> {
        let path = self.env.dir.join(name);
        std::fs::write(
            &path,
            (0..bytes).map(|i| u8::try_from(i % 253).unwrap_or(0)).collect::<Vec<u8>>(),
        )?;
        Ok(path)
    }
}

impl Demo {
    /// Alice mints through registration management, Bob like an explorer.
    async fn mint(&self, alice: &PrivateKeySigner, bob: &PrivateKeySigner) -> Result<(U256, U256)> {
        step(2, "Minting: Alice through registration management, Bob like an explorer");
        let a = self.px(alice, &["mint", "--plan", "1"], "alice's mint").await?;
        let alice_token: U256 = a["tokenId"].as_str().context("token id")?.parse()?;
        println!(
            "    Alice ({}) minted token {alice_token} with BTNS key {}: mintWithKey tx {}  gas {}",
            alice.address(),
            a["btnsKey"].as_str().unwrap_or("?"),
            hash(&a)?,
            self.env.gas_used(hash(&a)?).await?
        );
        let b = self.px(bob, &["mint", "--plan", "1", "--no-key"], "bob's mint").await?;
        let bob_token: U256 = b["tokenId"].as_str().context("token id")?.parse()?;
        println!(
            "    Bob ({}) minted token {bob_token} without a key: mint tx {}  gas {}",
            bob.address(),
            hash(&b)?,
            self.env.gas_used(hash(&b)?).await?
        );
        let deadline = std::time::Instant::now() + Duration::from_mins(1);
        while !self
            .env
            .px(bob, &["--json", "usage", &bob_token.to_string()])
            .await?
            .status
            .success()
        {
            if std::time::Instant::now() > deadline {
                bail!("the PX node did not register a key for token {bob_token}");
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        println!(
            "    the PX node saw Bob's mint, registered a BTNS key for it (registerBtnsKey) and \
             published its first document"
        );
        Ok((alice_token, bob_token))
    }

    /// Alice uploads two files through the node.
    async fn upload(&self, alice: &PrivateKeySigner, token: U256) -> Result<()> {
        step(
            4,
            "Alice signs in to the PX node and uploads files; the node publishes signed usage under her BTNS key",
        );
        let files = [self.file("report.pdf", 48_000)?, self.file("photo.jpg", 310_000)?];
        let names: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
        let id = token.to_string();
        let mut args = vec!["upload", "--token", id.as_str()];
        args.extend(names.iter().map(String::as_str));
        let up = self.px(alice, &args, "upload").await?;
        for upload in up["uploads"].as_array().into_iter().flatten() {
            println!(
                "    {} -> {} (usage sequence {})",
                upload["file"].as_str().unwrap_or("?"),
                upload["result"]["cid"].as_str().unwrap_or("?"),
                upload["result"]["sequence"].as_str().unwrap_or("?")
            );
        }
        let usage = self.px(alice, &["usage", &id], "usage").await?;
        let node = &usage["node"];
        println!(
            "    the node: {} bytes in {} uploads, sequence {}; the chain has not heard yet",
            node["usedBytes"].as_str().unwrap_or("?"),
            node["uploadCount"].as_str().unwrap_or("?"),
            node["sequence"].as_str().unwrap_or("?")
        );
        Ok(())
    }

    /// The window closes, the node refuses, a sync reopens it.
    async fn window(&self, alice: &PrivateKeySigner, token: U256) -> Result<()> {
        step(6, "The sync window (30 days) passes: uploads stop until the next sync");
        self.env.advance(WINDOW + 1).await?;
        println!("    uploadAllowed on-chain: {}", self.env.upload_allowed(token, 1).await?);
        let extra = self.file("late.txt", 1_000)?;
        let id = token.to_string();
        let refused =
            self.env.px(alice, &["upload", "--token", &id, &extra.display().to_string()]).await?;
        println!("    the node refuses: {}", String::from_utf8_lossy(&refused.stderr).trim());
        self.sync(alice, token, false).await?;
        println!("    uploadAllowed on-chain: {}", self.env.upload_allowed(token, 1).await?);
        Ok(())
    }

    /// An upload larger than the quota is refused before it streams.
    async fn quota(&self, alice: &PrivateKeySigner, token: U256) -> Result<()> {
        step(7, "Over quota: an upload beyond the token's quota is refused");
        let quota = self.env.usage(token).await?.quotaBytes;
        println!(
            "    token {token} has {quota} bytes; the node refuses an upload of {quota} bytes before it streams:"
        );
        let big = self.env.dir.join("too-big.bin");
        std::fs::File::create(&big)?.set_len(quota)?; // sparse: no disk used
        let id = token.to_string();
        let refused =
            self.env.px(alice, &["upload", "--token", &id, &big.display().to_string()]).await?;
        println!("    {}", String::from_utf8_lossy(&refused.stderr).trim());
        Ok(())
    }

    fn outro(&self, alice: &PrivateKeySigner, token: U256) {
        let (rpc, core) = (&self.env.rpc_url, self.env.deployment.core);
        println!("\n\x1b[1mThe environment is up.\x1b[0m Try, in another shell:");
        println!("    export PX_RPC_URL={rpc} PX_NODE_URL={} PX_CORE={core}", self.env.node_url);
        println!(
            "    export PX_PRIVATE_KEY={}   # Alice (a public development key)",
            alloy::hex::encode(alice.to_bytes())
        );
        println!("    cargo run -q -p px-cli -- usage {token}");
        println!(
            "    tools/npm/node_modules/.bin/cast call {core} \
             'usageOf(uint256)(uint64,uint32,uint64,uint32,uint64,uint64,bytes32)' {token} --rpc-url {rpc}"
        );
        println!("    logs: {}", self.env.dir.join("logs").display());
    }
}

impl Demo {
    /// Serves the dApp (`dapp/serve.mjs` over `dapp/dist`, built by `scripts/setup.sh dapp`)
    /// with a development wallet for Alice, and prints its URL.
    async fn serve_dapp(
        &self,
        alice: &PrivateKeySigner,
        default_ports: bool,
    ) -> Result<Option<px_e2e::process::Process>> {
        let root = px_e2e::environment::root();
        if !root.join("dapp/dist/index.html").exists() {
            println!("    (the dApp is not built: `scripts/setup.sh dapp` builds it)");
            return Ok(None);
        }
        let deployment = self.env.dir.join("deployment.json");
        std::fs::write(&deployment, serde_json::to_string_pretty(&self.env.deployment)? + "\n")?;
        let port = if default_ports { 5173 } else { px_e2e::process::free_port()? };
        let args = [
            root.join("dapp/serve.mjs").display().to_string(),
            "--rpc".to_owned(),
            self.env.rpc_url.clone(),
            "--node".to_owned(),
            self.env.node_url.clone(),
            "--deployment".to_owned(),
            deployment.display().to_string(),
            "--port".to_owned(),
            port.to_string(),
            "--dev-wallet-key".to_owned(),
            format!("0x{}", alloy::hex::encode(alice.to_bytes())),
        ];
        let mut server = px_e2e::process::Process::spawn_program(
            "dapp",
            std::path::Path::new("node"),
            &args,
            &[],
            &self.env.dir.join("logs"),
        )?;
        let url = format!("http://127.0.0.1:{port}/");
        server.wait_http(&url, Duration::from_secs(20)).await?;
        println!(
            "\n\x1b[1mThe dApp:\x1b[0m {url}  (open it in a browser: \"Connect PX development wallet\" signs as Alice; mint, upload, see usage and sync)"
        );
        Ok(Some(server))
    }
}

async fn run(exit: bool, default_ports: bool, route: Route) -> Result<()> {
    step(1, "Starting the local environment and deploying the programs");
    let options = Options { default_ports, narrate: true, route, ..Options::default() };
    let env = Environment::start(options).await?;
    let d = env.deployment.clone();
    println!(
        "    chain {} at {} (px-devnet: Stylus WASM on wasmi, EVM on revm)",
        d.chain_id, env.rpc_url
    );
    println!(
        "    PxStorageNft {}  PxSync {}  PxStorefront {}  PxRenderer {}",
        d.core, d.sync, d.storefront, d.renderer
    );
    println!("    LINK {}  Operator {}  IPFS {}", d.link, d.operator, env.ipfs.api_url());
    let f = d.cre.don.as_ref().map_or(1, |don| don.f);
    println!(
        "    KeystoneForwarder {} (Chainlink's, compiled from @chainlink/contracts 1.5.0), \
         configured for a local DON of {} nodes with f = {f}",
        d.cre.forwarder,
        env.don_signers().len()
    );
    println!(
        "    sync route: {}",
        match route {
            Route::Cre => "CRE (px-don -> KeystoneForwarder -> PxSync.onReport)",
            Route::DirectRequest =>
                "Direct Request, the legacy path (Operator -> px-job-runner -> fulfillSync)",
        }
    );
    println!("    oracle adapter {}  PX node {}", env.adapter_url, env.node_url);
    let demo = Demo { env, route };
    let (alice, bob) = (demo.env.users[0].clone(), demo.env.users[1].clone());

    let (alice_token, bob_token) = demo.mint(&alice, &bob).await?;
    step(3, "Both tokens sync before any upload: the first document (sequence 1)");
    demo.sync(&alice, alice_token, false).await?;
    demo.sync(&bob, bob_token, false).await?;
    demo.upload(&alice, alice_token).await?;
    step(
        5,
        match route {
            Route::Cre => {
                "Alice pays for a sync: CRE request -> 4 DON nodes ask the adapter, agree, sign -> KeystoneForwarder -> signed usage on-chain"
            }
            Route::DirectRequest => {
                "Alice syncs: Chainlink request -> adapter resolves the name -> signed usage on-chain"
            }
        },
    );
    demo.sync(&alice, alice_token, true).await?;
    demo.window(&alice, alice_token).await?;
    demo.quota(&alice, alice_token).await?;
    demo.outro(&alice, alice_token);
    if exit {
        return Ok(());
    }
    let _dapp = demo.serve_dapp(&alice, default_ports).await?;
    println!("Press ctrl-c to stop every process.");
    tokio::signal::ctrl_c().await?;
    Ok(())
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let exit = args.iter().any(|a| a == "--exit");
    let default_ports = !args.iter().any(|a| a == "--free-ports");
    let direct_request = args.iter().any(|a| a == "--direct-request")
        || std::env::var("PX_DEMO_ROUTE").is_ok_and(|r| r == "direct-request");
    let route = if direct_request { Route::DirectRequest } else { Route::Cre };
    if let Err(error) = run(exit, default_ports, route).await {
        eprintln!("px-demo: {error:#}");
        std::process::exit(1);
    }
}
