//! What `ArbWasm.activateProgram` checks before a program may run, as Arbitrum documents it:
//! the code is a compressed program within the size limit, the module validates under the WASM
//! features Stylus enables, it imports only host functions this chain implements (with their
//! exact types), exports `user_entrypoint: (i32) -> i32` and `memory`, has no start function,
//! and asks for no more memory than the page limit.

use thiserror::Error;
use wasmparser::{
    ExternalKind, FuncType, Parser, Payload, TypeRef, ValType, Validator, WasmFeatures,
};

use super::{
    pricing::PAGE_LIMIT,
    program::{self, ProgramError},
};

/// Why a program cannot be activated.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ActivationError {
    /// The code is not a readable Stylus program.
    #[error(transparent)]
    Program(#[from] ProgramError),
    /// The module is not valid WASM under the features Stylus enables.
    #[error("invalid wasm: {0}")]
    Invalid(String),
    /// An import this chain does not implement.
    #[error("unknown import {module}::{name} (not a host function this chain implements)")]
    UnknownImport {
        /// Import module.
        module: String,
        /// Import name.
        name: String,
    },
    /// A known host function imported with the wrong type.
    #[error("import {module}::{name} has type {found}, expected {expected}")]
    ImportType {
        /// Import module.
        module: String,
        /// Import name.
        name: String,
        /// The type in the module.
        found: String,
        /// The type the host function has.
        expected: String,
    },
    /// An import that is not a function (memory, table, global).
    #[error("import {0} is not a function")]
    NonFunctionImport(String),
    /// `user_entrypoint` is missing or has the wrong type.
    #[error("missing entrypoint: user_entrypoint must be an exported (i32) -> i32 function")]
    MissingEntrypoint,
    /// No exported memory.
    #[error("memory is not exported")]
    MissingMemory,
    /// An export name reserved for Stylus' own instrumentation.
    #[error("export {0} uses a name reserved by Stylus")]
    ReservedExport(String),
    /// The module has a start function.
    #[error("start functions are not allowed")]
    StartFunction,
    /// More initial memory than the page limit.
    #[error("memory asks for {0} initial pages (limit {PAGE_LIMIT})")]
    TooMuchMemory(u64),
}

/// What activation learns about a program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramInfo {
    /// The uncompressed module.
    pub wasm: Vec<u8>,
    /// Initial memory pages (the program's memory footprint).
    pub footprint: u16,
}

use ValType::{F32, F64, I32, I64};

/// Every host function of module `vm_hooks` this chain implements, with its WASM type: the 34
/// stylus-sdk 0.10 declares (`src/hostio.rs`), plus `exit_early` and transient storage,
/// which Arbitrum offers and later SDKs may import.
pub const VM_HOOKS: &[(&str, &[ValType], &[ValType])] = &[
    ("account_balance", &[I32, I32], &[]),
    ("account_code", &[I32, I32, I32, I32], &[I32]),
    ("account_code_size", &[I32], &[I32]),
    ("account_codehash", &[I32, I32], &[]),
    ("block_basefee", &[I32], &[]),
    ("block_coinbase", &[I32], &[]),
    ("block_gas_limit", &[], &[I64]),
    ("block_number", &[], &[I64]),
    ("block_timestamp", &[], &[I64]),
    ("call_contract", &[I32, I32, I32, I32, I64, I32], &[I32]),
    ("chainid", &[], &[I64]),
    ("contract_address", &[I32], &[]),
    ("create1", &[I32, I32, I32, I32, I32], &[]),
    ("create2", &[I32, I32, I32, I32, I32, I32], &[]),
    ("delegate_call_contract", &[I32, I32, I32, I64, I32], &[I32]),
    ("emit_log", &[I32, I32, I32], &[]),
    ("evm_gas_left", &[], &[I64]),
    ("evm_ink_left", &[], &[I64]),
    ("exit_early", &[I32], &[]),
    ("msg_reentrant", &[], &[I32]),
    ("msg_sender", &[I32], &[]),
    ("msg_value", &[I32], &[]),
    ("native_keccak256", &[I32, I32, I32], &[]),
    ("pay_for_memory_grow", &[I32], &[]),
    ("read_args", &[I32], &[]),
    ("read_return_data", &[I32, I32, I32], &[I32]),
    ("return_data_size", &[], &[I32]),
    ("static_call_contract", &[I32, I32, I32, I64, I32], &[I32]),
    ("storage_cache_bytes32", &[I32, I32], &[]),
    ("storage_flush_cache", &[I32], &[]),
    ("storage_load_bytes32", &[I32, I32], &[]),
    ("transient_load_bytes32", &[I32, I32], &[]),
    ("transient_store_bytes32", &[I32, I32], &[]),
    ("tx_gas_price", &[I32], &[]),
    ("tx_ink_price", &[], &[I32]),
    ("tx_origin", &[I32], &[]),
    ("write_result", &[I32, I32], &[]),
];

