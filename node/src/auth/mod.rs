//! Sign-In with Ethereum (EIP-4361) and session tokens.
//!
//! 1. `GET /v1/auth/nonce` issues a random nonce, usable once, for a few minutes; at most
//!    `max_nonces_per_client` outstanding per client (peer IP) and `max_nonces` in all, so one
//!    client cannot take every nonce. Nonces expire in issue order (one lifetime for all), so
//!    expiry pops the oldest: O(1) per nonce, never a scan of the table.
//! 2. The wallet signs a SIWE message naming this node's domain, the chain id, that nonce and
//!    an expiration time (`personal_sign`, EIP-191).
//! 3. `POST /v1/auth/sign-in` checks all of it: the nonce is consumed before the signature is
//!    looked at, so a message can be tried once, replayed never. An EOA's signature must
//!    recover to the message's address, checked locally: no RPC call; only a signature that
//!    does not (a contract wallet's) costs the chain calls of ERC-1271 (the address has code
//!    and `isValidSignature(hash, signature)` answers the magic value).
//! 4. The answer is an opaque bearer token, valid until the message's expiry or the node's
//!    session limit, whichever is first. Sessions live in memory: a restart signs everyone out.

use std::{
    collections::{HashMap, VecDeque},
    net::IpAddr,
    str::FromStr,
    sync::{Arc, Mutex},
    time::Duration,
};

use alloy::primitives::{Address, B256, Bytes, Signature, eip191_hash_message};
pub use px_node_api::siwe_message;
use px_node_api::{IssuedNonce, IssuedSession, siwe::rfc3339};
use rand::Rng;
use time::OffsetDateTime;

use crate::{chain::Chain, error::NodeError, metrics::Metrics};

/// Allowed clock difference for `Issued At` in the future.
const CLOCK_SKEW_SECS: i64 = 60;

/// A signed-in caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Session {
    /// The address that signed in.
    pub address: Address,
    /// When the session ends (Unix seconds).
    pub expires_at: i64,
}

/// Settings of sign-in.
#[derive(Debug, Clone)]
pub struct AuthSettings {
    /// The domain messages must name.
    pub domain: String,
    /// The chain id messages must name.
    pub chain_id: u64,
    /// Nonce lifetime.
    pub nonce_ttl: Duration,
    /// Most outstanding nonces.
    pub max_nonces: usize,
    /// Most outstanding nonces of one client (peer IP).
    pub max_nonces_per_client: usize,
    /// Longest session.
    pub session_ttl: Duration,
}

/// Nonces and sessions.
#[derive(Debug)]
pub struct Auth {
    settings: AuthSettings,
    chain: Arc<dyn Chain>,
    metrics: Arc<Metrics>,
    nonces: Mutex<Nonces>,
    sessions: Mutex<HashMap<String, Session>>,
}

/// Outstanding nonces: by value, in issue order (= expiry order), and counted per client.
#[derive(Debug, Default)]
struct Nonces {
    live: HashMap<String, (i64, Option<IpAddr>)>,
    order: VecDeque<(i64, String)>,
    per_client: HashMap<Option<IpAddr>, usize>,
}

impl Nonces {
    /// Forgets nonces expired at `now` (the oldest first; each nonce is popped once).
    fn expire(&mut self, now: i64) {
        while let Some((expires, _)) = self.order.front()
            && *expires <= now
        {
            let (_, nonce) = self.order.pop_front().unwrap_or_default();
            self.forget(&nonce);
        }
    }

    /// Removes `nonce`; its expiry if it was outstanding.
    fn forget(&mut self, nonce: &str) -> Option<i64> {
        let (expires, client) = self.live.remove(nonce)?;
        if let Some(n) = self.per_client.get_mut(&client) {
            *n -= 1;
            if *n == 0 {
                self.per_client.remove(&client);
            }
        }
        Some(expires)
    }
}

fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

fn random_alphanumeric(len: usize) -> String {
    let mut rng = rand::rng();
    (0..len).map(|_| char::from(rng.sample(rand::distr::Alphanumeric))).collect()
}

fn refuse(why: impl Into<String>) -> NodeError {
    NodeError::Unauthorized(why.into())
}

impl Auth {
    /// Sign-in for this node.
    pub fn new(settings: AuthSettings, chain: Arc<dyn Chain>, metrics: Arc<Metrics>) -> Self {
        Self { settings, chain, metrics, nonces: Mutex::default(), sessions: Mutex::default() }
    }

    /// Issues a nonce to `client` (its peer IP; `None` when unknown); 429 when that client or
    /// all clients have too many outstanding.
    pub fn issue_nonce(&self, client: Option<IpAddr>) -> Result<IssuedNonce, NodeError> {
        let now = now();
        let mut nonces = self.nonces.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        nonces.expire(now);
        if nonces.per_client.get(&client).copied().unwrap_or(0)
            >= self.settings.max_nonces_per_client
        {
            self.metrics.sign_in("nonce_refused_client_limit");
            return Err(NodeError::TooManyRequests(
                "too many sign-ins in progress from this address; retry shortly".into(),
            ));
        }
        if nonces.live.len() >= self.settings.max_nonces {
            self.metrics.sign_in("nonce_refused_total_limit");
            return Err(NodeError::TooManyRequests(
                "too many sign-ins in progress; retry shortly".into(),
            ));
        }
        let nonce = random_alphanumeric(17);
        let expires = now + i64::try_from(self.settings.nonce_ttl.as_secs()).unwrap_or(i64::MAX);
        nonces.live.insert(nonce.clone(), (expires, client));
        nonces.order.push_back((expires, nonce.clone()));
        *nonces.per_client.entry(client).or_default() += 1;
        Ok(IssuedNonce {
            nonce,
            domain: self.settings.domain.clone(),
            chain_id: self.settings.chain_id,
            expires_at: rfc3339(expires),
        })
    }

