//! `usage_document`: see [`px_fuzz::metadata::usage_document`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| px_fuzz::metadata::usage_document(data));
