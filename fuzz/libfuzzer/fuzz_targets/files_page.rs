//! `files_page`: see [`px_fuzz::metadata::files_page`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| px_fuzz::metadata::files_page(data));
