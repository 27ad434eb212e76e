//! Deploying contracts the way their tools do: EVM init code in a create transaction; a
//! Stylus program as cargo-stylus 0.10.10 does it, either create-then-activate (two
//! transactions) or through `StylusDeployer` with a constructor (one transaction), a program
//! over 24,576 bytes after its fragments (one create transaction each) as a root naming them.

use alloy::{
    rpc::types::state::{AccountOverride, StateOverride},
    sol_types::{SolCall, SolError, SolEvent},
};
use revm::primitives::{Address, B256, Bytes, U256};
use stylus_rules::package::Package;

use super::{Chain, ChainError, Receipt, TxRequest};
use crate::{
    stylus::program,
    system::{
        ARB_WASM, STYLUS_DEPLOYER,
        abi::{ArbWasm, StylusDeployer},
        programs::{self, ProgramRecord},
    },
};

pub use px_abi::arbitrum::constructor_selector;

fn mined_ok(receipt: Receipt) -> Result<Receipt, ChainError> {
    if receipt.success { Ok(receipt) } else { Err(ChainError::Reverted(receipt.output)) }
}

impl Chain {
    /// Deploys EVM `init_code` from `from` and returns the new contract's address.
    pub fn deploy(
        &mut self,
        from: Address,
        init_code: impl Into<Bytes>,
    ) -> Result<Address, ChainError> {
        let receipt = mined_ok(self.send(TxRequest::create(from, init_code))?)?;
        receipt.contract_address.ok_or_else(|| ChainError::Halted("no contract address".into()))
    }

    /// Deploys an uncompressed Stylus program without activating it (cargo-stylus'
    /// `--no-activate`): a create transaction whose init code returns the prefixed, compressed
    /// program, or for a program over 24,576 bytes the root, after its fragments.
    pub fn deploy_stylus_unactivated(
        &mut self,
        from: Address,
        wasm: &[u8],
    ) -> Result<Address, ChainError> {
        let code = self.program_code(from, wasm)?;
        self.deploy(from, program::init_code(&code))
    }

    /// The code `wasm` is deployed as: one classic program, or a root naming fragments this
    /// deploys first (one create transaction each, from `from`), as cargo-stylus does. A chain
    /// before ArbOS 60 refuses the fragments' code.
    pub fn program_code(&mut self, from: Address, wasm: &[u8]) -> Result<Vec<u8>, ChainError> {
        let package = program::package(wasm);
        let Package::Fragmented { fragments, .. } = &package else {
            return Ok(program::classic(wasm));
        };
        let mut addresses = Vec::with_capacity(fragments.len());
        for fragment in fragments {
            addresses.push(self.deploy(from, program::init_code(fragment))?.0.0);
        }
        Ok(package.root(addresses))
    }

    /// The data fee `ArbWasm.activateProgram(program)` would take now, found by simulating it
    /// with ample value (as cargo-stylus does); an error carries the activation's revert data.
    pub fn activation_fee(&self, program: Address) -> Result<U256, ChainError> {
        self.activation_fee_with(program, StateOverride::default())
    }

    /// Activates the program at `program`, paying the data fee from `from`.
    pub fn activate(&mut self, from: Address, program: Address) -> Result<Receipt, ChainError> {
        let fee = self.activation_fee(program)?;
        self.activate_paying(from, program, fee)
    }

    fn activate_paying(
        &mut self,
        from: Address,
        program: Address,
        fee: U256,
    ) -> Result<Receipt, ChainError> {
        let data = ArbWasm::activateProgramCall { program }.abi_encode();
        mined_ok(self.send(TxRequest::call(from, ARB_WASM, data).with_value(fee))?)
    }

    /// Deploys and activates an uncompressed Stylus program, as `cargo stylus deploy` does for
    /// a contract without a constructor.
    pub fn deploy_stylus(&mut self, from: Address, wasm: &[u8]) -> Result<Address, ChainError> {
        let address = self.deploy_stylus_unactivated(from, wasm)?;
        // A code hash already active (the same program deployed before) needs no activation.
        if let Ok(fee) = self.activation_fee(address) {
            self.activate_paying(from, address, fee)?;
        }
        Ok(address)
    }

