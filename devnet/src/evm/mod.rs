//! The EVM of this chain: revm's mainnet EVM wrapped so that execution is intercepted at the
//! frame level. [`StylusEvm::frame_run`] looks at the frame on top of the stack and runs it as
//! EVM bytecode (revm's interpreter), as a Stylus program (wasmi, [`crate::stylus`]) or as a
//! system contract written in Rust ([`crate::system`]). Frames of every kind share revm's frame
//! stack and journal, so a call from WASM into the EVM and back is an ordinary nested frame and a
//! revert anywhere rolls back exactly what the EVM would.
//!
//! A Stylus program or system contract that calls out does so through
//! [`StylusEvm::run_child`], which pushes the child frame and drives the same
//! init/run/return loop as revm's handler until the child finishes.

mod calls;
mod precompiles;

use std::sync::Arc;

use revm::{
    Context, Journal,
    context::{BlockEnv, CfgEnv, Evm, FrameStack, TxEnv},
    database::{CacheDB, EmptyDB},
    handler::{
        EthFrame, EvmTr, FrameData, FrameInitOrResult, FrameResult, FrameTr, ItemOrResult,
        evm::ContextDbError, instructions::EthInstructions,
    },
    interpreter::{
        FrameInput, InstructionResult, InterpreterAction, InterpreterResult,
        interpreter::EthInterpreter, interpreter_action::FrameInit,
    },
    primitives::{Address, B256, HashMap},
};

pub use calls::{CallKind, CallRequest, Nested, OutOfGas};
pub use precompiles::ArbPrecompiles;

use crate::{
    stylus::{self, Runtime, program},
    system,
};

/// The state database: accounts, code and storage in memory.
pub type Db = CacheDB<EmptyDB>;
/// revm's context over [`Db`].
pub type Ctx = Context<BlockEnv, TxEnv, CfgEnv, Db, Journal<Db>, ()>;
/// The wrapped revm EVM: mainnet instructions, Ethereum precompiles plus Arbitrum's.
pub type InnerEvm =
    Evm<Ctx, (), EthInstructions<EthInterpreter, Ctx>, ArbPrecompiles, EthFrame<EthInterpreter>>;
/// Error type of frame operations.
pub type FrameError = ContextDbError<Ctx>;

/// What a transaction's Stylus frames share: which programs are running (for
/// `msg_reentrant`), how much WASM memory is open (for memory pricing) and which programs ran
/// recently (from ArbOS 60 they start at the cached price).
#[derive(Debug, Default)]
pub struct TxStylusState {
    /// Running Stylus frames per contract address.
    pub(crate) active: HashMap<Address, u32>,
    /// Pages held by running frames.
    pub(crate) open_pages: u16,
    /// The most pages ever open at once in this transaction.
    pub(crate) ever_pages: u16,
    /// Code hashes called recently.
    pub(crate) recent: RecentPrograms,
}

/// Nitro's `RecentWasms`: the code hashes of the last `BlockCacheSize` programs called, least
/// recently used dropped first. Nitro keeps it per block; this chain mines one transaction per
/// block, so it lives for one transaction (and one `eth_call` or estimate). A revert does not
/// undo it, as in nitro.
#[derive(Debug, Default)]
pub struct RecentPrograms {
    /// Most recent first.
    order: std::collections::VecDeque<B256>,
}

impl RecentPrograms {
    /// Notes a call of `codehash`, keeping at most `retain`; returns whether it was there.
    pub fn insert(&mut self, codehash: B256, retain: u16) -> bool {
        if let Some(at) = self.order.iter().position(|h| *h == codehash) {
            self.order.remove(at);
            self.order.push_front(codehash);
            return true;
        }
        self.order.push_front(codehash);
        self.order.truncate(usize::from(retain.max(1)));
        false
    }
}

