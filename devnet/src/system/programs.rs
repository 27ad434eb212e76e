//! ArbOS' record of activated programs (nitro's `Programs` in `arbos/programs/programs.go`):
//! one word per code hash, in the layout nitro stores, kept in `ArbWasm`'s own storage (slot =
//! the code hash) so that activation and caching are journaled like any state change: they
//! roll back with a reverting transaction, and `eth_call` state overrides see them.

use alloy::sol_types::SolError;
use revm::{
    context::{Block, ContextTr, JournalTr},
    primitives::{B256, Bytes, U256},
};
use stylus_rules::{
    StylusParams,
    arbos::age_seconds,
    costs::{self, InitCosts},
};

use super::{ARB_WASM, abi::ArbWasm};
use crate::evm::{Ctx, infallible};

/// An activated program, as stored under its code hash.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProgramRecord {
    /// Stylus version it was activated against (0: never activated).
    pub version: u16,
    /// The uncached start-up term nitro predicted.
    pub init_cost: u16,
    /// The cached start-up term.
    pub cached_cost: u16,
    /// Initial memory pages.
    pub footprint: u16,
    /// Hours since Arbitrum began at activation (24 bits).
    pub activated_hour: u32,
    /// Predicted compiled size in KiB, rounded up (24 bits).
    pub asm_kb: u32,
    /// Whether `ArbWasmCache` holds it (a cache manager bid for it).
    pub cached: bool,
}

impl ProgramRecord {
    /// Nitro's word: version, init cost, cached cost, footprint (2 bytes each), activation hour
    /// and asm KiB (3 bytes each), the cached flag (1 byte), zeros.
    pub fn to_word(self) -> U256 {
        let mut w = [0u8; 32];
        w[0..2].copy_from_slice(&self.version.to_be_bytes());
        w[2..4].copy_from_slice(&self.init_cost.to_be_bytes());
        w[4..6].copy_from_slice(&self.cached_cost.to_be_bytes());
        w[6..8].copy_from_slice(&self.footprint.to_be_bytes());
        w[8..11].copy_from_slice(&self.activated_hour.to_be_bytes()[1..]);
        w[11..14].copy_from_slice(&self.asm_kb.to_be_bytes()[1..]);
        w[14] = u8::from(self.cached);
        U256::from_be_bytes(w)
    }

    /// Reads nitro's word.
    pub fn from_word(word: U256) -> Self {
        let w = word.to_be_bytes::<32>();
        let u24 = |b: &[u8]| u32::from_be_bytes([0, b[0], b[1], b[2]]);
        Self {
            version: u16::from_be_bytes([w[0], w[1]]),
            init_cost: u16::from_be_bytes([w[2], w[3]]),
            cached_cost: u16::from_be_bytes([w[4], w[5]]),
            footprint: u16::from_be_bytes([w[6], w[7]]),
            activated_hour: u24(&w[8..11]),
            asm_kb: u24(&w[11..14]),
            cached: w[14] != 0,
        }
    }

    /// The init costs, as stored.
    pub fn costs(&self) -> InitCosts {
        InitCosts {
            init: self.init_cost,
            cached_init: self.cached_cost,
            asm_estimate: self.asm_size(),
        }
    }

    /// The compiled size `codehashAsmSize` reports: the stored KiB times 1,024.
    pub fn asm_size(&self) -> u32 {
        self.asm_kb.saturating_mul(1_024)
    }

    /// Seconds since activation at `now`.
    pub fn age(&self, now: u64) -> u64 {
        age_seconds(now, self.activated_hour)
    }

    /// (uncached, cached) start-up gas, as `ArbWasm.programInitGas` answers.
    pub fn init_gas(&self, params: &StylusParams) -> (u64, u64) {
        costs::program_init_gas(params, &self.costs())
    }
}

/// Why a program may not run, as `ArbWasm`'s errors encode it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotRunnable {
    /// Never activated (or activated and rolled back).
    NotActivated,
    /// Activated against another Stylus version (its version, the chain's).
    NeedsUpgrade(u16, u16),
    /// Activated more than `ExpiryDays` ago.
    Expired(u64),
}

impl NotRunnable {
    /// The revert data Arbitrum returns for this condition.
    pub fn revert_data(&self) -> Bytes {
        match self {
            Self::NotActivated => ArbWasm::ProgramNotActivated {}.abi_encode().into(),
            Self::NeedsUpgrade(version, stylus) => {
                ArbWasm::ProgramNeedsUpgrade { version: *version, stylusVersion: *stylus }
                    .abi_encode()
                    .into()
            }
            Self::Expired(age) => {
                ArbWasm::ProgramExpired { ageInSeconds: *age }.abi_encode().into()
            }
        }
    }
}

/// The record of `codehash`, read through the journal.
pub fn record(ctx: &mut Ctx, codehash: B256) -> ProgramRecord {
    // The journal only reads storage of loaded accounts.
    infallible(ctx.journal_mut().load_account(ARB_WASM));
    ProgramRecord::from_word(infallible(ctx.journal_mut().sload(ARB_WASM, codehash.into())).data)
}

/// Stores the record of `codehash`.
pub fn store(ctx: &mut Ctx, codehash: B256, record: ProgramRecord) {
    infallible(ctx.journal_mut().load_account(ARB_WASM));
    infallible(ctx.journal_mut().sstore(ARB_WASM, codehash.into(), record.to_word()));
}

