//! Arguments, result, hashing, memory and the debug console.

use revm::primitives::keccak256;
use wasmi::Error;

use super::{C, charge_ink, read, write};
use crate::stylus::{
    host::Escape,
    pricing::{self, HOSTIO_INK, READ_ARGS_INK_PER_BYTE, WRITE_RESULT_INK_PER_BYTE},
};

/// `read_args(dest)`: copies the calldata (`CALLDATACOPY` of all of it).
pub(super) fn read_args(mut c: C<'_, '_>, dest: u32) -> Result<(), Error> {
    let args = c.data().env.args.clone();
    charge_ink(&mut c, pricing::per_byte_after_32(HOSTIO_INK, READ_ARGS_INK_PER_BYTE, args.len()))?;
    write(&mut c, dest, &args)
}

/// `write_result(ptr, len)`: sets the return (or revert) data.
pub(super) fn write_result(mut c: C<'_, '_>, ptr: u32, len: u32) -> Result<(), Error> {
    let ink = pricing::per_byte_after_32(HOSTIO_INK, WRITE_RESULT_INK_PER_BYTE, len as usize);
    charge_ink(&mut c, ink)?;
    let data = read(&c, ptr, len)?;
    c.data_mut().output = data;
    Ok(())
}

/// `exit_early(status)`: ends the program now with `status` (0 success, else revert).
pub(super) fn exit_early(mut c: C<'_, '_>, status: u32) -> Result<(), Error> {
    charge_ink(&mut c, HOSTIO_INK)?;
    Err(Error::host(Escape::Exit(status)))
}

/// `native_keccak256(ptr, len, out)`.
pub(super) fn native_keccak256(
    mut c: C<'_, '_>,
    ptr: u32,
    len: u32,
    out: u32,
) -> Result<(), Error> {
    charge_ink(&mut c, pricing::keccak_ink(len as usize))?;
    let hash = keccak256(read(&c, ptr, len)?);
    write(&mut c, out, hash.as_slice())
}

/// `pay_for_memory_grow(pages)`: what nitro's instrumentation calls before every
/// `memory.grow` (here growth is measured directly, [`super::settle_memory`]), so a program
/// calling it itself pays for, and holds open, `pages` it does not get, as on Arbitrum.
pub(super) fn pay_for_memory_grow(mut c: C<'_, '_>, pages: u32) -> Result<(), Error> {
    charge_ink(&mut c, HOSTIO_INK)?;
    if pages == 0 {
        return Ok(());
    }
    super::add_pages(&mut c, u16::try_from(pages).unwrap_or(u16::MAX))
}

pub(super) fn log_i32(_: C<'_, '_>, value: i32) {
    tracing::info!(target: "px_devnet::console", "{value}");
}

pub(super) fn log_i64(_: C<'_, '_>, value: i64) {
    tracing::info!(target: "px_devnet::console", "{value}");
}

pub(super) fn log_f32(_: C<'_, '_>, value: f32) {
    tracing::info!(target: "px_devnet::console", "{value}");
}

pub(super) fn log_f64(_: C<'_, '_>, value: f64) {
    tracing::info!(target: "px_devnet::console", "{value}");
}

#[allow(clippy::needless_pass_by_value)] // wasmi hands the caller over by value
pub(super) fn log_txt(c: C<'_, '_>, ptr: u32, len: u32) -> Result<(), Error> {
    let text = read(&c, ptr, len)?;
    tracing::info!(target: "px_devnet::console", "{}", String::from_utf8_lossy(&text));
    Ok(())
}
