//! `node/openapi.json` pinned to the types: for every schema, its properties are exactly the
//! fields the type serializes (all optional parts present), its required fields exactly those
//! it serializes when every optional part is absent, each property's JSON type admits the
//! value, enums list exactly the Rust variants, and `additionalProperties: false` is there
//! exactly when the type refuses unknown fields. A field added to a type without the schema
//! (or the reverse) fails here.

use alloy::{primitives::Address, signers::local::PrivateKeySigner};
use px_metadata::{BtnsKey, Cid, FileEntry, RawBlockCid, Timestamp, UsageDocument};
use px_node_api::{
    AllocateKeyRequest, ErrorBody, ErrorCode, Health, HealthStatus, IssuedNonce, IssuedSession,
    KeyAllocation, ListedFile, Listing, NodeInfo, Refusal, Registered, SignInRequest, UsageChange,
};
use serde::{Serialize, de::DeserializeOwned};
use serde_json::{Map, Value, json};

fn spec() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../node/openapi.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// One schema's type: a value with every optional part present, one with none, and whether
/// the type takes a field it does not know.
struct Sample {
    full: Value,
    minimal: Value,
    takes_unknown_fields: bool,
}

fn sample<T: Serialize + DeserializeOwned>(full: &T, minimal: &T) -> Sample {
    let full = serde_json::to_value(full).unwrap();
    let mut extra = full.clone();
    extra.as_object_mut().unwrap().insert("notAField".into(), json!(1));
    Sample {
        takes_unknown_fields: serde_json::from_value::<T>(extra).is_ok(),
        minimal: serde_json::to_value(minimal).unwrap(),
        full,
    }
}

fn file() -> FileEntry {
    FileEntry {
        cid: RawBlockCid::of(b"file").into(),
        size: 4,
        added_at: Timestamp::from_unix(1_800_000_000).unwrap(),
    }
}

fn document(files_index: Option<Cid>) -> UsageDocument {
    let key: BtnsKey = "12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA".parse().unwrap();
    let encoded =
        UsageDocument::builder(421_614, Address::repeat_byte(1), 7u64.try_into().unwrap(), key)
            .sequence(2)
            .quota(100, 5)
            .usage(4, 1)
            .files(vec![file()], files_index)
            .sign(&PrivateKeySigner::random())
            .unwrap();
    UsageDocument::from_json(&encoded.bytes).unwrap()
}

fn samples() -> Vec<(&'static str, Sample)> {
    let s = String::new;
    let change = UsageChange {
        cid: s(),
        size: s(),
        sequence: s(),
        used_bytes: s(),
        upload_count: s(),
        head_cid: s(),
        published: true,
    };
    let info = |registrar| NodeInfo {
        chain_id: s(),
        core: s(),
        storefront: s(),
        usage_signer: s(),
        registrar,
        siwe_domain: s(),
        version: s(),
    };
    let error = |reasons| ErrorBody { error: ErrorCode::UploadRefused, message: s(), reasons };
    let nonce = IssuedNonce { nonce: s(), domain: s(), chain_id: 1, expires_at: s() };
    let session = IssuedSession { token: s(), address: s(), expires_at: s() };
    let sign_in = SignInRequest { message: s(), signature: s() };
    let allocate = AllocateKeyRequest { plan_id: s() };
    let allocation = KeyAllocation {
        btns_key: s(),
        btns_key_hex: s(),
        minter: s(),
        plan_id: s(),
        deadline: s(),
        signature: s(),
        storefront: s(),
        chain_id: s(),
    };
    let registered = Registered {
        token_id: s(),
        btns_key: s(),
        btns_key_hex: s(),
        sequence: s(),
        head_cid: s(),
        published: true,
    };
    let listed = ListedFile { entry: file(), encrypted: true };
    let listing = |next| Listing { files: vec![listed.clone()], next };
    let health =
        Health { status: HealthStatus::Ok, storage: s(), chain: s(), pending_publishes: 0 };
    let page = RawBlockCid::of(b"page").into();
    vec![
        ("Error", sample(&error(vec![Refusal::Paused]), &error(vec![]))),
        ("Nonce", sample(&nonce, &nonce)),
        ("SignIn", sample(&sign_in, &sign_in)),
        ("Session", sample(&session, &session)),
        ("AllocateKey", sample(&allocate, &allocate)),
        ("KeyAllocation", sample(&allocation, &allocation)),
        ("Registered", sample(&registered, &registered)),
        ("UsageChange", sample(&change, &change)),
        ("FileEntry", sample(&file(), &file())),
        ("ListedFile", sample(&listed, &listed)),
        ("Listing", sample(&listing(Some(s())), &listing(None))),
        ("UsageDocument", sample(&document(Some(page)), &document(None))),
        ("Info", sample(&info(Some(s())), &info(None))),
        ("Health", sample(&health, &health)),
    ]
}

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

fn schema_keys(schema: &Map<String, Value>, field: &str) -> Vec<String> {
    let mut k: Vec<String> = match schema.get(field) {
        Some(Value::Object(m)) => m.keys().cloned().collect(),
        Some(Value::Array(a)) => a.iter().map(|v| v.as_str().unwrap().to_owned()).collect(),
        _ => Vec::new(),
    };
    k.sort();
    k
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_u64() || n.is_i64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn admits(property: &Value, v: &Value) -> bool {
    if property.get("$ref").is_some() {
        return v.is_object();
    }
    match &property["type"] {
        Value::String(t) => t == json_type(v),
        Value::Array(ts) => ts.iter().any(|t| t == json_type(v)),
        _ => false,
    }
}

#[test]
fn every_schema_is_what_its_type_serializes() {
    let spec = spec();
    let schemas = spec["components"]["schemas"].as_object().unwrap();
    let samples = samples();
    let mut named: Vec<&str> = samples.iter().map(|(n, _)| *n).collect();
    named.sort_unstable();
    let mut listed: Vec<&str> = schemas.keys().map(String::as_str).collect();
    listed.sort_unstable();
    assert_eq!(named, listed, "every schema has a type here, and every type a schema");
    for (name, sample) in &samples {
        let schema = schemas[*name].as_object().unwrap();
        assert_eq!(schema_keys(schema, "properties"), keys(&sample.full), "{name}: properties");
        assert_eq!(schema_keys(schema, "required"), keys(&sample.minimal), "{name}: required");
        for (field, value) in sample.full.as_object().unwrap() {
            let property = &schema["properties"][field];
            assert!(admits(property, value), "{name}.{field}: {property} does not admit {value}");
        }
        for (field, value) in sample.minimal.as_object().unwrap() {
            let property = &schema["properties"][field];
            assert!(admits(property, value), "{name}.{field}: {property} does not admit {value}");
        }
        let closed = schema.get("additionalProperties") == Some(&Value::Bool(false));
        assert_eq!(closed, !sample.takes_unknown_fields, "{name}: additionalProperties");
    }
}

#[test]
fn every_enum_lists_exactly_the_rust_names() {
    let spec = spec();
    let schemas = &spec["components"]["schemas"];
    let codes: Vec<Value> = ErrorCode::ALL.iter().map(|c| json!(c)).collect();
    assert_eq!(schemas["Error"]["properties"]["error"]["enum"], json!(codes));
    let reasons: Vec<Value> = Refusal::ALL.iter().map(|r| json!(r)).collect();
    assert_eq!(schemas["Error"]["properties"]["reasons"]["items"]["enum"], json!(reasons));
    let statuses = [HealthStatus::Ok, HealthStatus::Degraded].map(|s| json!(s));
    assert_eq!(schemas["Health"]["properties"]["status"]["enum"], json!(statuses));
}
