//! `px`, the PX command line, as a library: [`run`] executes a parsed [`Cli`] and returns its
//! [`Output`]; the binary prints it.
//!
//! # Layout
//! - [`args`]: the command line (clap).
//! - [`context`]: the account, providers, the node client, contract addresses.
//! - [`cmd`]: one module per group of commands.
//! - [`output`]: human text and `--json`.
//! - [`error`]: [`CliError`], one line per failure.

pub mod args;
pub mod cmd;
pub mod context;
pub mod error;
pub mod output;

pub use args::Cli;
pub use error::CliError;
pub use output::Output;

use args::Command;
use context::Ctx;

/// Runs `cli`'s command.
pub async fn run(cli: Cli) -> Result<Output, CliError> {
    let ctx = Ctx::new(&cli);
    let show_progress = !cli.json;
    match cli.command {
        Command::Plans => cmd::tokens::plans(&ctx).await,
        Command::Mint { plan, no_key } => cmd::tokens::mint(&ctx, plan, no_key).await,
        Command::Usage { token } => cmd::tokens::usage(&ctx, token).await,
        Command::Sync { token, pay, pay_eth, timeout } => {
            let payment = if pay {
                cmd::sync::Payment::Link
            } else if pay_eth {
                cmd::sync::Payment::Eth
            } else {
                cmd::sync::Payment::Sponsored
            };
            cmd::sync::sync(&ctx, token, payment, timeout, show_progress).await
        }
        Command::Upload { files, token, encrypt } => {
            cmd::files::upload(&ctx, token, &files, encrypt, show_progress).await
        }
        Command::Ls { token, all } => cmd::files::ls(&ctx, token, all).await,
        Command::Download { cid, token, output, raw } => {
            cmd::files::download(&ctx, &cid, token, output, !raw, show_progress).await
        }
        Command::Admin(admin) => cmd::admin::run(&ctx, admin).await,
        Command::Doctor(opts) => cmd::doctor::run(&ctx, &opts).await,
    }
}
