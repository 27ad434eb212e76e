//! Pieces every PX Stylus program shares.
//!
//! - [`ownable`]: two-step ownership (OpenZeppelin's `Ownable2Step` surface and errors).
//! - [`eip712`]: the project's EIP-712 domain and signature recovery through the `ecrecover`
//!   precompile (wire formats, "Usage report signature").
#![cfg_attr(not(any(test, feature = "export-abi")), no_std)]

extern crate alloc;

pub mod eip712;
pub mod ownable;
