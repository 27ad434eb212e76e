//! `cbor_request`: see [`px_fuzz::job::cbor_request`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| px_fuzz::job::cbor_request(data));
