//! The fuzz targets' properties under `cargo test`: every input of the checked-in corpus
//! (`fuzz/corpus/<target>/`, what libFuzzer found interesting, minimized), then random
//! mutations of it (byte edits, inserted whitespace), a few hundred per target. The long runs
//! are libFuzzer's (`scripts/fuzz.sh`); this keeps every property checked on every CI run in
//! seconds, without a second, instrumented build.

use std::path::PathBuf;

use arbitrary::{Arbitrary, Unstructured};
use proptest::{collection::vec, prelude::*, test_runner::Config};
use px_fuzz::{adapter, cre, job, metadata};

/// The corpus of `target`.
fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus").join(target);
    let mut inputs: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| std::fs::read(entry.expect("a corpus entry").path()).expect("readable"))
        .collect();
    assert!(!inputs.is_empty(), "{} is empty", dir.display());
    inputs.sort();
    inputs
}

/// An input as a typed target reads it (libfuzzer-sys's `fuzz_target!(|x: T| ..)`).
fn typed<T: for<'a> Arbitrary<'a>>(bytes: &[u8]) -> Option<T> {
    T::arbitrary_take_rest(Unstructured::new(bytes)).ok()
}

/// A corpus input with a few edits: overwrite, insert or delete a byte, or insert a space after
/// a JSON separator (`{`, `[`, `:`, `,`), where JSON allows one.
fn mutated(seeds: Vec<Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    (0..seeds.len(), vec((any::<u16>(), 0u8..4, any::<u8>()), 1..4)).prop_map(move |(i, edits)| {
        let mut bytes = seeds[i].clone();
        for (pos, op, byte) in edits {
            let at = usize::from(pos) % (bytes.len() + 1);
            match op {
                0 if at < bytes.len() => bytes[at] = byte,
                1 => bytes.insert(at, byte),
                2 if at < bytes.len() => {
                    bytes.remove(at);
                }
                _ => {
                    let separators: Vec<usize> = (0..bytes.len())
                        .filter(|&i| matches!(bytes[i], b'{' | b'[' | b':' | b','))
                        .collect();
                    let at = separators.get(usize::from(pos) % separators.len().max(1));
                    bytes.insert(at.map_or(0, |i| i + 1), b' ');
                }
            }
        }
        bytes
    })
}

/// `PROPTEST_CASES` mutations per target (256 by default).
fn config() -> Config {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(256);
    Config { cases, ..Config::default() }
}

macro_rules! target {
    ($name:ident, |$data:ident| $check:expr) => {
        mod $name {
            use super::*;

            #[test]
            fn holds_for_the_corpus() {
                for $data in corpus(stringify!($name)) {
                    let $data = $data.as_slice();
                    $check;
                }
            }

            proptest! {
                #![proptest_config(config())]

                #[test]
                fn holds_for_mutations_of_the_corpus(bytes in mutated(corpus(stringify!($name)))) {
                    let $data = bytes.as_slice();
                    $check;
                }
            }
        }
    };
}

target!(usage_document, |data| metadata::usage_document(data));
target!(files_page, |data| metadata::files_page(data));
target!(text_forms, |data| metadata::text_forms(data));
target!(report_signature, |data| if let Some(input) = typed(data) {
    metadata::report_signature(&input);
});
target!(cbor_request, |data| job::cbor_request(data));
target!(fulfil_args, |data| if let Some(input) = typed(data) {
    job::fulfil_args(&input);
});
target!(adapter_request, |data| adapter::adapter_request(data));
target!(adapter_query, |data| adapter::adapter_query(data));
target!(cre_report, |data| cre::cre_report(data));
