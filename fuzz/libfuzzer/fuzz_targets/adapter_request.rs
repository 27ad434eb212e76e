//! `adapter_request`: see [`px_fuzz::adapter::adapter_request`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| px_fuzz::adapter::adapter_request(data));
