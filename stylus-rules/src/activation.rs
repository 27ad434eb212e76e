//! What `ArbWasm.activateProgram` checks in a decompressed module, as nitro's
//! `WasmBinary::parse_user` does (`crates/prover/src/binary.rs`): validity under the WASM
//! features of the Stylus version, imports only of host functions with their exact types,
//! `user_entrypoint: (i32) -> i32` and one memory exported, no start function, memory within
//! the page limit, nitro's anti-DoS limits, and init costs that fit their storage. It also
//! counts what the init costs are computed from.

use thiserror::Error;
use wasmparser::{
    ExternalKind, FuncType, KnownCustom, Name, NameSectionReader, Parser, Payload, TypeRef,
    ValType, Validator, WasmFeatures,
};

use crate::{
    arbos::StylusParams,
    code::CodeError,
    costs::{self, CostError, InitCosts, ModuleCounts},
    hostio,
};

/// The name of the entrypoint every program exports.
pub const ENTRYPOINT: &str = "user_entrypoint";
/// Most initial pages nitro's heap bound allows (8 MiB), whatever the page limit.
pub const HEAP_BOUND_PAGES: u64 = 128;
/// The host function nitro calls before every `memory.grow`.
pub const PAY_FOR_MEMORY_GROW: &str = "pay_for_memory_grow";
/// Longest export name or module name.
pub const MAX_NAME_LEN: usize = 512;

/// Why a program cannot be activated.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum ActivationError {
    /// The code does not hold a readable module.
    #[error(transparent)]
    Code(#[from] CodeError),
    /// The decompressed module is larger than `MaxWasmSize`.
    #[error("wasm is {size} bytes, above MaxWasmSize {max}")]
    TooLarge {
        /// Bytes.
        size: usize,
        /// `MaxWasmSize`.
        max: u32,
    },
    /// Not valid WASM under the features Stylus enables.
    #[error("invalid wasm: {0}")]
    Invalid(String),
    /// An import that is not a function.
    #[error("import {0} is not a function")]
    NonFunctionImport(String),
    /// The same import twice with different types.
    #[error("inconsistent imports for {0}")]
    InconsistentImports(String),
    /// An export named like an import.
    #[error("binary exports an import with the same name {0}")]
    ReexportedImport(String),
    /// An export whose name nitro's instrumentation reserves.
    #[error("binary exports reserved symbol {0}")]
    ReservedExport(String),
    /// An import whose name nitro's instrumentation reserves.
    #[error("binary imports reserved symbol {0}")]
    ReservedImport(String),
    /// A start function (allowed on a debug chain only).
    #[error("start functions not allowed")]
    StartFunction,
    /// No single memory exported as `memory`.
    #[error("missing memory with export name \"memory\"")]
    MissingMemory,
    /// Initial memory above the page limit or the heap bound.
    #[error("memory exceeds limit: {pages} > {limit}")]
    TooMuchMemory {
        /// Initial pages asked for.
        pages: u64,
        /// The limit.
        limit: u64,
    },
    /// A memory whose maximum is below its minimum.
    #[error("max memory size {max} is less than min {min}")]
    MemoryMaxBelowMin {
        /// Initial pages.
        min: u64,
        /// Maximum pages.
        max: u64,
    },
    /// A memory that can grow, in a module that does not import `pay_for_memory_grow` (nitro's
    /// instrumentation calls it before every `memory.grow`).
    #[error("missing import pay_for_memory_grow")]
    MissingPayForMemoryGrow,
    /// `user_entrypoint` is not an exported function.
    #[error("missing export with name user_entrypoint")]
    MissingEntrypoint,
    /// `user_entrypoint` has another type than `(i32) -> i32`.
    #[error("wrong type for user_entrypoint: {0}")]
    EntrypointType(String),
    /// One of nitro's anti-DoS limits.
    #[error("too many wasm {what}: {count} > {limit}")]
    Limit {
        /// What was counted.
        what: &'static str,
        /// How many.
        count: u64,
        /// The limit.
        limit: u64,
    },
    /// A name longer than [`MAX_NAME_LEN`].
    #[error("wasm {what} too long: {len} > {MAX_NAME_LEN}")]
    NameTooLong {
        /// Which name.
        what: &'static str,
        /// Its length.
        len: usize,
    },
    /// An import of no host function this chain has.
    #[error("unknown import {module}::{name} (not a host function this chain implements)")]
    UnknownImport {
        /// Import module.
        module: String,
        /// Import name.
        name: String,
    },
    /// A host function imported with the wrong type.
    #[error("import {module}::{name} has type {found}, expected {expected}")]
    ImportType {
        /// Import module.
        module: String,
        /// Import name.
        name: String,
        /// The type in the module.
        found: String,
        /// The host function's type.
        expected: String,
    },
    /// Init costs too large to store.
    #[error(transparent)]
    Costs(#[from] CostError),
}

/// What activation learns about a module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Module {
    /// Initial memory pages.
    pub footprint: u16,
    /// The init costs and asm estimate nitro stores.
    pub costs: InitCosts,
    /// What they were computed from.
    pub counts: ModuleCounts,
}

