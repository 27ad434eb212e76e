//! `adapter_query`: see [`px_fuzz::adapter::adapter_query`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| px_fuzz::adapter::adapter_query(data));
