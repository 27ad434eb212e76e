// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.23;

// EIP-712 messages the PX programs verify (wire formats, "Usage report signature").
// Domain for both: name "PX Storage NFT", version "1", the chain id, and
//   - for UsageReport: verifyingContract = the core (PxStorageNft), checked by PxSync;
//   - for MintAuthorization: verifyingContract = the storefront (PxStorefront).

/// @notice The PX node's usage signer signs every usage state it publishes.
struct UsageReport {
    uint256 tokenId;
    bytes btnsKey;
    uint64 sequence;
    uint64 usedBytes;
    uint32 uploadCount;
}

/// @notice The registrar authorises `minter` to mint `planId` with the BTNS key it allocated.
struct MintAuthorization {
    address minter;
    uint256 planId;
    bytes btnsKey;
    uint256 deadline;
}
