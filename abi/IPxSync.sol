// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.23;

/// @title PX sync: a token's usage from Chainlink (CRE or Direct Request), accepted only when signed.
/// @notice Token owners request a sync here. Route 1 (CRE, the primary path): a CRE workflow
/// answers the `SyncRequested` log and Chainlink's KeystoneForwarder delivers its report to
/// `onReport`. Route 2 (Direct Request, legacy): a Chainlink node running the PX job fulfils
/// through the Operator and `fulfillSync`. Either way the relayed usage report must carry the
/// PX node's EIP-712 `UsageReport` signature (domain verifyingContract = the core): this
/// program checks it against its trusted usage signers and the sequence rules, then applies the
/// usage on the core (it holds the core's syncer role). Content refusals end the request with
/// `SyncRejected`; only authorization failures revert (see `onReport`).
interface IPxSync {
    // ---------------------------------------------------------------- requests

    /// @notice A sponsored sync through the current route (`syncRoute`): by the token's owner or
    /// an approved account, at most once per token per sync window, for tokens on paid plans.
    /// On Direct Request it is paid from this program's LINK; on CRE nothing is paid per request.
    function requestSync(uint256 tokenId) external returns (bytes32 requestId);

    /// @notice A user-paid sync through CRE: `msg.value` must equal `creConfig().syncFee`. The fee
    /// is held until the request ends: earned when a report ends it, refunded by `cancelSync`.
    function requestSyncWithFee(uint256 tokenId) external payable returns (bytes32 requestId);

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

    /// @notice CRE's IReceiver, called by the KeystoneForwarder. `metadata` = abi.encodePacked(
    /// bytes32 workflowId, bytes10 workflowName, address workflowOwner, bytes2 reportId); `report`
    /// = abi.encode(bytes32 requestId, uint256 tokenId, uint64 sequence, uint64 usedBytes,
    /// uint32 uploadCount, bytes32 metadataDigest, bytes signatures). Reverts only when the
    /// delivery is not authorized (caller, workflow id, owner, name): the forwarder records a
    /// revert as a failed delivery that may be retried. Every content refusal ends the request
    /// with `SyncRejected`; a report for no pending CRE request changes nothing (`ReportIgnored`).
    function onReport(bytes calldata metadata, bytes calldata report) external;

    /// @notice ERC-165: true for IReceiver (0x805f2132) and IERC165 (0x01ffc9a7).
    function supportsInterface(bytes4 interfaceId) external view returns (bool);

    /// @notice After the request's expiry anyone may cancel it: a user's fee (ETH on CRE, LINK on
    /// Direct Request) goes back to whoever paid, a sponsored sync is given back, and the token
    /// may request again. A sponsored Direct Request whose cancel the Operator refuses (it already
    /// paid the node) ends without giving the sponsored sync back.
    function cancelSync(bytes32 requestId) external;

    /// @notice A pending request; tokenId 0 when there is none. `operator` is zero and `fee` is in
    /// wei for CRE (route 1); the Operator and LINK juels for Direct Request (route 2).
    function pendingRequest(bytes32 requestId)
        external
        view
        returns (uint256 tokenId, address payer, uint64 expiresAt, address operator, uint256 fee, uint8 route);

    /// @notice The token's latest request id and when it expires (zero when it never requested).
    function latestRequestOf(uint256 tokenId) external view returns (bytes32 requestId, uint64 expiresAt);

    /// @notice When the program last paid for a sync of the token (0 = never).
    function lastSponsoredAt(uint256 tokenId) external view returns (uint64);

    // ---------------------------------------------------------------- configuration (owner)

    /// @notice The route `requestSync` uses: 1 CRE (the default), 2 Direct Request.
    function syncRoute() external view returns (uint8);

    function setSyncRoute(uint8 route) external;

    /// @notice The KeystoneForwarder allowed to call `onReport` (zero turns CRE off).
    function setForwarderAddress(address forwarder) external;

    /// @notice The workflow owner reports must name (zero: not checked; then the workflow id must be set).
    function setExpectedAuthor(address author) external;

    /// @notice The workflow id reports must name (zero: not checked; then the author must be set).
    function setExpectedWorkflowId(bytes32 id) external;

