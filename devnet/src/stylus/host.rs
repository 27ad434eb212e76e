//! The host side of one running Stylus frame: what the host functions read and write.

use std::fmt;

use revm::primitives::{Address, Bytes, HashMap, U256};
use wasmi::{Memory, StoreLimits, StoreLimitsBuilder};

use super::pricing::PAGE_LIMIT;
use crate::evm::StylusEvm;

/// The call this frame serves.
#[derive(Debug, Clone)]
pub(crate) struct FrameEnv {
    /// The account whose storage and balance the program acts on (`contract_address`).
    pub(crate) address: Address,
    /// `msg.sender`.
    pub(crate) caller: Address,
    /// `msg.value`.
    pub(crate) value: U256,
    /// Whether state changes are forbidden.
    pub(crate) is_static: bool,
    /// Calldata.
    pub(crate) args: Bytes,
}

/// Storage as a program sees it: Stylus keeps reads and writes in a per-frame cache and turns
/// dirty entries into SSTOREs only at `storage_flush_cache` (and when the program returns).
#[derive(Debug, Default)]
pub(crate) struct StorageCache {
    slots: HashMap<U256, (U256, bool)>,
    dirty: Vec<U256>,
}

impl StorageCache {
    /// The cached value of `key`, if any.
    pub(crate) fn get(&self, key: U256) -> Option<U256> {
        self.slots.get(&key).map(|(v, _)| *v)
    }

    /// Records a value read from state.
    pub(crate) fn insert_clean(&mut self, key: U256, value: U256) {
        self.slots.entry(key).or_insert((value, false));
    }

    /// Records a write.
    pub(crate) fn write(&mut self, key: U256, value: U256) {
        let entry = self.slots.entry(key).or_insert((value, false));
        entry.0 = value;
        if !entry.1 {
            entry.1 = true;
            self.dirty.push(key);
        }
    }

    /// The dirty entries in write order, now marked clean.
    pub(crate) fn take_dirty(&mut self) -> Vec<(U256, U256)> {
        let keys = std::mem::take(&mut self.dirty);
        keys.into_iter()
            .filter_map(|k| {
                let slot = self.slots.get_mut(&k)?;
                slot.1 = false;
                Some((k, slot.0))
            })
            .collect()
    }

    /// Whether a write is pending.
    pub(crate) fn is_dirty(&self) -> bool {
        !self.dirty.is_empty()
    }

    /// Forgets everything.
    pub(crate) fn clear(&mut self) {
        self.slots.clear();
        self.dirty.clear();
    }
}

/// The data of a frame's wasmi store.
pub(crate) struct Host<'a> {
    /// The chain's EVM, through which state is read and calls are made.
    pub(crate) evm: &'a mut StylusEvm,
    /// The call being served.
    pub(crate) env: FrameEnv,
    /// The exported memory, once instantiated.
    pub(crate) memory: Option<Memory>,
    /// Bytes given to `write_result`.
    pub(crate) output: Vec<u8>,
    /// Result of the last call or create, for `read_return_data`.
    pub(crate) return_data: Bytes,
    /// The storage cache.
    pub(crate) cache: StorageCache,
    /// SSTORE refunds (and those of successful callees).
    pub(crate) refund: i64,
    /// Caps memory at the page limit (`memory.grow` fails beyond it, as on Arbitrum).
    pub(crate) limits: StoreLimits,
    /// Pages of memory already paid for; growth beyond is charged at the next host I/O.
    pub(crate) pages_paid: u32,
}

/// Store limits for a Stylus frame: one instance, one memory of at most [`PAGE_LIMIT`] pages.
pub(crate) fn limits() -> StoreLimits {
    StoreLimitsBuilder::new()
        .memory_size(PAGE_LIMIT as usize * 65_536)
        .instances(1)
        .memories(1)
        .tables(1)
        .build()
}

/// Why a host function stops the program.
#[derive(Debug)]
pub(crate) enum Escape {
    /// Out of gas: the frame consumes all its gas.
    OutOfGas,
    /// `exit_early(status)`: ends the program as if `user_entrypoint` returned `status`.
    Exit(u32),
    /// A rule of the EVM was broken (a write in a static call, more than four topics, a
    /// pointer out of bounds): the program fails and the call reverts without data.
    Failure(String),
}

impl fmt::Display for Escape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::OutOfGas => write!(f, "out of gas"),
            Self::Exit(status) => write!(f, "exit_early({status})"),
            Self::Failure(why) => write!(f, "{why}"),
        }
    }
}

impl wasmi::errors::HostError for Escape {}

impl Escape {
    /// A failure with a message.
    pub(crate) fn failure(why: impl Into<String>) -> wasmi::Error {
        wasmi::Error::host(Self::Failure(why.into()))
    }

    /// Out of gas.
    pub(crate) fn out_of_gas() -> wasmi::Error {
        wasmi::Error::host(Self::OutOfGas)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_returns_dirty_slots_in_write_order_once() {
        let mut cache = StorageCache::default();
        cache.insert_clean(U256::from(1), U256::from(10));
        cache.write(U256::from(2), U256::from(20));
        cache.write(U256::from(1), U256::from(11));
        cache.write(U256::from(2), U256::from(21));
        assert_eq!(
            cache.take_dirty(),
            vec![(U256::from(2), U256::from(21)), (U256::from(1), U256::from(11))]
        );
        assert!(!cache.is_dirty());
        assert_eq!(cache.get(U256::from(1)), Some(U256::from(11)));
        assert!(cache.take_dirty().is_empty());
    }

    #[test]
    fn a_clean_read_does_not_overwrite_a_write() {
        let mut cache = StorageCache::default();
        cache.write(U256::from(1), U256::from(5));
        cache.insert_clean(U256::from(1), U256::ZERO);
        assert_eq!(cache.get(U256::from(1)), Some(U256::from(5)));
    }
}