    /// Verifies a signed SIWE `message` and opens a session.
    pub async fn sign_in(
        &self,
        message: &str,
        signature: &str,
    ) -> Result<IssuedSession, NodeError> {
        let result = self.verify(message, signature).await;
        self.metrics.sign_in(if result.is_ok() { "ok" } else { "refused" });
        let session = result?;
        let token = random_alphanumeric(43);
        self.sessions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(token.clone(), session);
        Ok(IssuedSession {
            token,
            address: session.address.to_checksum(None),
            expires_at: rfc3339(session.expires_at),
        })
    }

    async fn verify(&self, text: &str, signature: &str) -> Result<Session, NodeError> {
        let message = siwe::Message::from_str(text)
            .map_err(|e| NodeError::BadRequest(format!("not an EIP-4361 message: {e}")))?;
        if message.domain.as_str() != self.settings.domain {
            return Err(refuse(format!(
                "message is for domain {}, this node is {}",
                message.domain, self.settings.domain
            )));
        }
        if message.chain_id != self.settings.chain_id {
            return Err(refuse(format!(
                "message is for chain {}, this node serves chain {}",
                message.chain_id, self.settings.chain_id
            )));
        }
        // Consumed before anything else can fail: every nonce buys exactly one attempt.
        let now = now();
        let issued = self
            .nonces
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .forget(&message.nonce);
        if issued.is_none_or(|expires| expires <= now) {
            return Err(refuse("nonce unknown, expired or already used"));
        }
        let expires = message
            .expiration_time
            .as_ref()
            .map(|t| t.as_ref().unix_timestamp())
            .ok_or_else(|| refuse("message has no Expiration Time"))?;
        if expires <= now {
            return Err(refuse("message expired"));
        }
        if message.not_before.as_ref().is_some_and(|t| t.as_ref().unix_timestamp() > now) {
            return Err(refuse("message is not valid yet (Not Before)"));
        }
        if message.issued_at.as_ref().unix_timestamp() > now + CLOCK_SKEW_SECS {
            return Err(refuse("message is issued in the future"));
        }
        let address = Address::from(message.address);
        let sig = parse_hex(signature)?;
        // The exact text that was signed, whatever spelling the parser would reprint.
        let hash = eip191_hash_message(text.as_bytes());
        self.check_signature(address, hash, sig).await?;
        let session_end =
            now + i64::try_from(self.settings.session_ttl.as_secs()).unwrap_or(i64::MAX);
        Ok(Session { address, expires_at: expires.min(session_end) })
    }

    async fn check_signature(
        &self,
        address: Address,
        hash: B256,
        sig: Bytes,
    ) -> Result<(), NodeError> {
        // Locally first: an EOA's signature costs no RPC call.
        let recovered = Signature::try_from(sig.as_ref())
            .ok()
            .and_then(|s| s.recover_address_from_prehash(&hash).ok());
        if recovered == Some(address) {
            return Ok(());
        }
        let has_code = self.chain.has_code(address).await?;
        if has_code {
            let valid = self.chain.is_valid_signature(address, hash, sig).await?;
            return if valid {
                Ok(())
            } else {
                Err(refuse("the contract wallet rejects the signature (ERC-1271)"))
            };
        }
        match recovered {
            Some(by) => Err(refuse(format!("signature is by {by}, the message names {address}"))),
            None => Err(refuse("malformed signature")),
        }
    }

    /// The session of bearer `token`, if it is valid now.
    pub fn session(&self, token: &str) -> Result<Session, NodeError> {
        let now = now();
        let mut sessions = self.sessions.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match sessions.get(token).copied() {
            Some(s) if s.expires_at > now => Ok(s),
            Some(_) => {
                sessions.remove(token);
                Err(refuse("session expired; sign in again"))
            }
            None => Err(refuse("unknown session; sign in first")),
        }
    }

    /// Drops expired sessions and nonces (called periodically).
    pub fn purge(&self) {
        let now = now();
        self.sessions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .retain(|_, s| s.expires_at > now);
        self.nonces.lock().unwrap_or_else(std::sync::PoisonError::into_inner).expire(now);
    }
}

fn parse_hex(s: &str) -> Result<Bytes, NodeError> {
    let hex = s.strip_prefix("0x").unwrap_or(s);
    alloy::hex::decode(hex)
        .map(Bytes::from)
        .map_err(|_| NodeError::BadRequest("signature must be 0x hex".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_a_message_the_siwe_parser_reads_back() {
        let a = Address::repeat_byte(0x11);
        let text = siwe_message(
            "localhost:8090",
            a,
            412_346,
            "abcdefgh12345678",
            1_800_000_000,
            1_800_000_600,
        );
        let m = siwe::Message::from_str(&text).unwrap();
        assert_eq!(Address::from(m.address), a);
        assert_eq!(m.chain_id, 412_346);
        assert_eq!(m.domain.as_str(), "localhost:8090");
        assert_eq!(m.expiration_time.unwrap().as_ref().unix_timestamp(), 1_800_000_600);
    }

    #[test]
    fn error_when_the_text_is_not_eip_4361() {
        assert!(siwe::Message::from_str("hello").is_err());
    }
}
