//! `px admin ...`: the owner's configuration transactions and the registrar's registration.

use px_abi::{IPxStorageNft, IPxStorefront, IPxSync};
use serde_json::json;

use super::transact;
use crate::{args::Admin, context::Ctx, error::CliError, output::Output};

/// Runs an admin command.
pub async fn run(ctx: &Ctx, admin: Admin) -> Result<Output, CliError> {
    if let Admin::Register { token } = admin {
        let r = ctx.node.register(token).await?;
        let human = format!(
            "token {token} is served by the node: key {} , usage sequence {} ({})",
            r.btns_key, r.sequence, r.head_cid
        );
        return Ok(Output::new(human, json!(r)));
    }
    let c = ctx.contracts().await?;
    let (provider, _) = ctx.writer()?;
    let (receipt, what) = match admin {
        Admin::SetOracle { link, operator, job_id, fee } => {
            let sync = IPxSync::new(c.sync, provider);
            (
                transact!(sync.setOracle(link, operator, job_id, fee), "setOracle"),
                format!("oracle set on {}: operator {operator}, job {job_id}, fee {fee}", c.sync),
            )
        }
        Admin::SetPlan { plan, quota, uploads, price, inactive } => {
            let store = IPxStorefront::new(c.storefront, provider);
            (
                transact!(store.setPlan(plan, quota, uploads, price, !inactive), "setPlan"),
                format!(
                    "plan {plan} set: {quota} bytes, {uploads} uploads, {price} wei, {}",
                    if inactive { "inactive" } else { "active" }
                ),
            )
        }
        Admin::AddSigner { signer, remove } => {
            let sync = IPxSync::new(c.sync, provider);
            (
                transact!(sync.setUsageSigner(signer, !remove), "setUsageSigner"),
                format!(
                    "usage signer {signer} {}",
                    if remove { "no longer trusted" } else { "trusted" }
                ),
            )
        }
        Admin::Pause { unpause } => {
            let core = IPxStorageNft::new(c.core, provider);
            if unpause {
                (transact!(core.unpause(), "unpause"), "core unpaused".to_owned())
            } else {
                (transact!(core.pause(), "pause"), "core paused: uploads and syncs stop".to_owned())
            }
        }
        Admin::Register { .. } => return Err(CliError::Usage("register is handled above".into())),
    };
    let tx = receipt.transaction_hash.to_string();
    Ok(Output::new(format!("{what} (tx {tx})"), json!({"done": what, "tx": tx})))
}
