/**
 * The deployment descriptor: every contract address, and which contract serves which call,
 * in one place. The file is the one px-deploy writes (`deployments/<chainId>.json`); when the
 * programs merge into one sNFT program, its addresses point at one contract and
 * {@link contractFor} changes here, nowhere else.
 */
import { getAddress, isAddress, type Address, type Hex } from 'viem';

import { ProtocolError } from './errors.js';

/** `deployments/<chainId>.json`, as px-deploy writes it (the fields the SDK uses). */
export interface Deployment {
  /** The chain. */
  readonly chainId: number;
  /** `PxStorageNft`: the token contract wallets and marketplaces see. */
  readonly core: Address;
  /** `PxSync`: sync requests and their fulfilment. */
  readonly sync: Address;
  /** `PxStorefront`: plans and mints. */
  readonly storefront: Address;
  /** `PxRenderer`: tokenURI. */
  readonly renderer: Address;
  /** The LINK token (paid syncs). */
  readonly link: Address;
  /** The Chainlink Operator. */
  readonly operator: Address;
  /** The first block of the deployment: where to start reading events. */
  readonly startBlock: bigint;
}

/** The calls the SDK makes, by what they are for. */
export type Role =
  | 'token' // ERC-721, ownerOf, Transfer logs
  | 'usage' // usageOf, canUpload, btnsKeyOf: the upload gate
  | 'plans' // planCount, plan
  | 'mint' // mint, mintWithKey
  | 'sync' // requestSync, latestRequestOf, lastSponsoredAt, oracle, SyncFulfilled/SyncRejected
  | 'syncPayment' // LINK.transferAndCall to the syncing contract
  | 'encryptionCollection'; // the collection a wallet's encryption key is bound to

/** Which contract serves which call: the one place that knows today's four-program layout. */
export function contractFor(deployment: Deployment, role: Role): Address {
  switch (role) {
    case 'token':
    case 'usage':
    case 'encryptionCollection':
      return deployment.core;
    case 'plans':
    case 'mint':
      return deployment.storefront;
    case 'sync':
      return deployment.sync;
    case 'syncPayment':
      return deployment.link;
  }
}

function address(json: Record<string, unknown>, field: string): Address {
  const value = json[field];
  if (typeof value !== 'string' || !isAddress(value, { strict: false })) {
    throw new ProtocolError(`deployment: ${field} is not an address (${String(value)})`);
  }
  return getAddress(value);
}

/** Reads a deployment descriptor (the parsed JSON of `deployments/<chainId>.json`). */
export function parseDeployment(json: unknown): Deployment {
  if (typeof json !== 'object' || json === null) throw new ProtocolError('deployment: not an object');
  const j = json as Record<string, unknown>;
  if (typeof j.chainId !== 'number' || !Number.isSafeInteger(j.chainId)) {
    throw new ProtocolError('deployment: chainId is not an integer');
  }
  const start = j.startBlock;
  if (typeof start !== 'number' && typeof start !== 'string') {
    throw new ProtocolError('deployment: startBlock is missing');
  }
  return {
    chainId: j.chainId,
    core: address(j, 'core'),
    sync: address(j, 'sync'),
    storefront: address(j, 'storefront'),
    renderer: address(j, 'renderer'),
    link: address(j, 'link'),
    operator: address(j, 'operator'),
    startBlock: BigInt(start),
  };
}

/** A transaction hash. */
export type TxHash = Hex;
