//! `px plans`, `px mint`, `px usage`.

use std::fmt::Write as _;

use alloy::{primitives::U256, rpc::types::TransactionReceipt};
use px_abi::{IPxStorageNft, IPxStorefront};
use px_metadata::{RawBlockCid, VerifiedDocument};
use serde_json::json;

use super::transact;
use crate::{
    context::{Ctx, contract_error},
    error::CliError,
    output::{Output, bytes, eth},
};

/// `px plans`.
pub async fn plans(ctx: &Ctx) -> Result<Output, CliError> {
    let c = ctx.contracts().await?;
    let store = IPxStorefront::new(c.storefront, ctx.reader()?);
    let count = store.planCount().call().await.map_err(|e| contract_error("planCount", &e))?;
    let mut human =
        format!("{:<5} {:>10} {:>8} {:>22}  active\n", "plan", "quota", "uploads", "price");
    let mut list = Vec::new();
    let mut id = U256::ZERO;
    while id < count {
        let p = store.plan(id).call().await.map_err(|e| contract_error("plan", &e))?;
        let _ = writeln!(
            human,
            "{id:<5} {:>10} {:>8} {:>22}  {}",
            bytes(p.quotaBytes),
            p.uploadLimit,
            eth(p.priceWei),
            if p.active { "yes" } else { "no" }
        );
        list.push(json!({
            "planId": id.to_string(), "quotaBytes": p.quotaBytes.to_string(),
            "uploadLimit": p.uploadLimit.to_string(), "priceWei": p.priceWei.to_string(), "active": p.active,
        }));
        id += U256::from(1);
    }
    Ok(Output::new(human, json!({ "storefront": format!("{:#x}", c.storefront), "plans": list })))
}

fn minted_token(receipt: &TransactionReceipt) -> Result<U256, CliError> {
    receipt
        .inner
        .logs()
        .iter()
        .find_map(|l| l.log_decode::<IPxStorageNft::Transfer>().ok())
        .map(|l| l.inner.data.tokenId)
        .ok_or_else(|| CliError::Rpc("the mint emitted no Transfer".into()))
}

/// `px mint [--plan N] [--no-key]`.
pub async fn mint(ctx: &Ctx, plan: u64, no_key: bool) -> Result<Output, CliError> {
    let c = ctx.contracts().await?;
    let (provider, from) = ctx.writer()?;
    let store = IPxStorefront::new(c.storefront, provider);
    let plan_id = U256::from(plan);
    let p = store.plan(plan_id).call().await.map_err(|e| contract_error("plan", &e))?;
    if no_key {
        let receipt = transact!(store.mint(plan_id).value(p.priceWei), "mint");
        let id = minted_token(&receipt)?;
        let human = format!(
            "minted token {id} (plan {plan}, {}) to {from} without a BTNS key\nthe node registers a key when it sees the mint; or run `px admin register {id}`",
            bytes(p.quotaBytes)
        );
        return Ok(Output::new(
            human,
            json!({"tokenId": id.to_string(), "tx": receipt.transaction_hash.to_string(), "btnsKey": null}),
        ));
    }
    let node = ctx.signed_in_node().await?;
    let a = node.allocate_key(plan_id).await?;
    let key: alloy::primitives::Bytes = a
        .btns_key_hex
        .parse()
        .map_err(|e| CliError::NodeAnswer { what: "a bad key", source: Box::new(e) })?;
    let deadline: U256 = a
        .deadline
        .parse()
        .map_err(|e| CliError::NodeAnswer { what: "a bad deadline", source: Box::new(e) })?;
    let signature: alloy::primitives::Bytes = a
        .signature
        .parse()
        .map_err(|e| CliError::NodeAnswer { what: "a bad signature", source: Box::new(e) })?;
    let receipt = transact!(
        store.mintWithKey(plan_id, key, deadline, signature).value(p.priceWei),
        "mintWithKey"
    );
    let id = minted_token(&receipt)?;
    let registered = node.register(id).await?;
    let human = format!(
        "minted token {id} (plan {plan}, {}, {} uploads) to {from}\nBTNS key {}\nfirst usage document {} (sequence {})",
        bytes(p.quotaBytes),
        p.uploadLimit,
        a.btns_key,
        registered.head_cid,
        registered.sequence,
    );
    Ok(Output::new(
        human,
        json!({"tokenId": id.to_string(), "tx": receipt.transaction_hash.to_string(), "btnsKey": a.btns_key, "registration": registered}),
    ))
}

