//! The shared `px-enc/1` vectors (`vectors/px-enc-1.json`): this crate and the TypeScript SDK
//! (`sdk/test/unit/encryption.test.ts`) must both produce every ciphertext byte for byte and
//! refuse every failure with the same error kind, so each decrypts what the other encrypts.
//!
//! `UPDATE_VECTORS=1 cargo test -p px-encryption --test vectors -- vectors_are_current`
//! rewrites the file (only when the format deliberately changes: then `docs/wire-formats.md`
//! changes in the same commit).

use std::path::PathBuf;

use alloy::signers::{SignerSync, local::PrivateKeySigner};
use px_encryption::{MasterKey, format::ciphertext_len_with, key_message, seal::decrypt};
use serde_json::{Value, json};

/// px-devnet's development account 5 (anvil's public key 5; never use it elsewhere).
const KEY: &str = "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba";
/// Development account 6.
const OTHER_KEY: &str = "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e";
const CHAIN_ID: u64 = 412_346;
const COLLECTION: [u8; 20] = [
    0xa5, 0x13, 0xe6, 0xe4, 0xb8, 0xf2, 0xa9, 0x23, 0xd9, 0x83, 0x04, 0xec, 0x87, 0xf6, 0x43, 0x53,
    0xc4, 0xd5, 0xc8, 0x53,
];

fn path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("vectors/px-enc-1.json")
}

fn hex(bytes: &[u8]) -> String {
    format!("0x{}", alloy::hex::encode(bytes))
}

fn unhex(v: &Value) -> Vec<u8> {
    alloy::hex::decode(v.as_str().expect("hex string")).expect("hex")
}

fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| u8::try_from((i * 31 + usize::from(seed)) % 251).unwrap_or(0)).collect()
}

fn key_entry(private_key: &str) -> (Value, MasterKey) {
    let signer: PrivateKeySigner = private_key.parse().expect("key");
    let message = key_message(CHAIN_ID, COLLECTION);
    let signature = signer.sign_message_sync(message.as_bytes()).expect("signs").as_bytes();
    let master = MasterKey::from_signature(&signature).expect("65 bytes");
    let entry = json!({
        "privateKey": private_key,
        "address": signer.address().to_string(),
        "chainId": CHAIN_ID,
        "collection": hex(&COLLECTION),
        "message": message,
        "signature": hex(&signature),
        "masterKey": hex(master.expose()),
    });
    (entry, master)
}

fn seal(master: &MasterKey, salt: [u8; 32], log2: u8, plain: &[u8]) -> Vec<u8> {
    let mut enc = px_encryption::Encryptor::with_salt(master, salt, log2).expect("chunk size");
    let mut out = Vec::new();
    // Pushed in odd pieces: the output must not depend on how the input arrives.
    for piece in plain.chunks(777) {
        enc.update(piece, &mut out).expect("update");
    }
    enc.finish(&mut out).expect("finish");
    assert_eq!(out.len() as u64, ciphertext_len_with(plain.len() as u64, log2));
    out
}

fn build() -> Value {
    let (key, master) = key_entry(KEY);
    let (other, _) = key_entry(OTHER_KEY);
    let mut cases = Vec::new();
    for (i, len) in [0usize, 1, 1023, 1024, 1025, 3072, 3100].into_iter().enumerate() {
        let salt = [u8::try_from(i + 1).unwrap_or(0); 32];
        let plain = pattern(len, 7);
        cases.push(json!({
            "name": format!("{len} bytes in 1 KiB chunks"),
            "chunkLog2": 10,
            "salt": hex(&salt),
            "plaintext": hex(&plain),
            "ciphertext": hex(&seal(&master, salt, 10, &plain)),
        }));
    }
    let large_plain = pattern(200_000, 3);
    let large_salt = [0x42; 32];
    let large = seal(&master, large_salt, 16, &large_plain);
    let sealed = 1024 + 16;
    let header = 56;
    let failures = json!([
        {"name": "cut at a chunk boundary", "case": 5, "op": {"truncate": header + 2 * sealed}, "error": "truncated"},
        {"name": "only the header", "case": 5, "op": {"truncate": header}, "error": "truncated"},
        {"name": "a cut header", "case": 5, "op": {"truncate": 30}, "error": "truncated"},
        {"name": "a cut tag", "case": 0, "op": {"truncate": header + 10}, "error": "truncated"},
        {"name": "cut inside the last chunk", "case": 6, "op": {"truncate": header + 3 * sealed + 20}, "error": "corrupted"},
        {"name": "a byte appended", "case": 5, "op": {"append": "0x00"}, "error": "corrupted"},
        {"name": "a bit flipped in chunk 1", "case": 5, "op": {"flip": header + sealed + 5}, "error": "corrupted"},
        {"name": "chunks 0 and 1 swapped", "case": 5, "op": {"swap": [header, header + sealed, sealed]}, "error": "corrupted"},
        {"name": "the chunk size changed in the header", "case": 5, "op": {"flip": 6}, "error": "corrupted"},
        {"name": "a bit flipped in the salt", "case": 5, "op": {"flip": 9}, "error": "wrongKey"},
        {"name": "a bit flipped in the key check", "case": 5, "op": {"flip": 45}, "error": "wrongKey"},
        {"name": "another wallet's key", "case": 5, "key": "other", "op": {}, "error": "wrongKey"},
        {"name": "version 2", "case": 5, "op": {"set": [5, "0x02"]}, "error": "unsupportedVersion"},
        {"name": "a plain file", "case": 5, "op": {"set": [0, "0x25504446"]}, "error": "notPxCiphertext"},
        {"name": "an empty file", "case": 0, "op": {"truncate": 0}, "error": "notPxCiphertext"},
    ]);
    json!({
        "description": "px-enc/1 test vectors (docs/wire-formats.md, Client-side encryption). Each case's ciphertext is what the encryptor with that salt and chunk size produces for the plaintext; every failure applies op to a case's ciphertext (truncate to N bytes, append hex, flip the low bit of the byte at an offset, swap [a, b, len] byte ranges, set [offset, hex]) and must be refused with that error kind. Checked by px-encryption (tests/vectors.rs) and @px/sdk (test/unit/encryption.test.ts).",
        "format": "px-enc/1",
        "key": key,
        "otherKey": other,
        "cases": cases,
        "large": {
            "chunkLog2": 16,
            "salt": hex(&large_salt),
            "plaintext": "200000 bytes, byte i = (31 i + 3) mod 251",
            "length": 200_000,
            "ciphertextLength": large.len(),
            "ciphertextSha256": hex(&sha256(&large)),
        },
        "failures": failures,
    })
}

