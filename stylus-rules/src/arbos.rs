//! The Stylus parameters of each ArbOS version, as nitro sets them at genesis and at each upgrade
//! (`arbos/programs/params.go`, `arbos/arbosState/arbosstate.go`, nitro v3.10): what a chain
//! at that version enforces and charges, before any chain owner changes a parameter.
//!
//! The versions that matter here:
//!
//! | ArbOS | Stylus | what changed for programs |
//! |---|---|---|
//! | 31 "Bianca" | 2 | `MinInitGas` 72 → 69; the cached start-up is charged on every call |
//! | 32 | 2 | activation also pays for the module's length; at most 513 imports |
//! | 40 "Callisto", 51 "Dia" | 2 | `MaxWasmSize` becomes a parameter (128 KiB) |
//! | 59 | 3 | multi-value disabled; `ActivationGas` becomes a parameter (0) |
//! | 60, 61 "Elara" | 3 | root + fragments (`MaxFragmentCount` 4), `MaxWasmSize` 256 KiB, recently called programs count as cached |
//!
//! ArbOS 61 is ArbOS 60 plus two gas-refund fixes that do not touch Stylus (Arbitrum's upgrade
//! notice); ArbOS 60 never ran on Arbitrum One.

use thiserror::Error;

/// Unix time at which Arbitrum began: activation times are stored in hours since then.
pub const ARBITRUM_START_TIME: u64 = 1_421_388_000;
/// Largest contract code (EIP-170, Arbitrum One's `MaxCodeSize`): a classic program, a root and
/// every fragment must each fit.
pub const MAX_CODE_SIZE: usize = 24_576;
/// Gas `ArbWasm.activateProgram` charges before it reads the program.
pub const ACTIVATION_FIXED_GAS: u64 = 1_659_168;
/// Gas in one unit of `MinInitGas`.
pub const MIN_INIT_GAS_UNITS: u64 = 128;
/// Gas in one unit of `MinCachedInitGas`.
pub const MIN_CACHED_GAS_UNITS: u64 = 32;
/// Percent in one unit of `InitCostScalar` and `CachedCostScalar`.
pub const COST_SCALAR_PERCENT: u64 = 2;

/// The oldest ArbOS version modelled (the EVM rules are Prague's, as on Arbitrum since 40).
pub const OLDEST_SUPPORTED: u64 = 40;
/// The newest ArbOS version modelled.
pub const NEWEST_SUPPORTED: u64 = 61;
/// The version Arbitrum One runs (since 2026-08-20), and the default.
pub const ARBITRUM_ONE: u64 = 61;

/// First version with fragments, `MaxWasmSize` 256 KiB and the recent-programs cache.
const STYLUS_CONTRACT_LIMIT: u64 = 60;
/// First version with Stylus version 3.
const STYLUS_V3: u64 = 59;
/// First version whose activation pays for the module's length and caps its imports.
const STYLUS_CHARGING_FIXES: u64 = 32;
/// First version with the return-data floor (`ArbosVersion_StylusFixes`).
const STYLUS_FIXES: u64 = 31;

/// An ArbOS version this crate has no rules for.
#[derive(Debug, Clone, Copy, Error, PartialEq, Eq)]
#[error(
    "ArbOS {0} is not modelled (supported: {OLDEST_SUPPORTED} to {NEWEST_SUPPORTED}; Arbitrum One runs {ARBITRUM_ONE})"
)]
pub struct UnsupportedArbos(pub u64);

/// The Stylus parameters in force at one ArbOS version (nitro's `StylusParams`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StylusParams {
    /// The ArbOS version.
    pub arbos_version: u64,
    /// The Stylus version new activations get (`ArbWasm.stylusVersion()`).
    pub version: u16,
    /// Ink one gas buys.
    pub ink_price: u32,
    /// The WASM stack limit nitro's instrumentation enforces (not modelled by px-devnet).
    pub max_stack_depth: u32,
    /// Pages a transaction gets for free.
    pub free_pages: u16,
    /// Linear gas per page beyond the free ones.
    pub page_gas: u16,
    /// The exponential term's ramp (`ArbWasm.pageRamp()`; the costs come from a fixed table).
    pub page_ramp: u64,
    /// Most initial pages a program may ask for.
    pub page_limit: u16,
    /// Uncached start-up floor, in units of [`MIN_INIT_GAS_UNITS`].
    pub min_init_gas: u8,
    /// Cached start-up floor, in units of [`MIN_CACHED_GAS_UNITS`].
    pub min_cached_init_gas: u8,
    /// Scale of a program's init cost, in units of [`COST_SCALAR_PERCENT`].
    pub init_cost_scalar: u8,
    /// Scale of a program's cached init cost, in units of [`COST_SCALAR_PERCENT`].
    pub cached_cost_scalar: u8,
    /// Days after activation at which a program expires.
    pub expiry_days: u16,
    /// Days after activation before `codehashKeepalive` is allowed.
    pub keepalive_days: u16,
    /// How many recently called programs count as cached (ArbOS 60 on).
    pub block_cache_size: u16,
    /// Largest decompressed module.
    pub max_wasm_size: u32,
    /// Most fragments a root may name (0: no fragments).
    pub max_fragment_count: u8,
    /// Gas activation charges before everything else (`ArbWasm.activationGas()`).
    pub activation_gas: u64,
}

