//! Invariants over random sequences of requests, fulfilments, cancellations and time, against a
//! model of the rules kept by the test (ghost state). The core is modelled too: it answers with
//! the state the program's own `applyUsage` calls left.

use alloy_primitives::{B256, U256};
use alloy_sol_types::SolValue;
use proptest::prelude::*;

use super::{
    ALICE, CoreToken, FEE, Fixture, LINK, OPERATOR, STRANGER, TOKEN, btns_key, other_signer, sign,
    true_word, usage_signer,
};
use crate::{
    fulfil::SyncFulfilment,
    requests::{EXPIRY_SECONDS, SyncRequests},
};

#[derive(Clone, Debug)]
enum Action {
    Request { paid: bool },
    Fulfil { which: usize, sequence: u64, trusted: bool, same_digest: bool, by_operator: bool },
    Cancel { which: usize },
    Wait { seconds: u64 },
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        any::<bool>().prop_map(|paid| Action::Request { paid }),
        (0..6usize, 0..6u64, any::<bool>(), any::<bool>(), prop::bool::weighted(0.9)).prop_map(
            |(which, sequence, trusted, same_digest, by_operator)| Action::Fulfil {
                which,
                sequence,
                trusted,
                same_digest,
                by_operator,
            }
        ),
        (0..6usize).prop_map(|which| Action::Cancel { which }),
        (0..400u64).prop_map(|seconds| Action::Wait { seconds }),
    ]
}

/// The model: what the rules say should have happened.
#[derive(Default)]
struct Model {
    /// Request ids sent, in order, with their expiry; `true` while pending.
    requests: Vec<(B256, u64, bool)>,
    core: (u64, B256),
    applied_at: Vec<u64>,
}

fn digest_for(sequence: u64, same: bool, stored: (u64, B256)) -> B256 {
    if same && sequence == stored.0 {
        stored.1
    } else {
        B256::repeat_byte(u8::try_from(sequence % 200).unwrap() + 10)
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// On-chain usage is the highest-sequence trusted report fulfilled (or its refresh),
    /// lastSyncedAt never decreases, only the recorded operator's answers count, and no pending
    /// request outlives its expiry plus a cancel.
    #[test]
    fn invariant_usage_follows_the_sequence_rules(actions in prop::collection::vec(action(), 1..30)) {
        let mut f = Fixture::new();
        for nonce in 9..=40 {
            let call = Fixture::expected_link_call(nonce, &btns_key(1), TOKEN);
            f.host.mock_call(LINK, call, U256::ZERO, Ok(true_word()));
        }
        let mut model = Model { core: (1, B256::repeat_byte(1)), ..Model::default() };
        let core_state = |model: &Model| CoreToken { sequence: model.core.0, digest: model.core.1, ..CoreToken::default() };

        for action in actions {
            f.core_knows(TOKEN, &core_state(&model));
            let now = f.now();
            match action {
                Action::Request { paid } => {
                    let sent = if paid {
                        f.sender(LINK);
                        f.sync.on_token_transfer(ALICE, FEE, TOKEN.abi_encode().into()).is_ok()
                    } else {
                        f.sender(ALICE);
                        f.sync.request_sync(TOKEN).is_ok()
                    };
                    let blocked = model.requests.last().is_some_and(|(_, exp, pending)| *pending && now < *exp);
                    if blocked {
                        prop_assert!(!sent, "a second request while one is pending");
                    }
                    if sent {
                        let nonce = u64::try_from(model.requests.len()).unwrap() + 1;
                        model.requests.push((Fixture::request_id(nonce), now + EXPIRY_SECONDS, true));
                    }
                }
                Action::Fulfil { which, sequence, trusted, same_digest, by_operator } => {
                    let Some(&(id, _, pending)) = model.requests.get(which) else { continue };
                    let signer = if trusted { usage_signer() } else { other_signer() };
                    let report = sign(&signer, TOKEN, &btns_key(1), sequence, sequence * 100, 1);
                    let digest = digest_for(sequence, same_digest, model.core);
                    let before = f.applied().len();
                    f.sender(if by_operator { OPERATOR } else { STRANGER });
                    let answered = f.sync.fulfill_sync(id, sequence, report.used, report.count, digest, report.v, report.r, report.s).is_ok();
                    prop_assert_eq!(answered, pending && by_operator, "only the recorded operator answers a pending request");
                    let acceptable = trusted && sequence != 0
                        && (sequence > model.core.0 || (sequence == model.core.0 && digest == model.core.1));
                    let applied = f.applied().len() > before;
                    prop_assert_eq!(applied, answered && acceptable);
                    if answered {
                        model.requests[which].2 = false;
                    }
                    if applied {
                        let call = f.applied().pop().unwrap();
                        prop_assert_eq!((call.sequence, call.metadataDigest, call.usedBytes), (sequence, digest, sequence * 100));
                        model.core = (sequence, digest);
                        model.applied_at.push(now);
                    }
                }
                Action::Cancel { which } => {
                    let Some(&(id, expires, pending)) = model.requests.get(which) else { continue };
                    f.sender(STRANGER);
                    let cancelled = f.sync.cancel_sync(id).is_ok();
                    prop_assert_eq!(cancelled, pending && now >= expires);
                    if cancelled {
                        model.requests[which].2 = false;
                    }
                }
                Action::Wait { seconds } => f.advance(seconds),
            }
        }

        prop_assert!(model.applied_at.windows(2).all(|w| w[0] <= w[1]), "lastSyncedAt never decreases");
        // Every request still pending ends with one cancel after its expiry, and then the
        // token may request again.
        f.advance(EXPIRY_SECONDS);
        f.sender(STRANGER);
        for (id, _, pending) in &model.requests {
            prop_assert_eq!(f.sync.cancel_sync(*id).is_ok(), *pending);
            prop_assert_eq!(f.sync.pending_request(*id).0, U256::ZERO);
        }
        if model.requests.len() < 40 {
            f.core_knows(TOKEN, &core_state(&model));
            f.sender(LINK);
            prop_assert!(f.sync.on_token_transfer(ALICE, FEE, TOKEN.abi_encode().into()).is_ok());
        }
    }
}
