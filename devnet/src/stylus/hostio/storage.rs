//! Storage (through the Stylus storage cache), transient storage and logs.

use revm::{
    context::{Cfg, ContextTr, JournalTr},
    primitives::{B256, Log, LogData},
};
use wasmi::{AsContext, Error};

use super::{
    C, Ctx, charge_gas, charge_ink, read, read_u256, read_word, require_non_static, write,
};
use crate::{
    evm::infallible,
    stylus::{
        host::Escape,
        pricing::{HOSTIO_INK, SSTORE_SENTRY_GAS},
    },
};

/// `storage_load_bytes32(key, dest)`: `SLOAD`, free when the slot is in the frame's cache.
pub(super) fn storage_load_bytes32(mut c: C<'_, '_>, key: u32, dest: u32) -> Result<(), Error> {
    charge_ink(&mut c, HOSTIO_INK)?;
    let key = read_u256(&c, key)?;
    let value = if let Some(value) = c.data().cache.get(key) {
        value
    } else {
        let host = c.data_mut();
        let address = host.env.address;
        let ctx = &mut host.evm.inner.ctx;
        let params = ctx.cfg().gas_params().clone();
        let load = infallible(ctx.journal_mut().sload(address, key));
        host.cache.insert_clean(key, load.data);
        let mut gas = params.warm_storage_read_cost();
        if load.is_cold {
            gas += params.cold_storage_additional_cost();
        }
        charge_gas(&mut c, gas)?;
        load.data
    };
    write(&mut c, dest, &value.to_be_bytes::<32>())
}

/// `storage_cache_bytes32(key, value)`: an `SSTORE` that takes effect (and is paid) at the
/// next flush.
pub(super) fn storage_cache_bytes32(mut c: C<'_, '_>, key: u32, value: u32) -> Result<(), Error> {
    charge_ink(&mut c, HOSTIO_INK)?;
    let key = read_u256(&c, key)?;
    let value = read_u256(&c, value)?;
    c.data_mut().cache.write(key, value);
    Ok(())
}

/// `storage_flush_cache(clear)`: writes dirty slots as SSTOREs, then forgets the cache if asked.
pub(super) fn storage_flush_cache(mut c: C<'_, '_>, clear: u32) -> Result<(), Error> {
    charge_ink(&mut c, HOSTIO_INK)?;
    flush(&mut c)?;
    if clear != 0 {
        c.data_mut().cache.clear();
    }
    Ok(())
}

/// Writes the cache's dirty slots, each priced and refunded as an EVM `SSTORE` (EIP-2200 and
/// EIP-2929, including the 2,300 gas sentry).
pub(crate) fn flush<'a>(c: &mut impl Ctx<'a>) -> Result<(), Error> {
    if !c.as_context().data().cache.is_dirty() {
        return Ok(());
    }
    require_non_static(c, "storage write")?;
    let dirty = c.as_context_mut().data_mut().cache.take_dirty();
    for (key, value) in dirty {
        if super::gas_left(c)?.0 <= SSTORE_SENTRY_GAS {
            return Err(Escape::out_of_gas());
        }
        let mut ctx = c.as_context_mut();
        let host = ctx.data_mut();
        let address = host.env.address;
        let evm_ctx = &mut host.evm.inner.ctx;
        let params = evm_ctx.cfg().gas_params().clone();
        let store = infallible(evm_ctx.journal_mut().sstore(address, key, value));
        let gas = params.sstore_static_gas()
            + params.sstore_dynamic_gas(true, &store.data, store.is_cold);
        host.refund += params.sstore_refund(true, &store.data);
        charge_gas(c, gas)?;
    }
    Ok(())
}

/// `transient_load_bytes32(key, dest)`: `TLOAD`.
pub(super) fn transient_load_bytes32(mut c: C<'_, '_>, key: u32, dest: u32) -> Result<(), Error> {
    charge_ink(&mut c, HOSTIO_INK)?;
    charge_gas(&mut c, 100)?;
    let key = read_u256(&c, key)?;
    let host = c.data_mut();
    let value = host.evm.inner.ctx.journal_mut().tload(host.env.address, key);
    write(&mut c, dest, &value.to_be_bytes::<32>())
}

/// `transient_store_bytes32(key, value)`: `TSTORE`.
pub(super) fn transient_store_bytes32(mut c: C<'_, '_>, key: u32, value: u32) -> Result<(), Error> {
    charge_ink(&mut c, HOSTIO_INK)?;
    require_non_static(&c, "transient storage write")?;
    charge_gas(&mut c, 100)?;
    let key = read_u256(&c, key)?;
    let value = read_u256(&c, value)?;
    let host = c.data_mut();
    host.evm.inner.ctx.journal_mut().tstore(host.env.address, key, value);
    Ok(())
}

/// `emit_log(data, len, topics)`: `LOG0`..`LOG4`; the first `32 * topics` bytes are the topics.
pub(super) fn emit_log(mut c: C<'_, '_>, data: u32, len: u32, topics: u32) -> Result<(), Error> {
    charge_ink(&mut c, HOSTIO_INK)?;
    require_non_static(&c, "log")?;
    if topics > 4 || len < topics * 32 {
        return Err(Escape::failure("bad log: more than 4 topics or too little data"));
    }
    let body_len = len - topics * 32;
    let gas = c
        .data()
        .evm
        .inner
        .ctx
        .cfg()
        .gas_params()
        .log_cost(u8::try_from(topics).expect("at most 4"), u64::from(body_len));
    charge_gas(&mut c, gas)?;
    let mut words = Vec::with_capacity(topics as usize);
    for i in 0..topics {
        words.push(B256::from(read_word(&c, data + i * 32)?));
    }
    let body = read(&c, data + topics * 32, body_len)?;
    let host = c.data_mut();
    let log = Log { address: host.env.address, data: LogData::new_unchecked(words, body.into()) };
    host.evm.inner.ctx.journal_mut().log(log);
    Ok(())
}
