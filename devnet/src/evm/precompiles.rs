//! Precompiles: Ethereum's, plus the Arbitrum precompiles this chain offers (`ArbWasm`,
//! `ArbOwnerPublic`, `ArbSys`), which only touch state and need no nested frames.

use std::sync::Arc;

use revm::{
    context::Cfg,
    handler::{EthPrecompiles, PrecompileProvider},
    interpreter::{CallInputs, InterpreterResult},
    primitives::{Address, AddressSet, hardfork::SpecId},
};

use super::Ctx;
use crate::{stylus::Runtime, system};

/// Ethereum's precompiles and Arbitrum's, all warm from the start of a transaction as on
/// Arbitrum.
#[derive(Debug)]
pub struct ArbPrecompiles {
    eth: EthPrecompiles,
    warm: AddressSet,
    runtime: Arc<Runtime>,
}

impl ArbPrecompiles {
    /// The precompiles of `spec`.
    pub fn new(spec: SpecId, runtime: Arc<Runtime>) -> Self {
        let eth = EthPrecompiles::new(spec);
        let warm = warm_set(&eth);
        Self { eth, warm, runtime }
    }
}

fn warm_set(eth: &EthPrecompiles) -> AddressSet {
    let mut warm = eth.warm_addresses().clone();
    warm.extend(system::PRECOMPILES.iter().copied());
    warm
}

impl PrecompileProvider<Ctx> for ArbPrecompiles {
    type Output = InterpreterResult;

    fn set_spec(&mut self, spec: <<Ctx as revm::context::ContextTr>::Cfg as Cfg>::Spec) -> bool {
        let changed = <EthPrecompiles as PrecompileProvider<Ctx>>::set_spec(&mut self.eth, spec);
        if changed {
            self.warm = warm_set(&self.eth);
        }
        changed
    }

    fn run(
        &mut self,
        context: &mut Ctx,
        inputs: &CallInputs,
    ) -> Result<Option<Self::Output>, String> {
        if let Some(result) = system::run_precompile(context, inputs, &self.runtime) {
            return Ok(Some(result));
        }
        self.eth.run(context, inputs)
    }

    fn warm_addresses(&self) -> &AddressSet {
        &self.warm
    }

    fn contains(&self, address: &Address) -> bool {
        self.warm.contains(address)
    }
}
