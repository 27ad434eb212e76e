//! What starting a program costs, as nitro computes it.
//!
//! At activation nitro predicts two costs from the module (`WasmBinary::instrument` in
//! `crates/prover/src/binary.rs`, "predict costs") and stores them with the program:
//!
//! ```text
//! cached_init = funcs·13420/100000 + type_len·89/100000 + wasm_len·122/100000
//!             + globals·1628/1000 + data_len·75244/100000 + footprint·5
//! init        = funcs·8252/1000 + type_len·1059/1000 + wasm_len·1286/10000
//!             (+ cached_init at Stylus version 1)
//! ```
//!
//! (each term rounded down on its own), where `funcs` counts the functions with a body,
//! `type_len` the parameters plus results of their types, `globals` the module's globals plus
//! the four nitro's instrumentation adds, `data_len` the bytes of the data and element
//! segments as written in the module, and `footprint` the initial memory pages. A call then
//! pays (`arbos/programs/programs.go`, `CallProgram`):
//!
//! ```text
//! init_gas   = MinInitGas·128      + ⌈init·InitCostScalar·2 / 100⌉
//! cached_gas = MinCachedInitGas·32 + ⌈cached_init·CachedCostScalar·2 / 100⌉
//! uncached call: init_gas + cached_gas (Stylus version ≥ 2)   cached call: cached_gas
//! ```
//!
//! plus the memory it opens ([`memory_gas`]).

use crate::arbos::{COST_SCALAR_PERCENT, MIN_CACHED_GAS_UNITS, MIN_INIT_GAS_UNITS, StylusParams};

/// Globals nitro's instrumentation adds to every module (ink left, ink status, the dynamic
/// meter's scratch and the stack left).
pub const INSTRUMENTATION_GLOBALS: u64 = 4;

/// The facts about a module the cost prediction reads.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ModuleCounts {
    /// Functions with a body.
    pub funcs: u64,
    /// Parameters plus results of those functions' types.
    pub type_len: u64,
    /// Bytes of the decompressed module.
    pub wasm_len: u64,
    /// Globals the module defines.
    pub globals: u64,
    /// Bytes of its data and element segments (each segment's whole entry).
    pub data_len: u64,
    /// Initial memory pages.
    pub footprint: u16,
}

/// What nitro stores for a program at activation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InitCosts {
    /// The uncached start-up term.
    pub init: u16,
    /// The cached start-up term.
    pub cached_init: u16,
    /// Predicted size of the compiled program in bytes (what the cache and data fee use).
    pub asm_estimate: u32,
}

/// Why a module's costs cannot be stored (nitro refuses to activate it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CostError {
    /// `init` exceeds 16 bits.
    #[error("init cost too high")]
    InitTooHigh,
    /// `cached_init` exceeds 16 bits.
    #[error("cached cost too high")]
    CachedTooHigh,
    /// The estimate exceeds 32 bits.
    #[error("asm estimate too large")]
    AsmTooLarge,
}

/// Nitro's prediction for a module activated at Stylus `version`.
pub fn predict(m: &ModuleCounts, version: u16) -> Result<InitCosts, CostError> {
    let globals = m.globals + INSTRUMENTATION_GLOBALS;
    let asm_estimate = 512_000
        + m.funcs.saturating_mul(996_829) / 1_000
        + m.type_len.saturating_mul(11_416) / 1_000
        + m.wasm_len.saturating_mul(62_628) / 10_000;
    let cached_init = m.funcs.saturating_mul(13_420) / 100_000
        + m.type_len.saturating_mul(89) / 100_000
        + m.wasm_len.saturating_mul(122) / 100_000
        + globals.saturating_mul(1_628) / 1_000
        + m.data_len.saturating_mul(75_244) / 100_000
        + u64::from(m.footprint) * 5;
    let mut init = if version == 1 { cached_init } else { 0 };
    init += m.funcs.saturating_mul(8_252) / 1_000
        + m.type_len.saturating_mul(1_059) / 1_000
        + m.wasm_len.saturating_mul(1_286) / 10_000;
    Ok(InitCosts {
        init: init.try_into().map_err(|_| CostError::InitTooHigh)?,
        cached_init: cached_init.try_into().map_err(|_| CostError::CachedTooHigh)?,
        asm_estimate: asm_estimate.try_into().map_err(|_| CostError::AsmTooLarge)?,
    })
}

