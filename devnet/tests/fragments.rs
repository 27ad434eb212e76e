//! Programs larger than one contract: refused before ArbOS 60, deployed at ArbOS 61 as a root
//! naming up to four fragments (as cargo-stylus 0.10.10 cuts them), reassembled at activation
//! and run; and the refusals of nitro's fragment rules, with nitro's messages.

mod common;

use alloy::sol_types::{SolCall, SolError, decode_revert_reason};
use px_devnet::{
    chain::{Chain, ChainConfig, ChainError, TxRequest},
    stylus::program,
    system::{
        ARB_OWNER_PUBLIC,
        abi::{ArbOwnerPublic, ArbWasm},
    },
};
use revm::primitives::{Address, Bytes};
use stylus_rules::{
    arbos::MAX_CODE_SIZE,
    code::{self, Root},
    package::{FRAGMENT_PAYLOAD, Package},
    testing,
};

/// A program carrying `len` bytes brotli cannot shrink, returning the first 32 of them.
fn large_program(len: usize, seed: u64) -> (Vec<u8>, Vec<u8>) {
    let data = testing::incompressible(len, seed);
    let pages = len.div_ceil(65_536);
    let wasm = wat::parse_str(format!(
        r#"(module
             (import "vm_hooks" "read_args" (func (param i32)))
             (import "vm_hooks" "write_result" (func (param i32 i32)))
             (memory (export "memory") {pages} {pages})
             (data (i32.const 0) "{}")
             (func (export "user_entrypoint") (param i32) (result i32)
               (call 1 (i32.const 0) (i32.const 32))
               i32.const 0))"#,
        testing::wat_string(&data)
    ))
    .expect("the program parses");
    (wasm, data[..32].to_vec())
}

fn chain(arbos: u64) -> (Chain, Address) {
    let config = ChainConfig::default().with_arbos(arbos).expect("a modelled version");
    let chain = Chain::new(config);
    let me = chain.dev_accounts()[1];
    (chain, me)
}

/// The reason of an `Error(string)` revert.
fn reason(err: &ChainError) -> String {
    let ChainError::Reverted(data) = err else { panic!("not a revert: {err:?}") };
    let reason = decode_revert_reason(data).expect("an Error(string) revert");
    reason.strip_prefix("revert: ").unwrap_or(&reason).to_owned()
}

/// Deploys `code` as it is (a create returning it).
fn place(chain: &mut Chain, me: Address, code: &[u8]) -> Address {
    chain.deploy(me, program::init_code(code)).expect("the code deploys")
}

#[test]
fn a_program_over_24_kib_runs_as_a_root_and_fragments_at_arbos_61() {
    let (mut chain, me) = chain(61);
    let (wasm, first) = large_program(60_000, 1);
    let Package::Fragmented { fragments, .. } = program::package(&wasm) else {
        panic!("60,000 incompressible bytes need fragments");
    };
    assert_eq!(fragments.len(), 3);
    let at = chain.deploy_stylus(me, &wasm).expect("deploys and activates");
    let root = Root::parse(&chain.code(at)).expect("the program's code is a root");
    assert_eq!(root.decompressed_len as usize, wasm.len());
    for (address, fragment) in root.fragments.iter().zip(&fragments) {
        let code = chain.code(Address::from(*address));
        assert_eq!(code.as_ref(), fragment.as_slice());
        assert!(code.len() <= MAX_CODE_SIZE);
    }
    let out = chain.call(&TxRequest::call(me, at, Bytes::new()), None).unwrap();
    assert!(out.success);
    assert_eq!(out.output.as_ref(), first.as_slice());
    // A fragment is no program: calling it runs EVM code starting with 0xEF, which fails.
    let fragment = Address::from(root.fragments[0]);
    let receipt = chain.send(TxRequest::call(me, fragment, Bytes::new())).unwrap();
    assert!(!receipt.success);
}

#[test]
fn the_chain_reports_four_fragments_at_arbos_61_and_none_before() {
    for (arbos, fragments) in [(61, 4u8), (51, 0)] {
        let (chain, me) = chain(arbos);
        let call = ArbOwnerPublic::getMaxStylusContractFragmentsCall {};
        let out = chain.call(&TxRequest::call(me, ARB_OWNER_PUBLIC, call.abi_encode()), None);
        let out = out.unwrap();
        let got =
            ArbOwnerPublic::getMaxStylusContractFragmentsCall::abi_decode_returns(&out.output);
        assert_eq!(got.unwrap(), fragments, "ArbOS {arbos}");
    }
}

