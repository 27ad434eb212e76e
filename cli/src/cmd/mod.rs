//! The commands.

pub mod admin;
pub mod doctor;
pub mod files;
pub mod sync;
pub mod tokens;

/// Simulates a contract call (so a refusal comes back as the program's typed error), sends it,
/// waits for the receipt and fails unless it succeeded. Evaluates to the receipt.
macro_rules! transact {
    ($call:expr, $name:literal) => {{
        let call = $call;
        call.call().await.map_err(|e| $crate::context::contract_error($name, &e))?;
        let receipt = call
            .send()
            .await
            .map_err(|e| $crate::context::contract_error($name, &e))?
            .get_receipt()
            .await
            .map_err(|e| $crate::error::CliError::Rpc(format!("{}: {e}", $name)))?;
        if !receipt.status() {
            return Err($crate::error::CliError::Reverted {
                call: $name,
                reason: format!("mined with status 0 in {}", receipt.transaction_hash),
            });
        }
        receipt
    }};
}
pub(crate) use transact;
