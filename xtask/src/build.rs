//! Builds the Stylus programs with the size recipe measured for this project (README, "Program
//! size"): nightly-only flags through `RUSTC_BOOTSTRAP` on the pinned stable toolchain,
//! `build-std` with immediate-abort panics, the `stylus` profile (`opt-level = "z"`, fat LTO),
//! then `wasm-opt`. The result lands in `target/stylus/<package>.wasm`, ready for
//! `cargo stylus deploy --wasm-file`.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{Context, Result, bail, ensure};
use wasmparser::{ExternalKind, Parser, Payload};

use crate::{
    gate::{self, Report},
    programs::Program,
};

/// The wasm target every program is built for.
const TARGET: &str = "wasm32-unknown-unknown";

/// Flags on top of `.cargo/config.toml`'s wasm flags (cargo joins the two lists).
const SIZE_RUSTFLAGS: &str =
    r#"target.wasm32-unknown-unknown.rustflags=["-Zunstable-options", "-Cpanic=immediate-abort"]"#;

/// The workspace root (the xtask crate lives one level below it).
pub(crate) fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask has a parent").to_path_buf()
}

/// Where the deployable artifacts go.
pub(crate) fn out_dir() -> PathBuf {
    workspace_root().join("target").join("stylus")
}

/// Builds, optimises and checks each program; returns one report per program.
pub(crate) fn build_all(programs: &[Program], optimise: bool) -> Result<Vec<Report>> {
    let wasm_opt = if optimise { Some(find_wasm_opt()?) } else { None };
    let mut reports = Vec::new();
    for program in programs {
        let raw = cargo_build(program)?;
        let wasm = match &wasm_opt {
            Some(tool) => run_wasm_opt(tool, &raw)?,
            None => std::fs::read(&raw)?,
        };
        let wasm = keep_only_stylus_exports(&wasm)?;
        let out = out_dir().join(program.artifact());
        std::fs::write(&out, &wasm).with_context(|| format!("writing {}", out.display()))?;
        reports.push(gate::check(program.name, &wasm, program.budget()));
    }
    Ok(reports)
}

fn cargo_build(program: &Program) -> Result<PathBuf> {
    let root = workspace_root();
    let target_dir = out_dir().join("cargo");
    eprintln!("building {} ({})", program.name, program.package);
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(&root)
        .env("RUSTC_BOOTSTRAP", "1")
        // The recipe's flags must not leak from a caller's environment into this build.
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .args(["build", "--locked", "--lib", "--profile", "stylus", "--target", TARGET])
        .args(["-Zbuild-std=std,panic_abort", "--config", SIZE_RUSTFLAGS])
        .args(["--package", program.package])
        .arg("--target-dir")
        .arg(&target_dir)
        .status()
        .context("running cargo")?;
    ensure!(status.success(), "cargo build of {} failed", program.package);
    let artifact = target_dir.join(TARGET).join("stylus").join(program.artifact());
    ensure!(artifact.exists(), "cargo did not produce {}", artifact.display());
    Ok(artifact)
}

fn find_wasm_opt() -> Result<PathBuf> {
    let tool = workspace_root().join("tools/npm/node_modules/.bin/wasm-opt");
    if !tool.exists() {
        bail!("wasm-opt not found at {}; run scripts/setup.sh", tool.display());
    }
    Ok(tool)
}

/// Runs `wasm-opt` at `-Oz` and `-O3` and keeps the smaller result once compressed: which one
/// wins depends on the program (measured both ways, README "Program size").
fn run_wasm_opt(tool: &Path, input: &Path) -> Result<Vec<u8>> {
    let mut best: Option<Vec<u8>> = None;
    for level in ["-Oz", "-O3"] {
        let out = input.with_extension(format!("opt{level}.wasm"));
        let status = Command::new(tool)
            .arg(input)
            .arg(level)
            // Only features Arbitrum's activation accepts.
            .args(["--mvp-features", "--enable-bulk-memory", "--enable-sign-ext"])
            .args(["--enable-mutable-globals", "--enable-nontrapping-float-to-int"])
            .args(["--strip-debug", "--strip-producers", "-o"])
            .arg(&out)
            .status()
            .context("running wasm-opt")?;
        ensure!(status.success(), "wasm-opt {level} failed on {}", input.display());
        let wasm = std::fs::read(&out)?;
        let size = |w: &[u8]| gate::deployed(w).total_len();
        let smaller = best.as_ref().is_none_or(|b| size(&wasm) < size(b));
        if smaller {
            best = Some(wasm);
        }
    }
    Ok(best.expect("two candidates were built"))
}

/// The bytes of a section, by the range the parser reports.
fn section_bytes<'a>(wasm: &'a [u8], range: &std::ops::Range<u64>) -> &'a [u8] {
    let start = usize::try_from(range.start).expect("a wasm file fits in memory");
    let end = usize::try_from(range.end).expect("a wasm file fits in memory");
    &wasm[start..end]
}

/// Rebuilds the module with only the exports activation expects (`user_entrypoint`, `memory`);
/// the linker also exports `__data_end` and `__heap_base`, which nothing outside uses.
pub(crate) fn keep_only_stylus_exports(wasm: &[u8]) -> Result<Vec<u8>> {
    let mut module = wasm_encoder::Module::new();
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload?;
        if let Payload::ExportSection(reader) = &payload {
            let mut exports = wasm_encoder::ExportSection::new();
            for export in reader.clone() {
                let export = export?;
                let kind = match (export.name, export.kind) {
                    ("user_entrypoint", ExternalKind::Func) => wasm_encoder::ExportKind::Func,
                    ("memory", ExternalKind::Memory) => wasm_encoder::ExportKind::Memory,
                    _ => continue,
                };
                exports.export(export.name, kind, export.index);
            }
            module.section(&exports);
        } else if let Some((id, range)) = payload.as_section() {
            module.section(&wasm_encoder::RawSection { id, data: section_bytes(wasm, &range) });
        }
    }
    Ok(module.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_exports_activation_does_not_expect() {
        let wasm = wat::parse_str(
            r#"(module (memory (export "memory") 1 1) (global (export "__heap_base") i32 (i32.const 0))
                 (func (export "user_entrypoint") (param i32) (result i32) i32.const 0))"#,
        )
        .unwrap();
        let stripped = keep_only_stylus_exports(&wasm).unwrap();
        assert!(wasm.windows(11).any(|w| w == b"__heap_base"));
        assert!(!stripped.windows(11).any(|w| w == b"__heap_base"));
        assert!(gate::check("stripped", &stripped, gate::default_budget()).passed());
    }
}
