//! `px`: parses the command line, runs the command, prints its output; every failure is one
//! line on stderr and a non-zero exit code, never a panic trace.

use std::process::ExitCode;

use clap::Parser;
use px_cli::{Cli, run};

#[tokio::main]
async fn main() -> ExitCode {
    // A panic is a bug; still, the user sees one line, not a backtrace.
    std::panic::set_hook(Box::new(|info| {
        eprintln!("error: internal error in px ({info}); please report it");
    }));
    let cli = Cli::parse();
    let json = cli.json;
    match run(cli).await {
        Ok(out) => {
            out.print(json);
            if out.ok { ExitCode::SUCCESS } else { ExitCode::from(1) }
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
