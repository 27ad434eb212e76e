//! `text_forms`: see [`px_fuzz::metadata::text_forms`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| px_fuzz::metadata::text_forms(data));
