//! The `vm_hooks` host functions, with EVM semantics, and the helpers they share: reading and
//! writing the program's memory, and charging gas from the frame's fuel.
//!
//! Every host function first pays its documented ink price (and any memory growth since the
//! previous host call), then does its work; EVM-equivalent work is charged at the EVM price
//! of the opcode it stands for. Running out of gas stops the program with all gas consumed.

mod calls;
mod context;
mod io;
mod storage;

use revm::primitives::{Address, U256};
use wasmi::{AsContext, AsContextMut, Caller, Engine, Error, Linker};

pub(crate) use storage::flush;

use stylus_rules::costs;

use super::{
    host::{Escape, Host},
    pricing::{self, FUEL_PER_GAS},
};

/// The caller type every host function receives.
pub(crate) type C<'c, 'a> = Caller<'c, Host<'a>>;

/// A linker offering every host function of [`stylus_rules::hostio::VM_HOOKS`] (and the debug
/// `console` functions).
pub(crate) fn linker<'a>(engine: &Engine) -> Linker<Host<'a>> {
    let mut l = Linker::new(engine);
    let vm = "vm_hooks";
    let ok = "host functions have distinct names";
    l.func_wrap(vm, "read_args", io::read_args).expect(ok);
    l.func_wrap(vm, "write_result", io::write_result).expect(ok);
    l.func_wrap(vm, "exit_early", io::exit_early).expect(ok);
    l.func_wrap(vm, "native_keccak256", io::native_keccak256).expect(ok);
    l.func_wrap(vm, "pay_for_memory_grow", io::pay_for_memory_grow).expect(ok);
    l.func_wrap(vm, "storage_load_bytes32", storage::storage_load_bytes32).expect(ok);
    l.func_wrap(vm, "storage_cache_bytes32", storage::storage_cache_bytes32).expect(ok);
    l.func_wrap(vm, "storage_flush_cache", storage::storage_flush_cache).expect(ok);
    l.func_wrap(vm, "transient_load_bytes32", storage::transient_load_bytes32).expect(ok);
    l.func_wrap(vm, "transient_store_bytes32", storage::transient_store_bytes32).expect(ok);
    l.func_wrap(vm, "emit_log", storage::emit_log).expect(ok);
    l.func_wrap(vm, "call_contract", calls::call_contract).expect(ok);
    l.func_wrap(vm, "delegate_call_contract", calls::delegate_call_contract).expect(ok);
    l.func_wrap(vm, "static_call_contract", calls::static_call_contract).expect(ok);
    l.func_wrap(vm, "create1", calls::create1).expect(ok);
    l.func_wrap(vm, "create2", calls::create2).expect(ok);
    l.func_wrap(vm, "read_return_data", calls::read_return_data).expect(ok);
    l.func_wrap(vm, "return_data_size", calls::return_data_size).expect(ok);
    l.func_wrap(vm, "account_balance", context::account_balance).expect(ok);
    l.func_wrap(vm, "account_code", context::account_code).expect(ok);
    l.func_wrap(vm, "account_code_size", context::account_code_size).expect(ok);
    l.func_wrap(vm, "account_codehash", context::account_codehash).expect(ok);
    l.func_wrap(vm, "block_basefee", context::block_basefee).expect(ok);
    l.func_wrap(vm, "block_coinbase", context::block_coinbase).expect(ok);
    l.func_wrap(vm, "block_gas_limit", context::block_gas_limit).expect(ok);
    l.func_wrap(vm, "block_number", context::block_number).expect(ok);
    l.func_wrap(vm, "block_timestamp", context::block_timestamp).expect(ok);
    l.func_wrap(vm, "chainid", context::chainid).expect(ok);
    l.func_wrap(vm, "contract_address", context::contract_address).expect(ok);
    l.func_wrap(vm, "evm_gas_left", context::evm_gas_left).expect(ok);
    l.func_wrap(vm, "evm_ink_left", context::evm_ink_left).expect(ok);
    l.func_wrap(vm, "msg_reentrant", context::msg_reentrant).expect(ok);
    l.func_wrap(vm, "msg_sender", context::msg_sender).expect(ok);
    l.func_wrap(vm, "msg_value", context::msg_value).expect(ok);
    l.func_wrap(vm, "tx_gas_price", context::tx_gas_price).expect(ok);
    l.func_wrap(vm, "tx_ink_price", context::tx_ink_price).expect(ok);
    l.func_wrap(vm, "tx_origin", context::tx_origin).expect(ok);
    let console = "console";
    l.func_wrap(console, "log_i32", io::log_i32).expect(ok);
    l.func_wrap(console, "log_i64", io::log_i64).expect(ok);
    l.func_wrap(console, "log_f32", io::log_f32).expect(ok);
    l.func_wrap(console, "log_f64", io::log_f64).expect(ok);
    l.func_wrap(console, "log_txt", io::log_txt).expect(ok);
    l
}