impl StylusParams {
    /// The parameters of ArbOS `arbos_version` as a chain that upgraded through every version
    /// has them (nitro's genesis values, then each upgrade's changes).
    pub fn for_arbos(arbos_version: u64) -> Result<Self, UnsupportedArbos> {
        if !(OLDEST_SUPPORTED..=NEWEST_SUPPORTED).contains(&arbos_version) {
            return Err(UnsupportedArbos(arbos_version));
        }
        let limit = arbos_version >= STYLUS_CONTRACT_LIMIT;
        Ok(Self {
            arbos_version,
            version: if arbos_version >= STYLUS_V3 { 3 } else { 2 },
            ink_price: 10_000,
            max_stack_depth: if arbos_version >= 50 { 22_000 } else { 4 * 65_536 },
            free_pages: 2,
            page_gas: 1_000,
            page_ramp: 620_674_314,
            page_limit: 128,
            // 72 at genesis, 69 from Stylus version 2 (ArbOS 31).
            min_init_gas: 69,
            min_cached_init_gas: 11,
            init_cost_scalar: 50,
            cached_cost_scalar: 50,
            expiry_days: 365,
            keepalive_days: 31,
            block_cache_size: 32,
            max_wasm_size: if limit { 256 * 1024 } else { 128 * 1024 },
            max_fragment_count: if limit { 4 } else { 0 },
            activation_gas: 0,
        })
    }

    /// Whether programs may be stored as a root plus fragments.
    pub fn fragments(&self) -> bool {
        self.arbos_version >= STYLUS_CONTRACT_LIMIT
    }

    /// Whether a program called recently (in the same block) counts as cached.
    pub fn recent_programs_cached(&self) -> bool {
        self.arbos_version >= STYLUS_CONTRACT_LIMIT
    }

    /// Whether activation also pays for the module's length and caps its imports at 513.
    pub fn charging_fixes(&self) -> bool {
        self.arbos_version >= STYLUS_CHARGING_FIXES
    }

    /// Whether a program's return data costs at least what EVM memory for it would.
    pub fn return_data_floor(&self) -> bool {
        self.arbos_version >= STYLUS_FIXES
    }

    /// Whether opening more than `PageLimit` pages at once in a transaction runs out of gas
    /// (ArbOS 59 on; before, only activation checked a program's own footprint).
    pub fn open_pages_capped(&self) -> bool {
        self.arbos_version >= STYLUS_V3
    }

    /// Whether modules may use multi-value (Stylus versions 1 and 2).
    pub fn multi_value(&self) -> bool {
        self.version < 3
    }

    /// Seconds after activation at which a program expires.
    pub fn expiry_seconds(&self) -> u64 {
        u64::from(self.expiry_days) * 86_400
    }

    /// Seconds after activation before a keepalive is allowed.
    pub fn keepalive_seconds(&self) -> u64 {
        u64::from(self.keepalive_days) * 86_400
    }

    /// The largest deployable program under these rules, in code bytes: one classic program,
    /// or a root and [`Self::max_fragment_count`] full fragments.
    pub fn max_program_code(&self) -> usize {
        if self.fragments() {
            usize::from(self.max_fragment_count) * MAX_CODE_SIZE
        } else {
            MAX_CODE_SIZE
        }
    }
}

/// Hours since Arbitrum began at `time`, rounded down (how activation times are stored).
pub fn hours_since_arbitrum(time: u64) -> u32 {
    let hours = time.saturating_sub(ARBITRUM_START_TIME) / 3_600;
    u32::try_from(hours).unwrap_or(u32::MAX).min(0x00ff_ffff)
}

/// A program's age in seconds at `time`, from its activation hour.
pub fn age_seconds(time: u64, activated_hour: u32) -> u64 {
    let activated_at = ARBITRUM_START_TIME.saturating_add(u64::from(activated_hour) * 3_600);
    time.saturating_sub(activated_at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arbitrum_one_today_allows_four_fragments_of_24_kib() {
        let p = StylusParams::for_arbos(ARBITRUM_ONE).unwrap();
        assert_eq!((p.version, p.max_fragment_count, p.max_wasm_size), (3, 4, 262_144));
        assert_eq!(p.max_program_code(), 98_304, "the 96 KB of Arbitrum's notice");
        assert!(p.fragments() && p.recent_programs_cached() && !p.multi_value());
    }

    #[test]
    fn before_elara_a_program_is_one_contract() {
        let p = StylusParams::for_arbos(51).unwrap();
        assert_eq!((p.version, p.max_fragment_count, p.max_wasm_size), (2, 0, 131_072));
        assert_eq!(p.max_program_code(), MAX_CODE_SIZE);
        assert!(!p.fragments() && !p.recent_programs_cached() && p.multi_value());
    }

    #[test]
    fn error_when_the_version_is_not_modelled() {
        assert_eq!(StylusParams::for_arbos(30), Err(UnsupportedArbos(30)));
        assert_eq!(StylusParams::for_arbos(62), Err(UnsupportedArbos(62)));
    }

    #[test]
    fn activation_times_are_whole_hours_since_arbitrum_began() {
        let t = ARBITRUM_START_TIME + 10 * 3_600 + 59;
        assert_eq!(hours_since_arbitrum(t), 10);
        assert_eq!(age_seconds(t + 100, 10), 159);
        assert_eq!(hours_since_arbitrum(0), 0);
    }
}
