//! What a Stylus frame's execution costs on this chain, and where each number comes from.
//!
//! A call's start-up and memory are priced by nitro's exact rules (`stylus_rules::costs`, with
//! the chain's ArbOS parameters). The execution inside is metered here: the constants below
//! are Arbitrum's documented prices (docs.arbitrum.io: "Gas metering" and "Opcode and host I/O
//! pricing"); where the documentation gives no number, the README's "Gas" section says what
//! is estimated.
//!
//! Units: ink is Stylus' compute unit, 10,000 ink per gas at the default ink price. This chain
//! meters WASM with wasmi fuel, one fuel being [`INK_PER_FUEL`] ink, so the per-opcode ink
//! prices of the documentation become a wasmi operator cost table ([`operator_costs`]).

use wasmi::{CustomFuelCosts, OperatorCost};

/// Ink one gas buys (documentation: "1 gas = 10,000 ink", the default ink price).
pub const INK_PER_GAS: u64 = 10_000;
/// Ink one unit of wasmi fuel stands for. 100 keeps the cheapest priced opcodes (70 ink)
/// visible after rounding while the dearest (`call_indirect`, 13,610 ink) fits wasmi's
/// one-byte operator cost.
pub const INK_PER_FUEL: u64 = 100;
/// Fuel one gas buys.
pub const FUEL_PER_GAS: u64 = INK_PER_GAS / INK_PER_FUEL;

/// Entering the host from WASM ("about 0.84 gas" per host I/O).
pub const HOSTIO_INK: u64 = 8_400;
/// Host I/Os that return an address or a word (`msg_sender`, `block_basefee`, ...).
pub const HOSTIO_WORD_INK: u64 = 13_440;
/// `read_args`: per byte after the first 32.
pub const READ_ARGS_INK_PER_BYTE: u64 = 5_040;
/// `write_result`: per byte after the first 32.
pub const WRITE_RESULT_INK_PER_BYTE: u64 = 16_381;
/// `native_keccak256`: base.
pub const KECCAK_INK: u64 = 121_800;
/// `native_keccak256`: per 32-byte word.
pub const KECCAK_WORD_INK: u64 = 21_000;

/// The uncached start-up floor (`MinInitGas` 69 × 128 since ArbOS 31): what every uncached
/// call pays before its program's own init cost and the cached term
/// ([`stylus_rules::costs::call_init_gas`] is the whole charge).
pub const MIN_INIT_GAS: u64 = 8_832;
/// The cached start-up floor (`MinCachedInitGas` 11 × 32), paid by every call from Stylus
/// version 2 on, before the program's own cached init cost.
pub const MIN_CACHED_INIT_GAS: u64 = 352;

/// Most pages one frame's memory may grow to (`ArbWasm.pageLimit()` in every ArbOS version,
/// "8 MB of memory"): wasmi refuses `memory.grow` beyond it.
pub const PAGE_LIMIT: u32 = 128;
/// Gas an SSTORE needs left before it may run (EIP-2200's sentry, which Stylus keeps).
pub const SSTORE_SENTRY_GAS: u64 = 2_300;

/// Ink for a host I/O copying `bytes`, priced per byte after the first 32.
pub fn per_byte_after_32(base: u64, per_byte: u64, bytes: usize) -> u64 {
    let extra = (bytes as u64).saturating_sub(32);
    base.saturating_add(extra.saturating_mul(per_byte))
}

/// Ink for hashing `len` bytes.
pub fn keccak_ink(len: usize) -> u64 {
    let words = (len as u64).div_ceil(32);
    KECCAK_INK.saturating_add(words.saturating_mul(KECCAK_WORD_INK))
}

/// Fuel for `ink`, rounded up so that no host I/O is free.
pub fn ink_to_fuel(ink: u64) -> u64 {
    ink.div_ceil(INK_PER_FUEL)
}

/// Fuel for `gas`.
pub fn gas_to_fuel(gas: u64) -> u64 {
    gas.saturating_mul(FUEL_PER_GAS)
}

/// Gas that `fuel` is worth, rounded down (what is left to hand back to the EVM).
pub fn fuel_to_gas(fuel: u64) -> u64 {
    fuel / FUEL_PER_GAS
}

/// Fuel for an operator priced at `ink` in the documentation's table, rounded to nearest.
fn op(ink: u32) -> u8 {
    u8::try_from((ink + 50) / 100).unwrap_or(u8::MAX)
}

