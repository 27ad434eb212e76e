//! px-metadata against vectors from independent implementations (see `fixtures/README.md`).

use alloy::{
    primitives::{Address, B256, U256},
    signers::local::PrivateKeySigner,
};
use px_metadata::{BtnsKey, RawBlockCid, ReportFields, ReportSignature};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Case {
    name: String,
    private_key: B256,
    signer: Address,
    chain_id: String,
    contract: Address,
    token_id: String,
    btns_key: String,
    sequence: String,
    used_bytes: String,
    upload_count: String,
    digest: B256,
    signature: String,
}

fn cases() -> Vec<Case> {
    #[derive(Deserialize)]
    struct File {
        cases: Vec<Case>,
    }
    let text = include_str!("fixtures/eip712-vectors.json");
    serde_json::from_str::<File>(text).expect("fixture parses").cases
}

fn fields(c: &Case) -> ReportFields {
    ReportFields {
        chain_id: c.chain_id.parse().unwrap(),
        contract: c.contract,
        token_id: U256::from_str_radix(&c.token_id, 10).unwrap(),
        btns_key: c.btns_key.parse().unwrap(),
        sequence: c.sequence.parse().unwrap(),
        used_bytes: c.used_bytes.parse().unwrap(),
        upload_count: c.upload_count.parse().unwrap(),
    }
}

#[test]
fn signing_hash_matches_cast_for_every_vector() {
    for c in cases() {
        assert_eq!(fields(&c).signing_hash(), c.digest, "{}", c.name);
    }
}

#[test]
fn signature_matches_cast_and_recovers_the_signer_for_every_vector() {
    for c in cases() {
        let signer = PrivateKeySigner::from_bytes(&c.private_key).unwrap();
        assert_eq!(signer.address(), c.signer, "{}", c.name);
        let sig = fields(&c).sign(&signer).unwrap();
        // RFC 6979 signatures are deterministic, so alloy and cast must agree byte for byte.
        assert_eq!(sig.to_string(), c.signature, "{}", c.name);
        let cast_sig: ReportSignature = c.signature.parse().unwrap();
        assert_eq!(fields(&c).recover(&cast_sig).unwrap(), c.signer, "{}", c.name);
    }
}

#[test]
fn recovery_gives_another_address_when_any_signed_field_changes() {
    for c in cases() {
        let sig: ReportSignature = c.signature.parse().unwrap();
        let base = fields(&c);
        let mut variants = vec![
            ReportFields { chain_id: base.chain_id + 1, ..base.clone() },
            ReportFields { contract: Address::repeat_byte(0xee), ..base.clone() },
            ReportFields { token_id: base.token_id ^ U256::from(1), ..base.clone() },
            ReportFields { sequence: base.sequence ^ 1, ..base.clone() },
            ReportFields { used_bytes: base.used_bytes ^ 1, ..base.clone() },
            ReportFields { upload_count: base.upload_count ^ 1, ..base.clone() },
        ];
        variants.push(ReportFields {
            btns_key: "12D3KooWETS5uDxxALmWZjqGfMv7dgi7uojyU8vNCmbYJqyChiZU".parse().unwrap(),
            ..base.clone()
        });
        for v in variants {
            assert_ne!(v.recover(&sig).ok(), Some(c.signer), "{}: {v:?}", c.name);
        }
    }
}

#[test]
fn high_s_twin_of_a_valid_signature_is_refused() {
    let c = &cases()[0];
    let mut bytes = alloy::hex::decode(&c.signature[2..]).unwrap();
    // s' = n - s and flipped v recover to the same address (EIP-2 malleability).
    let n = U256::from_str_radix(
        "115792089237316195423570985008687907852837564279074904382605163141518161494337",
        10,
    )
    .unwrap();
    let s = U256::from_be_slice(&bytes[32..64]);
    bytes[32..64].copy_from_slice(&(n - s).to_be_bytes::<32>());
    bytes[64] = if bytes[64] == 27 { 28 } else { 27 };
    assert!(ReportSignature::from_bytes(&bytes).is_err());
}

#[test]
fn signature_with_v_other_than_27_or_28_is_refused() {
    let c = &cases()[0];
    let mut bytes = alloy::hex::decode(&c.signature[2..]).unwrap();
    for v in [0u8, 1, 29, 255] {
        bytes[64] = v;
        assert!(ReportSignature::from_bytes(&bytes).is_err(), "v = {v}");
    }
    assert!(ReportSignature::from_bytes(&bytes[..64]).is_err());
}

// Peer ids printed by js-ipfs 0.66.1 for keys it generated, with the hex of an independent
// base58 decoder, and the base36 CID form js-ipfs printed for the first one.
const ED25519_B58: &str = "12D3KooWASxx8dTRtpofWaF4y68fGurkvUbyCRvXBWfPDgU7Je4w";
const ED25519_K51: &str = "k51qzi5uqu5dgf02le7woti9qm8wzh4w83lkwb90iyck6jayarzxqf7u3kyf9c";
const ED25519_HEX: &str =
    "0x00240801122009603ce5c90c70779692e02b9d26afc7a09e8869ee36f9ffdc372fd014a7a1c0";