/// `px usage ID`: on-chain and node-side side by side.
pub async fn usage(ctx: &Ctx, token: U256) -> Result<Output, CliError> {
    let c = ctx.contracts().await?;
    let core = IPxStorageNft::new(c.core, ctx.reader()?);
    let u = core.usageOf(token).call().await.map_err(|e| contract_error("usageOf", &e))?;
    let gate =
        core.canUpload(token, 0).call().await.map_err(|e| contract_error("canUpload", &e))?;
    let px_node_api::Head { cid: head_cid, bytes: head_bytes } = ctx.node.usage(token).await?;
    let cid: RawBlockCid = head_cid
        .parse()
        .map_err(|e| CliError::NodeAnswer { what: "a bad head CID", source: Box::new(e) })?;
    let doc = VerifiedDocument::verify(cid, &head_bytes)
        .map_err(|e| CliError::NodeAnswer {
            what: "a head that does not verify",
            source: Box::new(e),
        })?
        .document;
    let chain_doc = if u.syncSequence == 0 {
        "never synced".to_owned()
    } else {
        RawBlockCid::from_digest(u.metadataDigest).to_string()
    };
    let rows = [
        ("quota", bytes(u.quotaBytes), bytes(doc.quota_bytes)),
        ("upload limit", u.uploadLimit.to_string(), doc.upload_limit.to_string()),
        ("used", bytes(u.usedBytes), bytes(doc.used_bytes)),
        ("uploads made", u.uploadCount.to_string(), doc.upload_count.to_string()),
        ("sequence", u.syncSequence.to_string(), doc.sequence.to_string()),
        ("document", chain_doc.clone(), head_cid.clone()),
    ];
    let mut human = format!("{:<14} {:<24} {}\n", format!("token {token}"), "on-chain", "node");
    for (name, chain, node) in &rows {
        let _ = writeln!(human, "{name:<14} {chain:<24} {node}");
    }
    let status = if doc.sequence == u.syncSequence {
        "in sync".to_owned()
    } else {
        format!(
            "node is {} update(s) ahead: run `px sync {token}`",
            doc.sequence.saturating_sub(u.syncSequence)
        )
    };
    let reasons: Vec<&str> = [
        (gate.quotaExceeded, "quota exceeded"),
        (gate.uploadsExceeded, "uploads used up"),
        (gate.syncOverdue, "sync overdue"),
        (gate.noBtnsKey, "no BTNS key"),
        (gate.paused, "paused"),
    ]
    .into_iter()
    .filter_map(|(on, why)| on.then_some(why))
    .collect();
    let gate_text =
        if gate.allowed { "open".to_owned() } else { format!("closed ({})", reasons.join(", ")) };
    let _ = writeln!(human, "status: {status}; upload gate on-chain: {gate_text}");
    Ok(Output::new(
        human,
        json!({
            "tokenId": token.to_string(),
            "chain": {"quotaBytes": u.quotaBytes.to_string(), "uploadLimit": u.uploadLimit.to_string(),
                "usedBytes": u.usedBytes.to_string(), "uploadCount": u.uploadCount.to_string(),
                "syncSequence": u.syncSequence.to_string(), "metadataDigest": u.metadataDigest.to_string(),
                "lastSyncedAt": u.lastSyncedAt.to_string(), "uploadAllowed": gate.allowed},
            "node": {"quotaBytes": doc.quota_bytes.to_string(), "uploadLimit": doc.upload_limit.to_string(),
                "usedBytes": doc.used_bytes.to_string(), "uploadCount": doc.upload_count.to_string(),
                "sequence": doc.sequence.to_string(), "headCid": head_cid},
            "inSync": doc.sequence == u.syncSequence,
        }),
    ))
}