/// The debug-only `console` functions, accepted only on a chain started in debug mode (as on
/// Arbitrum, where only debug chains link them).
pub const CONSOLE: &[(&str, &[ValType], &[ValType])] = &[
    ("log_f32", &[F32], &[]),
    ("log_f64", &[F64], &[]),
    ("log_i32", &[I32], &[]),
    ("log_i64", &[I64], &[]),
    ("log_txt", &[I32, I32], &[]),
];

/// The WASM features Stylus enables (no reference types, SIMD, threads, multi-value, ...).
pub fn stylus_features() -> WasmFeatures {
    WasmFeatures::MUTABLE_GLOBAL
        | WasmFeatures::SATURATING_FLOAT_TO_INT
        | WasmFeatures::SIGN_EXTENSION
        | WasmFeatures::BULK_MEMORY
        | WasmFeatures::FLOATS
}

/// Checks Stylus `code` (prefixed and compressed) as activation does.
pub fn check_code(code: &[u8], debug: bool) -> Result<ProgramInfo, ActivationError> {
    let wasm = program::decompress(code)?;
    check_wasm(wasm, debug)
}

/// Checks an uncompressed module as activation does.
pub fn check_wasm(wasm: Vec<u8>, debug: bool) -> Result<ProgramInfo, ActivationError> {
    Validator::new_with_features(stylus_features())
        .validate_all(&wasm)
        .map_err(|e| ActivationError::Invalid(e.to_string()))?;
    let shape = Shape::read(&wasm).map_err(|e| ActivationError::Invalid(e.to_string()))?;
    for (module, name, ty) in &shape.imports {
        check_import(module, name, ty.as_ref(), debug)?;
    }
    if shape.has_start {
        return Err(ActivationError::StartFunction);
    }
    if let Some(name) = shape.exports.iter().find(|n| n.starts_with("stylus")) {
        return Err(ActivationError::ReservedExport(name.clone()));
    }
    let entry_ok =
        shape.entrypoint.as_ref().is_some_and(|ty| ty.params() == [I32] && ty.results() == [I32]);
    if !entry_ok {
        return Err(ActivationError::MissingEntrypoint);
    }
    let Some(pages) = shape.memory_pages else {
        return Err(ActivationError::MissingMemory);
    };
    if pages > u64::from(PAGE_LIMIT) {
        return Err(ActivationError::TooMuchMemory(pages));
    }
    let footprint = u16::try_from(pages).map_err(|_| ActivationError::TooMuchMemory(pages))?;
    Ok(ProgramInfo { wasm, footprint })
}

fn check_import(
    module: &str,
    name: &str,
    ty: Option<&FuncType>,
    debug: bool,
) -> Result<(), ActivationError> {
    let table = match module {
        "vm_hooks" => VM_HOOKS,
        "console" if debug => CONSOLE,
        _ => &[],
    };
    let Some((_, params, results)) = table.iter().find(|(n, _, _)| *n == name) else {
        return Err(ActivationError::UnknownImport { module: module.into(), name: name.into() });
    };
    let Some(ty) = ty else {
        return Err(ActivationError::NonFunctionImport(format!("{module}::{name}")));
    };
    if ty.params() != *params || ty.results() != *results {
        let expected = FuncType::new(params.iter().copied(), results.iter().copied());
        return Err(ActivationError::ImportType {
            module: module.into(),
            name: name.into(),
            found: ty.to_string(),
            expected: expected.to_string(),
        });
    }
    Ok(())
}

/// The parts of a module activation looks at.
#[derive(Default)]
struct Shape {
    /// (module, name, function type if the import is a function).
    imports: Vec<(String, String, Option<FuncType>)>,
    exports: Vec<String>,
    entrypoint: Option<FuncType>,
    memory_pages: Option<u64>,
    has_start: bool,
}

