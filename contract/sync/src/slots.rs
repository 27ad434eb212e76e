//! How request state is packed into storage words (big-endian fields).
//!
//! | word              | bytes 0..8 | 8..12      | 12..32   |
//! |-------------------|------------|------------|----------|
//! | pending `head`    | token id   | expires at | payer    |
//!
//! | word              | 0..20      | 20..32     |
//! |-------------------|------------|------------|
//! | pending `tail`    | operator   | fee (u96)  |
//!
//! A CRE request has no operator (zero, which no Direct Request has: it needs one configured),
//! so the operator field also tells the route; its fee is in wei, a Direct Request's in juels.
//!
//! | word              | 0..8         | 8..16          | 16..24            | 24..32 |
//! |-------------------|--------------|----------------|-------------------|--------|
//! | per-token         | latest nonce | latest expiry  | last sponsored at | zero   |
//!
//! A request costs two new words and its fulfilment deletes them (a refund); the per-token word
//! is written once per request. Expiry times are seconds and fit in 32 bits until 2106.

use alloy_primitives::{Address, B256, U256};

fn read_u64(word: &B256, at: usize) -> u64 {
    let mut buf = [0u8; 8];
    buf.copy_from_slice(&word[at..at + 8]);
    u64::from_be_bytes(buf)
}

/// A request waiting for its fulfilment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pending {
    /// The token to sync (0 = no such request).
    pub token_id: u64,
    /// When the Operator lets the requester cancel (block time + 5 minutes).
    pub expires_at: u32,
    /// Who paid: the program itself for a sponsored sync, else the LINK sender.
    pub payer: Address,
    /// The only address that may fulfil a Direct Request; zero for a CRE request.
    pub operator: Address,
    /// Paid by the payer, refunded on cancellation: LINK juels (Direct Request) or wei (CRE).
    pub fee: u128,
}

impl Pending {
    /// Unpacks the two words.
    pub fn decode(head: B256, tail: B256) -> Self {
        let mut expiry = [0u8; 4];
        expiry.copy_from_slice(&head[8..12]);
        let mut fee = [0u8; 16];
        fee[4..].copy_from_slice(&tail[20..]);
        Self {
            token_id: read_u64(&head, 0),
            expires_at: u32::from_be_bytes(expiry),
            payer: Address::from_slice(&head[12..]),
            operator: Address::from_slice(&tail[..20]),
            fee: u128::from_be_bytes(fee),
        }
    }

    /// Packs into `(head, tail)`; `fee` must fit in 96 bits (`setOracle` checks it).
    pub fn encode(&self) -> (B256, B256) {
        let mut head = B256::ZERO;
        head[..8].copy_from_slice(&self.token_id.to_be_bytes());
        head[8..12].copy_from_slice(&self.expires_at.to_be_bytes());
        head[12..].copy_from_slice(self.payer.as_slice());
        let mut tail = B256::ZERO;
        tail[..20].copy_from_slice(self.operator.as_slice());
        tail[20..].copy_from_slice(&self.fee.to_be_bytes()[4..]);
        (head, tail)
    }

    /// Whether it is a CRE request (answered through `onReport`).
    pub fn is_cre(&self) -> bool {
        self.operator.is_zero()
    }

    /// The route as `pendingRequest` and `SyncRequested` name it (0 = no request).
    pub fn route(&self) -> u8 {
        match (self.token_id, self.is_cre()) {
            (0, _) => 0,
            (_, true) => crate::cre::ROUTE_CRE,
            (_, false) => crate::cre::ROUTE_DIRECT,
        }
    }

    /// The token id as the ABI carries it.
    pub fn token(&self) -> U256 {
        U256::from(self.token_id)
    }
}

/// A token's request state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TokenSync {
    /// Nonce of the token's latest request (0 = never requested).
    pub latest_nonce: u64,
    /// Expiry of that request.
    pub latest_expiry: u64,
    /// Block time of the last sponsored request (0 = never, or cancelled).
    pub last_sponsored_at: u64,
}

impl TokenSync {
    /// Unpacks the word.
    pub fn decode(word: B256) -> Self {
        Self {
            latest_nonce: read_u64(&word, 0),
            latest_expiry: read_u64(&word, 8),
            last_sponsored_at: read_u64(&word, 16),
        }
    }

    /// Packs into a word.
    pub fn encode(&self) -> B256 {
        let mut word = B256::ZERO;
        word[..8].copy_from_slice(&self.latest_nonce.to_be_bytes());
        word[8..16].copy_from_slice(&self.latest_expiry.to_be_bytes());
        word[16..24].copy_from_slice(&self.last_sponsored_at.to_be_bytes());
        word
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn pending_round_trips(token_id: u64, expires_at: u32, payer: [u8; 20], operator: [u8; 20],
                               fee in 0u128..(1u128 << 96)) {
            let pending = Pending {
                token_id, expires_at, payer: payer.into(), operator: operator.into(), fee,
            };
            let (head, tail) = pending.encode();
            prop_assert_eq!(Pending::decode(head, tail), pending);
        }

        #[test]
        fn token_sync_round_trips(latest_nonce: u64, latest_expiry: u64, last_sponsored_at: u64) {
            let state = TokenSync { latest_nonce, latest_expiry, last_sponsored_at };
            prop_assert_eq!(TokenSync::decode(state.encode()), state);
        }
    }

    #[test]
    fn an_empty_word_is_no_request() {
        assert_eq!(Pending::decode(B256::ZERO, B256::ZERO).token_id, 0);
        assert_eq!(TokenSync::decode(B256::ZERO), TokenSync::default());
    }
}