/// revm's EVM with Stylus programs and Arbitrum system contracts.
pub struct StylusEvm {
    /// The wrapped EVM (context, instructions, precompiles, frame stack).
    pub(crate) inner: InnerEvm,
    /// The WASM engine and compiled programs, shared by every execution on the chain.
    pub(crate) runtime: Arc<Runtime>,
    /// Per-transaction Stylus bookkeeping.
    pub(crate) stylus: TxStylusState,
}

impl std::fmt::Debug for StylusEvm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StylusEvm").finish_non_exhaustive()
    }
}

/// What kind of code the top frame runs.
enum FrameKind {
    Evm,
    Stylus,
    System,
}

impl StylusEvm {
    /// An EVM over `ctx` using `runtime` for Stylus programs.
    pub fn new(ctx: Ctx, runtime: Arc<Runtime>) -> Self {
        let spec = ctx.cfg.spec;
        let inner = Evm {
            ctx,
            inspector: (),
            instruction: EthInstructions::new_mainnet_with_spec(spec),
            precompiles: ArbPrecompiles::new(spec, runtime.clone()),
            frame_stack: FrameStack::new_prealloc(8),
        };
        Self { inner, runtime, stylus: TxStylusState::default() }
    }

    /// The context (block, transaction, configuration, journal).
    pub fn context(&mut self) -> &mut Ctx {
        &mut self.inner.ctx
    }

    /// Gives the context back, with the database inside its journal.
    pub fn into_context(self) -> Ctx {
        self.inner.ctx
    }

    fn top_kind(&mut self) -> FrameKind {
        let frame = self.inner.frame_stack.get();
        match &frame.input {
            FrameInput::Call(inputs) if system::is_frame_system(inputs.bytecode_address) => {
                FrameKind::System
            }
            FrameInput::Call(inputs)
                if program::is_program(
                    inputs.known_bytecode.1.original_byte_slice(),
                    self.runtime.params(),
                ) =>
            {
                FrameKind::Stylus
            }
            _ => FrameKind::Evm,
        }
    }

    /// Runs the EVM frame on top, as revm does, except that code returned by a create may only
    /// start with `0xEF` when it is a Stylus program (EIP-3541 is switched off in the
    /// configuration so that Stylus programs can be deployed at all).
    fn run_evm_frame(&mut self) -> Result<FrameInitOrResult<EthFrame>, FrameError> {
        let frame = self.inner.frame_stack.get();
        let ctx = &mut self.inner.ctx;
        let instructions = &mut self.inner.instruction;
        let mut action = frame.interpreter.run_plain(
            instructions.instruction_table(),
            instructions.gas_table(),
            ctx,
        );
        if let (FrameData::Create(_), InterpreterAction::Return(result)) =
            (&frame.data, &mut action)
        {
            reject_ef_code(result, self.runtime.params());
        }
        finish_frame(frame, ctx, action)
    }

    /// Completes the top frame with `result` (commits or reverts its checkpoint, as revm
    /// does for an interpreter's return) and marks it finished.
    pub(crate) fn finish_top(
        &mut self,
        result: InterpreterResult,
    ) -> Result<FrameInitOrResult<EthFrame>, FrameError> {
        let frame = self.inner.frame_stack.get();
        finish_frame(frame, &mut self.inner.ctx, InterpreterAction::Return(result))
    }

    /// Runs `input` as a child of the top frame to completion and returns its result. The
    /// top frame (a Stylus program or system contract, which has no interpreter state to
    /// resume) stays on the stack; revm's own loop is reproduced for the frames above it.
    pub(crate) fn run_child(&mut self, input: FrameInput) -> Result<FrameResult, FrameError> {
        let base = self.inner.frame_stack.index().expect("a frame is running");
        let parent = self.inner.frame_stack.get();
        let init = FrameInit {
            depth: parent.depth + 1,
            memory: parent.interpreter.memory.new_child_context(),
            frame_input: input,
        };
        let result = match self.frame_init(init)? {
            ItemOrResult::Result(result) => result,
            ItemOrResult::Item(_) => self.drive_until(base)?,
        };
        self.inner.frame_stack.get().interpreter.memory.free_child_context();
        Ok(result)
    }