/// What host helpers act on: a host function's caller, or the store once the program returned.
pub(crate) trait Ctx<'a>: AsContextMut<Data = Host<'a>> {}
impl<'a, X: AsContextMut<Data = Host<'a>>> Ctx<'a> for X {}

fn memory<'a>(c: &impl Ctx<'a>) -> Result<wasmi::Memory, Error> {
    c.as_context().data().memory.ok_or_else(|| Escape::failure("memory is not exported"))
}

/// `len` bytes of the program's memory at `ptr`.
pub(crate) fn read<'a>(c: &impl Ctx<'a>, ptr: u32, len: u32) -> Result<Vec<u8>, Error> {
    let mut buf = vec![0u8; len as usize];
    memory(c)?
        .read(c.as_context(), ptr as usize, &mut buf)
        .map_err(|_| Escape::failure("read out of bounds"))?;
    Ok(buf)
}

/// A 32-byte word at `ptr`.
pub(crate) fn read_word<'a>(c: &impl Ctx<'a>, ptr: u32) -> Result<[u8; 32], Error> {
    let mut buf = [0u8; 32];
    memory(c)?
        .read(c.as_context(), ptr as usize, &mut buf)
        .map_err(|_| Escape::failure("read out of bounds"))?;
    Ok(buf)
}

/// A big-endian `uint256` at `ptr`.
pub(crate) fn read_u256<'a>(c: &impl Ctx<'a>, ptr: u32) -> Result<U256, Error> {
    Ok(U256::from_be_bytes(read_word(c, ptr)?))
}

/// A 20-byte address at `ptr`.
pub(crate) fn read_address<'a>(c: &impl Ctx<'a>, ptr: u32) -> Result<Address, Error> {
    let mut buf = [0u8; 20];
    memory(c)?
        .read(c.as_context(), ptr as usize, &mut buf)
        .map_err(|_| Escape::failure("read out of bounds"))?;
    Ok(Address::from(buf))
}

/// Writes `data` at `ptr`.
pub(crate) fn write<'a>(c: &mut impl Ctx<'a>, ptr: u32, data: &[u8]) -> Result<(), Error> {
    memory(c)?
        .write(c.as_context_mut(), ptr as usize, data)
        .map_err(|_| Escape::failure("write out of bounds"))
}

/// Writes a wasm32 `usize` (little-endian `u32`) at `ptr`.
pub(crate) fn write_usize<'a>(c: &mut impl Ctx<'a>, ptr: u32, value: usize) -> Result<(), Error> {
    let value = u32::try_from(value).map_err(|_| Escape::failure("length overflows usize"))?;
    write(c, ptr, &value.to_le_bytes())
}

/// Takes `fuel` from the frame, or stops it out of gas.
fn charge_fuel<'a>(c: &mut impl Ctx<'a>, fuel: u64) -> Result<(), Error> {
    let mut ctx = c.as_context_mut();
    let left = ctx.get_fuel()?;
    if fuel > left {
        ctx.set_fuel(0)?;
        return Err(Escape::out_of_gas());
    }
    ctx.set_fuel(left - fuel)?;
    Ok(())
}