    /// @notice The workflow name reports must name, as Chainlink's ReceiverTemplate encodes it:
    /// the first 10 characters of the lowercase hex of sha256(name), as bytes10 ("" = not checked).
    /// Checked only together with the author.
    function setExpectedWorkflowName(string calldata name) external;

    /// @notice The fee in wei of `requestSyncWithFee` (0 = user-paid CRE syncs off).
    function setSyncFee(uint256 fee) external;

    /// @notice How long a CRE request waits for its report before it may be cancelled.
    function setCreRequestTimeout(uint64 timeoutSeconds) external;

    function creConfig()
        external
        view
        returns (
            address forwarder,
            address expectedAuthor,
            bytes32 expectedWorkflowId,
            bytes10 expectedWorkflowName,
            uint256 syncFee,
            uint64 requestTimeout
        );

    /// @notice Sends ETH fees earned by ended requests to `to`; fees of pending requests stay held.
    function withdrawFees(address to, uint256 amount) external;

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

    /// @notice Every sync request, both routes: route 1 = CRE, 2 = Direct Request; btnsKey = the key
    /// bytes. The CRE workflow's log trigger answers route 1.
    event SyncRequested(
        uint256 indexed tokenId, bytes32 indexed requestId, address indexed payer, uint8 route, bytes btnsKey
    );
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
    /// digest, 4 malformed signature (v not 27/28, or high s; on CRE also a signatures field that is
    /// empty or not a multiple of 65 bytes), 5 the core refused the usage, 6 the CRE report names
    /// another token than the request's, 7 the CRE report is not the canonical encoding.
    event SyncRejected(uint256 indexed tokenId, bytes32 indexed requestId, uint8 reason);
    /// @notice `refunded`: the payer's fee came back (ETH on CRE, LINK from the Operator on Direct
    /// Request), or for a sponsored sync (payer = this program) the sync was given back. False only
    /// when the Operator refused the cancel of a Direct Request (it had already paid its node).
    event SyncCancelled(uint256 indexed tokenId, bytes32 indexed requestId, address payer, bool refunded);
    event OracleSet(address link, address operator, bytes32 jobId, uint256 fee);
    event SponsoredMinQuotaSet(uint64 minQuotaBytes);
    event UsageSignerSet(address indexed signer, bool trusted);
    /// @notice A CRE report from the trusted workflow that matched no pending CRE request and changed
    /// nothing: 1 no such pending request (unknown, fulfilled or cancelled), 2 it is a Direct
    /// Request, 3 the report is too short to name a request.
    event ReportIgnored(bytes32 indexed requestId, uint8 reason);
    event SyncRouteSet(uint8 route);
    event ForwarderAddressUpdated(address indexed previousForwarder, address indexed newForwarder);
    event ExpectedAuthorUpdated(address indexed previousAuthor, address indexed newAuthor);
    event ExpectedWorkflowNameUpdated(bytes10 indexed previousName, bytes10 indexed newName);
    event ExpectedWorkflowIdUpdated(bytes32 indexed previousId, bytes32 indexed newId);
    event SyncFeeSet(uint256 fee);
    event CreRequestTimeoutSet(uint64 timeoutSeconds);
    event FeesWithdrawn(address indexed to, uint256 amount);
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
    /// @notice The route is not 1 (CRE) or 2 (Direct Request).
    error InvalidRoute(uint8 route);
    /// @notice A CRE request while the forwarder, or both the workflow id and the author, are unset,
    /// or a workflow name is set without the author; `requestSyncWithFee` also while the fee is 0.
    error CreNotConfigured();
    /// @notice `onReport` from another address than the configured forwarder (expected zero: CRE is off).
    error InvalidSender(address sender, address expected);
    error InvalidAuthor(address received, address expected);
    error InvalidWorkflowName(bytes10 received, bytes10 expected);
    error InvalidWorkflowId(bytes32 received, bytes32 expected);
    error WorkflowNameRequiresAuthorValidation();
    /// @notice A CRE request timeout of 0 or above 30 days.
    error InvalidTimeout(uint64 timeoutSeconds);
    /// @notice A withdrawal above the fees not held for pending requests.
    error InsufficientFees(uint256 available, uint256 requested);
    /// @notice An ETH transfer (a refund or a withdrawal) failed.
    error EthTransferFailed();
    error OwnableUnauthorizedAccount(address account);
    error OwnableInvalidOwner(address owner);
}
