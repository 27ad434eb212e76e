//! Invariants over random sequences of calls, with ghost state kept by the test.

use std::collections::HashMap;

use alloy_primitives::{Address, Bytes, U256};
use proptest::prelude::*;

use super::{Fixture, MINTER, SYNCER, digest};
use crate::{erc721::Erc721, usage::StorageUsage};

const HOLDERS: [Address; 3] = [super::ALICE, super::BOB, super::CAROL];

#[derive(Clone, Debug)]
enum Action {
    Mint { to: usize, quota: u64, limit: u32 },
    Transfer { token: usize, to: usize },
    Apply { token: usize, used: u64, count: u32 },
    SetQuota { token: usize, quota: u64, limit: u32 },
    Wait { seconds: u64 },
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        (0..3usize, any::<u64>(), any::<u32>()).prop_map(|(to, quota, limit)| Action::Mint {
            to,
            quota,
            limit
        }),
        (0..8usize, 0..3usize).prop_map(|(token, to)| Action::Transfer { token, to }),
        (0..8usize, any::<u64>(), any::<u32>()).prop_map(|(token, used, count)| Action::Apply {
            token,
            used,
            count
        }),
        (0..8usize, any::<u64>(), any::<u32>())
            .prop_map(|(token, quota, limit)| Action::SetQuota { token, quota, limit }),
        (0..5_000_000u64).prop_map(|seconds| Action::Wait { seconds }),
    ]
}

/// What the test believes about one token.
struct Ghost {
    owner: Address,
    quota: u64,
    limit: u32,
    used: u64,
    count: u32,
    synced_at: u64,
    sequence: u64,
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// After any sequence of mints, transfers, usage updates and quota changes:
    /// balances sum to the supply, each token's usage is what was last applied, the gate
    /// answers exactly the quota and upload rules, and lastSyncedAt never goes back.
    #[test]
    fn invariant_accounting_matches_the_ghost_state(actions in prop::collection::vec(action(), 1..40)) {
        let mut f = Fixture::new();
        let mut ghosts: Vec<Ghost> = Vec::new();
        let mut now = super::T0;
        for action in actions {
            match action {
                Action::Mint { to, quota, limit } => {
                    f.sender(MINTER);
                    f.nft.mint_to(HOLDERS[to], quota, limit, Bytes::from(super::ed25519_key(u8::try_from(ghosts.len()).unwrap()))).unwrap();
                    ghosts.push(Ghost { owner: HOLDERS[to], quota, limit, used: 0, count: 0, synced_at: now, sequence: 0 });
                }
                Action::Transfer { token, to } if token < ghosts.len() => {
                    let owner = ghosts[token].owner;
                    f.sender(owner);
                    f.nft.transfer_from(owner, HOLDERS[to], U256::from(token + 1)).unwrap();
                    ghosts[token].owner = HOLDERS[to];
                }
                Action::Apply { token, used, count } if token < ghosts.len() => {
                    let ghost = &mut ghosts[token];
                    ghost.sequence += 1;
                    f.sender(SYNCER);
                    f.nft.apply_usage(U256::from(token + 1), ghost.sequence, used, count, digest(1)).unwrap();
                    prop_assert!(now >= ghost.synced_at, "lastSyncedAt never decreases");
                    (ghost.used, ghost.count, ghost.synced_at) = (used, count, now);
                }
                Action::SetQuota { token, quota, limit } if token < ghosts.len() => {
                    f.sender(MINTER);
                    f.nft.set_quota(U256::from(token + 1), quota, limit).unwrap();
                    (ghosts[token].quota, ghosts[token].limit) = (quota, limit);
                }
                Action::Wait { seconds } => {
                    now += seconds;
                    f.vm.set_block_timestamp(now);
                }
                _ => {}
            }
        }

        let mut balances: HashMap<Address, u64> = HashMap::new();
        for (index, ghost) in ghosts.iter().enumerate() {
            let id = U256::from(index + 1);
            *balances.entry(ghost.owner).or_default() += 1;
            prop_assert_eq!(f.nft.owner_of(id).unwrap(), ghost.owner);
            let (quota, limit, used, count, synced_at, sequence, _) = f.nft.usage_of(id).unwrap();
            prop_assert_eq!((quota, limit, used, count, synced_at, sequence),
                (ghost.quota, ghost.limit, ghost.used, ghost.count, ghost.synced_at, ghost.sequence));
            let (allowed, over_quota, over_uploads, overdue, no_key, paused) = f.nft.can_upload(id, 1).unwrap();
            prop_assert_eq!(over_quota, u128::from(ghost.used) + 1 > u128::from(ghost.quota));
            prop_assert_eq!(over_uploads, ghost.count >= ghost.limit);
            prop_assert_eq!(overdue, now > ghost.synced_at + crate::DEFAULT_SYNC_WINDOW);
            prop_assert!(!no_key && !paused);
            prop_assert_eq!(allowed, !(over_quota || over_uploads || overdue));
        }
        let supply = u64::try_from(ghosts.len()).unwrap();
        prop_assert_eq!(f.nft.total_supply(), U256::from(supply));
        prop_assert_eq!(balances.values().sum::<u64>(), supply);
        for holder in HOLDERS {
            prop_assert_eq!(f.nft.balance_of(holder).unwrap(), U256::from(balances.get(&holder).copied().unwrap_or(0)));
        }
    }
}
