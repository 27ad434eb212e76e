//! Accounts, block, transaction and message context.

use revm::{
    bytecode::Bytecode,
    context::{Block, Cfg, ContextTr, JournalTr, Transaction},
    interpreter::Host,
    primitives::{Address, B256, U256},
};
use wasmi::Error;

use super::{C, charge_gas, charge_ink, read_address, write};
use crate::{
    evm::infallible,
    stylus::pricing::{HOSTIO_INK, HOSTIO_WORD_INK, INK_PER_FUEL, INK_PER_GAS},
};

/// Charges an account access (EIP-2929: warm 100, cold 2,600) and returns what `f` reads from
/// the account (loaded with its code).
fn with_account<T>(
    c: &mut C<'_, '_>,
    address: Address,
    f: impl FnOnce(&revm::state::Account) -> T,
) -> Result<T, Error> {
    charge_ink(c, HOSTIO_INK)?;
    let ctx = &mut c.data_mut().evm.inner.ctx;
    let params = ctx.cfg().gas_params().clone();
    let load = infallible(ctx.journal_mut().load_account_with_code(address));
    let mut gas = params.warm_storage_read_cost();
    if load.is_cold {
        gas += params.cold_account_additional_cost();
    }
    let value = f(load.data);
    charge_gas(c, gas)?;
    Ok(value)
}

/// `account_balance(address, dest)`: `BALANCE`.
pub(super) fn account_balance(mut c: C<'_, '_>, address: u32, dest: u32) -> Result<(), Error> {
    let address = read_address(&c, address)?;
    let balance = with_account(&mut c, address, |a| a.info.balance)?;
    write(&mut c, dest, &balance.to_be_bytes::<32>())
}

/// `account_code(address, offset, size, dest) -> written`: `EXTCODECOPY`, except that it stops
/// at the end of the code instead of padding with zeros.
pub(super) fn account_code(
    mut c: C<'_, '_>,
    address: u32,
    offset: u32,
    size: u32,
    dest: u32,
) -> Result<u32, Error> {
    let address = read_address(&c, address)?;
    let code = with_account(&mut c, address, |a| {
        a.info.code.as_ref().map(Bytecode::original_bytes).unwrap_or_default()
    })?;
    let copy = c.data().evm.inner.ctx.cfg().gas_params().copy_cost(size as usize);
    charge_gas(&mut c, copy)?;
    let start = (offset as usize).min(code.len());
    let end = start.saturating_add(size as usize).min(code.len());
    write(&mut c, dest, &code[start..end])?;
    Ok(u32::try_from(end - start).expect("bounded by size"))
}

/// `account_code_size(address)`: `EXTCODESIZE`.
pub(super) fn account_code_size(mut c: C<'_, '_>, address: u32) -> Result<u32, Error> {
    let address = read_address(&c, address)?;
    let len = with_account(&mut c, address, |a| a.info.code.as_ref().map_or(0, Bytecode::len))?;
    Ok(u32::try_from(len).unwrap_or(u32::MAX))
}

/// `account_codehash(address, dest)`: `EXTCODEHASH` (zero for an account that does not exist).
pub(super) fn account_codehash(mut c: C<'_, '_>, address: u32, dest: u32) -> Result<(), Error> {
    let address = read_address(&c, address)?;
    let hash =
        with_account(
            &mut c,
            address,
            |a| {
                if a.is_empty() { B256::ZERO } else { a.info.code_hash }
            },
        )?;
    write(&mut c, dest, hash.as_slice())
}

fn word(
    mut c: C<'_, '_>,
    dest: u32,
    value: impl FnOnce(&mut C<'_, '_>) -> [u8; 32],
) -> Result<(), Error> {
    charge_ink(&mut c, HOSTIO_WORD_INK)?;
    let bytes = value(&mut c);
    write(&mut c, dest, &bytes)
}

fn write_address(
    mut c: C<'_, '_>,
    dest: u32,
    address: impl FnOnce(&C<'_, '_>) -> Address,
) -> Result<(), Error> {
    charge_ink(&mut c, HOSTIO_WORD_INK)?;
    let address = address(&c);
    write(&mut c, dest, address.as_slice())
}

