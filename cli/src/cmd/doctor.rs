//! `px doctor`: checks each part a deployment needs and says what is wrong and what to do.
//! Exit code 1 when any check fails.

use std::fmt::Write as _;

use alloy::{
    primitives::{Address, U256},
    providers::Provider,
};
use px_abi::{IPxStorageNft, IPxStorefront, IPxSync, chainlink::LinkTokenInterface};
use px_node_api::NodeInfo;
use serde_json::json;

use crate::{args::Doctor, context::Ctx, error::CliError, output::Output};

/// One check: its name and either what was found or what is wrong.
struct Check {
    name: &'static str,
    result: Result<String, String>,
}

fn ok(name: &'static str, found: impl Into<String>) -> Check {
    Check { name, result: Ok(found.into()) }
}

fn bad(name: &'static str, problem: impl Into<String>) -> Check {
    Check { name, result: Err(problem.into()) }
}

fn expect(name: &'static str, condition: bool, found: String, problem: String) -> Check {
    if condition { ok(name, found) } else { bad(name, problem) }
}

/// Runs every check.
pub async fn run(ctx: &Ctx, opts: &Doctor) -> Result<Output, CliError> {
    let mut checks = Vec::new();
    let chain_id = match ctx.chain_id().await {
        Ok(id) => {
            checks.push(ok("rpc", format!("{} answers, chain id {id}", ctx.rpc_url)));
            Some(id)
        }
        Err(e) => {
            checks.push(bad("rpc", format!("{e}; check --rpc-url / PX_RPC_URL")));
            None
        }
    };
    let info = match ctx.node.info().await {
        Ok(info) => {
            checks.push(ok(
                "node",
                format!("{} answers (version {})", ctx.node.base(), info.version),
            ));
            Some(info)
        }
        Err(e) => {
            checks.push(bad("node", format!("{e}; check --node-url / PX_NODE_URL")));
            None
        }
    };
    if let Ok(health) = ctx.node.health().await {
        let storage = health.storage;
        checks.push(expect(
            "storage node",
            storage == "ok",
            "the node reaches it".into(),
            format!("the node cannot reach its storage node: {storage}"),
        ));
    }
    if let (Some(info), Some(id)) = (&info, chain_id) {
        let node_chain = &info.chain_id;
        checks.push(expect(
            "node chain",
            *node_chain == id.to_string(),
            format!("chain {node_chain}"),
            format!("the node serves chain {node_chain}, the RPC is chain {id}"),
        ));
    }
    match ctx.contracts().await {
        Ok(c) => contracts(ctx, &c, info.as_ref(), &mut checks).await,
        Err(e) => checks.push(bad("core", e.to_string())),
    }
    if let Some(url) = &opts.adapter_url {
        let res = reqwest::get(format!("{}/health", url.trim_end_matches('/'))).await;
        checks.push(match res {
            Ok(r) if r.status().is_success() => ok("adapter", format!("{url} answers")),
            Ok(r) => bad("adapter", format!("{url}/health answered HTTP {}", r.status())),
            Err(e) => bad("adapter", format!("{url} does not answer: {e}")),
        });
    }
    let mut human = String::new();
    let mut list = Vec::new();
    for c in &checks {
        let (mark, text) = match &c.result {
            Ok(t) => ("ok  ", t.as_str()),
            Err(t) => ("FAIL", t.as_str()),
        };
        let _ = writeln!(human, "{mark} {:<18} {text}", c.name);
        list.push(json!({"check": c.name, "ok": c.result.is_ok(), "detail": text}));
    }
    let failed = checks.iter().filter(|c| c.result.is_err()).count();
    if failed == 0 {
        human.push_str("all checks passed");
    } else {
        let _ = write!(human, "{failed} check(s) failed");
    }
    let mut out = Output::new(human, json!({"checks": list, "failed": failed}));
    out.ok = failed == 0;
    Ok(out)
}

async fn contracts(
    ctx: &Ctx,
    c: &crate::context::Contracts,
    info: Option<&NodeInfo>,
    checks: &mut Vec<Check>,
) {
    let Ok(p) = ctx.reader() else { return };
    let has_code = |a: Address| {
        let p = p.clone();
        async move { p.get_code_at(a).await.is_ok_and(|code| !code.is_empty()) }
    };
    checks.push(expect(
        "core",
        has_code(c.core).await,
        format!("{} has code", c.core),
        format!("no program at {}", c.core),
    ));
    let core = IPxStorageNft::new(c.core, p.clone());
    if let Ok(paused) = core.paused().call().await {
        checks.push(expect(
            "core paused",
            !paused,
            "not paused".into(),
            "the core is paused: uploads and syncs are refused (`px admin pause --unpause`)".into(),
        ));
    }
    let store = IPxStorefront::new(c.storefront, p.clone());
    let store_core = store.core().call().await.ok();
    checks.push(expect(
        "storefront",
        store_core == Some(c.core),
        format!("{} is the core's minter", c.storefront),
        format!("the core's minter {} is not a storefront of this core (setMinter)", c.storefront),
    ));
    let sync = IPxSync::new(c.sync, p.clone());
    checks.push(expect(
        "sync",
        sync.core().call().await.ok() == Some(c.core),
        format!("{} is the core's syncer", c.sync),
        format!("the core's syncer {} is not a PxSync of this core (setSyncer)", c.sync),
    ));
    checks.push(expect(
        "renderer",
        !c.renderer.is_zero(),
        format!("{}", c.renderer),
        "no renderer: tokenURI fails (setRenderer)".into(),
    ));
    if let Some(info) = info {
        let registrar: Option<Address> = info.registrar.as_deref().and_then(|s| s.parse().ok());
        checks.push(expect(
            "registrar",
            registrar == Some(c.registrar),
            format!("the node holds the core's registrar {}", c.registrar),
            format!("the core's registrar is {}, the node's key is {registrar:?}: keyless mints are not registered (setRegistrar)", c.registrar),
        ));
        if let Ok(signer) = info.usage_signer.parse::<Address>() {
            let trusted = sync.isUsageSigner(signer).call().await.unwrap_or(false);
            checks.push(expect(
                "usage signer",
                trusted,
                format!("PxSync trusts the node's signer {signer}"),
                format!("PxSync does not trust the node's usage signer {signer}: every sync is rejected (`px admin add-signer {signer}`)"),
            ));
        }
        let node_core = info.core.parse::<Address>().ok();
        checks.push(expect(
            "node core",
            node_core == Some(c.core),
            "the node serves this core".into(),
            format!("the node serves core {node_core:?}, not {}", c.core),
        ));
    }
    match sync.oracle().call().await {
        Ok(o) if !o.operator.is_zero() && o.fee > U256::ZERO => {
            checks.push(ok("oracle", format!("operator {}, fee {} juels", o.operator, o.fee)));
            checks.push(expect(
                "operator",
                has_code(o.operator).await,
                "has code".into(),
                format!("no contract at the operator {}", o.operator),
            ));
            let balance = LinkTokenInterface::new(o.link, p.clone())
                .balanceOf(c.sync)
                .call()
                .await
                .unwrap_or_default();
            checks.push(expect(
                "sponsored LINK",
                balance >= o.fee,
                format!("PxSync holds {balance} juels"),
                format!("PxSync holds {balance} juels, less than one fee: sponsored syncs fail (send LINK to {})", c.sync),
            ));
        }
        Ok(_) => {
            checks.push(bad("oracle", "PxSync has no oracle configured (`px admin set-oracle`)"));
        }
        Err(e) => checks.push(bad("oracle", format!("cannot read PxSync.oracle(): {e}"))),
    }
}
