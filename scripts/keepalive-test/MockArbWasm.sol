// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.19;

/// @title A stand-in for ArbOS' ArbWasm keepalive rules, for testing scripts/keepalive.sh on anvil.
/// @notice px-devnet does not implement `codehashKeepalive`, so the test puts this code at
/// 0x…71 on anvil. It follows nitro's `ProgramKeepalive` as read in its source: a program is
/// active for `expiryDays` after its activation or last keepalive; a keepalive is refused before
/// the program is `keepaliveDays` old (`ProgramKeepaliveTooSoon`) and without the data fee
/// (`ProgramInsufficientValue`); it restarts the program's age and returns the excess value.
/// `activate` is the test's shortcut for `activateProgram`. Not ArbOS: no versions, no caching.
contract MockArbWasm {
    uint256 public constant DATA_FEE = 1e12;
    uint16 private constant EXPIRY_DAYS = 365;
    uint16 private constant KEEPALIVE_DAYS = 31;

    mapping(bytes32 => uint64) private s_activatedAt;

    event ProgramLifetimeExtended(bytes32 indexed codehash, uint256 dataFee);

    error ProgramNotActivated();
    error ProgramExpired(uint64 ageInSeconds);
    error ProgramKeepaliveTooSoon(uint64 ageInSeconds);
    error ProgramInsufficientValue(uint256 have, uint256 want);

    function activate(bytes32 codehash) external {
        s_activatedAt[codehash] = uint64(block.timestamp);
    }

    function expiryDays() external pure returns (uint16) {
        return EXPIRY_DAYS;
    }

    function keepaliveDays() external pure returns (uint16) {
        return KEEPALIVE_DAYS;
    }

    function codehashVersion(bytes32 codehash) external view returns (uint16) {
        _age(codehash);
        return 1;
    }

    function programTimeLeft(address program) external view returns (uint64) {
        return uint64(EXPIRY_DAYS) * 1 days - _age(program.codehash);
    }

    function codehashKeepalive(bytes32 codehash) external payable {
        uint64 age = _age(codehash);
        if (age < uint64(KEEPALIVE_DAYS) * 1 days) revert ProgramKeepaliveTooSoon(age);
        if (msg.value < DATA_FEE) revert ProgramInsufficientValue(msg.value, DATA_FEE);
        s_activatedAt[codehash] = uint64(block.timestamp);
        emit ProgramLifetimeExtended(codehash, DATA_FEE);
        (bool ok,) = msg.sender.call{value: msg.value - DATA_FEE}("");
        require(ok, "refund failed");
    }

    function _age(bytes32 codehash) private view returns (uint64 age) {
        uint64 at = s_activatedAt[codehash];
        if (at == 0) revert ProgramNotActivated();
        age = uint64(block.timestamp) - at;
        if (age > uint64(EXPIRY_DAYS) * 1 days) revert ProgramExpired(age);
    }
}
