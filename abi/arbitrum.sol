// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.23;

// The Arbitrum system contracts the PX tools call to deploy and keep Stylus programs, and that
// px-devnet implements, as Arbitrum documents them (precompiles/ArbWasm.sol, ArbOwnerPublic.sol
// and ArbSys.sol in OffchainLabs/nitro-contracts, and the StylusDeployer cargo-stylus 0.10
// sends constructor deployments to).

/// @notice At 0x0000000000000000000000000000000000000071: activation and program queries.
interface ArbWasm {
    /// @notice Activates the program at `program`; pays the data fee from msg.value (the change
    /// is refunded).
    function activateProgram(address program) external payable returns (uint16 version, uint256 dataFee);

    /// @notice Extends a code hash's life by a year (it expires a year after activation otherwise).
    function codehashKeepalive(bytes32 codehash) external payable;

    function stylusVersion() external view returns (uint16 version);

    function codehashVersion(bytes32 codehash) external view returns (uint16 version);

    function codehashAsmSize(bytes32 codehash) external view returns (uint32 size);

    function programVersion(address program) external view returns (uint16 version);

    function programInitGas(address program) external view returns (uint64 gas, uint64 gasWhenCached);

    function programMemoryFootprint(address program) external view returns (uint16 footprint);

    function programTimeLeft(address program) external view returns (uint64 _secs);

    function inkPrice() external view returns (uint32 price);

    function freePages() external view returns (uint16 pages);

    function pageGas() external view returns (uint16 gas);

    function pageLimit() external view returns (uint16 limit);

    function expiryDays() external view returns (uint16 _days);

    function keepaliveDays() external view returns (uint16 _days);

    event ProgramActivated(bytes32 indexed codehash, bytes32 moduleHash, address program, uint256 dataFee, uint16 version);

    error ProgramNotWasm();
    error ProgramNotActivated();
    error ProgramNeedsUpgrade(uint16 version, uint16 stylusVersion);
    error ProgramExpired(uint64 ageInSeconds);
    error ProgramUpToDate();
    error ProgramKeepaliveTooSoon(uint64 ageInSeconds);
    error ProgramInsufficientValue(uint256 have, uint256 want);
}

/// @notice At 0x000000000000000000000000000000000000006b: the chain parameters cargo-stylus asks for.
interface ArbOwnerPublic {
    function getMaxStylusContractFragments() external view returns (uint8);

    function getNetworkFeeAccount() external view returns (address);

    function isChainOwner(address addr) external view returns (bool);

    function getAllChainOwners() external view returns (address[] memory);
}

/// @notice At 0x0000000000000000000000000000000000000064: block number and chain id as Arbitrum
/// reports them.
interface ArbSys {
    function arbBlockNumber() external view returns (uint256);

    function arbChainID() external view returns (uint256);

    function arbOSVersion() external view returns (uint256);
}

/// @notice cargo-stylus 0.10's deployer (0xcEcba2F1DC234f70Dd89F2041029807F8D03A990): creates a
/// program from init code, activates it when its code hash is new, and runs its constructor, in
/// one transaction.
interface StylusDeployer {
    function deploy(bytes calldata bytecode, bytes calldata initData, uint256 initValue, bytes32 salt)
        external
        payable
        returns (address);

    function initSalt(bytes32 salt, bytes calldata initData) external pure returns (bytes32);

    function requiresActivation(address addr) external view returns (bool);

    event ContractDeployed(address deployedContract);

    error ContractDeploymentError(bytes bytecode);
    error ContractInitializationError(address newContract, bytes data);
    error RefundExcessValueError(uint256 excessValue);
    error EmptyBytecode();
    error InitValueButNotInitData();
}
