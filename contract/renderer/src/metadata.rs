//! The metadata document of a token: ERC-721 metadata JSON with OpenSea-style attributes and a
//! small SVG usage bar, as a `data:` URI.
//!
//! Every string put into the JSON is ASCII without quotes or backslashes (fixed text, numbers,
//! base58, base64), so nothing needs escaping.

use alloc::string::String;

use crate::text::{per_mille, push_base58, push_base64, push_bytes, push_decimal, push_percent};

/// What the document shows, as the core reports it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Token<'a> {
    /// The token id.
    pub id: u64,
    /// Bytes the token may store.
    pub quota_bytes: u64,
    /// Bytes stored, as last synced.
    pub used_bytes: u64,
    /// Uploads the token may make.
    pub upload_limit: u32,
    /// Uploads made, as last synced.
    pub upload_count: u32,
    /// Unix time of the last sync (or of the mint).
    pub last_synced_at: u64,
    /// The BTNS key bytes (libp2p peer id); empty while unregistered.
    pub btns_key: &'a [u8],
}

const DESCRIPTION: &str = "Storage on BTFS: a quota of bytes and uploads, served under the \
    token's BTNS name by a PX node and synced on-chain through Chainlink.";

/// Width of the SVG's usage bar in user units.
const BAR_WIDTH: u64 = 288;

/// The token's `tokenURI`: `data:application/json;base64,` and the JSON document.
pub fn token_uri(token: &Token<'_>) -> String {
    let mut uri = String::from("data:application/json;base64,");
    push_base64(&mut uri, json(token).as_bytes());
    uri
}

/// The JSON document.
pub fn json(token: &Token<'_>) -> String {
    let usage = per_mille(token.used_bytes, token.quota_bytes);
    let mut out = String::from("{\"name\":\"PX Storage NFT #");
    push_decimal(&mut out, token.id);
    out.push_str("\",\"description\":\"");
    out.push_str(DESCRIPTION);
    out.push_str("\",\"image\":\"data:image/svg+xml;base64,");
    push_base64(&mut out, svg(token, usage).as_bytes());

    out.push_str("\",\"attributes\":[{\"trait_type\":\"Capacity\",\"value\":\"");
    push_bytes(&mut out, token.quota_bytes);
    number(&mut out, "Capacity (bytes)", token.quota_bytes);
    out.push_str(",{\"trait_type\":\"Used\",\"value\":\"");
    push_bytes(&mut out, token.used_bytes);
    number(&mut out, "Used (bytes)", token.used_bytes);
    out.push_str(",{\"trait_type\":\"Usage %\",\"display_type\":\"number\",\"value\":");
    push_percent(&mut out, usage);
    out.push_str("},{\"trait_type\":\"Uploads\",\"display_type\":\"number\",\"value\":");
    push_decimal(&mut out, token.upload_count.into());
    out.push_str(",\"max_value\":");
    push_decimal(&mut out, token.upload_limit.into());
    out.push_str("},{\"trait_type\":\"BTNS name\",\"value\":\"");
    if token.btns_key.is_empty() {
        out.push_str("unregistered");
    } else {
        push_base58(&mut out, token.btns_key);
    }
    out.push_str("\"},{\"trait_type\":\"Last sync\",\"display_type\":\"date\",\"value\":");
    push_decimal(&mut out, token.last_synced_at);
    out.push_str("}]}");
    out
}

/// Closes the text attribute before it and appends a numeric one.
fn number(out: &mut String, trait_type: &str, value: u64) {
    out.push_str("\"},{\"trait_type\":\"");
    out.push_str(trait_type);
    out.push_str("\",\"display_type\":\"number\",\"value\":");
    push_decimal(out, value);
    out.push('}');
}

/// A 320 x 100 card: the token's name, a usage bar (red from 90 %), used / capacity.
pub fn svg(token: &Token<'_>, usage_per_mille: u64) -> String {
    let mut out = String::from(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 320 100\">\
         <rect width=\"320\" height=\"100\" rx=\"8\" fill=\"#0b1a2a\"/>\
         <text x=\"16\" y=\"30\" fill=\"#fff\" font-family=\"monospace\" font-size=\"16\">\
         PX Storage NFT #",
    );
    push_decimal(&mut out, token.id);
    out.push_str(
        "</text><rect x=\"16\" y=\"46\" width=\"288\" height=\"12\" rx=\"6\" fill=\"#334\"/>\
         <rect x=\"16\" y=\"46\" height=\"12\" rx=\"6\" fill=\"",
    );
    out.push_str(if usage_per_mille >= 900 { "#e54" } else { "#2c8" });
    out.push_str("\" width=\"");
    push_decimal(&mut out, usage_per_mille.min(1000) * BAR_WIDTH / 1000);
    out.push_str(
        "\"/><text x=\"16\" y=\"84\" fill=\"#ccd\" font-family=\"monospace\" font-size=\"13\">",
    );
    push_bytes(&mut out, token.used_bytes);
    out.push_str(" / ");
    push_bytes(&mut out, token.quota_bytes);
    out.push_str(" (");
    push_percent(&mut out, usage_per_mille);
    out.push_str("%)</text></svg>");
    out
}
