// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.19;

import {ERC721} from "@openzeppelin/contracts@4.8.3/token/ERC721/ERC721.sol";

/// @title The Solidity baseline of the gas benchmark (docs/benchmarks.md, "Programs: gas").
/// @notice OpenZeppelin 4.8.3's ERC721 with a sequential mint, restricted to one minter as the
/// core's `mintTo` is restricted to its minter role. The minter is immutable (no storage read),
/// a choice in the baseline's favour: the core reads its minter from storage, packed with the
/// pause flag and the supply it has to read anyway.
contract BenchERC721 is ERC721 {
    address private immutable i_minter;
    uint256 public totalSupply;

    constructor() ERC721("PX Bench", "PXB") {
        i_minter = msg.sender;
    }

    /// @notice Mints the next token id (1, 2, ...) to `to`.
    function mint(address to) external returns (uint256 tokenId) {
        require(msg.sender == i_minter, "not the minter");
        tokenId = ++totalSupply;
        _mint(to, tokenId);
    }
}
