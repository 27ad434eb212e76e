//! `cre_report`: see [`px_fuzz::cre::cre_report`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| px_fuzz::cre::cre_report(data));
