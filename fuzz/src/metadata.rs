//! px-metadata: the head document and its pages, the text forms, the report signature.

use alloy::{
    primitives::{Address, U256},
    signers::local::PrivateKeySigner,
};
use arbitrary::Arbitrary;
use px_metadata::{
    BtnsKey, Cid, Error, FilesPage, RawBlockCid, ReportFields, ReportSignature, Timestamp,
    UsageDocument, VerifiedDocument, decimal::StrictDecimal,
};

/// A head that parses is the one spelling of its state: it re-serializes to the same bytes,
/// and end-to-end verification reads the same document (or refuses only its signature).
pub fn usage_document(data: &[u8]) {
    let Ok(doc) = UsageDocument::from_json(data) else { return };
    assert_eq!(
        String::from_utf8_lossy(&doc.to_json()),
        String::from_utf8_lossy(data),
        "a parsed head re-serializes to the bytes it was parsed from"
    );
    match VerifiedDocument::verify(RawBlockCid::of(data), data) {
        Ok(checked) => assert_eq!(checked.document, doc),
        Err(Error::SignerMismatch { claimed, .. }) => assert_eq!(claimed, doc.signer),
        Err(e @ Error::MalformedSignature(_)) => drop(e),
        Err(other) => panic!("verify refused a head from_json accepts: {other}"),
    }
}

/// A page that parses re-serializes to the same bytes, and so to the CID of those bytes.
pub fn files_page(data: &[u8]) {
    let Ok(page) = FilesPage::from_json(data) else { return };
    let encoded = page.encode();
    assert_eq!(
        String::from_utf8_lossy(&encoded.bytes),
        String::from_utf8_lossy(data),
        "a parsed page re-serializes to the bytes it was parsed from"
    );
    assert_eq!(encoded.cid, RawBlockCid::of(data));
    assert_eq!(FilesPage::verify(encoded.cid, data).as_ref(), Ok(&page));
}

/// Text forms: a key in any form is the same bytes in every other form; a CID keeps its
/// spelling and a raw block CID its digest; a time prints as a time that parses to it; a
/// strict decimal has one spelling.
pub fn text_forms(data: &[u8]) {
    if let Ok(key) = BtnsKey::from_bytes(data) {
        key_forms(&key);
    }
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(key) = text.parse::<BtnsKey>() {
        key_forms(&key);
    }
    // In the document only the canonical form is read.
    if let Ok(key) = serde_json::from_value::<BtnsKey>(serde_json::Value::from(text)) {
        assert_eq!(key.to_hex(), text);
    }
    if let Ok(cid) = text.parse::<Cid>() {
        assert_eq!(cid.as_str(), text, "a CID keeps the spelling it was given");
        assert_eq!(cid.to_string().parse::<Cid>().as_ref(), Ok(&cid));
    }
    if let Ok(raw) = text.parse::<RawBlockCid>() {
        let canonical = raw.to_string();
        assert_eq!(canonical.parse::<RawBlockCid>(), Ok(raw));
        let general: Cid = raw.into();
        let given: Cid = text.parse().expect("a raw block CID is a CID");
        assert_eq!(general.multihash(), given.multihash(), "one digest in every spelling");
        assert_eq!(&raw.to_bytes()[2..], general.multihash());
    }
    if let Ok(time) = Timestamp::parse(text) {
        let printed = time.to_string();
        assert_eq!(Timestamp::parse(&printed), Ok(time), "{printed:?}");
        assert_eq!(Timestamp::from_unix(time.unix()).map(|t| t.unix()), Ok(time.unix()));
    }
    for parsed in [
        u64::parse_strict(text).map(|v| v.to_string()),
        U256::parse_strict(text).map(|v| v.to_string()),
    ]
    .into_iter()
    .flatten()
    {
        assert_eq!(parsed, text, "a strict decimal has one spelling");
    }
}

fn key_forms(key: &BtnsKey) {
    let hex = key.to_hex();
    for form in [
        key.to_base58(),
        key.to_cid_base36(),
        hex.clone(),
        hex.to_uppercase().replacen("0X", "0x", 1),
    ] {
        assert_eq!(form.parse::<BtnsKey>().as_ref(), Ok(key), "{form}");
    }
    assert_eq!(BtnsKey::from_bytes(key.as_bytes()).as_ref(), Ok(key));
    let json = serde_json::to_value(key).expect("a key serializes");
    assert_eq!(json, serde_json::Value::from(hex));
    assert_eq!(serde_json::from_value::<BtnsKey>(json).ok().as_ref(), Some(key));
}

/// The signed fields and a candidate signature.
#[derive(Debug, Arbitrary)]
pub struct ReportInput {
    signature: [u8; 65],
    chain_id: u64,
    contract: [u8; 20],
    token_id: [u8; 32],
    btns_key: Vec<u8>,
    sequence: u64,
    used_bytes: u64,
    upload_count: u32,
}

/// A signature that parses is its bytes in every form (`r`, `s`, `v`, text, JSON); a report
/// signed by the node's signer is accepted and recovers to it, for every field value.
pub fn report_signature(input: &ReportInput) {
    if let Ok(sig) = ReportSignature::from_bytes(&input.signature) {
        assert_eq!(sig.to_bytes(), input.signature);
        assert_eq!(sig.r().as_slice(), &input.signature[..32]);
        assert_eq!(sig.s().as_slice(), &input.signature[32..64]);
        assert_eq!(sig.v(), input.signature[64]);
        assert_eq!(sig.to_string().parse::<ReportSignature>(), Ok(sig));
        let json = serde_json::to_value(sig).expect("a signature serializes");
        assert_eq!(serde_json::from_value::<ReportSignature>(json).ok(), Some(sig));
    }
    let Ok(btns_key) = BtnsKey::from_bytes(&input.btns_key) else { return };
    let fields = ReportFields {
        chain_id: input.chain_id,
        contract: Address::from(input.contract),
        token_id: U256::from_be_bytes(input.token_id),
        btns_key,
        sequence: input.sequence,
        used_bytes: input.used_bytes,
        upload_count: input.upload_count,
    };
    if let Ok(sig) = ReportSignature::from_bytes(&input.signature) {
        // Any address or a refusal; never a panic.
        let _ = fields.recover(&sig);
    }
    let node = node_signer();
    let signed = fields.sign(node).expect("the node's signer signs any report");
    assert_eq!(ReportSignature::from_bytes(&signed.to_bytes()), Ok(signed));
    assert_eq!(fields.recover(&signed), Ok(node.address()));
}

/// A development key (anvil's first account): the fuzz targets sign with it, nothing else.
fn node_signer() -> &'static PrivateKeySigner {
    static SIGNER: std::sync::OnceLock<PrivateKeySigner> = std::sync::OnceLock::new();
    SIGNER.get_or_init(|| {
        "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
            .parse()
            .expect("a development key")
    })
}
