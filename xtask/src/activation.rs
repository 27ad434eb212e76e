//! What Arbitrum checks when a Stylus program is deployed and activated, and how it counts size.
//!
//! Size: cargo-stylus strips custom sections, appends a 32-byte `project_hash` custom section,
//! compresses with brotli at quality 11 and prefixes `EFF000` plus a dictionary byte; the
//! result must fit in 24,576 bytes (and the wasm itself in 128 KiB).
//! Shape: only `vm_hooks` imports, exports `user_entrypoint: (i32) -> i32` and `memory`, no
//! start function, and no post-MVP features beyond those Stylus enables (no reference types,
//! no multi-value, no SIMD, threads, tail calls or exceptions).

use std::io::Read;

use anyhow::{Context, Result};
use wasmparser::{
    ExternalKind, FuncType, Parser, Payload, TypeRef, ValType, Validator, WasmFeatures,
};

/// Largest deployable program, in compressed bytes including the 4-byte prefix.
pub(crate) const MAX_ONCHAIN: usize = 24_576;
/// The project's own budget per program: room left for fixes (wire formats, "Programs").
pub(crate) const BUDGET: usize = 22_528;
/// Largest uncompressed program.
const MAX_WASM: usize = 128 * 1024;
/// Memory pages a program may ask for at start (Arbitrum's default page limit).
const MAX_INITIAL_PAGES: u64 = 128;

/// The host functions stylus-sdk 0.10 declares (`src/hostio.rs`): what a program may import.
const VM_HOOKS: &[&str] = &[
    "account_balance",
    "account_code",
    "account_code_size",
    "account_codehash",
    "block_basefee",
    "block_coinbase",
    "block_gas_limit",
    "block_number",
    "block_timestamp",
    "call_contract",
    "chainid",
    "contract_address",
    "create1",
    "create2",
    "delegate_call_contract",
    "emit_log",
    "evm_gas_left",
    "evm_ink_left",
    "msg_reentrant",
    "msg_sender",
    "msg_value",
    "native_keccak256",
    "pay_for_memory_grow",
    "read_args",
    "read_return_data",
    "return_data_size",
    "static_call_contract",
    "storage_cache_bytes32",
    "storage_flush_cache",
    "storage_load_bytes32",
    "tx_gas_price",
    "tx_ink_price",
    "tx_origin",
    "write_result",
];

/// The outcome of checking one program.
pub(crate) struct Report {
    pub(crate) name: String,
    pub(crate) wasm_size: usize,
    pub(crate) onchain_size: usize,
    pub(crate) problems: Vec<String>,
}

/// Checks `wasm` as activation would and measures its on-chain size.
pub(crate) fn check(name: &str, wasm: &[u8]) -> Report {
    let mut problems = Vec::new();
    if let Err(e) = validate_features(wasm) {
        problems.push(format!("invalid under Stylus' wasm features: {e}"));
    }
    if let Err(e) = check_shape(wasm, &mut problems) {
        problems.push(format!("unreadable module: {e}"));
    }
    if wasm.len() > MAX_WASM {
        problems.push(format!("uncompressed size {} exceeds {MAX_WASM}", wasm.len()));
    }
    Report {
        name: name.to_owned(),
        wasm_size: wasm.len(),
        onchain_size: onchain_size(wasm),
        problems,
    }
}

fn stylus_features() -> WasmFeatures {
    WasmFeatures::MUTABLE_GLOBAL
        | WasmFeatures::SATURATING_FLOAT_TO_INT
        | WasmFeatures::SIGN_EXTENSION
        | WasmFeatures::BULK_MEMORY
        | WasmFeatures::FLOATS
}

fn validate_features(wasm: &[u8]) -> Result<()> {
    Validator::new_with_features(stylus_features()).validate_all(wasm)?;
    Ok(())
}

