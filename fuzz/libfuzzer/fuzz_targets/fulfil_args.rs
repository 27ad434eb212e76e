//! `fulfil_args`: see [`px_fuzz::job::fulfil_args`].
#![no_main]

libfuzzer_sys::fuzz_target!(|input: px_fuzz::job::AnswerInput| {
    px_fuzz::job::fulfil_args(&input);
});
