//! The `px-usage/1` document: building, signing, strict parsing and end-to-end verification.

use alloy::{
    primitives::{Address, U256, address},
    signers::local::PrivateKeySigner,
};
use proptest::prelude::*;
use px_metadata::{
    BtnsKey, Error, FileEntry, MAX_FILES, RawBlockCid, Subject, Timestamp, UsageDocument,
    VerifiedDocument,
};
use serde_json::{Value, json};

const CORE: Address = address!("0x5fbdb2315678afecb367f032d93f642f64180aa3");
const KEY: &str = "12D3KooWASxx8dTRtpofWaF4y68fGurkvUbyCRvXBWfPDgU7Je4w";

fn signer() -> PrivateKeySigner {
    // anvil's first development key
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80".parse().unwrap()
}

fn key() -> BtnsKey {
    KEY.parse().unwrap()
}

fn sample() -> px_metadata::EncodedDocument {
    let file = FileEntry {
        cid: "bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq".parse().unwrap(),
        size: 5,
        added_at: Timestamp::parse("2026-11-25T10:00:00Z").unwrap(),
    };
    UsageDocument::builder(42161, CORE, U256::from(7), key())
        .sequence(3)
        .quota(1 << 30, 50)
        .usage(5, 1)
        .files(vec![file], None)
        .updated_at(Timestamp::parse("2026-11-25T10:00:01Z").unwrap())
        .sign(&signer())
        .unwrap()
}

fn subject() -> Subject {
    Subject { chain_id: 42161, contract: CORE, token_id: U256::from(7), btns_key: key() }
}

/// Every field of a head and of a file entry, in the order the builder writes them.
const WIRE_ORDER: [&str; 18] = [
    "schema",
    "chainId",
    "contract",
    "tokenId",
    "btnsKey",
    "sequence",
    "quotaBytes",
    "usedBytes",
    "uploadLimit",
    "uploadCount",
    "files",
    "filesIndex",
    "updatedAt",
    "signer",
    "signature",
    "cid",
    "size",
    "addedAt",
];

/// Compact JSON with object fields in wire order (unknown fields last): the builder's spelling,
/// so that an edit is the only thing a parser can object to.
fn wire_json(v: &Value) -> String {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_by_key(|k| {
                WIRE_ORDER.iter().position(|w| w == k).unwrap_or(WIRE_ORDER.len())
            });
            let fields: Vec<String> = keys
                .iter()
                .map(|k| format!("{}:{}", Value::from(k.as_str()), wire_json(&map[*k])))
                .collect();
            format!("{{{}}}", fields.join(","))
        }
        Value::Array(items) => {
            format!("[{}]", items.iter().map(wire_json).collect::<Vec<_>>().join(","))
        }
        other => other.to_string(),
    }
}

/// The sample as a JSON value, edited by `f`, back to bytes in the builder's spelling.
fn edited(f: impl FnOnce(&mut serde_json::Map<String, Value>)) -> Vec<u8> {
    let mut v: Value = serde_json::from_slice(&sample().bytes).unwrap();
    f(v.as_object_mut().unwrap());
    wire_json(&v).into_bytes()
}

#[test]
fn an_unedited_sample_in_wire_order_is_the_builders_bytes() {
    // What the edits below start from: any refusal is the edit's.
    assert_eq!(edited(|_| {}), sample().bytes);
}