fn sha256(data: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(data).into()
}

fn apply(op: &Value, mut bytes: Vec<u8>) -> Vec<u8> {
    if let Some(n) = op.get("truncate").and_then(Value::as_u64) {
        bytes.truncate(usize::try_from(n).unwrap_or(usize::MAX));
    } else if let Some(tail) = op.get("append") {
        bytes.extend(unhex(tail));
    } else if let Some(at) = op.get("flip").and_then(Value::as_u64) {
        bytes[usize::try_from(at).unwrap_or(0)] ^= 1;
    } else if let Some(s) = op.get("swap").and_then(Value::as_array) {
        let n: Vec<usize> =
            s.iter().map(|v| usize::try_from(v.as_u64().unwrap_or(0)).unwrap_or(0)).collect();
        let (a, b, len) = (n[0], n[1], n[2]);
        let first = bytes[a..a + len].to_vec();
        bytes.copy_within(b..b + len, a);
        bytes[b..b + len].copy_from_slice(&first);
    } else if let Some(s) = op.get("set").and_then(Value::as_array) {
        let at = usize::try_from(s[0].as_u64().unwrap_or(0)).unwrap_or(0);
        let with = unhex(&s[1]);
        bytes[at..at + with.len()].copy_from_slice(&with);
    }
    bytes
}

#[test]
fn vectors_are_current() {
    let built = build();
    if std::env::var_os("UPDATE_VECTORS").is_some() {
        std::fs::write(path(), serde_json::to_string_pretty(&built).expect("json") + "\n")
            .expect("writes the vectors");
    }
    let stored: Value =
        serde_json::from_str(&std::fs::read_to_string(path()).expect("vectors file"))
            .expect("json");
    assert_eq!(stored, built, "vectors/px-enc-1.json is stale: UPDATE_VECTORS=1 if intended");
}

#[test]
fn decrypts_every_case() {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path()).unwrap()).unwrap();
    let master = MasterKey::from_signature(&unhex(&v["key"]["signature"])).unwrap();
    assert_eq!(hex(master.expose()), v["key"]["masterKey"].as_str().unwrap());
    for case in v["cases"].as_array().unwrap() {
        let plain = decrypt(&master, &unhex(&case["ciphertext"])).unwrap();
        assert_eq!(plain, unhex(&case["plaintext"]), "{}", case["name"]);
    }
}

#[test]
fn error_when_a_failure_vector_is_decrypted() {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path()).unwrap()).unwrap();
    let master = MasterKey::from_signature(&unhex(&v["key"]["signature"])).unwrap();
    let other = MasterKey::from_signature(&unhex(&v["otherKey"]["signature"])).unwrap();
    for failure in v["failures"].as_array().unwrap() {
        let case = &v["cases"][usize::try_from(failure["case"].as_u64().unwrap()).unwrap()];
        let bytes = apply(&failure["op"], unhex(&case["ciphertext"]));
        let key = if failure["key"] == "other" { &other } else { &master };
        let err = decrypt(key, &bytes).expect_err(failure["name"].as_str().unwrap());
        assert_eq!(err.kind(), failure["error"].as_str().unwrap(), "{}", failure["name"]);
    }
}
