/** Plans, mints (with a node key, or keyless as an explorer would) and the owner's tokens. */
import { parseEventLogs, type Address, type Hex, type TransactionReceipt } from 'viem';

import { read, send, type ChainContext } from './chain.js';
import { contractFor } from './deployment.js';
import { ProtocolError } from './errors.js';
import { pxStorageNftAbi, pxStorefrontAbi } from './generated/abi.js';
import type * as api from './generated/node-api.js';

/** A plan of the storefront. */
export interface Plan {
  readonly id: bigint;
  readonly quotaBytes: bigint;
  readonly uploadLimit: number;
  readonly priceWei: bigint;
  readonly active: boolean;
}

/** A mint's outcome. */
export interface Minted {
  readonly tokenId: bigint;
  readonly transaction: Hex;
  /** The BTNS key the token was minted with (`mintWithKey`), or `undefined` (keyless). */
  readonly btnsKey: string | undefined;
}

/** Every plan (ids 0 to planCount - 1; plan 0 is the free plan). */
export async function plans(ctx: ChainContext): Promise<Plan[]> {
  const address = contractFor(ctx.deployment, 'plans');
  const client = ctx.publicClient;
  const count = await read('planCount', () => client.readContract({ address, abi: pxStorefrontAbi, functionName: 'planCount' }));
  const out: Plan[] = [];
  for (let id = 0n; id < count; id++) {
    const [quotaBytes, uploadLimit, priceWei, active] = await read('plan', () =>
      client.readContract({ address, abi: pxStorefrontAbi, functionName: 'plan', args: [id] }),
    );
    out.push({ id, quotaBytes, uploadLimit, priceWei, active });
  }
  return out;
}

async function plan(ctx: ChainContext, planId: bigint): Promise<Plan> {
  const address = contractFor(ctx.deployment, 'plans');
  const [quotaBytes, uploadLimit, priceWei, active] = await read('plan', () =>
    ctx.publicClient.readContract({ address, abi: pxStorefrontAbi, functionName: 'plan', args: [planId] }),
  );
  return { id: planId, quotaBytes, uploadLimit, priceWei, active };
}

function mintedToken(receipt: TransactionReceipt): bigint {
  const transfers = parseEventLogs({ abi: pxStorageNftAbi, eventName: 'Transfer', logs: receipt.logs });
  const first = transfers[0];
  if (!first) throw new ProtocolError('the mint emitted no Transfer');
  return first.args.tokenId;
}

/** Mints without a key (the explorer path): the node registers a key when it sees the mint. */
export async function mintKeyless(ctx: ChainContext, planId: bigint): Promise<Minted> {
  const p = await plan(ctx, planId);
  const receipt = await send(ctx, {
    address: contractFor(ctx.deployment, 'mint'),
    abi: pxStorefrontAbi,
    functionName: 'mint',
    args: [planId],
    value: p.priceWei,
  });
  return { tokenId: mintedToken(receipt), transaction: receipt.transactionHash, btnsKey: undefined };
}

/** Mints with the key and authorization the node allocated (`POST /v1/keys`). */
export async function mintWithKey(ctx: ChainContext, allocation: api.KeyAllocation): Promise<Minted> {
  const planId = BigInt(allocation.planId);
  const p = await plan(ctx, planId);
  const receipt = await send(ctx, {
    address: contractFor(ctx.deployment, 'mint'),
    abi: pxStorefrontAbi,
    functionName: 'mintWithKey',
    args: [planId, allocation.btnsKeyHex as Hex, BigInt(allocation.deadline), allocation.signature as Hex],
    value: p.priceWei,
  });
  return { tokenId: mintedToken(receipt), transaction: receipt.transactionHash, btnsKey: allocation.btnsKey };
}

/** The tokens `owner` holds now: every token transferred to it since the deployment, still its own. */
export async function tokensOf(ctx: ChainContext, owner: Address): Promise<bigint[]> {
  const address = contractFor(ctx.deployment, 'token');
  const logs = await ctx.publicClient.getContractEvents({
    address,
    abi: pxStorageNftAbi,
    eventName: 'Transfer',
    args: { to: owner },
    fromBlock: ctx.deployment.startBlock,
  });
  const ids = [...new Set(logs.map((l) => l.args.tokenId).filter((id): id is bigint => id !== undefined))];
  const held: bigint[] = [];
  for (const id of ids) {
    const current = await read('ownerOf', () => ctx.publicClient.readContract({ address, abi: pxStorageNftAbi, functionName: 'ownerOf', args: [id] }));
    if (current.toLowerCase() === owner.toLowerCase()) held.push(id);
  }
  return held.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The token's BTNS key bytes (`0x` when it has none yet). */
export function btnsKeyOf(ctx: ChainContext, tokenId: bigint): Promise<Hex> {
  const address = contractFor(ctx.deployment, 'usage');
  return read('btnsKeyOf', () => ctx.publicClient.readContract({ address, abi: pxStorageNftAbi, functionName: 'btnsKeyOf', args: [tokenId] }));
}
