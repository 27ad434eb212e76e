//! The Stylus programs of the workspace.

use anyhow::{Result, bail};

/// A deployable Stylus program: its crate and the name users know it by.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Program {
    /// Cargo package name.
    pub(crate) package: &'static str,
    /// Contract name (the Solidity interface is `I<name>`).
    pub(crate) name: &'static str,
}

impl Program {
    /// File name of the library artifact cargo produces.
    pub(crate) fn artifact(&self) -> String {
        format!("{}.wasm", self.package.replace('-', "_"))
    }
}

/// Every program, in deployment order.
pub(crate) const PROGRAMS: &[Program] = &[
    Program { package: "px-storage-nft", name: "PxStorageNft" },
    Program { package: "px-sync", name: "PxSync" },
    Program { package: "px-storefront", name: "PxStorefront" },
    Program { package: "px-renderer", name: "PxRenderer" },
];

/// Programs named on the command line (by package or contract name), or all of them.
pub(crate) fn select(names: &[String]) -> Result<Vec<Program>> {
    if names.is_empty() {
        return Ok(PROGRAMS.to_vec());
    }
    names
        .iter()
        .map(|n| {
            PROGRAMS.iter().copied().find(|p| p.package == n || p.name == n).map_or_else(
                || {
                    let known: Vec<_> = PROGRAMS.iter().map(|p| p.package).collect();
                    bail!("unknown program {n}; known: {}", known.join(", "))
                },
                Ok,
            )
        })
        .collect()
}
