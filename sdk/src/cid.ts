/**
 * Single-raw-block CIDs (docs/wire-formats.md): CIDv1, codec raw, sha2-256, base32
 * (`bafkrei...`). The digest is sha256 of the exact bytes, and what goes on-chain as
 * `metadataDigest`.
 */
import { bytesToHex, hexToBytes, type Hex } from 'viem';

import { ProtocolError } from './errors.js';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const PREFIX = [0x01, 0x55, 0x12, 0x20];

function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

function unbase32(text: string): Uint8Array {
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of text) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0) throw new ProtocolError(`not base32: ${text}`);
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Uint8Array.from(out);
}

/** The sha256 digest a single-raw-block CID names. */
export function digestOfCid(cid: string): Hex {
  if (!cid.startsWith('b')) throw new ProtocolError(`${cid} is not a base32 CIDv1`);
  const bytes = unbase32(cid.slice(1));
  if (bytes.length !== 36 || PREFIX.some((b, i) => bytes[i] !== b)) {
    throw new ProtocolError(`${cid} is not a single raw sha2-256 block`);
  }
  return bytesToHex(bytes.subarray(4));
}

/** The CID of the raw block with sha256 `digest`. */
export function cidOfDigest(digest: Hex): string {
  const bytes = new Uint8Array(36);
  bytes.set(PREFIX, 0);
  bytes.set(hexToBytes(digest), 4);
  return `b${base32(bytes)}`;
}
