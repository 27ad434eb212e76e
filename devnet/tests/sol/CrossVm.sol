// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.19;

/// Solidity contracts the cross-VM tests deploy beside the Stylus programs (compiled by
/// build.sh into ../fixtures). Each one calls into a Stylus program or is called by one.

interface INft {
    function ownerOf(uint256 tokenId) external view returns (address);
    function balanceOf(address owner) external view returns (uint256);
    function safeTransferFrom(address from, address to, uint256 tokenId, bytes calldata data) external;
    function transferFrom(address from, address to, uint256 tokenId) external;
}

/// An ERC-721 receiver that calls back into the token while it is being paid: it records what
/// the token reports mid-transfer, and rejects the token afterwards when the data says so (with a
/// reason, a custom error, or no data).
contract CallbackReceiver {
    error Refused(uint256 tokenId);

    address public seenOwner;
    uint256 public seenBalance;
    uint256 public calls;

    function onERC721Received(address, address, uint256 tokenId, bytes calldata data)
        external
        returns (bytes4)
    {
        seenOwner = INft(msg.sender).ownerOf(tokenId);
        seenBalance = INft(msg.sender).balanceOf(address(this));
        calls += 1;
        if (keccak256(data) == keccak256("reject")) {
            revert("rejected after calling back");
        }
        if (keccak256(data) == keccak256("reject with error")) {
            revert Refused(tokenId);
        }
        if (keccak256(data) == keccak256("reject silently")) {
            revert();
        }
        if (keccak256(data) == keccak256("pass on")) {
            // Calls into the token again, with a write: the token moves on to the sender.
            INft(msg.sender).transferFrom(address(this), tx.origin, tokenId);
        }
        return this.onERC721Received.selector;
    }
}

/// Holds tokens and moves them with safeTransferFrom: EVM -> WASM -> EVM receiver -> WASM.
contract Relay {
    function forward(address nft, address to, uint256 tokenId, bytes calldata data) external {
        INft(nft).safeTransferFrom(address(this), to, tokenId, data);
    }

    function onERC721Received(address, address, uint256, bytes calldata) external pure returns (bytes4) {
        return this.onERC721Received.selector;
    }
}

/// A renderer the token calls (statically) for tokenURI; it calls the token back.
contract EchoRenderer {
    address public immutable nft;

    constructor(address nft_) {
        nft = nft_;
    }

    function tokenURI(uint256 tokenId) external view returns (string memory) {
        address owner = INft(nft).ownerOf(tokenId);
        return string(abi.encodePacked("owner:", toHex(owner)));
    }

    function toHex(address a) internal pure returns (bytes memory out) {
        bytes16 digits = "0123456789abcdef";
        out = new bytes(40);
        uint160 v = uint160(a);
        for (uint256 i = 40; i > 0; i--) {
            out[i - 1] = digits[v & 0xf];
            v >>= 4;
        }
    }
}

/// A renderer that writes state: inside the token's static call this must fail.
contract WritingRenderer {
    uint256 public writes;

    function tokenURI(uint256) external returns (string memory) {
        writes += 1;
        return "wrote";
    }
}
