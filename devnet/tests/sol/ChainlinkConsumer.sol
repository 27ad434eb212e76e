// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.19;

import {Chainlink, ChainlinkClient} from "@chainlink/contracts/src/v0.8/operatorforwarder/ChainlinkClient.sol";

/// A direct-request consumer built on Chainlink's own client library: it sends operator
/// requests (dataVersion 2) with a CBOR parameter, records fulfilments and cancels.
contract ChainlinkConsumer is ChainlinkClient {
    using Chainlink for Chainlink.Request;

    bytes32 public lastRequestId;
    bytes32 public lastFulfilled;
    uint256 public lastValue;

    constructor(address link, address operator) {
        _setChainlinkToken(link);
        _setChainlinkOracle(operator);
    }

    function request(bytes32 specId, uint256 payment, string calldata btnsKey) external returns (bytes32 id) {
        Chainlink.Request memory req = _buildOperatorRequest(specId, this.fulfill.selector);
        req._add("btnsKey", btnsKey);
        id = _sendOperatorRequest(req, payment);
        lastRequestId = id;
    }

    function fulfill(bytes32 requestId, uint256 value) external recordChainlinkFulfillment(requestId) {
        lastFulfilled = requestId;
        lastValue = value;
    }

    function cancel(bytes32 requestId, uint256 payment, uint256 expiration) external {
        _cancelChainlinkRequest(requestId, payment, this.fulfill.selector, expiration);
    }
}
