//! The Stylus programs of the workspace.

use anyhow::{Result, bail};

/// A deployable Stylus program: its crate, the name users know it by, and how many on-chain
/// bytes the size gate allows it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Program {
    /// Cargo package name.
    pub(crate) package: &'static str,
    /// Contract name (the Solidity interface is `I<name>`).
    pub(crate) name: &'static str,
    /// On-chain code bytes allowed (program or fragments plus root); `None`: 10% below
    /// ArbOS 61's limit of four fragments ([`crate::gate::default_budget`], 88,473).
    pub(crate) budget: Option<usize>,
}

impl Program {
    /// A program held to the default budget.
    const fn new(package: &'static str, name: &'static str) -> Self {
        Self { package, name, budget: None }
    }

    /// The on-chain bytes the gate allows it.
    pub(crate) fn budget(&self) -> usize {
        self.budget.unwrap_or_else(crate::gate::default_budget)
    }

    /// File name of the library artifact cargo produces.
    pub(crate) fn artifact(&self) -> String {
        format!("{}.wasm", self.package.replace('-', "_"))
    }
}

/// Every program, in deployment order. A new program is one more line (with
/// `Program { budget: Some(bytes), ..Program::new(..) }` for a budget of its own).
pub(crate) const PROGRAMS: &[Program] = &[
    Program::new("px-storage-nft", "PxStorageNft"),
    Program::new("px-sync", "PxSync"),
    Program::new("px-storefront", "PxStorefront"),
    Program::new("px-renderer", "PxRenderer"),
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