/// The WASM features modules may use under `params` (nitro's `parse_with_stylus_version`).
pub fn features(params: &StylusParams) -> WasmFeatures {
    let mut features = WasmFeatures::MUTABLE_GLOBAL
        | WasmFeatures::SATURATING_FLOAT_TO_INT
        | WasmFeatures::SIGN_EXTENSION
        | WasmFeatures::BULK_MEMORY
        | WasmFeatures::FLOATS
        | WasmFeatures::GC_TYPES;
    if params.multi_value() {
        features |= WasmFeatures::MULTI_VALUE;
    }
    features
}

/// Checks `wasm` as activation does under `params`, with `page_limit` pages left to the
/// transaction, on a debug chain or not.
pub fn check(
    wasm: &[u8],
    params: &StylusParams,
    page_limit: u16,
    debug: bool,
) -> Result<Module, ActivationError> {
    if wasm.len() > params.max_wasm_size as usize {
        return Err(ActivationError::TooLarge { size: wasm.len(), max: params.max_wasm_size });
    }
    Validator::new_with_features(features(params))
        .validate_all(wasm)
        .map_err(|e| ActivationError::Invalid(e.to_string()))?;
    let shape = Shape::read(wasm).map_err(ActivationError::Invalid)?;
    shape.check_names()?;
    if shape.start && !debug {
        return Err(ActivationError::StartFunction);
    }
    let footprint = shape.check_memory(page_limit)?;
    shape.check_entrypoint()?;
    let counts = ModuleCounts {
        funcs: shape.local_funcs.len() as u64,
        type_len: shape
            .local_funcs
            .iter()
            .map(|ty| (ty.params().len() + ty.results().len()) as u64)
            .sum(),
        wasm_len: wasm.len() as u64,
        globals: shape.globals,
        data_len: shape.data_len + shape.elem_len,
        footprint,
    };
    let costs = costs::predict(&counts, params.version)?;
    shape.check_limits(params)?;
    for (module, name, ty) in &shape.imports {
        check_import(module, name, ty, debug)?;
    }
    Ok(Module { footprint, costs, counts })
}

