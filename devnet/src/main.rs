//! px-devnet server.
fn main() {}
