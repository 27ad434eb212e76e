// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {ChainlinkClient} from "@chainlink/contracts/src/v0.8/operatorforwarder/ChainlinkClient.sol";
import {Chainlink} from "@chainlink/contracts/src/v0.8/operatorforwarder/Chainlink.sol";

/// @notice The reference for PxSync's Chainlink request: the same direct request, built the way
/// Chainlink's own Solidity client builds it (`Chainlink.Request.add` of strings,
/// `_sendOperatorRequestTo`), and the same `fulfillSync` callback. Used only to record test
/// vectors (tests/chainlink-vectors/generate.sh).
contract ReferenceConsumer is ChainlinkClient {
    using Chainlink for Chainlink.Request;

    address public immutable operator;
    bytes32 public immutable jobId;
    uint256 public immutable fee;

    bytes32 public lastRequestId;
    uint64 public sequence;
    uint64 public usedBytes;
    uint32 public uploadCount;
    bytes32 public metadataDigest;
    uint8 public v;
    bytes32 public r;
    bytes32 public s;

    constructor(address link, address operator_, bytes32 jobId_, uint256 fee_) {
        _setChainlinkToken(link);
        operator = operator_;
        jobId = jobId_;
        fee = fee_;
    }

    /// @notice Sends the request PxSync sends, with the parameters as the strings of the wire
    /// formats.
    function requestSync(string calldata btnsKey, string calldata tokenId, string calldata core, string calldata chainId)
        external
        returns (bytes32 requestId)
    {
        Chainlink.Request memory req = _buildOperatorRequest(jobId, this.fulfillSync.selector);
        req._add("btnsKey", btnsKey);
        req._add("tokenId", tokenId);
        req._add("contract", core);
        req._add("chainId", chainId);
        requestId = _sendOperatorRequestTo(operator, req, fee);
        lastRequestId = requestId;
    }

    /// @notice PxSync's callback signature; records what the Operator forwarded.
    function fulfillSync(
        bytes32 requestId,
        uint64 sequence_,
        uint64 usedBytes_,
        uint32 uploadCount_,
        bytes32 metadataDigest_,
        uint8 v_,
        bytes32 r_,
        bytes32 s_
    ) external recordChainlinkFulfillment(requestId) {
        (sequence, usedBytes, uploadCount, metadataDigest, v, r, s) =
            (sequence_, usedBytes_, uploadCount_, metadataDigest_, v_, r_, s_);
    }
}