#[test]
fn builder_writes_every_wire_format_field_in_order() {
    let text = String::from_utf8(sample().bytes).unwrap();
    let order = [
        "schema",
        "chainId",
        "contract",
        "tokenId",
        "btnsKey",
        "sequence",
        "quotaBytes",
        "usedBytes",
        "uploadLimit",
        "uploadCount",
        "files",
        "filesIndex",
        "updatedAt",
        "signer",
        "signature",
    ];
    let positions: Vec<usize> =
        order.iter().map(|f| text.find(&format!("\"{f}\":")).expect(f)).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{text}");
    assert!(text.starts_with(r#"{"schema":"px-usage/1","chainId":"42161","contract":"0x5fbdb2315678afecb367f032d93f642f64180aa3","tokenId":"7","btnsKey":"0x0024"#));
    assert!(text.contains(r#""filesIndex":null,"updatedAt":"2026-11-25T10:00:01Z""#), "{text}");
    assert!(text.contains(r#""signer":"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266""#), "{text}");
}

#[test]
fn signed_document_verifies_and_matches_its_subject() {
    let doc = sample();
    let checked = VerifiedDocument::verify(doc.cid, &doc.bytes).unwrap();
    assert_eq!(checked.document, doc.document);
    assert_eq!(checked.cid.digest(), RawBlockCid::of(&doc.bytes).digest());
    checked.check_subject(&subject()).unwrap();
}

#[test]
fn verify_refuses_bytes_that_do_not_match_the_cid() {
    let doc = sample();
    let other = RawBlockCid::of(b"something else");
    assert!(matches!(
        VerifiedDocument::verify(other, &doc.bytes),
        Err(Error::DigestMismatch { .. })
    ));
}

#[test]
fn check_subject_refuses_another_chain_contract_token_or_key() {
    let doc = sample();
    let checked = VerifiedDocument::verify(doc.cid, &doc.bytes).unwrap();
    let other_key: BtnsKey =
        "16Uiu2HAm4g74BTw9ExE5PDEhvAaNFPo9yCJb995eRuKwDNMMczBN".parse().unwrap();
    for (field, s) in [
        ("chainId", Subject { chain_id: 1, ..subject() }),
        ("contract", Subject { contract: Address::ZERO, ..subject() }),
        ("tokenId", Subject { token_id: U256::from(8), ..subject() }),
        ("btnsKey", Subject { btns_key: other_key, ..subject() }),
    ] {
        match checked.check_subject(&s) {
            Err(Error::WrongSubject { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{field}: {other:?}"),
        }
    }
}

#[test]
fn document_signed_by_someone_else_than_its_signer_field_is_refused() {
    let bytes = edited(|m| {
        m["signer"] = json!("0x70997970c51812dc3a010c7d01b50e0d17dc79c8");
    });
    let res = VerifiedDocument::verify(RawBlockCid::of(&bytes), &bytes);
    assert!(matches!(res, Err(Error::SignerMismatch { .. })), "{res:?}");
}

#[test]
fn document_with_edited_usage_no_longer_verifies() {
    let bytes = edited(|m| {
        m["usedBytes"] = json!("4");
    });
    let res = VerifiedDocument::verify(RawBlockCid::of(&bytes), &bytes);
    assert!(matches!(res, Err(Error::SignerMismatch { .. })), "{res:?}");
}

#[test]
fn unsigned_fields_can_change_without_breaking_the_signature() {
    // quotaBytes, uploadLimit, files and updatedAt are informative: the chain takes quota from
    // its own state, so the signature does not cover them (wire formats, "UsageReport").
    let bytes = edited(|m| {
        m["quotaBytes"] = json!("1");
    });
    VerifiedDocument::verify(RawBlockCid::of(&bytes), &bytes).unwrap();
}

#[test]
fn strict_parser_refuses_each_kind_of_malformed_document() {
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "unknown field",
            edited(|m| {
                m.insert("extra".into(), json!(1));
            }),
        ),
        (
            "other schema",
            edited(|m| {
                m["schema"] = json!("px-usage/2");
            }),
        ),
        (
            "missing field",
            edited(|m| {
                m.remove("uploadCount");
            }),
        ),
        (
            "number not string",
            edited(|m| {
                m["sequence"] = json!(3);
            }),
        ),
        (
            "leading zero",
            edited(|m| {
                m["sequence"] = json!("03");
            }),
        ),
        (
            "negative",
            edited(|m| {
                m["usedBytes"] = json!("-1");
            }),
        ),
        (
            "u32 overflow",
            edited(|m| {
                m["uploadCount"] = json!("4294967296");
            }),
        ),
        (
            "bad time",
            edited(|m| {
                m["updatedAt"] = json!("2026-11-25 10:00:00");
            }),
        ),
        (
            "checksummed contract",
            edited(|m| {
                m["contract"] = json!("0x5FbDB2315678afecb367f032d93F642f64180aa3");
            }),
        ),
        (
            "checksummed signer",
            edited(|m| {
                m["signer"] = json!("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
            }),
        ),
        (
            "uppercase key hex",
            edited(|m| {
                m["btnsKey"] =
                    json!(m["btnsKey"].as_str().unwrap().to_uppercase().replacen("0X", "0x", 1));
            }),
        ),
        (
            "key in base58",
            edited(|m| {
                m["btnsKey"] = json!(KEY);
            }),
        ),
        (
            "short signature",
            edited(|m| {
                m["signature"] = json!("0x1234");
            }),
        ),
        (
            "bad file cid",
            edited(|m| {
                m["files"][0]["cid"] = json!("not-a-cid");
            }),
        ),
        (
            "unknown file field",
            edited(|m| {
                m["files"][0]["name"] = json!("a.txt");
            }),
        ),
        ("not json", b"{\"schema\":".to_vec()),
        ("not an object", b"[]".to_vec()),
    ];
    for (what, bytes) in cases {
        let res = UsageDocument::from_json(&bytes);
        assert!(matches!(res, Err(Error::InvalidDocument(_))), "{what}: {res:?}");
    }
}

/// The sample's bytes with `from` replaced by `to` (once).
fn respelled(from: &str, to: &str) -> Vec<u8> {
    let text = String::from_utf8(sample().bytes).unwrap();
    assert!(text.contains(from), "{from}");
    text.replacen(from, to, 1).into_bytes()
}

#[test]
fn strict_parser_refuses_every_other_spelling_of_the_same_document() {
    // The usage_document fuzz target's property (a parsed head re-serializes to its bytes),
    // which its corpus mutations broke: each of these is the sample's state, as serde_json
    // reads it, in other bytes (another digest). Regression for issue 15.
    let doc = sample();
    let text = String::from_utf8(doc.bytes.clone()).unwrap();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("a trailing newline", [doc.bytes.clone(), b"\n".to_vec()].concat()),
        ("a space after a colon", respelled(r#""schema":"#, r#""schema": "#)),
        ("fields in another order", {
            let v: Value = serde_json::from_slice(&doc.bytes).unwrap();
            serde_json::to_vec(&v).unwrap() // alphabetical
        }),
        ("an escaped character", respelled("px-usage/1", "px\\u002dusage/1")),
        ("an escaped slash", respelled("px-usage/1", "px-usage\\/1")),
        ("a time with an offset", respelled("2026-11-25T10:00:01Z", "2026-11-25T12:00:01+02:00")),
        ("a lowercase time", respelled("2026-11-25T10:00:01Z", "2026-11-25t10:00:01z")),
        ("a fraction of zero", respelled("2026-11-25T10:00:01Z", "2026-11-25T10:00:01.0Z")),
    ];
    assert!(UsageDocument::from_json(text.as_bytes()).is_ok());
    for (what, bytes) in cases {
        let res = UsageDocument::from_json(&bytes);
        assert!(
            matches!(&res, Err(Error::InvalidDocument(m)) if m.contains("canonical")),
            "{what}: {res:?}"
        );
        // The adapter's path refuses them too, after checking the signature.
        let res = VerifiedDocument::verify(RawBlockCid::of(&bytes), &bytes);
        assert!(matches!(res, Err(Error::InvalidDocument(_))), "{what}: {res:?}");
    }
}

#[test]
fn times_beyond_what_rfc_3339_writes_are_refused() {
    // The text_forms fuzz target's property (a parsed time prints as a time that parses back):
    // 9999-12-31T23:30:00-01:00 is year 10000 in UTC, which RFC 3339 cannot write; it parsed,
    // and then printing it panicked (`to_offset`), in `to_string` and in `to_json`. Regression
    // for issue 15.
    for text in ["9999-12-31T23:30:00-01:00", "0000-01-01T00:30:00+01:00"] {
        assert!(matches!(Timestamp::parse(text), Err(Error::InvalidDocument(_))), "{text}");
    }
    assert!(Timestamp::from_unix(253_402_300_800).is_err(), "year 10000");
    assert!(Timestamp::from_unix(-62_167_219_201).is_err(), "year -1");
    for text in ["9999-12-31T23:59:59Z", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59+01:00"] {
        let t = Timestamp::parse(text).unwrap();
        assert_eq!(Timestamp::parse(&t.to_string()), Ok(t), "{text}");
    }
    let far = respelled("2026-11-25T10:00:01Z", "9999-12-31T23:30:00-01:00");
    assert!(matches!(UsageDocument::from_json(&far), Err(Error::InvalidDocument(_))));
}

#[test]
fn files_list_is_capped_at_256_entries() {
    let entry = json!({"cid": "bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq", "size": "5", "addedAt": "2026-11-25T10:00:00Z"});
    let at_cap = edited(|m| {
        m["files"] = json!(vec![entry.clone(); MAX_FILES]);
    });
    assert_eq!(UsageDocument::from_json(&at_cap).unwrap().files.len(), MAX_FILES);
    let over = edited(|m| {
        m["files"] = json!(vec![entry.clone(); MAX_FILES + 1]);
    });
    assert!(matches!(UsageDocument::from_json(&over), Err(Error::InvalidDocument(_))));
}

#[test]
fn documents_over_one_mebibyte_are_refused_before_parsing() {
    let big = vec![b' '; (1 << 20) + 1];
    assert!(matches!(UsageDocument::from_json(&big), Err(Error::DocumentTooLarge { .. })));
}

#[test]
fn builder_refuses_missing_or_zero_sequence_and_too_many_files() {
    let b = || UsageDocument::builder(1, CORE, U256::from(1), key());
    assert!(matches!(b().sign(&signer()), Err(Error::MissingField("sequence"))));
    assert!(matches!(b().sequence(0).sign(&signer()), Err(Error::InvalidDocument(_))));
    let file = FileEntry {
        cid: "bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq".parse().unwrap(),
        size: 5,
        added_at: Timestamp::from_unix(0).unwrap(),
    };
    let res = b().sequence(1).files(vec![file; MAX_FILES + 1], None).sign(&signer());
    assert!(matches!(res, Err(Error::InvalidDocument(_))));
}

#[test]
fn timestamps_with_offsets_parse_and_normalise_to_utc() {
    let t = Timestamp::parse("2026-11-25T12:00:00+02:00").unwrap();
    assert_eq!(t.to_string(), "2026-11-25T10:00:00Z");
    assert!(Timestamp::parse("2026-11-25").is_err());
}

fn arb_key() -> impl Strategy<Value = BtnsKey> {
    // identity multihash of 1..=40 bytes, or sha2-256: the shapes peer ids take
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 1..=40).prop_map(|d| {
            let mut b = vec![0x00, u8::try_from(d.len()).unwrap()];
            b.extend(d);
            BtnsKey::from_bytes(&b).unwrap()
        }),
        any::<[u8; 32]>().prop_map(|d| {
            let mut b = vec![0x12, 0x20];
            b.extend(d);
            BtnsKey::from_bytes(&b).unwrap()
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn key_round_trips_through_every_text_form(key in arb_key()) {
        prop_assert_eq!(&key.to_base58().parse::<BtnsKey>().unwrap(), &key);
        prop_assert_eq!(&key.to_cid_base36().parse::<BtnsKey>().unwrap(), &key);
        prop_assert_eq!(&key.to_hex().parse::<BtnsKey>().unwrap(), &key);
    }

    #[test]
    fn built_documents_round_trip_and_verify(
        key in arb_key(),
        chain_id in any::<u64>(),
        token in any::<[u8; 32]>(),
        sequence in 1..=u64::MAX,
        used in any::<u64>(),
        quota in any::<u64>(),
        count in any::<u32>(),
        limit in any::<u32>(),
        secs in 0i64..4_000_000_000,
    ) {
        let token_id = U256::from_be_bytes(token);
        let doc = UsageDocument::builder(chain_id, CORE, token_id, key.clone())
            .sequence(sequence)
            .quota(quota, limit)
            .usage(used, count)
            .updated_at(Timestamp::from_unix(secs).unwrap())
            .sign(&signer())
            .unwrap();
        let parsed = UsageDocument::from_json(&doc.bytes).unwrap();
        prop_assert_eq!(&parsed, &doc.document);
        prop_assert_eq!(parsed.to_json(), doc.bytes.clone());
        let checked = VerifiedDocument::verify(doc.cid, &doc.bytes).unwrap();
        let subject = Subject { chain_id, contract: CORE, token_id, btns_key: key };
        prop_assert!(checked.check_subject(&subject).is_ok());
    }
}