/// Gas for the uncached start-up term (nitro's `Program.initGas`).
pub fn init_gas(params: &StylusParams, init: u16) -> u64 {
    let base = u64::from(params.min_init_gas) * MIN_INIT_GAS_UNITS;
    let scaled = u64::from(init) * u64::from(params.init_cost_scalar) * COST_SCALAR_PERCENT;
    base + scaled.div_ceil(100)
}

/// Gas for the cached start-up term (nitro's `Program.cachedGas`).
pub fn cached_gas(params: &StylusParams, cached_init: u16) -> u64 {
    let base = u64::from(params.min_cached_init_gas) * MIN_CACHED_GAS_UNITS;
    let scaled =
        u64::from(cached_init) * u64::from(params.cached_cost_scalar) * COST_SCALAR_PERCENT;
    base + scaled.div_ceil(100)
}

/// The start-up gas of one call into a program activated at Stylus `version` with `costs`.
pub fn call_init_gas(params: &StylusParams, version: u16, costs: &InitCosts, cached: bool) -> u64 {
    let mut gas = 0;
    // In version 1 the cached term is part of `init`.
    if cached || version > 1 {
        gas += cached_gas(params, costs.cached_init);
    }
    if !cached {
        gas += init_gas(params, costs.init);
    }
    gas
}

/// What `ArbWasm.programInitGas` answers: (uncached, cached) start-up gas.
pub fn program_init_gas(params: &StylusParams, costs: &InitCosts) -> (u64, u64) {
    let cached = cached_gas(params, costs.cached_init);
    let mut uncached = init_gas(params, costs.init);
    if params.version > 1 {
        uncached += cached;
    }
    (uncached, cached)
}

/// Kilobytes of an asm estimate, as stored (`codehashAsmSize` answers them times 1,024).
pub fn asm_kilobytes(asm_estimate: u32) -> u32 {
    asm_estimate.div_ceil(1_024)
}

/// Gas to open `new` pages when `open` are open and `ever` were at most (nitro's
/// `MemoryModel.GasCost`): `page_gas` per page beyond the free ones, plus an exponential term
/// on the transaction's high-water mark.
pub fn memory_gas(params: &StylusParams, new: u16, open: u16, ever: u16) -> u64 {
    let new_open = open.saturating_add(new);
    let new_ever = ever.max(new_open);
    if new_ever <= params.free_pages {
        return 0;
    }
    let sub_free = |pages: u16| pages.saturating_sub(params.free_pages);
    let adding = sub_free(new_open).saturating_sub(sub_free(open));
    let linear = u64::from(adding) * u64::from(params.page_gas);
    linear.saturating_add(page_exp(new_ever).saturating_sub(page_exp(ever)))
}

fn page_exp(pages: u16) -> u64 {
    MEMORY_EXPONENTS.get(usize::from(pages)).map_or(u64::MAX, |e| u64::from(*e))
}