/// `block_basefee(dest)`: `BASEFEE`.
pub(super) fn block_basefee(c: C<'_, '_>, dest: u32) -> Result<(), Error> {
    word(c, dest, |c| U256::from(c.data().evm.inner.ctx.block().basefee()).to_be_bytes())
}

/// `block_coinbase(dest)`: `COINBASE`.
pub(super) fn block_coinbase(c: C<'_, '_>, dest: u32) -> Result<(), Error> {
    write_address(c, dest, |c| c.data().evm.inner.ctx.block().beneficiary())
}

fn number(mut c: C<'_, '_>, value: impl FnOnce(&C<'_, '_>) -> u64) -> Result<u64, Error> {
    charge_ink(&mut c, HOSTIO_INK)?;
    Ok(value(&c))
}

/// `block_gas_limit()`: `GASLIMIT`.
pub(super) fn block_gas_limit(c: C<'_, '_>) -> Result<u64, Error> {
    number(c, |c| c.data().evm.inner.ctx.block().gas_limit())
}

/// `block_number()`: `NUMBER` (this chain has no L1, so the L2 block number).
pub(super) fn block_number(c: C<'_, '_>) -> Result<u64, Error> {
    number(c, |c| c.data().evm.inner.ctx.block().number().saturating_to())
}

/// `block_timestamp()`: `TIMESTAMP`.
pub(super) fn block_timestamp(c: C<'_, '_>) -> Result<u64, Error> {
    number(c, |c| c.data().evm.inner.ctx.block().timestamp().saturating_to())
}

/// `chainid()`: `CHAINID`.
pub(super) fn chainid(c: C<'_, '_>) -> Result<u64, Error> {
    number(c, |c| c.data().evm.inner.ctx.cfg().chain_id())
}

/// `contract_address(dest)`: `ADDRESS`.
pub(super) fn contract_address(c: C<'_, '_>, dest: u32) -> Result<(), Error> {
    write_address(c, dest, |c| c.data().env.address)
}

/// `evm_gas_left()`: `GAS`, after paying for this call.
pub(super) fn evm_gas_left(mut c: C<'_, '_>) -> Result<u64, Error> {
    charge_ink(&mut c, HOSTIO_INK)?;
    Ok(super::gas_left(&c)?.0)
}

/// `evm_ink_left()`: like `evm_gas_left`, in ink.
pub(super) fn evm_ink_left(mut c: C<'_, '_>) -> Result<u64, Error> {
    charge_ink(&mut c, HOSTIO_INK)?;
    Ok(c.get_fuel()?.saturating_mul(INK_PER_FUEL))
}

/// `msg_reentrant()`: whether this contract is already running lower on the call stack.
pub(super) fn msg_reentrant(mut c: C<'_, '_>) -> Result<u32, Error> {
    charge_ink(&mut c, HOSTIO_INK)?;
    let host = c.data();
    let running = host.evm.stylus.active.get(&host.env.address).copied().unwrap_or(0);
    Ok(u32::from(running > 1))
}

/// `msg_sender(dest)`: `CALLER`.
pub(super) fn msg_sender(c: C<'_, '_>, dest: u32) -> Result<(), Error> {
    write_address(c, dest, |c| c.data().env.caller)
}

/// `msg_value(dest)`: `CALLVALUE`.
pub(super) fn msg_value(c: C<'_, '_>, dest: u32) -> Result<(), Error> {
    word(c, dest, |c| c.data().env.value.to_be_bytes())
}

/// `tx_gas_price(dest)`: `GASPRICE`.
pub(super) fn tx_gas_price(c: C<'_, '_>, dest: u32) -> Result<(), Error> {
    word(c, dest, |c| c.data().evm.inner.ctx.effective_gas_price().to_be_bytes())
}

/// `tx_ink_price()`: ink per gas.
pub(super) fn tx_ink_price(mut c: C<'_, '_>) -> Result<u32, Error> {
    charge_ink(&mut c, HOSTIO_INK)?;
    Ok(u32::try_from(INK_PER_GAS).expect("fits"))
}

/// `tx_origin(dest)`: `ORIGIN`.
pub(super) fn tx_origin(c: C<'_, '_>, dest: u32) -> Result<(), Error> {
    write_address(c, dest, |c| c.data().evm.inner.ctx.tx().caller())
}
