// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.23;

// The Arbitrum system contracts the PX tools call to deploy and keep Stylus programs, as
// Arbitrum documents them (precompiles/ArbWasm.sol in OffchainLabs/nitro-contracts, and the
// StylusDeployer cargo-stylus 0.10 sends constructor deployments to).

/// @notice At 0x0000000000000000000000000000000000000071.
interface ArbWasm {
    /// @notice Activates the program at `program`; pays the data fee from msg.value (the change
    /// is refunded).
    function activateProgram(address program) external payable returns (uint16 version, uint256 dataFee);

    /// @notice Extends a program's life by a year (it expires a year after activation otherwise).
    function codehashKeepalive(bytes32 codehash) external payable;

    function codehashVersion(bytes32 codehash) external view returns (uint16 version);

    function programVersion(address program) external view returns (uint16 version);

    function programTimeLeft(address program) external view returns (uint64 _secs);

    error ProgramNotWasm();
    error ProgramNotActivated();
    error ProgramNeedsUpgrade(uint16 version, uint16 stylusVersion);
    error ProgramExpired(uint64 ageInSeconds);
    error ProgramUpToDate();
    error ProgramKeepaliveTooSoon(uint64 ageInSeconds);
    error ProgramInsufficientValue(uint256 have, uint256 want);
}

/// @notice cargo-stylus 0.10's deployer (0xcEcba2F1DC234f70Dd89F2041029807F8D03A990): creates a
/// program from init code, activates it when its code hash is new, and runs its constructor, in
/// one transaction.
interface StylusDeployer {
    function deploy(bytes calldata bytecode, bytes calldata initData, uint256 initValue, bytes32 salt)
        external
        payable
        returns (address);

    event ContractDeployed(address deployedContract);

    error ContractDeploymentError(bytes bytecode);
    error ContractInitializationError(address newContract, bytes data);
    error RefundExcessValueError(uint256 excessValue);
    error EmptyBytecode();
    error InitValueButNotInitData();
}