fn check_import(
    module: &str,
    name: &str,
    ty: &FuncType,
    debug: bool,
) -> Result<(), ActivationError> {
    let Some((_, params, results)) = hostio::find(module, name, debug) else {
        return Err(ActivationError::UnknownImport { module: module.into(), name: name.into() });
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
    /// (module, name, type) of each function import.
    imports: Vec<(String, String, FuncType)>,
    /// Type of each function with a body.
    local_funcs: Vec<FuncType>,
    /// Locals and operators of each body.
    bodies: Vec<(u64, u64)>,
    exports: Vec<(String, ExternalKind, u32)>,
    /// (initial, maximum) pages of each memory.
    memories: Vec<(u64, Option<u64>)>,
    globals: u64,
    data_segments: u64,
    data_len: u64,
    elem_segments: u64,
    elem_len: u64,
    elem_items: u64,
    table_entries: u64,
    module_name_len: usize,
    start: bool,
    /// Type of every function, imports first.
    all_funcs: Vec<FuncType>,
}

impl Shape {
    fn read(wasm: &[u8]) -> Result<Self, String> {
        let mut shape = Self::default();
        let mut types: Vec<FuncType> = Vec::new();
        let ty = |types: &Vec<FuncType>, idx: u32| {
            types.get(idx as usize).cloned().ok_or_else(|| format!("no type {idx}"))
        };
        for payload in Parser::new(0).parse_all(wasm) {
            match payload.map_err(|e| e.to_string())? {
                Payload::TypeSection(reader) => {
                    for t in reader.into_iter_err_on_gc_types() {
                        types.push(t.map_err(|e| e.to_string())?);
                    }
                }
                Payload::ImportSection(reader) => {
                    for import in reader.into_imports() {
                        let import = import.map_err(|e| e.to_string())?;
                        let TypeRef::Func(idx) = import.ty else {
                            return Err(format!(
                                "import {}::{} is not a function",
                                import.module, import.name
                            ));
                        };
                        let t = ty(&types, idx)?;
                        shape.all_funcs.push(t.clone());
                        shape.imports.push((import.module.into(), import.name.into(), t));
                    }
                }
                Payload::FunctionSection(reader) => {
                    for idx in reader {
                        let t = ty(&types, idx.map_err(|e| e.to_string())?)?;
                        shape.all_funcs.push(t.clone());
                        shape.local_funcs.push(t);
                    }
                }
                Payload::CodeSectionEntry(body) => {
                    let mut locals = 0u64;
                    for local in body.get_locals_reader().map_err(|e| e.to_string())? {
                        locals += u64::from(local.map_err(|e| e.to_string())?.0);
                    }
                    let mut ops = body.get_operators_reader().map_err(|e| e.to_string())?;
                    let mut count = 0u64;
                    while !ops.eof() {
                        ops.read().map_err(|e| e.to_string())?;
                        count += 1;
                    }
                    shape.bodies.push((locals, count));
                }
                Payload::TableSection(reader) => {
                    for table in reader {
                        shape.table_entries += table.map_err(|e| e.to_string())?.ty.initial;
                    }
                }
                Payload::MemorySection(reader) => {
                    for memory in reader {
                        let memory = memory.map_err(|e| e.to_string())?;
                        shape.memories.push((memory.initial, memory.maximum));
                    }
                }
                Payload::GlobalSection(reader) => shape.globals += u64::from(reader.count()),
                Payload::ExportSection(reader) => {
                    for export in reader {
                        let e = export.map_err(|e| e.to_string())?;
                        shape.exports.push((e.name.into(), e.kind, e.index));
                    }
                }
                Payload::StartSection { .. } => shape.start = true,
                Payload::ElementSection(reader) => {
                    for element in reader {
                        let element = element.map_err(|e| e.to_string())?;
                        shape.elem_segments += 1;
                        shape.elem_len += element.range.end - element.range.start;
                        shape.elem_items += u64::from(match &element.items {
                            wasmparser::ElementItems::Functions(r) => r.count(),
                            wasmparser::ElementItems::Expressions(_, r) => r.count(),
                        });
                    }
                }
                Payload::DataSection(reader) => {
                    for data in reader {
                        let data = data.map_err(|e| e.to_string())?;
                        shape.data_segments += 1;
                        shape.data_len += data.range.end - data.range.start;
                    }
                }
                Payload::CustomSection(reader) => {
                    if let KnownCustom::Name(names) = reader.as_known() {
                        shape.module_name_len = module_name_len(names);
                    }
                }
                _ => {}
            }
        }
        Ok(shape)
    }

    /// Nitro's checks on names: consistent imports, no export named like an import (after the
    /// last `__`), nothing reserved.
    fn check_names(&self) -> Result<(), ActivationError> {
        for (i, (module, name, ty)) in self.imports.iter().enumerate() {
            let clash =
                self.imports[..i].iter().any(|(m, n, t)| m == module && n == name && t != ty);
            if clash {
                return Err(ActivationError::InconsistentImports(format!("{module} {name}")));
            }
        }
        let exported: Vec<&str> =
            self.exports.iter().map(|(n, _, _)| n.rsplit("__").next().unwrap_or(n)).collect();
        if let Some((_, name, _)) =
            self.imports.iter().find(|(_, n, _)| exported.contains(&n.as_str()))
        {
            return Err(ActivationError::ReexportedImport(name.clone()));
        }
        if let Some(name) = exported.iter().find(|n| n.starts_with("stylus")) {
            return Err(ActivationError::ReservedExport((*name).to_owned()));
        }
        if let Some((_, name, _)) = self.imports.iter().find(|(_, n, _)| n.starts_with("stylus")) {
            return Err(ActivationError::ReservedImport(name.clone()));
        }
        Ok(())
    }

    /// The one memory, exported as `memory`, within the heap bound and `page_limit`.
    fn check_memory(&self, page_limit: u16) -> Result<u16, ActivationError> {
        let memory_export = self
            .exports
            .iter()
            .any(|(n, k, i)| n == "memory" && *k == ExternalKind::Memory && *i == 0);
        let [(min, max)] = self.memories[..] else { return Err(ActivationError::MissingMemory) };
        if !memory_export {
            return Err(ActivationError::MissingMemory);
        }
        if min > HEAP_BOUND_PAGES {
            return Err(ActivationError::TooMuchMemory { pages: min, limit: HEAP_BOUND_PAGES });
        }
        if let Some(max) = max.filter(|max| *max < min) {
            return Err(ActivationError::MemoryMaxBelowMin { min, max });
        }
        let pays = self.imports.iter().any(|(m, n, _)| m == "vm_hooks" && n == PAY_FOR_MEMORY_GROW);
        if max != Some(min) && !pays {
            return Err(ActivationError::MissingPayForMemoryGrow);
        }
        if min > u64::from(page_limit) {
            return Err(ActivationError::TooMuchMemory { pages: min, limit: page_limit.into() });
        }
        Ok(u16::try_from(min).expect("below the heap bound"))
    }

    fn check_entrypoint(&self) -> Result<(), ActivationError> {
        let Some((_, _, index)) =
            self.exports.iter().find(|(n, k, _)| n == ENTRYPOINT && *k == ExternalKind::Func)
        else {
            return Err(ActivationError::MissingEntrypoint);
        };
        let ty = self.all_funcs.get(*index as usize).ok_or(ActivationError::MissingEntrypoint)?;
        if ty.params() != [ValType::I32] || ty.results() != [ValType::I32] {
            return Err(ActivationError::EntrypointType(ty.to_string()));
        }
        Ok(())
    }

    /// Nitro's anti-DoS limits. Its per-body operator limit counts instrumented operators;
    /// this counts the module's own, a lower bound.
    fn check_limits(&self, params: &StylusParams) -> Result<(), ActivationError> {
        let limit = |what: &'static str, count: u64, limit: u64| {
            if count > limit { Err(ActivationError::Limit { what, count, limit }) } else { Ok(()) }
        };
        limit("datas", self.data_segments, 128)?;
        limit("elements", self.elem_segments, 128)?;
        limit("functions", self.local_funcs.len() as u64, 4_096)?;
        limit("globals", self.globals + costs::INSTRUMENTATION_GLOBALS, 32_768)?;
        for (locals, ops) in &self.bodies {
            limit("locals", *locals, 348)?;
            limit("opcodes in func body", *ops, 65_536)?;
        }
        if params.charging_fixes() {
            limit("imports", self.imports.len() as u64, 513)?;
        }
        limit("table entries", self.table_entries, 4_096)?;
        limit("element entries", self.elem_items, 4_096)?;
        if let Some((name, _, _)) = self.exports.iter().find(|(n, _, _)| n.len() > MAX_NAME_LEN) {
            return Err(ActivationError::NameTooLong { what: "name", len: name.len() });
        }
        if self.module_name_len > MAX_NAME_LEN {
            return Err(ActivationError::NameTooLong {
                what: "module name",
                len: self.module_name_len,
            });
        }
        Ok(())
    }
}

