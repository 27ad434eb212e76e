// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.23;

/// @title PX storage NFT (sNFT), the core program.
/// @notice An ERC-721 whose tokens carry a storage quota (bytes, uploads), own one BTNS name
/// (its libp2p peer id bytes) and record the usage last synced through Chainlink.
/// @dev Stylus program; its functions are checked against `cargo stylus export-abi` by
/// `cargo test -p px-abi`. Events and errors are the ones the program emits: the program takes
/// them from this file.
interface IPxStorageNft {
    // ---------------------------------------------------------------- ERC-721 + metadata + 165

    function balanceOf(address owner) external view returns (uint256);

    function ownerOf(uint256 tokenId) external view returns (address);

    function transferFrom(address from, address to, uint256 tokenId) external;

    function safeTransferFrom(address from, address to, uint256 tokenId) external;

    function safeTransferFrom(address from, address to, uint256 tokenId, bytes calldata data) external;

    function approve(address to, uint256 tokenId) external;

    function setApprovalForAll(address operator, bool approved) external;

    function getApproved(uint256 tokenId) external view returns (address);

    function isApprovedForAll(address owner, address operator) external view returns (bool);

    function name() external view returns (string memory);

    function symbol() external view returns (string memory);

    /// @notice Delegated to the renderer program (`renderer()`).
    function tokenURI(uint256 tokenId) external view returns (string memory);

    /// @notice ERC-165, ERC-721, ERC-721 Metadata and ERC-4906.
    function supportsInterface(bytes4 interfaceId) external view returns (bool);

    /// @notice Number of tokens minted; token ids run from 1 to totalSupply().
    function totalSupply() external view returns (uint256);

    // ---------------------------------------------------------------- minting (minter role)

    /// @notice Mints the next token id to `to` with a quota and, optionally, its BTNS key.
    function mintTo(address to, uint64 quotaBytes, uint32 uploadLimit, bytes calldata btnsKey)
        external
        returns (uint256);

    /// @notice Sets a token's quota (plan upgrades, upload packs).
    function setQuota(uint256 tokenId, uint64 quotaBytes, uint32 uploadLimit) external;

    // ---------------------------------------------------------------- BTNS keys

    /// @notice Registers the BTNS key of a token minted without one (registrar role).
    function registerBtnsKey(uint256 tokenId, bytes calldata btnsKey) external;

    /// @notice The token's BTNS key (libp2p peer id bytes); empty when none is registered.
    function btnsKeyOf(uint256 tokenId) external view returns (bytes memory);

    /// @notice The token that owns `btnsKey`, or 0 when none does.
    function tokenOfBtnsKey(bytes calldata btnsKey) external view returns (uint256);

    // ---------------------------------------------------------------- usage and the upload gate

    /// @notice The token's quota and its usage as last synced.
    function usageOf(uint256 tokenId)
        external
        view
        returns (
            uint64 quotaBytes,
            uint32 uploadLimit,
            uint64 usedBytes,
            uint32 uploadCount,
            uint64 lastSyncedAt,
            uint64 syncSequence,
            bytes32 metadataDigest
        );

    /// @notice Everything the syncer needs about a token in one call: its key, whether `account`
    /// may operate it, its quota, the sync state, the sync window and whether the program is paused.
    function syncContext(uint256 tokenId, address account)
        external
        view
        returns (
            bytes memory btnsKey,
            bool authorized,
            uint64 quotaBytes,
            uint64 syncSequence,
            bytes32 metadataDigest,
            uint64 lastSyncedAt,
            uint64 syncWindow,
            bool paused
        );

    /// @notice Applies a usage report the syncer accepted (syncer role). Sets lastSyncedAt to now.
    function applyUsage(
        uint256 tokenId,
        uint64 sequence,
        uint64 usedBytes,
        uint32 uploadCount,
        bytes32 metadataDigest
    ) external;

    /// @notice Seconds a token may go without a sync before uploads stop.
    function syncWindow() external view returns (uint64);

    function setSyncWindow(uint64 window) external;

    /// @notice Whether one more upload of `additionalBytes` is allowed now.
    function uploadAllowed(uint256 tokenId, uint64 additionalBytes) external view returns (bool);

    /// @notice The same answer as uploadAllowed, with every reason that applies.
    function canUpload(uint256 tokenId, uint64 additionalBytes)
        external
        view
        returns (
            bool allowed,
            bool quotaExceeded,
            bool uploadsExceeded,
            bool syncOverdue,
            bool noBtnsKey,
            bool paused
        );

    // ---------------------------------------------------------------- roles and administration

    /// @notice The holders of the program's roles.
    function roles() external view returns (address minter, address registrar, address syncer, address renderer);

    function setMinter(address minter) external;

    function setRegistrar(address registrar) external;

    function setSyncer(address syncer) external;

    function setRenderer(address renderer) external;

    function paused() external view returns (bool);

    function pause() external;

    function unpause() external;

    function owner() external view returns (address);

    function pendingOwner() external view returns (address);

    function transferOwnership(address newOwner) external;

    function acceptOwnership() external;

    // ---------------------------------------------------------------- events

    event Transfer(address indexed from, address indexed to, uint256 indexed tokenId);
    event Approval(address indexed owner, address indexed approved, uint256 indexed tokenId);
    event ApprovalForAll(address indexed owner, address indexed operator, bool approved);
    /// @notice ERC-4906: the token's usage or quota changed, so did its metadata.
    event MetadataUpdate(uint256 _tokenId);
    /// @notice ERC-4906: every token's metadata changed (a new renderer).
    event BatchMetadataUpdate(uint256 _fromTokenId, uint256 _toTokenId);
    event BtnsKeyRegistered(uint256 indexed tokenId, bytes btnsKey);
    event QuotaSet(uint256 indexed tokenId, uint64 quotaBytes, uint32 uploadLimit);
    event UsageApplied(
        uint256 indexed tokenId, uint64 sequence, uint64 usedBytes, uint32 uploadCount, bytes32 metadataDigest
    );
    event SyncWindowSet(uint64 window);
    /// @notice A role changed hands; `role` is keccak256 of its name, e.g. keccak256("MINTER_ROLE").
    event RoleSet(bytes32 indexed role, address indexed account);
    event Paused(address account);
    event Unpaused(address account);
    event OwnershipTransferStarted(address indexed previousOwner, address indexed newOwner);
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    // ---------------------------------------------------------------- errors

    error ERC721InvalidOwner(address owner);
    error ERC721NonexistentToken(uint256 tokenId);
    error ERC721IncorrectOwner(address sender, uint256 tokenId, address owner);
    error ERC721InvalidReceiver(address receiver);
    error ERC721InsufficientApproval(address operator, uint256 tokenId);
    error ERC721InvalidApprover(address approver);
    error ERC721InvalidOperator(address operator);
    /// @notice The caller lacks `neededRole` (keccak256 of the role's name).
    error AccessControlUnauthorizedAccount(address account, bytes32 neededRole);
    /// @notice A BTNS key must be 1 to 64 bytes.
    error BtnsKeyInvalidLength(uint256 length);
    /// @notice The key already belongs to `tokenId`.
    error BtnsKeyAlreadyRegistered(uint256 tokenId);
    /// @notice The token already has a key; keys never change.
    error BtnsKeyAlreadySet(uint256 tokenId);
    error InvalidSyncWindow(uint64 window);
    /// @notice The renderer did not answer `tokenURI`.
    error RendererFailed(address renderer);
    error EnforcedPause();
    error ExpectedPause();
    error OwnableUnauthorizedAccount(address account);
    error OwnableInvalidOwner(address owner);
}
