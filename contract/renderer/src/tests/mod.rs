//! TestVM tests of the renderer: the document is decoded (base64, JSON, the SVG inside) and its
//! fields checked against the core's answers, which are mocked call by call on a [`CallHost`].

mod router;

use alloy_primitives::{Address, B256, Bytes, U256, address};
use alloy_sol_types::{SolCall, SolError};
use base64::{Engine, engine::general_purpose::STANDARD};
use px_abi::IPxStorageNft as core_abi;
use px_contract_testing::CallHost;
use serde_json::{Value, json};

use crate::{ERC721NonexistentToken, Error, PxRenderer};

const CORE: Address = address!("0x00000000000000000000000000000000000c0de1");
const GIB: u64 = 1 << 30;
const MIB: u64 = 1 << 20;
/// An ed25519 peer id as Kubo prints it.
const PEER_ID: &str = "12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA";

fn peer_id_bytes() -> Vec<u8> {
    bs58::decode(PEER_ID).into_vec().unwrap()
}

/// A renderer of the core at [`CORE`].
struct Fixture {
    host: CallHost,
    renderer: PxRenderer,
}

impl Fixture {
    fn new() -> Self {
        let host = CallHost::new();
        let mut renderer = PxRenderer::from(&host);
        renderer.constructor(CORE);
        Self { host, renderer }
    }

    /// Lets the core answer `usageOf(id)` and `btnsKeyOf(id)`.
    fn core_has(&self, id: u64, usage: &core_abi::usageOfReturn, key: &[u8]) {
        let token_id = U256::from(id);
        self.host.mock_static_call(
            CORE,
            core_abi::usageOfCall { tokenId: token_id }.abi_encode(),
            Ok(core_abi::usageOfCall::abi_encode_returns(usage)),
        );
        self.host.mock_static_call(
            CORE,
            core_abi::btnsKeyOfCall { tokenId: token_id }.abi_encode(),
            Ok(core_abi::btnsKeyOfCall::abi_encode_returns(&Bytes::copy_from_slice(key))),
        );
    }

    /// `tokenURI(id)`, decoded.
    fn render(&self, id: u64) -> Value {
        let uri = self.renderer.token_uri(U256::from(id)).unwrap();
        decode_uri(&uri)
    }
}

fn usage(quota: u64, limit: u32, used: u64, count: u32, synced: u64) -> core_abi::usageOfReturn {
    core_abi::usageOfReturn {
        quotaBytes: quota,
        uploadLimit: limit,
        usedBytes: used,
        uploadCount: count,
        lastSyncedAt: synced,
        syncSequence: 4,
        metadataDigest: B256::repeat_byte(7),
    }
}

/// The JSON of a `data:application/json;base64,` URI.
fn decode_uri(uri: &str) -> Value {
    let encoded = uri.strip_prefix("data:application/json;base64,").expect(uri);
    serde_json::from_slice(&STANDARD.decode(encoded).unwrap()).unwrap()
}

/// The SVG text of the document's `image`.
fn svg_of(document: &Value) -> String {
    let image = document["image"].as_str().unwrap();
    let encoded = image.strip_prefix("data:image/svg+xml;base64,").expect(image);
    String::from_utf8(STANDARD.decode(encoded).unwrap()).unwrap()
}

/// The attribute with `trait_type`.
fn attribute<'a>(document: &'a Value, trait_type: &str) -> &'a Value {
    document["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["trait_type"] == trait_type)
        .unwrap_or_else(|| panic!("no attribute {trait_type}"))
}

fn missing(id: U256) -> Error {
    Error::NonexistentToken(ERC721NonexistentToken { tokenId: id })
}

#[test]
fn constructs_with_its_core() {
    assert_eq!(Fixture::new().renderer.core(), CORE);
}

#[test]
fn renders_a_token_with_its_usage_and_key() {
    let f = Fixture::new();
    f.core_has(5, &usage(GIB, 50, 512 * MIB + 100 * (1 << 10), 3, 1_700_000_123), &peer_id_bytes());
    let document = f.render(5);

    assert_eq!(document["name"], "PX Storage NFT #5");
    assert!(document["description"].as_str().unwrap().contains("BTFS"));
    let attributes = json!([
        {"trait_type": "Capacity", "value": "1 GiB"},
        {"trait_type": "Capacity (bytes)", "display_type": "number", "value": GIB},
        {"trait_type": "Used", "value": "512 MiB"},
        {"trait_type": "Used (bytes)", "display_type": "number", "value": 512 * MIB + 102_400},
        {"trait_type": "Usage %", "display_type": "number", "value": 50.0},
        {"trait_type": "Uploads", "display_type": "number", "value": 3, "max_value": 50},
        {"trait_type": "BTNS name", "value": PEER_ID},
        {"trait_type": "Last sync", "display_type": "date", "value": 1_700_000_123},
    ]);
    assert_eq!(document["attributes"], attributes);
    assert_eq!(document.as_object().unwrap().len(), 4, "name, description, image, attributes");
}

