//! Workspace tasks, run with `cargo xtask <task>`.
//!
//! - `wasm`: builds every Stylus program with the size recipe, optimises it with `wasm-opt`,
//!   checks it as Arbitrum's activation would and prints its on-chain size.
//! - `check-wasm FILE...`: the same checks and size report for prebuilt files.

mod activation;
mod build;
mod programs;

use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(about = "PX storage NFT workspace tasks")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Build, optimise, check and size every Stylus program (or the ones named).
    Wasm {
        /// Program crates to build (default: all).
        #[arg(long = "program", short)]
        programs: Vec<String>,
        /// Skip wasm-opt (for comparing; the deployable artifact is always optimised).
        #[arg(long)]
        no_opt: bool,
    },
    /// Check and size prebuilt WASM files as Arbitrum would.
    CheckWasm {
        /// Files to check.
        files: Vec<PathBuf>,
    },
}

fn main() -> Result<()> {
    match Cli::parse().task {
        Task::Wasm { programs, no_opt } => {
            let selected = programs::select(&programs)?;
            let reports = build::build_all(&selected, !no_opt)?;
            print_reports(&reports)
        }
        Task::CheckWasm { files } => {
            let mut reports = Vec::new();
            for file in files {
                let wasm = std::fs::read(&file)?;
                reports.push(activation::check(&file.display().to_string(), &wasm));
            }
            print_reports(&reports)
        }
    }
}

fn print_reports(reports: &[activation::Report]) -> Result<()> {
    println!(
        "{:<16} {:>10} {:>10} {:>10} {:>8}  verdict",
        "program", "wasm B", "on-chain B", "budget B", "headroom"
    );
    let mut failed = false;
    for r in reports {
        let headroom = i64::try_from(activation::BUDGET).unwrap_or(i64::MAX)
            - i64::try_from(r.onchain_size).unwrap_or(i64::MAX);
        let verdict = if !r.problems.is_empty() {
            failed = true;
            "REJECTED"
        } else if r.onchain_size > activation::MAX_ONCHAIN {
            failed = true;
            "TOO LARGE"
        } else if r.onchain_size > activation::BUDGET {
            "over budget"
        } else {
            "ok"
        };
        println!(
            "{:<16} {:>10} {:>10} {:>10} {:>8}  {verdict}",
            r.name,
            r.wasm_size,
            r.onchain_size,
            activation::BUDGET,
            headroom
        );
        for p in &r.problems {
            println!("    - {p}");
        }
    }
    println!(
        "on-chain = brotli(q11) of the wasm as cargo-stylus deploys it (custom sections stripped, \
         32-byte project_hash section added) + 4-byte prefix; limit {} B, project budget {} B",
        activation::MAX_ONCHAIN,
        activation::BUDGET
    );
    if failed {
        bail!("at least one program would not activate on Arbitrum");
    }
    Ok(())
}