const SECP_B58: &str = "16Uiu2HAm4g74BTw9ExE5PDEhvAaNFPo9yCJb995eRuKwDNMMczBN";
const SECP_HEX: &str =
    "0x00250802122102896baab2e8f3438820f641a3e3b08bf7f41de371465b091c93bbb9ec895f63d5";
const SHA256_B58: &str = "QmUh2P9rq4WXGC1Vr3XssxNWjDbGighdVWcEaa4LZTmBv5";
const SHA256_HEX: &str = "0x12205e5e3e6522aa09894643f6c3a3058ff9b4db2272200e322e4dc1568155f7432e";

#[test]
fn ed25519_key_parses_from_all_three_forms_to_the_same_bytes() {
    let from_b58: BtnsKey = ED25519_B58.parse().unwrap();
    let from_cid: BtnsKey = ED25519_K51.parse().unwrap();
    let from_hex: BtnsKey = ED25519_HEX.parse().unwrap();
    assert_eq!(from_b58, from_cid);
    assert_eq!(from_b58, from_hex);
    assert_eq!(from_b58.to_base58(), ED25519_B58);
    assert_eq!(from_b58.to_cid_base36(), ED25519_K51);
    assert_eq!(from_b58.to_hex(), ED25519_HEX);
    assert_eq!(from_b58.as_bytes().len(), 38);
}

#[test]
fn secp256k1_and_sha256_keys_parse_and_render() {
    let secp: BtnsKey = SECP_B58.parse().unwrap();
    assert_eq!(secp.to_hex(), SECP_HEX);
    assert_eq!(secp.to_base58(), SECP_B58);
    assert_eq!(SECP_HEX.parse::<BtnsKey>().unwrap(), secp);
    assert_eq!(secp.to_cid_base36().parse::<BtnsKey>().unwrap(), secp);
    let rsa_style: BtnsKey = SHA256_B58.parse().unwrap();
    assert_eq!(rsa_style.to_hex(), SHA256_HEX);
    assert_eq!(rsa_style.to_base58(), SHA256_B58);
}

#[test]
fn malformed_keys_are_refused() {
    let too_long = format!("0x0040{}", "11".repeat(64)); // 66 bytes
    for bad in [
        "",
        "0x",
        "0x00",     // multihash missing length
        "0x0024aa", // declared 36, has 1
        too_long.as_str(),
        "0xzz",
        "12D3KooW0000", // 0 is not base58
        "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku", // raw CID, not libp2p-key
        "k51",
    ] {
        assert!(bad.parse::<BtnsKey>().is_err(), "{bad:?}");
    }
}

#[test]
fn keys_are_peer_ids_so_every_text_form_reads_back() {
    // libFuzzer (text_forms, issue 15): 80 76 00 is a well-formed multihash (code 0x3b00, no
    // digest) whose base58btc text is "k9d1", which reads as a (bad) base36 CID: the key's own
    // text form did not parse back. Only identity and sha2-256 multihashes are peer ids.
    assert!(BtnsKey::from_bytes(&[0x80, 0x76, 0x00]).is_err());
    assert!(BtnsKey::from_bytes(&[0x13, 0x01, 0xaa]).is_err(), "sha3-512 with a 1-byte digest");
    assert!(BtnsKey::from_bytes(&[0x12, 0x01, 0xaa]).is_err(), "sha2-256 needs 32 bytes");
    for key in [ED25519_HEX, SECP_HEX, SHA256_HEX] {
        let key: BtnsKey = key.parse().unwrap();
        assert_eq!(key.to_base58().parse::<BtnsKey>().unwrap(), key);
    }
}

#[test]
fn raw_block_cids_match_js_ipfs() {
    // js-ipfs 0.66.1 `add?cid-version=1&raw-leaves=true&chunker=size-1048576&cid-base=base32`.
    let hello = RawBlockCid::of(b"hello");
    assert_eq!(hello.to_string(), "bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq");
    // `sha256sum` of the same 5 bytes.
    assert_eq!(
        hello.digest(),
        "0x2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
            .parse::<B256>()
            .unwrap()
    );
    // The same CID as js-ipfs prints it without `cid-base` (base58btc).
    assert_eq!(
        "zb2rhZfjRh2FHHB2RkHVEvL2vJnCTcu7kwRqgVsf9gpkLgteo".parse::<RawBlockCid>().unwrap(),
        hello
    );
    assert_eq!(
        RawBlockCid::of(b"").to_string(),
        "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"
    );
    assert_eq!(RawBlockCid::from_digest(hello.digest()), hello);
}
