// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.23;

// The parts of Arbitrum's Stylus system contracts that abi/arbitrum.sol does not declare and
// px-devnet answers (precompiles/ArbWasm.sol and ArbWasmCache.sol as nitro and cargo-stylus
// 0.10.10 declare them, and the CacheManager of nitro-contracts' src/chain/CacheManager.sol).
// Same addresses as there: ArbWasm's remaining views are at 0x71.

/// @notice ArbWasm (0x71): the parameter views abi/arbitrum.sol leaves out.
interface ArbWasmParams {
    function maxStackDepth() external view returns (uint32 depth);

    function pageRamp() external view returns (uint64 ramp);

    function minInitGas() external view returns (uint64 gas, uint64 cached);

    function initCostScalar() external view returns (uint64 percent);

    function blockCacheSize() external view returns (uint16 count);

    function activationGas() external view returns (uint64 gas);

    event ProgramLifetimeExtended(bytes32 indexed codehash, uint256 dataFee);
}

/// @notice ArbWasmCache (0x72): which programs ArbOS keeps compiled in its cache.
interface ArbWasmCache {
    function isCacheManager(address manager) external view returns (bool);

    function allCacheManagers() external view returns (address[] memory managers);

    /// @dev Deprecated (ArbOS 30 only), replaced with cacheProgram.
    function cacheCodehash(bytes32 codehash) external;

    function cacheProgram(address addr) external;

    function evictCodehash(bytes32 codehash) external;

    function codehashIsCached(bytes32 codehash) external view returns (bool);

    event UpdateProgramCache(address indexed manager, bytes32 indexed codehash, bool cached);
}

/// @notice nitro-contracts' CacheManager: the auction for the cache's space.
interface CacheManager {
    struct Entry {
        bytes32 code;
        uint64 size;
        uint192 bid;
    }

    function initialize(uint64 initCacheSize, uint64 initDecay) external;

    function cacheSize() external view returns (uint64);

    function queueSize() external view returns (uint64);

    function decay() external view returns (uint64);

    function isPaused() external view returns (bool);

    function getEntries() external view returns (Entry[] memory);

    function getMinBid(address program) external view returns (uint192 min);

    function getMinBid(uint64 size) external view returns (uint192 min);

    function placeBid(address program) external payable;

    function evictAll() external;

    error NotChainOwner(address sender);
    error AsmTooLarge(uint256 asm, uint256 queueSize, uint256 cacheSize);
    error AlreadyCached(bytes32 codehash);
    error BidTooLarge(uint256 bid);
    error BidTooSmall(uint192 bid, uint192 min);
    error BidsArePaused();
    error MakeSpaceTooLarge(uint64 size, uint64 limit);

    event InsertBid(bytes32 indexed codehash, address program, uint192 bid, uint64 size);
    event DeleteBid(bytes32 indexed codehash, uint192 bid, uint64 size);
}
