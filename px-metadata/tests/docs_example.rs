//! `docs/usage-metadata.md` shows a document built by `examples/usage_document.rs`: this test
//! rebuilds it and checks that the doc shows exactly its bytes, CIDs and digest, and that the
//! document verifies as the adapter verifies it.

#[path = "../examples/usage_document.rs"]
mod example;

use px_metadata::VerifiedDocument;

#[test]
fn the_docs_show_the_example_document_byte_for_byte() {
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/usage-metadata.md"))
            .expect("docs/usage-metadata.md");
    let (head, page) = example::example();
    let checked = VerifiedDocument::verify(head.cid, &head.bytes).expect("the example verifies");
    let shown = [
        String::from_utf8(head.bytes.clone()).expect("UTF-8"),
        head.cid.to_string(),
        format!("{:#x}", head.cid.digest()),
        format!("{:#x}", checked.document.signer),
        String::from_utf8(page.bytes.clone()).expect("UTF-8"),
        page.cid.to_string(),
    ];
    for text in shown {
        assert!(doc.contains(&text), "docs/usage-metadata.md does not show {text}");
    }
}
