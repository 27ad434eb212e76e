// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.23;

/// @title PX storage NFT renderer.
/// @notice Renders a token's metadata as a `data:application/json;base64,...` URI from the core's
/// state: name, description and attributes (capacity, used, usage %, uploads, BTNS name, last
/// sync). The core's `tokenURI` delegates here.
interface IPxRenderer {
    /// @notice The metadata URI of `tokenId` of the core.
    function tokenURI(uint256 tokenId) external view returns (string memory);

    /// @notice The core program whose tokens this renders.
    function core() external view returns (address);

    error ERC721NonexistentToken(uint256 tokenId);
}
