// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.23;

// The parts of Chainlink's LinkToken (ERC-677) and Operator (dataVersion 2 direct requests) that
// the PX programs, tools and tests use. Signatures as in @chainlink/contracts 1.5.0
// (shared/token/ERC677/LinkToken.sol, operatorforwarder/Operator.sol).

interface LinkTokenInterface {
    function balanceOf(address owner) external view returns (uint256 balance);

    function transfer(address to, uint256 value) external returns (bool success);

    function transferAndCall(address to, uint256 value, bytes calldata data) external returns (bool success);

    /// @notice BurnMintERC677's minting (the owner grants the role): local chains mint LINK.
    function grantMintRole(address minter) external;

    function mint(address account, uint256 amount) external;

    event Transfer(address indexed from, address indexed to, uint256 value);
}

interface OperatorInterface {
    /// @notice Reached through `LINK.transferAndCall(operator, payment, abi.encodeWithSelector(
    /// operatorRequest.selector, 0, 0, specId, callbackFunctionId, nonce, 2, cborData))`.
    function operatorRequest(
        address sender,
        uint256 payment,
        bytes32 specId,
        bytes4 callbackFunctionId,
        uint256 nonce,
        uint256 dataVersion,
        bytes calldata data
    ) external;

    function fulfillOracleRequest2(
        bytes32 requestId,
        uint256 payment,
        address callbackAddress,
        bytes4 callbackFunctionId,
        uint256 expiration,
        bytes calldata data
    ) external returns (bool);

    function cancelOracleRequest(bytes32 requestId, uint256 payment, bytes4 callbackFunc, uint256 expiration)
        external;

    function setAuthorizedSenders(address[] calldata senders) external;

    event OracleRequest(
        bytes32 indexed specId,
        address requester,
        bytes32 requestId,
        uint256 payment,
        address callbackAddr,
        bytes4 callbackFunctionId,
        uint256 cancelExpiration,
        uint256 dataVersion,
        bytes data
    );

    event CancelOracleRequest(bytes32 indexed requestId);

    event OracleResponse(bytes32 indexed requestId);
}