/// Pays the host I/O's `ink` price, and memory grown since the previous host I/O.
pub(crate) fn charge_ink<'a>(c: &mut impl Ctx<'a>, ink: u64) -> Result<(), Error> {
    settle_memory(c)?;
    charge_fuel(c, pricing::ink_to_fuel(ink))
}

/// Pays `gas` of EVM-equivalent work.
pub(crate) fn charge_gas<'a>(c: &mut impl Ctx<'a>, gas: u64) -> Result<(), Error> {
    charge_fuel(c, pricing::gas_to_fuel(gas))
}

/// Charges for pages the memory grew by since they were last paid for: nitro instruments every
/// `memory.grow` with a call of `pay_for_memory_grow`, which this measures instead.
pub(crate) fn settle_memory<'a>(c: &mut impl Ctx<'a>) -> Result<(), Error> {
    let Some(mem) = c.as_context().data().memory else { return Ok(()) };
    let now = u32::try_from(mem.size(c.as_context())).unwrap_or(u32::MAX);
    let mut ctx = c.as_context_mut();
    let host = ctx.data_mut();
    if now <= host.pages_paid {
        return Ok(());
    }
    let grown = now - host.pages_paid;
    host.pages_paid = now;
    // Undo wasmi's per-byte charge for the growth; the pages are charged below.
    let refund = pricing::grow_fuel(grown);
    let fuel = c.as_context().get_fuel()?;
    c.as_context_mut().set_fuel(fuel.saturating_add(refund))?;
    add_pages(c, u16::try_from(grown).unwrap_or(u16::MAX))
}

/// Opens `pages` more pages for the transaction and charges nitro's memory price for them
/// (what its `addPages` does); beyond `PageLimit` open pages (ArbOS 59 on) the frame runs out
/// of gas.
pub(crate) fn add_pages<'a>(c: &mut impl Ctx<'a>, pages: u16) -> Result<(), Error> {
    let mut ctx = c.as_context_mut();
    let evm = &mut *ctx.data_mut().evm;
    let params = *evm.runtime.params();
    let tx = &mut evm.stylus;
    let gas = costs::memory_gas(&params, pages, tx.open_pages, tx.ever_pages);
    tx.open_pages = tx.open_pages.saturating_add(pages);
    tx.ever_pages = tx.ever_pages.max(tx.open_pages);
    if params.open_pages_capped() && tx.open_pages > params.page_limit {
        return Err(Escape::out_of_gas());
    }
    charge_gas(c, gas)
}

/// Gas left, in whole gas, and the fuel below one gas that stays with the frame.
pub(crate) fn gas_left<'a>(c: &impl Ctx<'a>) -> Result<(u64, u64), Error> {
    let fuel = c.as_context().get_fuel()?;
    Ok((pricing::fuel_to_gas(fuel), fuel % FUEL_PER_GAS))
}

/// Sets the gas left after work done outside the program (a nested call).
pub(crate) fn set_gas_left<'a>(c: &mut impl Ctx<'a>, gas: u64, fraction: u64) -> Result<(), Error> {
    c.as_context_mut().set_fuel(pricing::gas_to_fuel(gas).saturating_add(fraction))?;
    Ok(())
}

/// Fails the program if it runs in a static call (a state change was attempted).
pub(crate) fn require_non_static<'a>(c: &impl Ctx<'a>, what: &str) -> Result<(), Error> {
    if c.as_context().data().env.is_static {
        return Err(Escape::failure(format!("{what} in a static call")));
    }
    Ok(())
}

/// At a successful return: pays for memory grown since the last host I/O and writes what is
/// left in the storage cache.
pub(crate) fn settle_and_flush(store: &mut wasmi::Store<Host<'_>>) -> Result<(), Error> {
    settle_memory(store)?;
    flush(store)
}