fn check_shape(wasm: &[u8], problems: &mut Vec<String>) -> Result<()> {
    let mut types: Vec<FuncType> = Vec::new();
    let mut func_types: Vec<u32> = Vec::new();
    let mut imported_funcs = 0u32;
    let mut entrypoint = None;
    let mut has_memory_export = false;
    for payload in Parser::new(0).parse_all(wasm) {
        match payload? {
            Payload::TypeSection(reader) => {
                for ty in reader.into_iter_err_on_gc_types() {
                    types.push(ty?);
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let import = import?;
                    if import.module != "vm_hooks" {
                        problems.push(format!(
                            "import {}::{} is not from vm_hooks",
                            import.module, import.name
                        ));
                    } else if !VM_HOOKS.contains(&import.name) {
                        problems.push(format!("unknown host function vm_hooks::{}", import.name));
                    }
                    if let TypeRef::Func(idx) = import.ty {
                        func_types.push(idx);
                        imported_funcs += 1;
                    } else {
                        problems.push(format!("import {} is not a function", import.name));
                    }
                }
            }
            Payload::FunctionSection(reader) => {
                for idx in reader {
                    func_types.push(idx?);
                }
            }
            Payload::MemorySection(reader) => {
                for memory in reader {
                    let memory = memory?;
                    if memory.initial > MAX_INITIAL_PAGES {
                        problems.push(format!(
                            "memory asks for {} initial pages (limit {MAX_INITIAL_PAGES})",
                            memory.initial
                        ));
                    }
                }
            }
            Payload::StartSection { .. } => problems.push("start functions are not allowed".into()),
            Payload::ExportSection(reader) => {
                for export in reader {
                    let export = export?;
                    match (export.name, export.kind) {
                        ("user_entrypoint", ExternalKind::Func) => entrypoint = Some(export.index),
                        ("memory", ExternalKind::Memory) => has_memory_export = true,
                        (name, kind) => {
                            problems.push(format!("unexpected export {name} ({kind:?})"));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    if !has_memory_export {
        problems.push("memory is not exported".into());
    }
    match entrypoint {
        None => problems.push("user_entrypoint is not exported".into()),
        Some(index) => {
            let ty = func_types
                .get(index as usize)
                .and_then(|t| types.get(*t as usize))
                .context("user_entrypoint has no type")?;
            if ty.params() != [ValType::I32] || ty.results() != [ValType::I32] {
                problems.push(format!("user_entrypoint has type {ty}, expected (i32) -> i32"));
            }
            if index < imported_funcs {
                problems.push("user_entrypoint is an import".into());
            }
        }
    }
    Ok(())
}

/// The bytes of a section, by the range the parser reports.
fn section_bytes<'a>(wasm: &'a [u8], range: &std::ops::Range<u64>) -> &'a [u8] {
    let start = usize::try_from(range.start).expect("a wasm file fits in memory");
    let end = usize::try_from(range.end).expect("a wasm file fits in memory");
    &wasm[start..end]
}

/// The program as cargo-stylus deploys it: custom sections stripped, a 32-byte `project_hash`
/// section appended. The hash is incompressible, so a keccak of the code stands in for it.
fn as_deployed(wasm: &[u8]) -> Vec<u8> {
    let mut module = wasm_encoder::Module::new();
    for payload in Parser::new(0).parse_all(wasm) {
        let Ok(payload) = payload else { return wasm.to_vec() };
        if matches!(payload, Payload::CustomSection(_)) {
            continue;
        }
        if let Some((id, range)) = payload.as_section() {
            module.section(&wasm_encoder::RawSection { id, data: section_bytes(wasm, &range) });
        }
    }
    let hash = alloy_primitives::keccak256(wasm);
    module.section(&wasm_encoder::CustomSection {
        name: "project_hash".into(),
        data: hash.as_slice().into(),
    });
    module.finish()
}

/// Deployable size: brotli quality 11 with the encoder cargo-stylus uses (the C library through
/// `brotli2`), plus the 4-byte `EFF000xx` prefix.
pub(crate) fn onchain_size(wasm: &[u8]) -> usize {
    let deployed = as_deployed(wasm);
    let mut out = Vec::new();
    brotli2::read::BrotliEncoder::new(deployed.as_slice(), 11)
        .read_to_end(&mut out)
        .expect("compressing from memory cannot fail");
    out.len() + 4
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

    fn module(wat_imports: &[(&str, &str)], exports: &[(&str, ExternalKind)]) -> Vec<u8> {
        let mut m = wasm_encoder::Module::new();
        let mut types = wasm_encoder::TypeSection::new();
        types.ty().function([wasm_encoder::ValType::I32], [wasm_encoder::ValType::I32]);
        m.section(&types);
        let mut imports = wasm_encoder::ImportSection::new();
        for (module, name) in wat_imports {
            imports.import(module, name, wasm_encoder::EntityType::Function(0));
        }
        m.section(&imports);
        let mut funcs = wasm_encoder::FunctionSection::new();
        funcs.function(0);
        m.section(&funcs);
        let mut mem = wasm_encoder::MemorySection::new();
        mem.memory(wasm_encoder::MemoryType {
            minimum: 1,
            maximum: None,
            memory64: false,
            shared: false,
            page_size_log2: None,
        });
        m.section(&mem);
        let mut ex = wasm_encoder::ExportSection::new();
        let n = u32::try_from(wat_imports.len()).unwrap();
        for (name, kind) in exports {
            match kind {
                ExternalKind::Func => ex.export(name, wasm_encoder::ExportKind::Func, n),
                _ => ex.export(name, wasm_encoder::ExportKind::Memory, 0),
            };
        }
        m.section(&ex);
        let mut code = wasm_encoder::CodeSection::new();
        let mut f = wasm_encoder::Function::new([]);
        f.instructions().local_get(0).end();
        code.function(&f);
        m.section(&code);
        m.finish()
    }

    const GOOD_EXPORTS: &[(&str, ExternalKind)] =
        &[("user_entrypoint", ExternalKind::Func), ("memory", ExternalKind::Memory)];

    #[test]
    fn accepts_a_minimal_program() {
        let wasm = module(&[("vm_hooks", "read_args")], GOOD_EXPORTS);
        let report = check("ok", &wasm);
        assert!(report.problems.is_empty(), "{:?}", report.problems);
    }

    #[test]
    fn rejects_foreign_imports() {
        let wasm = module(&[("env", "abort")], GOOD_EXPORTS);
        let report = check("bad", &wasm);
        assert!(report.problems.iter().any(|p| p.contains("not from vm_hooks")));
    }

    #[test]
    fn rejects_unknown_host_functions() {
        let wasm = module(&[("vm_hooks", "launch_missiles")], GOOD_EXPORTS);
        let report = check("bad", &wasm);
        assert!(report.problems.iter().any(|p| p.contains("unknown host function")));
    }

    #[test]
    fn rejects_a_missing_entrypoint() {
        let wasm = module(&[], &[("memory", ExternalKind::Memory)]);
        let report = check("bad", &wasm);
        assert!(report.problems.iter().any(|p| p.contains("user_entrypoint is not exported")));
    }

    #[test]
    fn strips_extra_exports() {
        let mut exports = GOOD_EXPORTS.to_vec();
        exports.push(("__heap_base_fn", ExternalKind::Func));
        let wasm = module(&[], &exports);
        assert!(!check("extra", &wasm).problems.is_empty());
        let stripped = keep_only_stylus_exports(&wasm).unwrap();
        assert!(check("stripped", &stripped).problems.is_empty());
    }

    #[test]
    fn rejects_reference_types() {
        // A table of externref needs the reference-types proposal, which Stylus disables.
        let mut m = wasm_encoder::Module::new();
        let mut tables = wasm_encoder::TableSection::new();
        tables.table(wasm_encoder::TableType {
            element_type: wasm_encoder::RefType::EXTERNREF,
            minimum: 1,
            maximum: None,
            table64: false,
            shared: false,
        });
        m.section(&tables);
        assert!(validate_features(&m.finish()).is_err());
    }

    #[test]
    fn counts_the_prefix_and_compression() {
        let wasm = module(&[], GOOD_EXPORTS);
        let size = onchain_size(&wasm);
        assert!(size > 4 + 32, "project hash and prefix are counted: {size}");
        assert!(size < wasm.len() + 64);
    }
}
