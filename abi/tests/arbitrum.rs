//! The deployment helpers px-deploy and px-devnet share.

use alloy::primitives::keccak256;
use px_abi::arbitrum::{INIT_CODE_PRELUDE, constructor_selector, init_code};

#[test]
fn init_code_returns_the_code_after_a_43_byte_prelude() {
    let init = init_code(&[0xaa, 0xbb]);
    assert_eq!(init.len(), 45);
    assert_eq!(init[0], 0x7f);
    assert_eq!(init[32], 2, "PUSH32 carries the length");
    assert_eq!(init[35], INIT_CODE_PRELUDE);
    assert_eq!(init[42], 0x00, "version byte");
    assert_eq!(&init[43..], &[0xaa, 0xbb]);
}

#[test]
fn init_code_keeps_stylus_code_unchanged() {
    let code = init_code(&[0xEF, 0xF0, 0x00, 0x00, 1, 2]);
    assert_eq!(code.len(), 43 + 6);
    assert_eq!(&code[43..], &[0xEF, 0xF0, 0x00, 0x00, 1, 2]);
}

#[test]
fn constructor_selector_is_stylus_constructor() {
    assert_eq!(constructor_selector(), keccak256("stylus_constructor()")[..4]);
}
