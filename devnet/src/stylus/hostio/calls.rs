//! Calls, creates and the return-data buffer.

use revm::{
    context::{Cfg, ContextTr},
    primitives::{Address, Bytes, U256},
};
use wasmi::Error;

use super::{
    C, charge_gas, charge_ink, gas_left, read, read_address, read_u256, require_non_static,
    set_gas_left, write, write_usize,
};
use crate::{
    evm::{CallKind, CallRequest, Nested, OutOfGas},
    stylus::{host::Escape, pricing::HOSTIO_INK},
};

/// `call_contract(contract, data, len, value, gas, ret_len) -> status`: `CALL`.
pub(super) fn call_contract(
    mut c: C<'_, '_>,
    contract: u32,
    data: u32,
    len: u32,
    value: u32,
    gas: u64,
    ret_len: u32,
) -> Result<u32, Error> {
    charge_ink(&mut c, HOSTIO_INK)?;
    let value = read_u256(&c, value)?;
    if !value.is_zero() {
        require_non_static(&c, "value transfer")?;
    }
    call(&mut c, CallKind::Call, contract, data, len, value, gas, ret_len)
}

/// `delegate_call_contract(contract, data, len, gas, ret_len) -> status`: `DELEGATECALL`.
pub(super) fn delegate_call_contract(
    mut c: C<'_, '_>,
    contract: u32,
    data: u32,
    len: u32,
    gas: u64,
    ret_len: u32,
) -> Result<u32, Error> {
    charge_ink(&mut c, HOSTIO_INK)?;
    call(&mut c, CallKind::Delegate, contract, data, len, U256::ZERO, gas, ret_len)
}

/// `static_call_contract(contract, data, len, gas, ret_len) -> status`: `STATICCALL`.
pub(super) fn static_call_contract(
    mut c: C<'_, '_>,
    contract: u32,
    data: u32,
    len: u32,
    gas: u64,
    ret_len: u32,
) -> Result<u32, Error> {
    charge_ink(&mut c, HOSTIO_INK)?;
    call(&mut c, CallKind::Static, contract, data, len, U256::ZERO, gas, ret_len)
}

#[allow(clippy::too_many_arguments)]
fn call(
    c: &mut C<'_, '_>,
    kind: CallKind,
    contract: u32,
    data: u32,
    len: u32,
    value: U256,
    gas: u64,
    ret_len: u32,
) -> Result<u32, Error> {
    let target = read_address(c, contract)?;
    let data = Bytes::from(read(c, data, len)?);
    let env = c.data().env.clone();
    let req = CallRequest {
        kind,
        contract: env.address,
        frame_caller: env.caller,
        frame_value: env.value,
        frame_static: env.is_static,
        target,
        value,
        data,
        gas,
    };
    let (mut left, fraction) = gas_left(c)?;
    let result = c.data_mut().evm.call(&req, &mut left);
    let nested = finish(c, result, left, fraction)?;
    write_usize(c, ret_len, nested.output.len())?;
    Ok(u32::from(!nested.success))
}

/// Settles a nested call or create: gas, refund, return-data buffer.
fn finish(
    c: &mut C<'_, '_>,
    result: Result<Result<Nested, OutOfGas>, crate::evm::FrameError>,
    left: u64,
    fraction: u64,
) -> Result<Nested, Error> {
    let nested = match result {
        Ok(Ok(nested)) => nested,
        Ok(Err(OutOfGas)) => {
            c.set_fuel(0)?;
            return Err(Escape::out_of_gas());
        }
        Err(e) => return Err(Escape::failure(format!("state error: {e:?}"))),
    };
    set_gas_left(c, left, fraction)?;
    let host = c.data_mut();
    host.refund += nested.refund;
    host.return_data = nested.output.clone();
    Ok(nested)
}

/// `create1(code, len, endowment, contract, revert_len)`: `CREATE`.
pub(super) fn create1(
    mut c: C<'_, '_>,
    code: u32,
    len: u32,
    endowment: u32,
    contract: u32,
    revert_len: u32,
) -> Result<(), Error> {
    create(&mut c, code, len, endowment, None, contract, revert_len)
}

/// `create2(code, len, endowment, salt, contract, revert_len)`: `CREATE2`.
pub(super) fn create2(
    mut c: C<'_, '_>,
    code: u32,
    len: u32,
    endowment: u32,
    salt: u32,
    contract: u32,
    revert_len: u32,
) -> Result<(), Error> {
    let salt = read_u256(&c, salt)?;
    create(&mut c, code, len, endowment, Some(salt), contract, revert_len)
}

fn create(
    c: &mut C<'_, '_>,
    code: u32,
    len: u32,
    endowment: u32,
    salt: Option<U256>,
    contract: u32,
    revert_len: u32,
) -> Result<(), Error> {
    charge_ink(c, HOSTIO_INK)?;
    require_non_static(c, "create")?;
    let code = Bytes::from(read(c, code, len)?);
    let value = read_u256(c, endowment)?;
    let address = c.data().env.address;
    let (mut left, fraction) = gas_left(c)?;
    let result = c.data_mut().evm.create(address, value, code, salt, &mut left);
    let nested = finish(c, result, left, fraction)?;
    let created = nested.created.unwrap_or(Address::ZERO);
    write(c, contract, created.as_slice())?;
    write_usize(c, revert_len, nested.output.len())
}

/// `read_return_data(dest, offset, size) -> written`: `RETURNDATACOPY` of the overlapping part.
pub(super) fn read_return_data(
    mut c: C<'_, '_>,
    dest: u32,
    offset: u32,
    size: u32,
) -> Result<u32, Error> {
    charge_ink(&mut c, HOSTIO_INK)?;
    let copy = c.data().evm.inner.ctx.cfg().gas_params().copy_cost(size as usize);
    charge_gas(&mut c, copy)?;
    let data = c.data().return_data.clone();
    let start = (offset as usize).min(data.len());
    let end = start.saturating_add(size as usize).min(data.len());
    write(&mut c, dest, &data[start..end])?;
    Ok(u32::try_from(end - start).expect("bounded by size"))
}

/// `return_data_size()`: `RETURNDATASIZE`.
pub(super) fn return_data_size(mut c: C<'_, '_>) -> Result<u32, Error> {
    charge_ink(&mut c, HOSTIO_INK)?;
    Ok(u32::try_from(c.data().return_data.len()).unwrap_or(u32::MAX))
}
