//! Configuration by the owner.

use alloy_primitives::{Address, B256, U256};
use alloy_sol_types::SolCall;
use px_abi::chainlink::LinkTokenInterface;
use px_contract_common::ownable::Ownable;

use super::{
    ALICE, CORE, FEE, Fixture, GIB, JOB_ID, LINK, OPERATOR, OWNER, STRANGER, true_word,
    usage_signer,
};
use crate::{
    Error, IncorrectFee, OracleSet, OwnableUnauthorizedAccount, PxSync, SponsoredMinQuotaSet,
    UsageSignerSet, config::SyncConfig,
};

#[test]
fn is_configured_by_its_owner() {
    let f = Fixture::new();
    assert_eq!(f.sync.owner(), OWNER);
    assert_eq!(f.sync.core(), CORE);
    assert_eq!(f.sync.oracle(), (LINK, OPERATOR, JOB_ID, FEE));
    assert!(f.sync.is_usage_signer(usage_signer().address()));
    assert!(!f.sync.is_usage_signer(ALICE));
    assert_eq!(f.sync.sponsored_min_quota(), GIB);
}

#[test]
fn emits_every_configuration_change() {
    let mut f = Fixture::new();
    f.sender(OWNER);
    f.sync.set_oracle(LINK, OPERATOR, B256::repeat_byte(5), U256::from(1)).unwrap();
    f.sync.set_usage_signer(ALICE, true).unwrap();
    f.sync.set_sponsored_min_quota(5 * GIB).unwrap();
    assert_eq!(
        f.events::<OracleSet>(),
        vec![OracleSet {
            link: LINK,
            operator: OPERATOR,
            jobId: B256::repeat_byte(5),
            fee: U256::from(1)
        }]
    );
    assert_eq!(f.events::<UsageSignerSet>(), vec![UsageSignerSet { signer: ALICE, trusted: true }]);
    assert_eq!(
        f.events::<SponsoredMinQuotaSet>(),
        vec![SponsoredMinQuotaSet { minQuotaBytes: 5 * GIB }]
    );
}

#[test]
fn error_when_a_stranger_configures() {
    let mut f = Fixture::new();
    f.sender(STRANGER);
    let unauthorized = |r: Result<(), Error>| matches!(r, Err(Error::OwnableUnauthorizedAccount(OwnableUnauthorizedAccount { account })) if account == STRANGER);
    assert!(unauthorized(f.sync.set_oracle(LINK, STRANGER, B256::ZERO, U256::ZERO)));
    assert!(unauthorized(f.sync.set_usage_signer(STRANGER, true)));
    assert!(unauthorized(f.sync.set_sponsored_min_quota(1)));
    assert!(unauthorized(f.sync.withdraw_link(STRANGER, FEE)));
    assert!(unauthorized(f.sync.transfer_ownership(STRANGER).map_err(Error::from)));
    assert!(!f.sync.is_usage_signer(STRANGER));
    assert_eq!(f.sync.oracle().1, OPERATOR);
}

#[test]
fn error_when_the_fee_does_not_fit_in_96_bits() {
    let mut f = Fixture::new();
    f.sender(OWNER);
    let max = (U256::from(1) << 96) - U256::from(1);
    f.sync.set_oracle(LINK, OPERATOR, JOB_ID, max).unwrap();
    assert_eq!(f.sync.oracle().3, max);
    let err = f.sync.set_oracle(LINK, OPERATOR, JOB_ID, max + U256::from(1)).unwrap_err();
    assert!(matches!(err, Error::IncorrectFee(IncorrectFee { expected, .. }) if expected == max));
}

#[test]
fn withdraws_link() {
    let mut f = Fixture::new();
    let call = LinkTokenInterface::transferCall { to: ALICE, value: U256::from(5) }.abi_encode();
    f.host.mock_call(LINK, call.clone(), U256::ZERO, Ok(true_word()));
    f.sender(OWNER);
    f.sync.withdraw_link(ALICE, U256::from(5)).unwrap();
    assert_eq!(f.host.calls_to(LINK).last().unwrap().data, call);
}

#[test]
fn error_when_the_withdrawal_fails() {
    let mut f = Fixture::new();
    f.sender(OWNER);
    // Unmocked: the token answers nothing, which is not `true`.
    assert!(matches!(
        f.sync.withdraw_link(ALICE, U256::from(5)),
        Err(Error::LinkTransferFailed(_))
    ));
}

#[test]
fn transfers_ownership_in_two_steps() {
    let mut f = Fixture::new();
    f.sender(OWNER);
    f.sync.transfer_ownership(ALICE).unwrap();
    assert_eq!(f.sync.pending_owner(), ALICE);
    f.sender(STRANGER);
    assert!(f.sync.accept_ownership().is_err());
    f.sender(ALICE);
    f.sync.accept_ownership().unwrap();
    assert_eq!(f.sync.owner(), ALICE);
}

#[test]
fn error_when_constructed_without_an_owner() {
    let host = px_contract_testing::CallHost::new();
    let mut sync = PxSync::from(&host);
    assert!(matches!(sync.constructor(Address::ZERO, CORE), Err(Error::OwnableInvalidOwner(_))));
}
