//! The files in `abi/` cannot drift from the programs.
//!
//! - Each `I<Program>.sol` declares exactly the functions (selector, outputs, mutability) and
//!   errors that the program's `export-abi` prints; its events are the program's own (the
//!   programs take them from these files).
//! - Each `I<Program>.json` is the JSON ABI of its `.sol`, and `eip712.json` the typed-data
//!   description of `eip712.sol`.
//!
//! `UPDATE_ABI=1 cargo test -p px-abi` rewrites the generated JSON files.

use std::{collections::BTreeMap, path::PathBuf};

use alloy::{
    json_abi::{Function, JsonAbi, StateMutability},
    primitives::{FixedBytes, Selector},
    sol_types::{SolEvent, SolStruct},
};
use px_abi::{IPxRenderer, IPxStorageNft, IPxStorefront, IPxSync, eip712};

fn abi_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The functions and errors of an `export-abi` text, by selector.
struct Exported {
    functions: BTreeMap<Selector, Function>,
    errors: BTreeMap<Selector, String>,
}

fn parse_export(text: &str) -> Exported {
    let mut functions = BTreeMap::new();
    let mut errors = BTreeMap::new();
    for line in text.lines().map(str::trim) {
        let line = line.trim_end_matches(';');
        if line.starts_with("function ") {
            let signature = line.replace(" calldata", "").replace(" memory", "");
            let function = Function::parse(&signature)
                .unwrap_or_else(|e| panic!("cannot parse exported `{line}`: {e}"));
            functions.insert(function.selector(), function);
        } else if let Some(error) = line.strip_prefix("error ") {
            let error = alloy::json_abi::Error::parse(error)
                .unwrap_or_else(|e| panic!("cannot parse exported `{line}`: {e}"));
            errors.insert(error.selector(), error.signature());
        }
    }
    Exported { functions, errors }
}

fn types(params: &[alloy::json_abi::Param]) -> Vec<String> {
    params.iter().map(|p| p.ty.clone()).collect()
}

/// Compares a program's export with its interface file; returns every difference.
fn differences(program: &str, exported: &Exported, interface: &JsonAbi) -> Vec<String> {
    let mut problems = Vec::new();
    let mut declared = BTreeMap::new();
    for function in interface.functions() {
        declared.insert(function.selector(), function);
    }
    for (selector, function) in &exported.functions {
        match declared.get(selector) {
            None => problems.push(format!(
                "{program}: `{}` is exported but not in I{program}.sol",
                function.signature()
            )),
            Some(declared) => {
                if types(&declared.outputs) != types(&function.outputs) {
                    problems.push(format!(
                        "{program}: `{}` returns {:?} in the program, {:?} in I{program}.sol",
                        function.signature(),
                        types(&function.outputs),
                        types(&declared.outputs)
                    ));
                }
                if declared.state_mutability != function.state_mutability {
                    problems.push(format!(
                        "{program}: `{}` is {:?} in the program, {:?} in I{program}.sol",
                        function.signature(),
                        function.state_mutability,
                        declared.state_mutability
                    ));
                }
            }
        }
    }
    for (selector, function) in &declared {
        if !exported.functions.contains_key(selector) {
            problems.push(format!(
                "{program}: `{}` is in I{program}.sol but the program does not export it",
                function.signature()
            ));
        }
    }
    let declared_errors: BTreeMap<Selector, String> =
        interface.errors().map(|e| (e.selector(), e.signature())).collect();
    for (selector, signature) in &exported.errors {
        if !declared_errors.contains_key(selector) {
            problems.push(format!("{program}: error `{signature}` missing from I{program}.sol"));
        }
    }
    for (selector, signature) in &declared_errors {
        if !exported.errors.contains_key(selector) {
            problems.push(format!("{program}: error `{signature}` is never returned"));
        }
    }
    problems
}