impl Shape {
    fn read(wasm: &[u8]) -> Result<Self, wasmparser::BinaryReaderError> {
        let mut shape = Self::default();
        let mut types: Vec<Option<FuncType>> = Vec::new();
        let mut funcs: Vec<u32> = Vec::new();
        let mut entry_index = None;
        let mut memory_exported = false;
        for payload in Parser::new(0).parse_all(wasm) {
            match payload? {
                Payload::TypeSection(reader) => {
                    for ty in reader.into_iter_err_on_gc_types() {
                        types.push(Some(ty?));
                    }
                }
                Payload::ImportSection(reader) => {
                    for import in reader.into_imports() {
                        let import = import?;
                        let ty = match import.ty {
                            TypeRef::Func(idx) => {
                                funcs.push(idx);
                                types.get(idx as usize).cloned().flatten()
                            }
                            _ => None,
                        };
                        shape.imports.push((import.module.into(), import.name.into(), ty));
                    }
                }
                Payload::FunctionSection(reader) => {
                    for idx in reader {
                        funcs.push(idx?);
                    }
                }
                Payload::MemorySection(reader) => {
                    for memory in reader {
                        shape.memory_pages = Some(memory?.initial);
                    }
                }
                Payload::ExportSection(reader) => {
                    for export in reader {
                        let export = export?;
                        shape.exports.push(export.name.into());
                        match (export.name, export.kind) {
                            ("user_entrypoint", ExternalKind::Func) => {
                                entry_index = Some(export.index);
                            }
                            ("memory", ExternalKind::Memory) => memory_exported = true,
                            _ => {}
                        }
                    }
                }
                Payload::StartSection { .. } => shape.has_start = true,
                _ => {}
            }
        }
        shape.entrypoint = entry_index
            .and_then(|i| funcs.get(i as usize))
            .and_then(|t| types.get(*t as usize).cloned().flatten());
        if !memory_exported {
            shape.memory_pages = None;
        }
        Ok(shape)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wasm(text: &str) -> Vec<u8> {
        wat::parse_str(text).expect("test module parses")
    }

    const ENTRY: &str = r#"(memory (export "memory") 1)
        (func (export "user_entrypoint") (param i32) (result i32) i32.const 0)"#;

    #[test]
    fn accepts_a_minimal_program() {
        let module = wasm(&format!(
            r#"(module (import "vm_hooks" "read_args" (func (param i32))) {ENTRY})"#
        ));
        let info = check_code(&program::compress(&module), false).unwrap();
        assert_eq!(info.footprint, 1);
    }

    #[test]
    fn error_when_an_import_is_unknown() {
        let module = wasm(&format!(
            r#"(module (import "vm_hooks" "math_div" (func (param i32 i32))) {ENTRY})"#
        ));
        let err = check_wasm(module, false).unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown import vm_hooks::math_div (not a host function this chain implements)"
        );
    }

    #[test]
    fn error_when_an_import_has_the_wrong_type() {
        let module = wasm(&format!(
            r#"(module (import "vm_hooks" "read_args" (func (param i64))) {ENTRY})"#
        ));
        assert!(matches!(check_wasm(module, false), Err(ActivationError::ImportType { .. })));
    }

    #[test]
    fn error_when_console_is_imported_outside_debug_mode() {
        let module =
            wasm(&format!(r#"(module (import "console" "log_i32" (func (param i32))) {ENTRY})"#));
        assert!(matches!(
            check_wasm(module.clone(), false),
            Err(ActivationError::UnknownImport { .. })
        ));
        assert!(check_wasm(module, true).is_ok());
    }

    #[test]
    fn error_when_the_entrypoint_is_missing() {
        let module = wasm(r#"(module (memory (export "memory") 1))"#);
        assert_eq!(check_wasm(module, false), Err(ActivationError::MissingEntrypoint));
    }

    #[test]
    fn error_when_the_entrypoint_has_the_wrong_type() {
        let module =
            wasm(r#"(module (memory (export "memory") 1) (func (export "user_entrypoint")))"#);
        assert_eq!(check_wasm(module, false), Err(ActivationError::MissingEntrypoint));
    }

    #[test]
    fn error_when_memory_is_not_exported() {
        let module = wasm(
            r#"(module (memory 1) (func (export "user_entrypoint") (param i32) (result i32) i32.const 0))"#,
        );
        assert_eq!(check_wasm(module, false), Err(ActivationError::MissingMemory));
    }

    #[test]
    fn error_when_memory_exceeds_the_page_limit() {
        let module = wasm(
            r#"(module (memory (export "memory") 129) (func (export "user_entrypoint") (param i32) (result i32) i32.const 0))"#,
        );
        assert_eq!(check_wasm(module, false), Err(ActivationError::TooMuchMemory(129)));
    }

    #[test]
    fn error_when_a_start_function_exists() {
        let module = wasm(&format!("(module {ENTRY} (func $s) (start $s))"));
        assert_eq!(check_wasm(module, false), Err(ActivationError::StartFunction));
    }

    #[test]
    fn error_when_an_export_name_is_reserved() {
        let module = wasm(&format!(
            r#"(module {ENTRY} (global (export "stylus_ink_left") i32 (i32.const 0)))"#
        ));
        assert!(matches!(check_wasm(module, false), Err(ActivationError::ReservedExport(_))));
    }

    #[test]
    fn error_when_a_disabled_feature_is_used() {
        let module = wasm(&format!("(module {ENTRY} (table 1 externref))"));
        assert!(matches!(check_wasm(module, false), Err(ActivationError::Invalid(_))));
    }

    #[test]
    fn declares_every_host_function_of_the_sdk() {
        assert_eq!(VM_HOOKS.len(), 37, "34 from stylus-sdk 0.10 plus three Arbitrum extras");
    }
}