/// The documentation's opcode table as wasmi operator costs (fuel = ink / 100). Operators
/// the table leaves out (floats, which Stylus runs in software, and saturating conversions)
/// are priced like the dearest integer arithmetic.
pub fn operator_costs() -> OperatorCost {
    let mut c = OperatorCost::default();
    let dear = op(1_270);
    // Floats and conversions: not in the table, expensive on Arbitrum (software floats).
    set_floats(&mut c, dear);
    (c.unreachable, c.nop, c.block, c.loop_, c.else_, c.end, c.return_) = (0, 0, 0, 0, 0, 0, 0);
    (c.if_, c.br, c.br_if, c.br_table) = (op(765), op(765), op(765), op(2_400));
    (c.call, c.call_indirect, c.return_call, c.return_call_indirect) =
        (op(3_800), op(13_610), op(3_800), op(13_610));
    (c.drop, c.select, c.typed_select) = (op(9), op(1_250), op(1_250));
    (c.local_get, c.local_set, c.local_tee) = (op(75), op(210), op(75));
    (c.global_get, c.global_set) = (op(225), op(575));
    for load in [&mut c.i32_load, &mut c.i32_load8_s, &mut c.i32_load8_u, &mut c.i32_load16_s]
        .into_iter()
        .chain([&mut c.i32_load16_u])
    {
        *load = op(670);
    }
    for load in [&mut c.i64_load, &mut c.i64_load8_s, &mut c.i64_load8_u, &mut c.i64_load16_s]
        .into_iter()
        .chain([&mut c.i64_load16_u, &mut c.i64_load32_s, &mut c.i64_load32_u])
    {
        *load = op(680);
    }
    (c.i32_store, c.i32_store8, c.i32_store16) = (op(825), op(825), op(825));
    (c.i64_store, c.i64_store8, c.i64_store16, c.i64_store32) =
        (op(950), op(950), op(950), op(950));
    (c.memory_size, c.memory_grow) = (op(3_000), op(8_050));
    (c.memory_copy, c.memory_fill) = (op(950), op(950));
    (c.i32_const, c.i64_const) = (0, 0);
    set_integer_ops(&mut c);
    c
}

fn set_integer_ops(c: &mut OperatorCost) {
    for cmp in [
        &mut c.i32_eqz,
        &mut c.i32_eq,
        &mut c.i32_ne,
        &mut c.i32_lt_s,
        &mut c.i32_lt_u,
        &mut c.i32_gt_s,
        &mut c.i32_gt_u,
        &mut c.i32_le_s,
        &mut c.i32_le_u,
        &mut c.i32_ge_s,
        &mut c.i32_ge_u,
    ] {
        *cmp = op(170);
    }
    for cmp in [
        &mut c.i64_eqz,
        &mut c.i64_eq,
        &mut c.i64_ne,
        &mut c.i64_lt_s,
        &mut c.i64_lt_u,
        &mut c.i64_gt_s,
        &mut c.i64_gt_u,
        &mut c.i64_le_s,
        &mut c.i64_le_u,
        &mut c.i64_ge_s,
        &mut c.i64_ge_u,
    ] {
        *cmp = op(225);
    }
    for cheap in [
        &mut c.i32_add,
        &mut c.i32_sub,
        &mut c.i32_and,
        &mut c.i32_or,
        &mut c.i32_xor,
        &mut c.i32_shl,
        &mut c.i32_shr_s,
        &mut c.i32_shr_u,
        &mut c.i32_rotl,
        &mut c.i32_rotr,
    ] {
        *cheap = op(70);
    }
    for cheap in [
        &mut c.i64_add,
        &mut c.i64_sub,
        &mut c.i64_and,
        &mut c.i64_or,
        &mut c.i64_xor,
        &mut c.i64_shl,
        &mut c.i64_shr_s,
        &mut c.i64_shr_u,
        &mut c.i64_rotl,
        &mut c.i64_rotr,
        &mut c.i32_wrap_i64,
        &mut c.i64_extend_i32_s,
        &mut c.i64_extend_i32_u,
        &mut c.i32_extend8_s,
        &mut c.i32_extend16_s,
        &mut c.i64_extend8_s,
        &mut c.i64_extend16_s,
        &mut c.i64_extend32_s,
    ] {
        *cheap = op(100);
    }
    (c.i32_clz, c.i32_ctz, c.i32_popcnt, c.i32_mul) = (op(210), op(210), op(2_650), op(160));
    (c.i64_clz, c.i64_ctz, c.i64_popcnt, c.i64_mul) = (op(210), op(210), op(6_000), op(160));
    (c.i32_div_s, c.i32_div_u, c.i32_rem_s, c.i32_rem_u) =
        (op(1_120), op(1_120), op(1_120), op(1_120));
    (c.i64_div_s, c.i64_div_u, c.i64_rem_s, c.i64_rem_u) =
        (op(1_270), op(1_270), op(1_270), op(1_270));
}

