// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.23;

/// @title PX sync: Chainlink direct requests for a token's usage, accepted only when signed.
/// @notice Token owners request a sync here; a Chainlink node running the PX job resolves the
/// token's BTNS name through the PX oracle adapter and fulfils with the usage report the PX node
/// signed (EIP-712 `UsageReport`, domain verifyingContract = the core). This program checks the
/// signature against its trusted usage signers and the sequence rules, then applies the usage on
/// the core (it holds the core's syncer role). A fulfilment from the recorded operator never
/// reverts: rejections end the request with `SyncRejected`.
interface IPxSync {
    // ---------------------------------------------------------------- requests

    /// @notice A sync paid from this program's LINK: by the token's owner or an approved
    /// account, at most once per token per sync window, for tokens on paid plans.
    function requestSync(uint256 tokenId) external returns (bytes32 requestId);

    /// @notice ERC-677 hook: `LINK.transferAndCall(pxSync, fee, abi.encode(tokenId))` pays for a
    /// sync of any token the sender owns or may operate.
    function onTokenTransfer(address sender, uint256 amount, bytes calldata data) external;

    /// @notice The Chainlink callback, through `Operator.fulfillOracleRequest2`.
    function fulfillSync(
        bytes32 requestId,
        uint64 sequence,
        uint64 usedBytes,
        uint32 uploadCount,
        bytes32 metadataDigest,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external;

    /// @notice After the Operator's expiry anyone may cancel a pending request: the LINK goes
    /// back to whoever paid, and the token may request again.
    function cancelSync(bytes32 requestId) external;

    /// @notice A pending request; tokenId 0 when there is none.
    function pendingRequest(bytes32 requestId)
        external
        view
        returns (uint256 tokenId, address payer, uint64 expiresAt, address operator, uint256 fee);

    /// @notice The token's latest request id and when it expires (zero when it never requested).
    function latestRequestOf(uint256 tokenId) external view returns (bytes32 requestId, uint64 expiresAt);

    /// @notice When the program last paid for a sync of the token (0 = never).
    function lastSponsoredAt(uint256 tokenId) external view returns (uint64);

    // ---------------------------------------------------------------- configuration (owner)

    function setOracle(address link, address operator, bytes32 jobId, uint256 fee) external;

    function oracle() external view returns (address link, address operator, bytes32 jobId, uint256 fee);

    /// @notice The core program (PxStorageNft) this program syncs.
    function core() external view returns (address);

    /// @notice Tokens with a quota of at least `minQuotaBytes` count as paid plans and may use
    /// sponsored syncs (the free plan's quota is below it).
    function setSponsoredMinQuota(uint64 minQuotaBytes) external;

    function sponsoredMinQuota() external view returns (uint64);

    function setUsageSigner(address signer, bool trusted) external;

    function isUsageSigner(address signer) external view returns (bool);

    /// @notice Sends LINK held by this program (for sponsored syncs) to `to`.
    function withdrawLink(address to, uint256 amount) external;

    function owner() external view returns (address);

    function pendingOwner() external view returns (address);

    function transferOwnership(address newOwner) external;

    function acceptOwnership() external;

    // ---------------------------------------------------------------- events

    event SyncRequested(uint256 indexed tokenId, bytes32 indexed requestId, address indexed payer);
    event SyncFulfilled(
        uint256 indexed tokenId,
        bytes32 indexed requestId,
        uint64 sequence,
        uint64 usedBytes,
        uint32 uploadCount,
        bytes32 metadataDigest
    );
    /// @notice Why a fulfilment was refused: 1 the report's signer is not a trusted usage signer
    /// (a wrong signature, or a report for another token or key, recovers to some other address),
    /// 2 stale sequence (lower than the stored one, or 0), 3 the stored sequence with another
    /// digest, 4 malformed signature (v not 27/28, or high s), 5 the core refused the usage.
    event SyncRejected(uint256 indexed tokenId, bytes32 indexed requestId, uint8 reason);
    event SyncCancelled(uint256 indexed tokenId, bytes32 indexed requestId, address payer, bool refunded);
    event OracleSet(address link, address operator, bytes32 jobId, uint256 fee);
    event SponsoredMinQuotaSet(uint64 minQuotaBytes);
    event UsageSignerSet(address indexed signer, bool trusted);
    event OwnershipTransferStarted(address indexed previousOwner, address indexed newOwner);
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    // ---------------------------------------------------------------- errors

    error ERC721NonexistentToken(uint256 tokenId);
    error ERC721InsufficientApproval(address operator, uint256 tokenId);
    error OracleNotConfigured();
    error OnlyLinkToken(address sender);
    error IncorrectFee(uint256 expected, uint256 received);
    error NoBtnsKey(uint256 tokenId);
    error EnforcedPause();
    error SyncPending(uint256 tokenId, bytes32 requestId, uint64 expiresAt);
    error SponsoredSyncUnavailable(uint256 tokenId, uint64 availableAt);
    error UnknownRequest(bytes32 requestId);
    error UnauthorizedOperator(address sender);
    error RequestNotExpired(bytes32 requestId, uint64 expiresAt);
    /// @notice A LINK transfer (to the Operator, to a payer, or a withdrawal) failed.
    error LinkTransferFailed();
    /// @notice `onTokenTransfer` data must be `abi.encode(uint256 tokenId)`.
    error InvalidTokenTransferData();
    error OwnableUnauthorizedAccount(address account);
    error OwnableInvalidOwner(address owner);
}