#[test]
fn renders_an_svg_usage_bar() {
    let f = Fixture::new();
    f.core_has(12, &usage(4 * GIB, 50, 3 * GIB, 1, 0), &[]);
    let svg = svg_of(&f.render(12));
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""), "{svg}");
    assert!(svg.ends_with("</svg>"));
    assert!(svg.contains(">PX Storage NFT #12</text>"));
    // 75 % of the 288-unit bar, green below 90 %.
    assert!(svg.contains("fill=\"#2c8\" width=\"216\""), "{svg}");
    assert!(svg.contains(">3 GiB / 4 GiB (75.0%)</text>"), "{svg}");
}

#[test]
fn renders_a_full_red_bar_over_quota() {
    let f = Fixture::new();
    f.core_has(1, &usage(100 * MIB, 25, 150 * MIB, 30, 0), &[]);
    let document = f.render(1);
    assert_eq!(attribute(&document, "Usage %")["value"], 150.0);
    assert!(svg_of(&document).contains("fill=\"#e54\" width=\"288\""));
}

#[test]
fn renders_unregistered_without_a_key() {
    let f = Fixture::new();
    f.core_has(2, &usage(100 * MIB, 25, 0, 0, 1_700_000_000), &[]);
    let document = f.render(2);
    assert_eq!(attribute(&document, "BTNS name")["value"], "unregistered");
    assert_eq!(attribute(&document, "Used")["value"], "0 B");
    assert_eq!(attribute(&document, "Usage %")["value"], 0.0);
}

#[test]
fn renders_usage_with_one_decimal() {
    let f = Fixture::new();
    f.core_has(3, &usage(3 * GIB, 150, GIB, 1, 0), &[]);
    let document = f.render(3);
    assert_eq!(attribute(&document, "Usage %")["value"], 33.3);
    assert_eq!(attribute(&document, "Used")["value"], "1 GiB");
}

#[test]
fn renders_a_secp256k1_key_and_the_largest_values() {
    let f = Fixture::new();
    let key =
        bs58::decode("16Uiu2HAmLhLvBoYaoZfaMUKuibM6ac163GwKY74c5kiSLg5KvLpY").into_vec().unwrap();
    f.core_has(u64::MAX, &usage(u64::MAX, u32::MAX, u64::MAX, u32::MAX, u64::MAX), &key);
    let document = f.render(u64::MAX);
    assert_eq!(document["name"], format!("PX Storage NFT #{}", u64::MAX));
    assert_eq!(attribute(&document, "BTNS name")["value"], bs58::encode(&key).into_string());
    assert_eq!(attribute(&document, "Capacity (bytes)")["value"], u64::MAX);
    assert_eq!(attribute(&document, "Uploads")["max_value"], u32::MAX);
    assert_eq!(attribute(&document, "Last sync")["value"], u64::MAX);
}

#[test]
fn error_when_rendering_a_token_the_core_does_not_know() {
    let f = Fixture::new();
    let id = U256::from(9);
    let revert = core_abi::ERC721NonexistentToken { tokenId: id }.abi_encode();
    for call in [
        core_abi::usageOfCall { tokenId: id }.abi_encode(),
        core_abi::btnsKeyOfCall { tokenId: id }.abi_encode(),
    ] {
        f.host.mock_static_call(CORE, call, Err(revert.clone()));
    }
    assert_eq!(f.renderer.token_uri(id), Err(missing(id)));
}

#[test]
fn error_when_rendering_an_id_above_64_bits() {
    let f = Fixture::new();
    let id = U256::from(u64::MAX) + U256::from(1);
    assert_eq!(f.renderer.token_uri(id), Err(missing(id)));
    assert!(f.host.calls().is_empty(), "no such token can exist: the core is not asked");
}

#[test]
fn error_when_the_core_answers_what_the_core_does_not() {
    let f = Fixture::new();
    // Nothing mocked: an account without code answers nothing.
    assert_eq!(f.renderer.token_uri(U256::from(1)), Err(missing(U256::from(1))));
    // A key longer than the core allows.
    f.core_has(2, &usage(1, 1, 0, 0, 0), &[1; 65]);
    assert_eq!(f.renderer.token_uri(U256::from(2)), Err(missing(U256::from(2))));
    f.core_has(3, &usage(1, 1, 0, 0, 0), &[1; 64]);
    assert!(f.renderer.token_uri(U256::from(3)).is_ok(), "64 bytes is the longest key");
    // An upload limit wider than 32 bits.
    f.core_has(4, &usage(1, 1, 0, 0, 0), &[1; 38]);
    let mut wide = core_abi::usageOfCall::abi_encode_returns(&usage(1, 1, 0, 0, 0));
    wide[59] = 1;
    let call = core_abi::usageOfCall { tokenId: U256::from(4) }.abi_encode();
    f.host.mock_static_call(CORE, call, Ok(wide));
    assert_eq!(f.renderer.token_uri(U256::from(4)), Err(missing(U256::from(4))));
}