fn set_floats(c: &mut OperatorCost, cost: u8) {
    for f in [
        &mut c.f32_load,
        &mut c.f64_load,
        &mut c.f32_store,
        &mut c.f64_store,
        &mut c.f32_const,
        &mut c.f64_const,
        &mut c.f32_eq,
        &mut c.f32_ne,
        &mut c.f32_lt,
        &mut c.f32_gt,
        &mut c.f32_le,
        &mut c.f32_ge,
        &mut c.f64_eq,
        &mut c.f64_ne,
        &mut c.f64_lt,
        &mut c.f64_gt,
        &mut c.f64_le,
        &mut c.f64_ge,
        &mut c.f32_abs,
        &mut c.f32_neg,
        &mut c.f32_ceil,
        &mut c.f32_floor,
        &mut c.f32_trunc,
        &mut c.f32_nearest,
        &mut c.f32_sqrt,
        &mut c.f32_add,
        &mut c.f32_sub,
        &mut c.f32_mul,
        &mut c.f32_div,
        &mut c.f32_min,
        &mut c.f32_max,
        &mut c.f32_copysign,
        &mut c.f64_abs,
        &mut c.f64_neg,
        &mut c.f64_ceil,
        &mut c.f64_floor,
        &mut c.f64_trunc,
        &mut c.f64_nearest,
        &mut c.f64_sqrt,
        &mut c.f64_add,
        &mut c.f64_sub,
        &mut c.f64_mul,
        &mut c.f64_div,
        &mut c.f64_min,
        &mut c.f64_max,
        &mut c.f64_copysign,
        &mut c.i32_trunc_f32_s,
        &mut c.i32_trunc_f32_u,
        &mut c.i32_trunc_f64_s,
        &mut c.i32_trunc_f64_u,
        &mut c.i64_trunc_f32_s,
        &mut c.i64_trunc_f32_u,
        &mut c.i64_trunc_f64_s,
        &mut c.i64_trunc_f64_u,
        &mut c.f32_convert_i32_s,
        &mut c.f32_convert_i32_u,
        &mut c.f32_convert_i64_s,
        &mut c.f32_convert_i64_u,
        &mut c.f32_demote_f64,
        &mut c.f64_convert_i32_s,
        &mut c.f64_convert_i32_u,
        &mut c.f64_convert_i64_s,
        &mut c.f64_convert_i64_u,
        &mut c.f64_promote_f32,
        &mut c.i32_reinterpret_f32,
        &mut c.i64_reinterpret_f64,
        &mut c.f32_reinterpret_i32,
        &mut c.f64_reinterpret_i64,
        &mut c.i32_trunc_sat_f32_s,
        &mut c.i32_trunc_sat_f32_u,
        &mut c.i32_trunc_sat_f64_s,
        &mut c.i32_trunc_sat_f64_u,
        &mut c.i64_trunc_sat_f32_s,
        &mut c.i64_trunc_sat_f32_u,
        &mut c.i64_trunc_sat_f64_s,
        &mut c.i64_trunc_sat_f64_u,
    ] {
        *f = cost;
    }
}

/// Bytes of `memory.copy`/`memory.fill` one fuel pays for: the documentation prices them at
/// 100 ink (one fuel) per byte on top of their base.
pub const BYTES_COPIED_PER_FUEL: u32 = 1;

/// Per-byte costs of bulk memory ([`BYTES_COPIED_PER_FUEL`]).
pub fn bulk_costs() -> CustomFuelCosts {
    CustomFuelCosts {
        bytes_copied_per_fuel: BYTES_COPIED_PER_FUEL,
        // Modules are compiled eagerly, before execution, so translation is never charged.
        fuel_per_bytes_translated: 0,
        fuel_per_bytes_validated: 0,
    }
}

/// Fuel wasmi takes for growing memory by `pages`: it prices `memory.grow` per byte like a
/// copy, which Arbitrum does not (pages are priced by [`memory_gas`]), so the runtime gives it
/// back when it charges the pages.
pub fn grow_fuel(pages: u32) -> u64 {
    u64::from(pages) * 65_536 / u64::from(BYTES_COPIED_PER_FUEL)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_documented_ink_to_fuel() {
        assert_eq!(op(70), 1);
        assert_eq!(op(670), 7);
        assert_eq!(op(3_800), 38);
        assert_eq!(op(13_610), 136);
        assert_eq!(op(1), 0);
    }

    #[test]
    fn prices_operators_from_the_table() {
        let c = operator_costs();
        assert_eq!(c.call, 38);
        assert_eq!(c.i32_add, 1);
        assert_eq!(c.i64_load, 7);
        assert_eq!(c.nop, 0);
    }

    #[test]
    fn charges_host_io_bytes_after_the_first_32() {
        assert_eq!(per_byte_after_32(HOSTIO_INK, READ_ARGS_INK_PER_BYTE, 32), HOSTIO_INK);
        assert_eq!(
            per_byte_after_32(HOSTIO_INK, READ_ARGS_INK_PER_BYTE, 36),
            HOSTIO_INK + 4 * READ_ARGS_INK_PER_BYTE
        );
    }

    #[test]
    fn converts_between_gas_and_fuel() {
        assert_eq!(gas_to_fuel(1), 100);
        assert_eq!(fuel_to_gas(199), 1);
        assert_eq!(ink_to_fuel(HOSTIO_INK), 84);
        assert_eq!(keccak_ink(33), KECCAK_INK + 2 * KECCAK_WORD_INK);
    }
}
