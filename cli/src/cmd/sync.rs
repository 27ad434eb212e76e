//! `px sync ID [--pay]`: request a sync (sponsored `requestSync`, or paid with LINK through
//! `transferAndCall`) and wait for `SyncFulfilled` or `SyncRejected` for that request.

use std::time::{Duration, Instant};

use alloy::{
    primitives::U256,
    providers::Provider,
    rpc::types::Filter,
    sol_types::{SolEvent, SolValue},
};
use indicatif::ProgressBar;
use px_abi::{IPxSync, chainlink::LinkTokenInterface};
use serde_json::json;

use super::transact;
use crate::{
    context::{Ctx, contract_error},
    error::CliError,
    output::Output,
};

/// Why `PxSync` rejected a fulfilment (its `SyncRejected.reason`).
fn rejection(reason: u8) -> &'static str {
    match reason {
        1 => "the report's signer is not a trusted usage signer",
        2 => "stale sequence",
        3 => "the stored sequence with another digest",
        4 => "malformed signature",
        5 => "the core refused the usage",
        _ => "unknown reason",
    }
}

/// `px sync`.
pub async fn sync(
    ctx: &Ctx,
    token: U256,
    pay: bool,
    timeout: u64,
    progress: bool,
) -> Result<Output, CliError> {
    let c = ctx.contracts().await?;
    let (provider, _) = ctx.writer()?;
    let sync = IPxSync::new(c.sync, provider.clone());
    let receipt = if pay {
        let oracle = sync.oracle().call().await.map_err(|e| contract_error("oracle", &e))?;
        let link = LinkTokenInterface::new(oracle.link, provider.clone());
        transact!(
            link.transferAndCall(c.sync, oracle.fee, token.abi_encode().into()),
            "transferAndCall"
        )
    } else {
        transact!(sync.requestSync(token), "requestSync")
    };
    let request = receipt
        .inner
        .logs()
        .iter()
        .find_map(|l| l.log_decode::<IPxSync::SyncRequested>().ok())
        .ok_or_else(|| CliError::Rpc("the request emitted no SyncRequested".into()))?
        .inner
        .data
        .requestId;
    let bar = if progress { ProgressBar::new_spinner() } else { ProgressBar::hidden() };
    bar.set_message(format!("sync requested ({request}); waiting for the oracle's fulfilment"));
    bar.enable_steady_tick(Duration::from_millis(120));
    let from = receipt.block_number.unwrap_or_default();
    let filter = Filter::new()
        .address(c.sync)
        .event_signature(vec![
            IPxSync::SyncFulfilled::SIGNATURE_HASH,
            IPxSync::SyncRejected::SIGNATURE_HASH,
        ])
        .topic2(request)
        .from_block(from);
    let deadline = Instant::now() + Duration::from_secs(timeout);
    loop {
        let logs = provider
            .get_logs(&filter)
            .await
            .map_err(|e| CliError::RpcCall { what: "eth_getLogs".into(), source: Box::new(e) })?;
        if let Some(log) = logs.first() {
            bar.finish_and_clear();
            if let Ok(f) = log.log_decode::<IPxSync::SyncFulfilled>() {
                let f = f.inner.data;
                let human = format!(
                    "token {token} synced: sequence {}, {} bytes used, {} uploads (request {request})",
                    f.sequence, f.usedBytes, f.uploadCount
                );
                return Ok(Output::new(
                    human,
                    json!({
                        "tokenId": token.to_string(), "requestId": request.to_string(), "fulfilled": true,
                        "sequence": f.sequence.to_string(), "usedBytes": f.usedBytes.to_string(),
                        "uploadCount": f.uploadCount.to_string(), "metadataDigest": f.metadataDigest.to_string(),
                    }),
                ));
            }
            let reason = log
                .log_decode::<IPxSync::SyncRejected>()
                .map(|r| r.inner.data.reason)
                .unwrap_or_default();
            return Err(CliError::Reverted {
                call: "fulfillSync",
                reason: format!("sync rejected: {} ({reason})", rejection(reason)),
            });
        }
        if Instant::now() > deadline {
            bar.finish_and_clear();
            return Err(CliError::Timeout(format!(
                "no fulfilment for request {request} within {timeout} s; after the Operator's expiry anyone may `cancelSync` it"
            )));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
