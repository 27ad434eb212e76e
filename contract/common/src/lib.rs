//! Pieces every PX Stylus program shares.
//!
//! - [`ownable`]: two-step ownership (OpenZeppelin's `Ownable2Step` surface and errors).
//! - [`eip712`]: the project's EIP-712 domain and signature recovery through the `ecrecover`
//!   precompile (wire formats, "Usage report signature").
#![cfg_attr(not(any(test, feature = "export-abi")), no_std)]

extern crate alloc;

pub mod eip712;
pub mod ownable;

/// The Solidity interface text `cargo stylus export-abi` prints, as a string, for the ABI drift
/// test in `px-abi`.
#[cfg(feature = "export-abi")]
pub mod export {
    use alloc::string::String;
    use core::fmt::{self, Write};

    /// An interface printer, as `stylus_sdk::abi::GenerateAbi::fmt_abi`.
    pub type FmtAbi = fn(&mut fmt::Formatter<'_>) -> fmt::Result;

    struct Show(FmtAbi);

    impl fmt::Display for Show {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            (self.0)(f)
        }
    }

    /// Concatenates the interfaces of a program's router and of every trait it implements.
    pub fn interfaces(printers: &[FmtAbi]) -> String {
        let mut out = String::new();
        for printer in printers {
            write!(out, "{}", Show(*printer)).expect("writing to a String cannot fail");
        }
        out
    }
}