#[test]
fn error_when_a_program_over_24_kib_is_deployed_before_arbos_60() {
    let (mut chain, me) = chain(51);
    let (wasm, _) = large_program(30_000, 1);
    // As fragments: ArbOS 51 has none, so their 0xEF code is refused (EIP-3541).
    let err = chain.deploy_stylus(me, &wasm).unwrap_err();
    assert!(matches!(err, ChainError::Reverted(_)), "{err:?}");
    // As one program: above the 24,576-byte code limit (EIP-170).
    let classic = program::classic(&wasm);
    assert!(classic.len() > MAX_CODE_SIZE);
    let receipt = chain.send(TxRequest::create(me, program::init_code(&classic))).unwrap();
    assert!(!receipt.success);
}

#[test]
fn error_when_a_root_names_a_fifth_fragment() {
    let (mut chain, me) = chain(61);
    let (wasm, _) = large_program(4 * FRAGMENT_PAYLOAD + 1_000, 2);
    let Package::Fragmented { fragments, wasm_len } = program::package(&wasm) else {
        panic!("needs fragments");
    };
    assert_eq!(fragments.len(), 5);
    let addresses = fragments.iter().map(|f| place(&mut chain, me, f).0.0).collect();
    let root = place(&mut chain, me, &Root::new(wasm_len, addresses).encode());
    let err = chain.activate(me, root).unwrap_err();
    assert_eq!(reason(&err), "activation failed: invalid wasm: fragment count exceeds limit of 4");
}

#[test]
fn error_when_a_root_names_code_that_is_not_a_fragment() {
    let (mut chain, me) = chain(61);
    let (wasm, _) = large_program(1_000, 3);
    let classic = place(&mut chain, me, &program::classic(&wasm));
    let len = u32::try_from(wasm.len()).unwrap();
    let root = place(&mut chain, me, &Root::new(len, vec![classic.0.0]).encode());
    let err = chain.activate(me, root).unwrap_err();
    assert_eq!(
        reason(&err),
        "activation failed: specified bytecode is not a Stylus program fragment"
    );
}

#[test]
fn error_when_the_reassembled_module_is_over_max_wasm_size() {
    let (mut chain, me) = chain(61);
    // 300 KB of zeros compress to a few hundred bytes: one fragment, far too much module.
    let wasm = wat::parse_str(format!(
        r#"(module (memory (export "memory") 5 5) (data (i32.const 0) "{}")
             (func (export "user_entrypoint") (param i32) (result i32) i32.const 0))"#,
        "\\00".repeat(300_000)
    ))
    .unwrap();
    let fragment = place(&mut chain, me, &code::fragment_code(&code::compress(&wasm)));
    let len = u32::try_from(wasm.len()).unwrap();
    let root = place(&mut chain, me, &Root::new(len, vec![fragment.0.0]).encode());
    let err = chain.activate(me, root).unwrap_err();
    assert_eq!(
        reason(&err),
        format!(
            "activation failed: invalid wasm: decompressedLength {len} is greater then MaxWasmSize 262144"
        )
    );
    // A root that declares less than its fragments hold: the decompression stops at the limit.
    let short = place(&mut chain, me, &Root::new(1_000, vec![fragment.0.0]).encode());
    let err = chain.activate(me, short).unwrap_err();
    assert_eq!(reason(&err), "activation failed: output won't fit in maxsize");
    // The same module as one classic program: over MaxWasmSize too.
    let classic = place(&mut chain, me, &program::classic(&wasm));
    let err = chain.activate(me, classic).unwrap_err();
    assert_eq!(reason(&err), "activation failed: output won't fit in maxsize");
}

#[test]
fn error_when_a_fragment_is_activated_directly() {
    let (mut chain, me) = chain(61);
    let fragment = place(&mut chain, me, &code::fragment_code(b"not a whole program"));
    let err = chain.activate(me, fragment).unwrap_err();
    assert_eq!(
        reason(&err),
        "activation failed: fragmented stylus programs cannot be activated directly; activate the root program instead"
    );
    // And an EVM contract is not a program at all.
    let evm = chain.deploy(me, vec![0x60, 0x01, 0x60, 0x00, 0xf3]).unwrap();
    let err = chain.activate(me, evm).unwrap_err();
    assert_eq!(err, ChainError::Reverted(ArbWasm::ProgramNotWasm {}.abi_encode().into()));
}
