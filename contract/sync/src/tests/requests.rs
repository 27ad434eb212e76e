//! Sponsored and user-paid requests, and every reason to refuse one.

use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_sol_types::SolValue;
use px_contract_testing::CallKind;

use super::{
    ALICE, BOB, CoreToken, FEE, Fixture, GIB, LINK, OPERATOR, OWNER, STRANGER, SYNC, T0, TOKEN,
    WINDOW, btns_key, expiry,
};
use crate::{
    ERC721InsufficientApproval, EnforcedPause, Error, IncorrectFee, NoBtnsKey, OnlyLinkToken,
    SponsoredSyncUnavailable, SyncPending, SyncRequested, config::SyncConfig,
    requests::SyncRequests,
};

fn paid_by_link(f: &mut Fixture, sender: Address, amount: U256, token: U256) -> Result<(), Error> {
    f.sender(LINK);
    f.sync.on_token_transfer(sender, amount, token.abi_encode().into())
}

#[test]
fn requests_a_sponsored_sync_through_link_transfer_and_call() {
    let mut f = Fixture::new();
    let request_id = f.request();
    assert_eq!(request_id, Fixture::request_id(1));

    let link_calls = f.host.calls_to(LINK);
    assert_eq!(link_calls.len(), 1);
    assert_eq!(link_calls[0].kind, CallKind::Call);
    assert_eq!(link_calls[0].data, Fixture::expected_link_call(1, &btns_key(1), TOKEN));
    assert_eq!(
        f.sync.pending_request(request_id),
        (TOKEN, SYNC, expiry(T0), OPERATOR, FEE, 2),
        "the program paid"
    );
    assert_eq!(f.sync.latest_request_of(TOKEN), (request_id, expiry(T0)));
    assert_eq!(f.sync.last_sponsored_at(TOKEN), T0);
    assert_eq!(
        f.events::<SyncRequested>(),
        vec![SyncRequested {
            tokenId: TOKEN,
            requestId: request_id,
            payer: SYNC,
            route: 2,
            btnsKey: btns_key(1)
        }]
    );
}

#[test]
fn requests_a_sync_paid_by_the_sender_through_erc677() {
    let mut f = Fixture::new();
    f.core_knows(TOKEN, &CoreToken::default());
    paid_by_link(&mut f, ALICE, FEE, TOKEN).unwrap();
    let request_id = Fixture::request_id(1);
    assert_eq!(f.sync.pending_request(request_id).1, ALICE, "the sender paid");
    assert_eq!(f.sync.last_sponsored_at(TOKEN), 0, "no sponsorship used");
    assert_eq!(f.host.calls_to(LINK)[0].data, Fixture::expected_link_call(1, &btns_key(1), TOKEN));
    assert_eq!(
        f.events::<SyncRequested>(),
        vec![SyncRequested {
            tokenId: TOKEN,
            requestId: request_id,
            payer: ALICE,
            route: 2,
            btnsKey: btns_key(1)
        }]
    );
}

#[test]
fn requests_for_a_token_the_sender_may_operate() {
    let mut f = Fixture::new();
    // The core says BOB may operate ALICE's token when asked about BOB.
    let state = CoreToken { owner: BOB, ..CoreToken::default() };
    f.core_knows(TOKEN, &state);
    f.sender(BOB);
    f.sync.request_sync(TOKEN).unwrap();
}

#[test]
fn numbers_requests_per_program_from_one() {
    let mut f = Fixture::new();
    let first = f.request();
    f.core_knows(U256::from(8), &CoreToken::default());
    f.sender(ALICE);
    let second = f.sync.request_sync(U256::from(8)).unwrap();
    assert_eq!((first, second), (Fixture::request_id(1), Fixture::request_id(2)));
}

#[test]
fn error_when_a_stranger_requests() {
    let mut f = Fixture::new();
    f.core_knows(TOKEN, &CoreToken::default());
    f.sender(STRANGER);
    let err = f.sync.request_sync(TOKEN).unwrap_err();
    assert!(matches!(err,
        Error::InsufficientApproval(ERC721InsufficientApproval { operator, tokenId })
            if operator == STRANGER && tokenId == TOKEN));
    let err = paid_by_link(&mut f, STRANGER, FEE, TOKEN).unwrap_err();
    assert!(matches!(err, Error::InsufficientApproval(_)));
    assert!(f.host.calls_to(LINK).is_empty());
}

#[test]
fn error_when_the_token_does_not_exist() {
    let mut f = Fixture::new();
    // The core reverts for an unknown token (no mock: an empty answer does not decode).
    f.sender(ALICE);
    assert!(matches!(f.sync.request_sync(U256::from(99)), Err(Error::NonexistentToken(_))));
}

#[test]
fn error_when_the_token_has_no_key() {
    let mut f = Fixture::new();
    f.core_knows(TOKEN, &CoreToken { key: Bytes::new(), ..CoreToken::default() });
    f.sender(ALICE);
    let err = f.sync.request_sync(TOKEN).unwrap_err();
    assert!(matches!(err, Error::NoBtnsKey(NoBtnsKey { tokenId }) if tokenId == TOKEN));
    assert!(matches!(paid_by_link(&mut f, ALICE, FEE, TOKEN), Err(Error::NoBtnsKey(_))));
}

#[test]
fn error_when_the_core_is_paused() {
    let mut f = Fixture::new();
    f.core_knows(TOKEN, &CoreToken { paused: true, ..CoreToken::default() });
    f.sender(ALICE);
    assert!(matches!(f.sync.request_sync(TOKEN), Err(Error::EnforcedPause(EnforcedPause {}))));
    assert!(matches!(paid_by_link(&mut f, ALICE, FEE, TOKEN), Err(Error::EnforcedPause(_))));
}

