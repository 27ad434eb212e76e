//! `report_signature`: see [`px_fuzz::metadata::report_signature`].
#![no_main]

libfuzzer_sys::fuzz_target!(|input: px_fuzz::metadata::ReportInput| {
    px_fuzz::metadata::report_signature(&input);
});
