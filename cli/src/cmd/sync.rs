//! `px sync ID [--pay | --pay-eth]`: request a sync (sponsored `requestSync` through the
//! program's current route, paid with LINK through `transferAndCall` on Direct Request, or
//! paid in ETH through `requestSyncWithFee` on CRE) and wait for `SyncFulfilled` or
//! `SyncRejected` for that request.

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

/// Why `PxSync` rejected a fulfilment or a CRE report (its `SyncRejected.reason`).
fn rejection(reason: u8) -> &'static str {
    match reason {
        1 => "the report's signer is not a trusted usage signer",
        2 => "stale sequence",
        3 => "the stored sequence with another digest",
        4 => "malformed signature",
        5 => "the core refused the usage",
        6 => "the report is about another token",
        7 => "the report is not the canonical encoding",
        _ => "unknown reason",
    }
}

/// The relay of a `SyncRequested.route`.
fn relay(route: u8) -> &'static str {
    match route {
        1 => "CRE",
        2 => "Direct Request",
        _ => "unknown route",
    }
}

/// Who pays a sync.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Payment {
    /// `requestSync`: the program's sponsorship (paid plans, once per window), current route.
    Sponsored,
    /// `LINK.transferAndCall`: the caller's LINK, Direct Request.
    Link,
    /// `requestSyncWithFee`: the caller's ETH, exactly `creConfig().syncFee`, CRE.
    Eth,
}

/// `px sync`.
pub async fn sync(
    ctx: &Ctx,
    token: U256,
    payment: Payment,
    timeout: u64,
    progress: bool,
) -> Result<Output, CliError> {
    let c = ctx.contracts().await?;
    let (provider, _) = ctx.writer()?;
    let sync = IPxSync::new(c.sync, provider.clone());
    let receipt = match payment {
        Payment::Link => {
            let oracle = sync.oracle().call().await.map_err(|e| contract_error("oracle", &e))?;
            let link = LinkTokenInterface::new(oracle.link, provider.clone());
            transact!(
                link.transferAndCall(c.sync, oracle.fee, token.abi_encode().into()),
                "transferAndCall"
            )
        }
        Payment::Eth => {
            let cre = sync.creConfig().call().await.map_err(|e| contract_error("creConfig", &e))?;
            transact!(sync.requestSyncWithFee(token).value(cre.syncFee), "requestSyncWithFee")
        }
        Payment::Sponsored => transact!(sync.requestSync(token), "requestSync"),
    };
    let requested = receipt
        .inner
        .logs()
        .iter()
        .find_map(|l| l.log_decode::<IPxSync::SyncRequested>().ok())
        .ok_or_else(|| CliError::Rpc("the request emitted no SyncRequested".into()))?
        .inner
        .data;
    let (request, via) = (requested.requestId, relay(requested.route));
    let bar = if progress { ProgressBar::new_spinner() } else { ProgressBar::hidden() };
    bar.set_message(format!("sync requested ({request}) through {via}; waiting for its answer"));
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
                    "token {token} synced through {via}: sequence {}, {} bytes used, {} uploads (request {request})",
                    f.sequence, f.usedBytes, f.uploadCount
                );
                return Ok(Output::new(
                    human,
                    json!({
                        "tokenId": token.to_string(), "requestId": request.to_string(), "fulfilled": true,
                        "route": requested.route,
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
                call: if requested.route == 1 { "onReport" } else { "fulfillSync" },
                reason: format!("sync rejected: {} ({reason})", rejection(reason)),
            });
        }
        if Instant::now() > deadline {
            bar.finish_and_clear();
            return Err(CliError::Timeout(format!(
                "no answer to request {request} ({via}) within {timeout} s; after its expiry anyone may `cancelSync` it"
            )));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_every_rejection_reason_the_program_emits() {
        // PxSync's `SyncRejected` reasons are 1 to 7 (abi/IPxSync.sol).
        for reason in 1..=7 {
            assert_ne!(rejection(reason), "unknown reason", "reason {reason}");
        }
        assert_eq!(rejection(8), "unknown reason");
    }

    #[test]
    fn names_both_routes() {
        assert_eq!((relay(1), relay(2), relay(0)), ("CRE", "Direct Request", "unknown route"));
    }
}
