//! The size gate: each program checked as ArbOS 61's activation would check it and measured as
//! cargo-stylus 0.10.10 would deploy it, both by `stylus-rules` (the rules px-deploy and
//! px-devnet use), with at least 10% room left under the chain's limits.
//!
//! Size: cargo-stylus strips custom sections, appends a 32-byte `project_hash` section,
//! compresses with brotli at quality 11 and stores the result as one program (`EFF000` plus a
//! dictionary byte) when it fits in 24,576 bytes, else as up to four fragments of at most
//! 24,576 bytes and a root naming them: at most 98,304 bytes of code, and the module at most
//! `MaxWasmSize` (256 KiB).

use stylus_rules::{
    StylusParams, activation,
    arbos::ARBITRUM_ONE,
    costs,
    package::{self, Package},
};

/// The rules programs are checked against: Arbitrum One's (ArbOS 61).
pub(crate) fn rules() -> StylusParams {
    StylusParams::for_arbos(ARBITRUM_ONE).expect("Arbitrum One's version is modelled")
}

/// Room every program must leave under each limit, in percent.
pub(crate) const ROOM_PERCENT: usize = 10;

/// The default budget of on-chain code bytes: the limit less [`ROOM_PERCENT`].
pub(crate) fn default_budget() -> usize {
    rules().max_program_code() * (100 - ROOM_PERCENT) / 100
}

/// The outcome of checking one program.
pub(crate) struct Report {
    pub(crate) name: String,
    pub(crate) wasm_size: usize,
    pub(crate) package: Package,
    pub(crate) budget: usize,
    /// (uncached, cached) start-up gas, as `ArbWasm.programInitGas` will answer.
    pub(crate) init_gas: Option<(u64, u64)>,
    pub(crate) problems: Vec<String>,
}

impl Report {
    /// Whether the program would activate with the room the gate asks for.
    pub(crate) fn passed(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Checks `wasm` as activation would and measures it against `budget` on-chain bytes.
pub(crate) fn check(name: &str, wasm: &[u8], budget: usize) -> Report {
    let params = rules();
    let mut problems = Vec::new();
    let init_gas = match activation::check(wasm, &params, params.page_limit, false) {
        Ok(module) => Some(costs::program_init_gas(&params, &module.costs)),
        Err(e) => {
            problems.push(format!("activation would fail: {e}"));
            None
        }
    };
    let package = deployed(wasm);
    if let Some(why) = package.refusal(&params) {
        problems.push(why);
    }
    if package.total_len() > budget {
        problems
            .push(format!("{} on-chain bytes: above the budget of {budget}", package.total_len()));
    }
    let wasm_budget = params.max_wasm_size as usize * (100 - ROOM_PERCENT) / 100;
    if wasm.len() > wasm_budget {
        problems.push(format!(
            "{} bytes of wasm: less than {ROOM_PERCENT}% room under MaxWasmSize {}",
            wasm.len(),
            params.max_wasm_size
        ));
    }
    Report { name: name.to_owned(), wasm_size: wasm.len(), package, budget, init_gas, problems }
}

/// The package cargo-stylus would deploy for `wasm` (a keccak of the module stands in for the
/// project hash).
pub(crate) fn deployed(wasm: &[u8]) -> Package {
    let hash = alloy_primitives::keccak256(wasm);
    Package::new(&package::as_cargo_stylus_deploys(wasm, hash.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use stylus_rules::testing;

    const ENTRY: &str = r#"(memory (export "memory") 1 1)
        (func (export "user_entrypoint") (param i32) (result i32) i32.const 0)"#;

    fn wasm(text: &str) -> Vec<u8> {
        wat::parse_str(text).expect("test module parses")
    }

    #[test]
    fn a_minimal_program_passes_with_its_start_up_gas() {
        let report = check("ok", &wasm(&format!("(module {ENTRY})")), default_budget());
        assert!(report.passed(), "{:?}", report.problems);
        let (uncached, cached) = report.init_gas.unwrap();
        assert!(uncached > 8_832 + 352 && cached >= 352);
        assert!(matches!(report.package, Package::Classic(_)));
    }

    #[test]
    fn error_when_activation_would_refuse_the_program() {
        let bad = wasm(&format!(r#"(module (import "env" "abort" (func)) {ENTRY})"#));
        let report = check("bad", &bad, default_budget());
        assert!(report.problems.iter().any(|p| p.contains("unknown import env::abort")));
    }

    #[test]
    fn error_when_a_program_leaves_less_room_than_its_budget() {
        let report = check("tight", &wasm(&format!("(module {ENTRY})")), 10);
        assert!(report.problems.iter().any(|p| p.contains("above the budget of 10")));
    }

    /// A valid module carrying `len` bytes brotli cannot shrink.
    fn incompressible(len: usize) -> Vec<u8> {
        let data = testing::wat_string(&testing::incompressible(len, 7));
        wasm(&format!(r#"(module {ENTRY} (data (i32.const 0) "{data}"))"#))
    }

    #[test]
    fn a_program_over_24_kib_passes_as_fragments_and_a_root() {
        let report = check("large", &incompressible(40_000), default_budget());
        assert!(report.passed(), "{:?}", report.problems);
        assert_eq!(report.package.part_lens().len(), 2);
        assert_eq!(report.package.root_len(), 48);
    }

    #[test]
    fn the_default_budget_leaves_ten_percent_of_four_fragments() {
        assert_eq!(default_budget(), 88_473);
    }
}
