//! Workspace tasks, run with `cargo xtask <task>`.
//!
//! - `wasm`: builds every Stylus program with the size recipe, optimises it with `wasm-opt`,
//!   checks it as ArbOS 61's activation would, prints its on-chain size (one program, or root
//!   and fragments) and its start-up gas, and fails unless it leaves 10% room.
//! - `check-wasm FILE...`: the same checks and size report for prebuilt files.

mod build;
mod gate;
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
                let name = file.display().to_string();
                reports.push(gate::check(&name, &wasm, gate::default_budget()));
            }
            print_reports(&reports)
        }
    }
}

fn print_reports(reports: &[gate::Report]) -> Result<()> {
    println!(
        "{:<16} {:>8} {:>10} {:>6} {:>22} {:>8} {:>9} {:>16}  verdict",
        "program",
        "wasm B",
        "on-chain B",
        "root B",
        "program/fragments B",
        "budget",
        "headroom",
        "start-up gas"
    );
    for r in reports {
        let total = r.package.total_len();
        let parts: Vec<String> = r.package.part_lens().iter().map(usize::to_string).collect();
        // Headroom in tenths of a percent of the budget (negative when over it).
        let room = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        let permille = (room(r.budget) - room(total)) * 1_000 / room(r.budget).max(1);
        let headroom = format!("{}.{}%", permille / 10, (permille % 10).abs());
        let start_up = r.init_gas.map_or_else(|| "-".to_owned(), |(u, c)| format!("{u} / {c}"));
        println!(
            "{:<16} {:>8} {:>10} {:>6} {:>22} {:>8} {:>9} {:>16}  {}",
            r.name,
            r.wasm_size,
            total,
            r.package.root_len(),
            parts.join(" + "),
            r.budget,
            headroom,
            start_up,
            if r.passed() { "ok" } else { "REJECTED" }
        );
        for p in &r.problems {
            println!("    - {p}");
        }
    }
    let rules = gate::rules();
    println!(
        "on-chain = brotli(q11) of the wasm as cargo-stylus deploys it (custom sections stripped, \
         32-byte project_hash added), one program (4-byte prefix) if it fits in 24,576 bytes, else \
         fragments (3-byte prefix each) and a root (8 + 20 per fragment); ArbOS {} allows {} \
         fragments ({} bytes) and {} bytes of wasm; each program must leave {}% room under both; \
         start-up gas = ArbWasm.programInitGas (uncached / cached)",
        rules.arbos_version,
        rules.max_fragment_count,
        rules.max_program_code(),
        rules.max_wasm_size,
        gate::ROOM_PERCENT
    );
    if reports.iter().any(|r| !r.passed()) {
        bail!("at least one program would not activate on Arbitrum One with the room required");
    }
    Ok(())
}
