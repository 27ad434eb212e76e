//! `cargo stylus export-abi` entry point: prints the program's Solidity interface.
#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]

/// Never called: Stylus enters through `user_entrypoint`; cargo-stylus expects this stub.
#[cfg(not(any(test, feature = "export-abi")))]
#[allow(unsafe_code)] // `no_mangle` is how the stub keeps its symbol name
#[unsafe(no_mangle)]
pub extern "C" fn main() {}

#[cfg(feature = "export-abi")]
fn main() {
    px_storefront::print_from_args();
}