/// The block time.
pub fn now(ctx: &Ctx) -> u64 {
    ctx.block().timestamp().saturating_to()
}

/// `record` if it may run at `now` under `params` (nitro's `getActiveProgram`).
pub fn active(
    record: ProgramRecord,
    params: &StylusParams,
    now: u64,
) -> Result<ProgramRecord, NotRunnable> {
    if record.version == 0 {
        return Err(NotRunnable::NotActivated);
    }
    if record.version != params.version {
        return Err(NotRunnable::NeedsUpgrade(record.version, params.version));
    }
    let age = record.age(now);
    if age > params.expiry_seconds() {
        return Err(NotRunnable::Expired(age));
    }
    Ok(record)
}

/// Whether the program with `codehash` may run now.
pub fn runnable(
    ctx: &mut Ctx,
    codehash: B256,
    params: &StylusParams,
) -> Result<ProgramRecord, NotRunnable> {
    let now = now(ctx);
    active(record(ctx, codehash), params, now)
}

/// `record` with its cached flag set to `cache`, as nitro's `SetProgramCached` decides:
/// caching needs the current Stylus version and an unexpired program; `None` when the flag
/// already has that value (nothing changes, no event).
pub fn with_cached(
    record: ProgramRecord,
    cache: bool,
    params: &StylusParams,
    now: u64,
) -> Result<Option<ProgramRecord>, NotRunnable> {
    let age = record.age(now);
    if cache && record.version != params.version {
        return Err(NotRunnable::NeedsUpgrade(record.version, params.version));
    }
    if cache && age > params.expiry_seconds() {
        return Err(NotRunnable::Expired(age));
    }
    if record.cached == cache {
        return Ok(None);
    }
    Ok(Some(ProgramRecord { cached: cache, ..record }))
}

/// Whether activating `record` again would be refused with `ProgramUpToDate` (nitro's
/// `programExists`: current version and not expired).
pub fn up_to_date(record: ProgramRecord, params: &StylusParams, now: u64) -> bool {
    let expired = record.activated_hour == 0 || record.age(now) > params.expiry_seconds();
    record.version == params.version && !expired
}

#[cfg(test)]
mod tests {
    use stylus_rules::arbos::{ARBITRUM_START_TIME, hours_since_arbitrum};

    use super::*;

    fn elara() -> StylusParams {
        StylusParams::for_arbos(61).unwrap()
    }

    fn rec(version: u16, activated_hour: u32) -> ProgramRecord {
        ProgramRecord { version, footprint: 1, activated_hour, ..ProgramRecord::default() }
    }

    #[test]
    fn record_round_trips_through_nitros_word() {
        let rec = ProgramRecord {
            version: 3,
            init_cost: 0x1234,
            cached_cost: 0x0056,
            footprint: 3,
            activated_hour: 0x00ab_cdef,
            asm_kb: 0x0001_0203,
            cached: true,
        };
        let word = rec.to_word().to_be_bytes::<32>();
        assert_eq!(word[..15], [0, 3, 0x12, 0x34, 0, 0x56, 0, 3, 0xab, 0xcd, 0xef, 1, 2, 3, 1]);
        assert_eq!(ProgramRecord::from_word(rec.to_word()), rec);
    }

    #[test]
    fn a_fresh_record_is_not_activated() {
        assert_eq!(active(ProgramRecord::default(), &elara(), 0), Err(NotRunnable::NotActivated));
    }

    #[test]
    fn a_program_expires_a_year_after_its_activation_hour() {
        let activated = ARBITRUM_START_TIME + 1_000 * 3_600 + 1_234;
        let hour = hours_since_arbitrum(activated);
        let start_of_hour = ARBITRUM_START_TIME + u64::from(hour) * 3_600;
        let year = 365 * 86_400;
        assert!(active(rec(3, hour), &elara(), start_of_hour + year).is_ok());
        assert_eq!(
            active(rec(3, hour), &elara(), start_of_hour + year + 1),
            Err(NotRunnable::Expired(year + 1))
        );
    }

    #[test]
    fn another_version_needs_an_upgrade() {
        assert_eq!(active(rec(2, 1), &elara(), 0), Err(NotRunnable::NeedsUpgrade(2, 3)));
    }

    #[test]
    fn caching_needs_the_current_version_and_changes_only_the_flag() {
        let now = ARBITRUM_START_TIME + 10 * 3_600;
        let cached = with_cached(rec(3, 10), true, &elara(), now).unwrap().unwrap();
        assert_eq!(cached, ProgramRecord { cached: true, ..rec(3, 10) });
        assert_eq!(with_cached(cached, true, &elara(), now), Ok(None));
        assert_eq!(
            with_cached(ProgramRecord::default(), true, &elara(), now),
            Err(NotRunnable::NeedsUpgrade(0, 3))
        );
        // Evicting needs nothing.
        assert_eq!(
            with_cached(cached, false, &elara(), now + 400 * 86_400).unwrap(),
            Some(rec(3, 10))
        );
    }

    #[test]
    fn an_active_program_is_up_to_date_until_it_expires() {
        let now = ARBITRUM_START_TIME + 10 * 3_600;
        assert!(up_to_date(rec(3, 10), &elara(), now));
        assert!(!up_to_date(rec(3, 10), &elara(), now + 366 * 86_400));
        assert!(!up_to_date(rec(2, 10), &elara(), now));
    }
}