    /// Deploys, activates (if its code hash is not active yet) and constructs a Stylus program
    /// in one transaction through `StylusDeployer`, as `cargo stylus deploy` does for a
    /// contract with a `#[constructor]`. `args` are the ABI-encoded constructor arguments;
    /// `value` goes to the constructor.
    pub fn deploy_stylus_with_constructor(
        &mut self,
        from: Address,
        wasm: &[u8],
        args: &[u8],
        value: U256,
    ) -> Result<Address, ChainError> {
        let bytecode = program::init_code(&self.program_code(from, wasm)?);
        let mut init_data = constructor_selector().to_vec();
        init_data.extend_from_slice(args);
        let call = StylusDeployer::deployCall {
            bytecode: bytecode.into(),
            initData: init_data.into(),
            initValue: value,
            salt: B256::ZERO,
        };
        // What activation will cost: simulate the deployment's create and price its code.
        let fee = self.deployer_activation_fee(from, &call)?;
        let req = TxRequest::call(from, STYLUS_DEPLOYER, call.abi_encode()).with_value(value + fee);
        let receipt = mined_ok(self.send(req)?)?;
        receipt
            .logs
            .iter()
            .find_map(|log| StylusDeployer::ContractDeployed::decode_log(log).ok())
            .map(|event| event.deployedContract)
            .ok_or_else(|| ChainError::Halted("no ContractDeployed event".into()))
    }

    /// The fee `StylusDeployer` will pay to activate the code `call` deploys: the init code
    /// is run in a call to learn the program, which is then priced at a throwaway address.
    fn deployer_activation_fee(
        &self,
        from: Address,
        call: &StylusDeployer::deployCall,
    ) -> Result<U256, ChainError> {
        let deployed = self.call(&TxRequest::create(from, call.bytecode.clone()), None)?;
        if !deployed.success {
            return Err(ChainError::Reverted(deployed.output));
        }
        let probe = Address::repeat_byte(0xfd);
        let mut state = StateOverride::default();
        state.insert(probe, AccountOverride::default().with_code(deployed.output));
        match self.activation_fee_with(probe, state) {
            Ok(fee) => Ok(fee),
            // The same code is already active: the deployer skips activation.
            Err(ChainError::Reverted(data))
                if data.starts_with(&ArbWasm::ProgramUpToDate::SELECTOR) =>
            {
                Ok(U256::ZERO)
            }
            Err(e) => Err(e),
        }
    }

    fn activation_fee_with(
        &self,
        program: Address,
        mut state: StateOverride,
    ) -> Result<U256, ChainError> {
        let from = Address::repeat_byte(0xfe);
        state.insert(from, AccountOverride::default().with_balance(U256::MAX));
        let data = ArbWasm::activateProgramCall { program }.abi_encode();
        let one_ether = U256::from(10).pow(U256::from(18));
        let out =
            self.call(&TxRequest::call(from, ARB_WASM, data).with_value(one_ether), Some(&state))?;
        if !out.success {
            return Err(ChainError::Reverted(out.output));
        }
        ArbWasm::activateProgramCall::abi_decode_returns(&out.output)
            .map(|r| r.dataFee)
            .map_err(|e| ChainError::Halted(format!("bad activateProgram return: {e}")))
    }

    /// Puts the program at `program` in ArbOS' cache, or takes it out, as `ArbWasmCache`'s
    /// `cacheProgram` and `evictCodehash` do for a cache manager: calls of every contract with
    /// its code hash then start at the cached price. A development shortcut beside the real
    /// path (a bid in the `CacheManager` at [`crate::system::CACHE_MANAGER`]); like
    /// `anvil_setCode`, it changes state without a transaction.
    ///
    /// # Errors
    /// [`ChainError::Reverted`] with `ArbWasm`'s error, as nitro answers it, when caching a
    /// program activated against another Stylus version (0: never activated) or expired.
    ///
    /// # Panics
    /// Never: the in-memory database cannot fail.
    pub fn set_program_cached(&mut self, program: Address, cached: bool) -> Result<(), ChainError> {
        let codehash = revm::primitives::keccak256(self.code(program));
        let record = ProgramRecord::from_word(self.storage(ARB_WASM, codehash.into()));
        let now = self.latest().header.timestamp;
        let updated = programs::with_cached(record, cached, self.runtime.params(), now)
            .map_err(|why| ChainError::Reverted(why.revert_data()))?;
        if let Some(record) = updated {
            self.db
                .insert_account_storage(ARB_WASM, codehash.into(), record.to_word())
                .expect("the in-memory database cannot fail");
        }
        Ok(())
    }
}
