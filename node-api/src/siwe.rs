//! The EIP-4361 (Sign-In with Ethereum) message a wallet signs to sign in to a node.

use alloy::primitives::Address;

/// RFC 3339 of Unix seconds (empty when out of range).
pub fn rfc3339(unix: i64) -> String {
    px_metadata::Timestamp::from_unix(unix).map(|t| t.to_string()).unwrap_or_default()
}

/// The EIP-4361 message a wallet signs to sign in to a node at `domain` (what dApps and `px`
/// produce): the URI is `https://<domain>` (or `http://` for `localhost`/loopback), valid from
/// `issued_at` until `expires_at` (Unix seconds).
pub fn siwe_message(
    domain: &str,
    address: Address,
    chain_id: u64,
    nonce: &str,
    issued_at: i64,
    expires_at: i64,
) -> String {
    let local = domain.starts_with("localhost") || domain.starts_with("127.0.0.1");
    let scheme = if local { "http" } else { "https" };
    format!(
        "{domain} wants you to sign in with your Ethereum account:\n{}\n\nSign in to the PX node.\n\nURI: {scheme}://{domain}\nVersion: 1\nChain ID: {chain_id}\nNonce: {nonce}\nIssued At: {}\nExpiration Time: {}",
        address.to_checksum(None),
        rfc3339(issued_at),
        rfc3339(expires_at)
    )
}
