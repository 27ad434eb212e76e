/**
 * Usage: the token's record on-chain beside the node's latest head document (`px-usage/1`),
 * verified as the chain would (its CID is sha256 of its bytes; its `UsageReport` signature
 * recovers to its signer), and the upload gate with its reasons.
 */
import { bytesToHex, recoverTypedDataAddress, sha256, type Address, type Hex } from 'viem';

import { ProtocolError } from './errors.js';
import { digestOfCid } from './cid.js';
import { eip712Domain, eip712Types } from './generated/abi.js';
import type { RefusalReason } from './generated/node-api.js';

/** A file entry of the usage document or its pages. */
export interface FileEntry {
  readonly cid: string;
  readonly size: bigint;
  readonly addedAt: string;
}

/** The node's head document (`px-usage/1`, docs/usage-metadata.md), parsed and verified. */
export interface UsageDocument {
  readonly chainId: number;
  readonly contract: Address;
  readonly tokenId: bigint;
  readonly btnsKey: Hex;
  readonly sequence: bigint;
  readonly quotaBytes: bigint;
  readonly usedBytes: bigint;
  readonly uploadLimit: bigint;
  readonly uploadCount: bigint;
  readonly files: readonly FileEntry[];
  readonly filesIndex: string | null;
  readonly updatedAt: string;
  readonly signer: Address;
  readonly signature: Hex;
}

/** The token's record on-chain (`usageOf`) and its upload gate (`canUpload(id, 0)`). */
export interface ChainUsage {
  readonly quotaBytes: bigint;
  readonly uploadLimit: bigint;
  readonly usedBytes: bigint;
  readonly uploadCount: bigint;
  readonly syncSequence: bigint;
  readonly lastSyncedAt: bigint;
  readonly metadataDigest: Hex;
  /** Whether the chain allows an upload now. */
  readonly uploadAllowed: boolean;
  /** Why not, in the node's refusal names. */
  readonly blockedBy: readonly RefusalReason[];
}

/** Usage on-chain beside the node's head. */
export interface Usage {
  readonly tokenId: bigint;
  readonly chain: ChainUsage;
  /** The node's latest head, or `undefined` when the node has none (no key yet). */
  readonly node: UsageDocument | undefined;
  /** The head's CID. */
  readonly headCid: string | undefined;
  /** The chain has the node's latest sequence. */
  readonly inSync: boolean;
  /** When the sync window closes (Unix seconds), from `lastSyncedAt` and the window. */
  readonly syncDueAt: bigint;
  /**
   * Whether an upload is blocked and why: the chain's gate, and the node's own stricter view
   * (its unsynced usage against the quota).
   */
  readonly blockedBy: readonly RefusalReason[];
}

const decimal = (doc: Record<string, unknown>, field: string): bigint => {
  const v = doc[field];
  if (typeof v !== 'string' || !/^(0|[1-9][0-9]*)$/.test(v)) throw new ProtocolError(`head document: ${field} is not a decimal string`);
  return BigInt(v);
};

const text = (doc: Record<string, unknown>, field: string): string => {
  const v = doc[field];
  if (typeof v !== 'string') throw new ProtocolError(`head document: ${field} is not a string`);
  return v;
};

function entries(list: unknown, where: string): FileEntry[] {
  if (!Array.isArray(list)) throw new ProtocolError(`${where}: files is not a list`);
  return list.map((e: Record<string, unknown>) => ({ cid: text(e, 'cid'), size: decimal(e, 'size'), addedAt: text(e, 'addedAt') }));
}

/**
 * Verifies a head document the node served as `cid`: the bytes hash to the CID, the schema is
 * `px-usage/1` for `chainId` and `core`, and the `UsageReport` signature recovers to `signer`.
 */
export async function verifyHead(cid: string, bytes: Uint8Array, expected: { chainId: number; core: Address }): Promise<UsageDocument> {
  if (sha256(bytes) !== digestOfCid(cid)) throw new ProtocolError(`the head's bytes do not hash to its CID ${cid}`);
  const doc = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  if (doc.schema !== 'px-usage/1') throw new ProtocolError(`head document schema ${String(doc.schema)}, expected px-usage/1`);
  const parsed: UsageDocument = {
    chainId: Number(decimal(doc, 'chainId')),
    contract: text(doc, 'contract') as Address,
    tokenId: decimal(doc, 'tokenId'),
    btnsKey: text(doc, 'btnsKey') as Hex,
    sequence: decimal(doc, 'sequence'),
    quotaBytes: decimal(doc, 'quotaBytes'),
    usedBytes: decimal(doc, 'usedBytes'),
    uploadLimit: decimal(doc, 'uploadLimit'),
    uploadCount: decimal(doc, 'uploadCount'),
    files: entries(doc.files, 'head document'),
    filesIndex: doc.filesIndex === null ? null : text(doc, 'filesIndex'),
    updatedAt: text(doc, 'updatedAt'),
    signer: text(doc, 'signer') as Address,
    signature: text(doc, 'signature') as Hex,
  };
  if (parsed.chainId !== expected.chainId || parsed.contract.toLowerCase() !== expected.core.toLowerCase()) {
    throw new ProtocolError(`the head is for chain ${parsed.chainId} contract ${parsed.contract}, not this deployment`);
  }
  const recovered = await recoverTypedDataAddress({
    domain: { ...eip712Domain, chainId: expected.chainId, verifyingContract: expected.core },
    types: eip712Types,
    primaryType: 'UsageReport',
    message: {
      tokenId: parsed.tokenId,
      btnsKey: parsed.btnsKey,
      sequence: parsed.sequence,
      usedBytes: parsed.usedBytes,
      uploadCount: Number(parsed.uploadCount),
    },
    signature: parsed.signature,
  });
  if (recovered.toLowerCase() !== parsed.signer.toLowerCase()) {
    throw new ProtocolError(`the head's signature is by ${recovered}, it names ${parsed.signer}`);
  }
  return parsed;
}

/** The gate's flags in the node's refusal names. */
export function gateReasons(gate: {
  quotaExceeded: boolean;
  uploadsExceeded: boolean;
  syncOverdue: boolean;
  noBtnsKey: boolean;
  paused: boolean;
}): RefusalReason[] {
  const out: RefusalReason[] = [];
  if (gate.quotaExceeded) out.push('quotaExceeded');
  if (gate.uploadsExceeded) out.push('uploadsExceeded');
  if (gate.syncOverdue) out.push('syncOverdue');
  if (gate.noBtnsKey) out.push('noBtnsKey');
  if (gate.paused) out.push('paused');
  return out;
}

/** Hex of bytes (re-exported for the files module). */
export const hex = bytesToHex;