    /// Runs frames until the one just above `base` finishes, and pops it.
    fn drive_until(&mut self, base: usize) -> Result<FrameResult, FrameError> {
        loop {
            let result = match self.frame_run()? {
                ItemOrResult::Item(init) => match self.frame_init(init)? {
                    ItemOrResult::Item(_) => continue,
                    ItemOrResult::Result(result) => result,
                },
                ItemOrResult::Result(result) => result,
            };
            let stack = &mut self.inner.frame_stack;
            if stack.index() == Some(base + 1) && stack.get().is_finished() {
                stack.pop();
                return Ok(result);
            }
            // The result belongs to an EVM frame above `base`: deliver it as revm would.
            let done = self.frame_return_result(result)?;
            debug_assert!(done.is_none(), "the base frame is still running");
        }
    }
}

/// The value of a state access: the in-memory database cannot fail.
pub(crate) fn infallible<T>(result: Result<T, std::convert::Infallible>) -> T {
    match result {
        Ok(value) => value,
        Err(never) => match never {},
    }
}

/// Turns a create's `0xEF...` output into EIP-3541's failure unless it is Stylus code the
/// chain's ArbOS version knows (a program; from ArbOS 60 also a root or a fragment).
fn reject_ef_code(result: &mut InterpreterResult, params: &stylus_rules::StylusParams) {
    if result.result.is_ok()
        && result.output.first() == Some(&0xEF)
        && !program::may_deploy(&result.output, params)
    {
        result.result = InstructionResult::CreateContractStartingWithEF;
        result.gas.spend_all();
    }
}

fn finish_frame(
    frame: &mut EthFrame,
    ctx: &mut Ctx,
    action: InterpreterAction,
) -> Result<FrameInitOrResult<EthFrame>, FrameError> {
    frame.process_next_action(ctx, action).inspect(|next| {
        if next.is_result() {
            frame.set_finished(true);
        }
    })
}

impl EvmTr for StylusEvm {
    type Context = Ctx;
    type Instructions = EthInstructions<EthInterpreter, Ctx>;
    type Precompiles = ArbPrecompiles;
    type Frame = EthFrame<EthInterpreter>;

    fn all(
        &self,
    ) -> (&Self::Context, &Self::Instructions, &Self::Precompiles, &FrameStack<Self::Frame>) {
        self.inner.all()
    }

    fn all_mut(
        &mut self,
    ) -> (
        &mut Self::Context,
        &mut Self::Instructions,
        &mut Self::Precompiles,
        &mut FrameStack<Self::Frame>,
    ) {
        self.inner.all_mut()
    }

    fn frame_init(
        &mut self,
        frame_input: <Self::Frame as FrameTr>::FrameInit,
    ) -> Result<ItemOrResult<&mut Self::Frame, FrameResult>, FrameError> {
        self.inner.frame_init(frame_input)
    }

    fn frame_run(&mut self) -> Result<FrameInitOrResult<Self::Frame>, FrameError> {
        match self.top_kind() {
            FrameKind::Evm => self.run_evm_frame(),
            FrameKind::Stylus => {
                let result = stylus::run_top_frame(self);
                self.finish_top(result)
            }
            FrameKind::System => {
                let result = system::run_top_frame(self);
                self.finish_top(result)
            }
        }
    }

    fn frame_return_result(
        &mut self,
        result: FrameResult,
    ) -> Result<Option<FrameResult>, FrameError> {
        self.inner.frame_return_result(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recent_programs_forget_the_least_recently_called_first() {
        let mut recent = RecentPrograms::default();
        let (a, b, c) = (B256::repeat_byte(1), B256::repeat_byte(2), B256::repeat_byte(3));
        assert!(!recent.insert(a, 2));
        assert!(!recent.insert(b, 2));
        assert!(recent.insert(a, 2), "a again: a hit, and now the most recent");
        assert!(!recent.insert(c, 2), "c pushes out b, the least recent");
        assert!(recent.insert(a, 2));
        assert!(!recent.insert(b, 2));
    }
}