/// Nitro's table of the exponential memory term, by pages ever open (`memoryExponents`),
/// copied digit for digit.
#[allow(clippy::unreadable_literal)]
const MEMORY_EXPONENTS: [u32; 129] = [
    1, 1, 1, 1, 1, 1, 2, 2, 2, 3, 3, 4, 5, 5, 6, 7, 8, 9, 11, 12, 14, 17, 19, 22, 25, 29, 33, 38,
    43, 50, 57, 65, 75, 85, 98, 112, 128, 147, 168, 193, 221, 253, 289, 331, 379, 434, 497, 569,
    651, 745, 853, 976, 1117, 1279, 1463, 1675, 1917, 2194, 2511, 2874, 3290, 3765, 4309, 4932,
    5645, 6461, 7395, 8464, 9687, 11087, 12689, 14523, 16621, 19024, 21773, 24919, 28521, 32642,
    37359, 42758, 48938, 56010, 64104, 73368, 83971, 96106, 109994, 125890, 144082, 164904, 188735,
    216010, 247226, 282953, 323844, 370643, 424206, 485509, 555672, 635973, 727880, 833067, 953456,
    1091243, 1248941, 1429429, 1636000, 1872423, 2143012, 2452704, 2807151, 3212820, 3677113,
    4208502, 4816684, 5512756, 6309419, 7221210, 8264766, 9459129, 10826093, 12390601, 14181199,
    16230562, 18576084, 21260563, 24332984, 27849408, 31873999,
];

/// Gas the EVM would charge for `len` bytes of memory (the floor a program's return data pays
/// from ArbOS 31: 3 per word plus words²/512).
pub fn evm_memory_gas(len: usize) -> u64 {
    let words = (len as u64).div_ceil(32);
    words * 3 + words * words / 512
}

#[cfg(test)]
mod tests {
    use super::*;

    fn elara() -> StylusParams {
        StylusParams::for_arbos(61).unwrap()
    }

    #[test]
    fn an_empty_module_costs_the_instrumentation_globals_only() {
        let costs = predict(&ModuleCounts::default(), 3).unwrap();
        // cached: 4 globals · 1628 / 1000 = 6 (6.512 rounded down); init: 0.
        assert_eq!((costs.init, costs.cached_init, costs.asm_estimate), (0, 6, 512_000));
    }

    #[test]
    fn version_1_folds_the_cached_term_into_init() {
        let m = ModuleCounts { funcs: 100, wasm_len: 10_000, ..ModuleCounts::default() };
        let v1 = predict(&m, 1).unwrap();
        let v2 = predict(&m, 2).unwrap();
        assert_eq!(v1.init, v2.init + v2.cached_init);
    }

    #[test]
    fn start_up_gas_adds_the_floors_to_the_scaled_costs() {
        let p = elara();
        let costs = InitCosts { init: 1_000, cached_init: 99, asm_estimate: 0 };
        // 69·128 + ⌈1000·50·2/100⌉ = 8,832 + 1,000; 11·32 + 99 = 451.
        assert_eq!(program_init_gas(&p, &costs), (10_283, 451));
        assert_eq!(call_init_gas(&p, 3, &costs, false), 10_283);
        assert_eq!(call_init_gas(&p, 3, &costs, true), 451);
    }

    #[test]
    fn memory_is_free_up_to_two_pages_then_linear_plus_a_ramp() {
        let p = elara();
        assert_eq!(memory_gas(&p, 2, 0, 0), 0);
        // 3 pages: one beyond the free two (1,000) plus exp(3) - exp(0) = 0.
        assert_eq!(memory_gas(&p, 3, 0, 0), 1_000);
        // Pages opened again after a frame closed pay the linear term again, not the ramp.
        assert_eq!(memory_gas(&p, 3, 0, 3), 1_000);
        // 2 more on top of 20 open: 2,000 + exp(22) - exp(20) = 2,000 + 19 - 14.
        assert_eq!(memory_gas(&p, 2, 20, 20), 2_005);
        // Past the table (more than 128 pages ever): priced out of reach.
        assert!(memory_gas(&p, 1, 128, 128) > 1 << 60);
    }

    #[test]
    fn return_data_pays_at_least_evm_memory() {
        assert_eq!(evm_memory_gas(0), 0);
        assert_eq!(evm_memory_gas(33), 6);
        assert_eq!(evm_memory_gas(32 * 1_024), 3 * 1_024 + 2_048);
    }
}
