// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.23;

/// @title PX storefront: plans, prices and minting of PX storage NFTs.
/// @notice The core's minter. `mintWithKey` mints with a BTNS key that registration management
/// allocated (authorised by the registrar's EIP-712 `MintAuthorization`, domain verifyingContract
/// = this program); `mint` mints without one, as an explorer would, and the key follows through
/// registration. Prices are exact: send precisely the price in wei.
interface IPxStorefront {
    // ---------------------------------------------------------------- buying

    function mint(uint256 planId) external payable returns (uint256 tokenId);

    function mintWithKey(uint256 planId, bytes calldata btnsKey, uint256 deadline, bytes calldata signature)
        external
        payable
        returns (uint256 tokenId);

    /// @notice Moves a token to a larger plan; the owner pays the price difference at current prices.
    function upgrade(uint256 tokenId, uint256 newPlanId) external payable;

    /// @notice Adds `packs` upload packs to a token's upload limit.
    function buyUploads(uint256 tokenId, uint32 packs) external payable;

    // ---------------------------------------------------------------- views

    function plan(uint256 planId)
        external
        view
        returns (uint64 quotaBytes, uint32 uploadLimit, uint256 priceWei, bool active);

    /// @notice Plans have ids 0 to planCount() - 1; plan 0 is the free plan.
    function planCount() external view returns (uint256);

    /// @notice The plan a token was minted on or upgraded to.
    function planOf(uint256 tokenId) external view returns (uint256);

    function uploadPack() external view returns (uint32 uploads, uint256 priceWei);

    /// @notice Whether `account` already minted its one free token.
    function freeMintUsed(address account) external view returns (bool);

    /// @notice The core program (PxStorageNft) this storefront mints on.
    function core() external view returns (address);

    // ---------------------------------------------------------------- administration (owner)

    /// @notice Adds a plan (planId == planCount()) or changes one.
    function setPlan(uint256 planId, uint64 quotaBytes, uint32 uploadLimit, uint256 priceWei, bool active)
        external;

    function setUploadPack(uint32 uploads, uint256 priceWei) external;

    /// @notice Sends the storefront's whole balance to `to`.
    function withdraw(address to) external;

    function owner() external view returns (address);

    function pendingOwner() external view returns (address);

    function transferOwnership(address newOwner) external;

    function acceptOwnership() external;

    // ---------------------------------------------------------------- events

    event Purchased(uint256 indexed tokenId, address indexed buyer, uint256 indexed planId, uint256 paidWei);
    event Upgraded(uint256 indexed tokenId, uint256 fromPlanId, uint256 toPlanId, uint256 paidWei);
    event UploadsBought(uint256 indexed tokenId, uint32 packs, uint32 uploads, uint256 paidWei);
    event PlanSet(uint256 indexed planId, uint64 quotaBytes, uint32 uploadLimit, uint256 priceWei, bool active);
    event UploadPackSet(uint32 uploads, uint256 priceWei);
    event Withdrawn(address indexed to, uint256 amountWei);
    event OwnershipTransferStarted(address indexed previousOwner, address indexed newOwner);
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    // ---------------------------------------------------------------- errors

    error UnknownPlan(uint256 planId);
    error PlanInactive(uint256 planId);
    error IncorrectPayment(uint256 expectedWei, uint256 receivedWei);
    error FreeMintUsed(address account);
    error AuthorizationExpired(uint256 deadline);
    error InvalidAuthorization(address signer);
    error InvalidUpgrade(uint256 fromPlanId, uint256 toPlanId);
    error UploadPacksUnavailable();
    error ERC721IncorrectOwner(address sender, uint256 tokenId, address owner);
    error WithdrawFailed(address to);
    error OwnableUnauthorizedAccount(address account);
    error OwnableInvalidOwner(address owner);
    /// @notice OpenZeppelin SafeCast's error: a price above 2^128 - 1 wei, or an upload limit
    /// above 2^32 - 1.
    error SafeCastOverflowedUintDowncast(uint8 bits, uint256 value);

    // ---------------------------------------------------------------- errors of the core
    // When a call into the core reverts, the storefront reverts with the core's data unchanged.
    // These are the ones a buyer can meet (IPxStorageNft.sol has them all).

    error EnforcedPause();
    error BtnsKeyInvalidLength(uint256 length);
    error BtnsKeyAlreadyRegistered(uint256 tokenId);
    error ERC721NonexistentToken(uint256 tokenId);
    /// @notice The storefront is not the core's minter (a deployment mistake).
    error AccessControlUnauthorizedAccount(address account, bytes32 neededRole);
}