fn check_or_update(file: &str, generated: &str) {
    let path = abi_dir().join(file);
    if std::env::var_os("UPDATE_ABI").is_some() {
        std::fs::write(&path, generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{file} is out of date; run `UPDATE_ABI=1 cargo test -p px-abi` and commit the result"
    );
}

fn json(abi: &JsonAbi) -> String {
    serde_json::to_string_pretty(abi).unwrap() + "\n"
}

#[test]
fn storage_nft_interface_matches_the_program() {
    let exported = parse_export(&px_storage_nft::exported_abi());
    let problems = differences("PxStorageNft", &exported, &IPxStorageNft::abi::contract());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn sync_interface_matches_the_program() {
    let exported = parse_export(&px_sync::exported_abi());
    let problems = differences("PxSync", &exported, &IPxSync::abi::contract());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn storefront_interface_matches_the_program() {
    let exported = parse_export(&px_storefront::exported_abi());
    let problems = differences("PxStorefront", &exported, &IPxStorefront::abi::contract());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn renderer_interface_matches_the_program() {
    let exported = parse_export(&px_renderer::exported_abi());
    let problems = differences("PxRenderer", &exported, &IPxRenderer::abi::contract());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn export_parser_sees_every_function() {
    // A broken parser would make the drift check pass vacuously.
    let exported = parse_export(&px_storage_nft::exported_abi());
    assert_eq!(exported.functions.len(), IPxStorageNft::abi::contract().functions().count());
    let transfer = exported.functions.values().find(|f| f.name == "transferFrom").unwrap();
    assert_eq!(transfer.state_mutability, StateMutability::NonPayable);
}

#[test]
fn drift_is_reported() {
    let mut exported = parse_export(&px_storage_nft::exported_abi());
    let extra = Function::parse("function surprise(uint256 a) external").unwrap();
    exported.functions.insert(extra.selector(), extra);
    exported.errors.insert(FixedBytes([1, 2, 3, 4]), "Surprise()".into());
    let problems = differences("PxStorageNft", &exported, &IPxStorageNft::abi::contract());
    assert_eq!(problems.len(), 2, "{problems:?}");
}

#[test]
fn ownership_events_match_the_shared_module() {
    use px_contract_common::ownable::{OwnershipTransferStarted, OwnershipTransferred};
    assert_eq!(
        OwnershipTransferred::SIGNATURE_HASH,
        IPxStorageNft::OwnershipTransferred::SIGNATURE_HASH
    );
    assert_eq!(
        OwnershipTransferStarted::SIGNATURE_HASH,
        IPxStorageNft::OwnershipTransferStarted::SIGNATURE_HASH
    );
    assert_eq!(OwnershipTransferred::SIGNATURE_HASH, IPxSync::OwnershipTransferred::SIGNATURE_HASH);
    assert_eq!(
        OwnershipTransferred::SIGNATURE_HASH,
        IPxStorefront::OwnershipTransferred::SIGNATURE_HASH
    );
}

#[test]
fn json_abis_are_generated_from_the_interfaces() {
    check_or_update("IPxStorageNft.json", &json(&IPxStorageNft::abi::contract()));
    check_or_update("IPxSync.json", &json(&IPxSync::abi::contract()));
    check_or_update("IPxStorefront.json", &json(&IPxStorefront::abi::contract()));
    check_or_update("IPxRenderer.json", &json(&IPxRenderer::abi::contract()));
}

fn typed_data_fields(
    components: &[alloy::sol_types::private::Cow<'static, str>],
) -> serde_json::Value {
    serde_json::Value::Array(
        components
            .iter()
            .map(|component| {
                let (ty, name) = component.rsplit_once(' ').unwrap();
                serde_json::json!({ "name": name, "type": ty })
            })
            .collect(),
    )
}

#[test]
fn eip712_description_is_generated_from_the_structs() {
    use eip712::{MintAuthorization, UsageReport};
    let description = serde_json::json!({
        "description": "EIP-712 messages of the PX programs (eip712.sol). Domain: name, version, \
            chainId, verifyingContract = the core (PxStorageNft) for UsageReport, the storefront \
            (PxStorefront) for MintAuthorization.",
        "domain": { "name": eip712::DOMAIN_NAME, "version": eip712::DOMAIN_VERSION },
        "typeStrings": {
            "EIP712Domain": "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)",
            "UsageReport": UsageReport::eip712_encode_type(),
            "MintAuthorization": MintAuthorization::eip712_encode_type(),
        },
        "types": {
            "EIP712Domain": [
                { "name": "name", "type": "string" },
                { "name": "version", "type": "string" },
                { "name": "chainId", "type": "uint256" },
                { "name": "verifyingContract", "type": "address" },
            ],
            "UsageReport": typed_data_fields(&UsageReport::eip712_components()),
            "MintAuthorization": typed_data_fields(&MintAuthorization::eip712_components()),
        },
    });
    check_or_update("eip712.json", &(serde_json::to_string_pretty(&description).unwrap() + "\n"));
}

#[test]
fn eip712_type_strings_are_the_wire_format() {
    assert_eq!(
        eip712::UsageReport::eip712_encode_type(),
        "UsageReport(uint256 tokenId,bytes btnsKey,uint64 sequence,uint64 usedBytes,uint32 uploadCount)"
    );
    assert_eq!(
        eip712::MintAuthorization::eip712_encode_type(),
        "MintAuthorization(address minter,uint256 planId,bytes btnsKey,uint256 deadline)"
    );
}