fn module_name_len(names: NameSectionReader<'_>) -> usize {
    for name in names {
        if let Ok(Name::Module { name, .. }) = name {
            return name.len();
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wasm(text: &str) -> Vec<u8> {
        wat::parse_str(text).expect("test module parses")
    }

    fn elara() -> StylusParams {
        StylusParams::for_arbos(61).unwrap()
    }

    fn check61(module: &[u8]) -> Result<Module, ActivationError> {
        check(module, &elara(), 128, false)
    }

    /// A fixed one-page memory (no `pay_for_memory_grow` needed) and the entrypoint.
    const ENTRY: &str = r#"(memory (export "memory") 1 1)
        (func (export "user_entrypoint") (param i32) (result i32) i32.const 0)"#;

    #[test]
    fn accepts_a_minimal_program() {
        let module = wasm(&format!(
            r#"(module (import "vm_hooks" "read_args" (func (param i32))) {ENTRY})"#
        ));
        assert_eq!(check61(&module).unwrap().footprint, 1);
    }

    #[test]
    fn error_when_an_import_is_unknown() {
        let module = wasm(&format!(
            r#"(module (import "vm_hooks" "math_div" (func (param i32 i32))) {ENTRY})"#
        ));
        assert_eq!(
            check61(&module).unwrap_err().to_string(),
            "unknown import vm_hooks::math_div (not a host function this chain implements)"
        );
    }

    #[test]
    fn error_when_an_import_has_the_wrong_type() {
        let module = wasm(&format!(
            r#"(module (import "vm_hooks" "read_args" (func (param i64))) {ENTRY})"#
        ));
        assert!(matches!(check61(&module), Err(ActivationError::ImportType { .. })));
    }

    #[test]
    fn error_when_console_is_imported_outside_debug_mode() {
        let module =
            wasm(&format!(r#"(module (import "console" "log_i32" (func (param i32))) {ENTRY})"#));
        assert!(matches!(check61(&module), Err(ActivationError::UnknownImport { .. })));
        assert!(check(&module, &elara(), 128, true).is_ok());
    }

    #[test]
    fn error_when_the_entrypoint_is_missing_or_mistyped() {
        let missing = wasm(r#"(module (memory (export "memory") 1 1))"#);
        assert_eq!(check61(&missing), Err(ActivationError::MissingEntrypoint));
        let mistyped =
            wasm(r#"(module (memory (export "memory") 1 1) (func (export "user_entrypoint")))"#);
        assert_eq!(check61(&mistyped), Err(ActivationError::EntrypointType("(func)".into())));
    }

    #[test]
    fn error_when_memory_is_not_exported() {
        let module = wasm(
            r#"(module (memory 1) (func (export "user_entrypoint") (param i32) (result i32) i32.const 0))"#,
        );
        assert_eq!(check61(&module), Err(ActivationError::MissingMemory));
    }

    #[test]
    fn error_when_memory_can_grow_without_pay_for_memory_grow() {
        let entry = r#"(func (export "user_entrypoint") (param i32) (result i32) i32.const 0)"#;
        let growable = wasm(&format!(r#"(module (memory (export "memory") 1) {entry})"#));
        assert_eq!(check61(&growable), Err(ActivationError::MissingPayForMemoryGrow));
        let paying = wasm(&format!(
            r#"(module (import "vm_hooks" "pay_for_memory_grow" (func (param i32)))
                 (memory (export "memory") 1 4) {entry})"#
        ));
        assert!(check61(&paying).is_ok());
    }

    #[test]
    fn error_when_memory_exceeds_the_page_limit() {
        let module = wasm(
            r#"(module (memory (export "memory") 129 129) (func (export "user_entrypoint") (param i32) (result i32) i32.const 0))"#,
        );
        assert_eq!(
            check61(&module),
            Err(ActivationError::TooMuchMemory { pages: 129, limit: 128 })
        );
        let small = wasm(&format!("(module {ENTRY})"));
        assert_eq!(
            check(&small, &elara(), 0, false),
            Err(ActivationError::TooMuchMemory { pages: 1, limit: 0 })
        );
    }

    #[test]
    fn error_when_a_start_function_exists_outside_debug_mode() {
        let module = wasm(&format!("(module {ENTRY} (func $s) (start $s))"));
        assert_eq!(check61(&module), Err(ActivationError::StartFunction));
        assert!(check(&module, &elara(), 128, true).is_ok());
    }

    #[test]
    fn error_when_an_export_name_is_reserved() {
        let module = wasm(&format!(
            r#"(module {ENTRY} (global (export "stylus_ink_left") i32 (i32.const 0)))"#
        ));
        assert_eq!(
            check61(&module),
            Err(ActivationError::ReservedExport("stylus_ink_left".into()))
        );
    }

    #[test]
    fn error_when_a_disabled_feature_is_used() {
        let module = wasm(&format!("(module {ENTRY} (table 1 externref))"));
        assert!(matches!(check61(&module), Err(ActivationError::Invalid(_))));
    }

    #[test]
    fn multi_value_is_refused_from_stylus_version_3_only() {
        let module =
            wasm(&format!("(module {ENTRY} (func (result i32 i32) i32.const 1 i32.const 2))"));
        assert!(matches!(check61(&module), Err(ActivationError::Invalid(_))));
        assert!(check(&module, &StylusParams::for_arbos(51).unwrap(), 128, false).is_ok());
    }

    #[test]
    fn error_when_the_module_is_above_max_wasm_size() {
        let mut module = wasm(&format!("(module {ENTRY})"));
        module.resize(128 * 1024 + 1, 0);
        let dia = StylusParams::for_arbos(51).unwrap();
        assert_eq!(
            check(&module, &dia, 128, false),
            Err(ActivationError::TooLarge { size: 131_073, max: 131_072 })
        );
    }

    /// The init costs of a known module, derived by hand from nitro's formula.
    #[test]
    fn prices_a_known_module_as_nitro_does() {
        let module = wasm(
            r#"(module
                 (import "vm_hooks" "read_args" (func (param i32)))
                 (import "vm_hooks" "write_result" (func (param i32 i32)))
                 (memory (export "memory") 3 3)
                 (global (mut i32) (i32.const 7))
                 (data (i32.const 16) "0123456789abcdef0123456789abcdef")
                 (func (param i64 i64) (result i64) local.get 0 local.get 1 i64.add)
                 (func (export "user_entrypoint") (param i32) (result i32)
                   (call 0 (i32.const 0))
                   (call 1 (i32.const 16) (i32.const 32))
                   i32.const 0))"#,
        );
        let m = check61(&module).unwrap();
        // Two bodies; types (i64 i64) -> i64 and (i32) -> i32: 3 + 2 = 5; one global; one data
        // segment entry of 1 (flags) + 3 (i32.const 16, end) + 1 (length) + 32 bytes = 37.
        assert_eq!(
            m.counts,
            ModuleCounts {
                funcs: 2,
                type_len: 5,
                wasm_len: module.len() as u64,
                globals: 1,
                data_len: 37,
                footprint: 3
            }
        );
        let len = module.len() as u64;
        // cached: 2·13420/1e5 = 0, 5·89/1e5 = 0, len·122/1e5, 5 globals·1628/1000 = 8,
        //         37·75244/1e5 = 27, 3 pages·5 = 15;
        // init:   2·8252/1000 = 16, 5·1059/1000 = 5, len·1286/1e4;
        // with len = 194: cached 0 + 8 + 27 + 15 = 50, init 16 + 5 + 24 = 45.
        let cached = len * 122 / 100_000 + 8 + 27 + 15;
        let init = 16 + 5 + len * 1_286 / 10_000;
        assert_eq!(u64::from(m.costs.cached_init), cached);
        assert_eq!(u64::from(m.costs.init), init);
        assert_eq!(len, 194, "the module's length, which the figures below assume");
        assert_eq!((m.costs.init, m.costs.cached_init), (45, 50));
        // At ArbOS 61: uncached 69·128 + 45 + 11·32 + 50 = 9,279; cached 11·32 + 50 = 402.
        assert_eq!(costs::program_init_gas(&elara(), &m.costs), (9_279, 402));
        // asm estimate: 512,000 + 2·996,829/1000 + 5·11,416/1000 + 194·62,628/10,000.
        assert_eq!(m.costs.asm_estimate, 512_000 + 1_993 + 57 + 1_214);
    }
}