#[test]
fn error_when_the_oracle_is_not_configured() {
    let mut f = Fixture::new();
    f.sender(OWNER);
    f.sync.set_oracle(LINK, Address::ZERO, B256::ZERO, FEE).unwrap();
    f.core_knows(TOKEN, &CoreToken::default());
    f.sender(ALICE);
    assert!(matches!(f.sync.request_sync(TOKEN), Err(Error::OracleNotConfigured(_))));
}

#[test]
fn error_when_a_request_is_still_pending() {
    let mut f = Fixture::new();
    let first = f.request();
    f.advance(100);
    let err = paid_by_link(&mut f, ALICE, FEE, TOKEN).unwrap_err();
    assert!(matches!(err,
        Error::SyncPending(SyncPending { tokenId, requestId, expiresAt })
            if tokenId == TOKEN && requestId == first && expiresAt == expiry(T0)));
}

#[test]
fn replaces_an_expired_request_which_stays_cancellable() {
    let mut f = Fixture::new();
    let first = f.request();
    f.advance(crate::requests::EXPIRY_SECONDS);
    f.core_knows(TOKEN, &CoreToken::default());
    paid_by_link(&mut f, ALICE, FEE, TOKEN).unwrap();
    let second = Fixture::request_id(2);
    assert_eq!(f.sync.latest_request_of(TOKEN).0, second);
    assert_eq!(f.sync.pending_request(first).0, TOKEN, "the old entry can still be cancelled");
}

#[test]
fn requests_again_once_the_previous_request_was_answered() {
    let mut f = Fixture::new();
    f.request();
    f.sync.pending.setter(Fixture::request_id(1)).head.set(B256::ZERO); // as a fulfilment does
    f.core_knows(TOKEN, &CoreToken::default());
    paid_by_link(&mut f, ALICE, FEE, TOKEN).unwrap();
}

#[test]
fn error_when_erc677_comes_from_another_token() {
    let mut f = Fixture::new();
    f.core_knows(TOKEN, &CoreToken::default());
    f.sender(STRANGER);
    let err = f.sync.on_token_transfer(ALICE, FEE, TOKEN.abi_encode().into()).unwrap_err();
    assert!(matches!(err, Error::OnlyLinkToken(OnlyLinkToken { sender }) if sender == STRANGER));
}

#[test]
fn error_when_erc677_pays_another_amount() {
    let mut f = Fixture::new();
    f.core_knows(TOKEN, &CoreToken::default());
    for amount in [FEE - U256::from(1), FEE + U256::from(1), U256::ZERO] {
        let err = paid_by_link(&mut f, ALICE, amount, TOKEN).unwrap_err();
        assert!(matches!(err,
            Error::IncorrectFee(IncorrectFee { expected, received })
                if expected == FEE && received == amount));
    }
}

#[test]
fn error_when_erc677_data_is_not_a_token_id() {
    let mut f = Fixture::new();
    f.sender(LINK);
    for data in [Bytes::new(), Bytes::from(vec![0u8; 31]), Bytes::from(vec![0u8; 64])] {
        let err = f.sync.on_token_transfer(ALICE, FEE, data).unwrap_err();
        assert!(matches!(err, Error::InvalidTokenTransferData(_)));
    }
}

#[test]
fn error_when_a_free_plan_token_asks_for_a_sponsored_sync() {
    let mut f = Fixture::new();
    f.core_knows(TOKEN, &CoreToken { quota: 100 << 20, ..CoreToken::default() });
    f.sender(ALICE);
    let err = f.sync.request_sync(TOKEN).unwrap_err();
    assert!(matches!(err,
        Error::SponsoredSyncUnavailable(SponsoredSyncUnavailable { tokenId, availableAt: 0 })
            if tokenId == TOKEN));
    // It may still pay for one.
    paid_by_link(&mut f, ALICE, FEE, TOKEN).unwrap();
}

#[test]
fn error_when_sponsorship_is_off() {
    let mut f = Fixture::new();
    f.sender(OWNER);
    f.sync.set_sponsored_min_quota(0).unwrap();
    f.core_knows(TOKEN, &CoreToken { quota: 20 * GIB, ..CoreToken::default() });
    f.sender(ALICE);
    assert!(matches!(f.sync.request_sync(TOKEN), Err(Error::SponsoredSyncUnavailable(_))));
}

#[test]
fn error_when_sponsored_twice_in_a_window() {
    let mut f = Fixture::new();
    f.request();
    f.advance(crate::requests::EXPIRY_SECONDS + 1);
    f.core_knows(TOKEN, &CoreToken::default());
    f.sender(ALICE);
    let err = f.sync.request_sync(TOKEN).unwrap_err();
    assert!(matches!(err,
        Error::SponsoredSyncUnavailable(SponsoredSyncUnavailable { availableAt, .. })
            if availableAt == T0 + WINDOW));
    f.host.set_block_timestamp(T0 + WINDOW);
    f.sync.request_sync(TOKEN).unwrap();
}

#[test]
fn error_when_link_refuses_the_transfer() {
    // Each case on a fresh program: the TestVM keeps the writes of a failed call, which a
    // revert on chain would undo.
    for answer in
        [Err(b"ERC20: transfer amount exceeds balance".to_vec()), Ok(vec![0u8; 32]), Ok(vec![])]
    {
        let mut f = Fixture::new();
        f.core_knows(TOKEN, &CoreToken::default());
        let call = Fixture::expected_link_call(1, &btns_key(1), TOKEN);
        f.host.mock_call(LINK, call, U256::ZERO, answer);
        f.sender(ALICE);
        assert!(matches!(f.sync.request_sync(TOKEN), Err(Error::LinkTransferFailed(_))));
    }
}
