//! The Solidity interfaces of the system contracts this chain implements, as callers see them
//! (the function signatures cargo-stylus and Chainlink-free tooling use). Only the ABI is
//! declared here; the behaviour is this crate's own.
#![allow(missing_docs)] // generated bindings

alloy::sol! {
    /// `ArbWasm` at `0x…71`: activation and program queries.
    #[derive(Debug, PartialEq, Eq)]
    interface ArbWasm {
        function activateProgram(address program) external payable returns (uint16 version, uint256 dataFee);
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

        event ProgramActivated(bytes32 indexed codehash, bytes32 moduleHash, address program, uint256 dataFee, uint16 version);

        error ProgramNotWasm();
        error ProgramNotActivated();
        error ProgramNeedsUpgrade(uint16 version, uint16 stylusVersion);
        error ProgramExpired(uint64 ageInSeconds);
        error ProgramUpToDate();
        error ProgramInsufficientValue(uint256 have, uint256 want);
    }

    /// `ArbOwnerPublic` at `0x…6b`: the chain parameters cargo-stylus asks for.
    #[derive(Debug, PartialEq, Eq)]
    interface ArbOwnerPublic {
        function getMaxStylusContractFragments() external view returns (uint8);
        function getNetworkFeeAccount() external view returns (address);
        function isChainOwner(address addr) external view returns (bool);
        function getAllChainOwners() external view returns (address[] memory);
    }

    /// `ArbSys` at `0x…64`: block number and chain id as Arbitrum reports them.
    #[derive(Debug, PartialEq, Eq)]
    interface ArbSys {
        function arbBlockNumber() external view returns (uint256);
        function arbChainID() external view returns (uint256);
        function arbOSVersion() external view returns (uint256);
    }

    /// The `StylusDeployer` contract cargo-stylus sends constructor deployments to.
    #[derive(Debug, PartialEq, Eq)]
    interface StylusDeployer {
        event ContractDeployed(address deployedContract);

        error ContractDeploymentError(bytes bytecode);
        error ContractInitializationError(address newContract, bytes data);
        error RefundExcessValueError(uint256 excessValue);
        error EmptyBytecode();
        error InitValueButNotInitData();

        function deploy(bytes calldata bytecode, bytes calldata initData, uint256 initValue, bytes32 salt) external payable returns (address);
        function initSalt(bytes32 salt, bytes calldata initData) external pure returns (bytes32);
        function requiresActivation(address addr) external view returns (bool);
    }
}
