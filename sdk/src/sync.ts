/**
 * Sync: the paths the programs offer (sponsored `PxSync.requestSync` through the program's
 * current route, CRE or Direct Request; ETH-paid `PxSync.requestSyncWithFee` through CRE;
 * LINK-paid `LINK.transferAndCall(PxSync, fee, abi.encode(tokenId))` through Direct Request),
 * then the wait for the relay's answer (`SyncFulfilled` or `SyncRejected` for that request).
 */
import { encodeAbiParameters, parseEventLogs, type Hex, type TransactionReceipt } from 'viem';

import { chainNow, read, send, type ChainContext } from './chain.js';
import { contractFor } from './deployment.js';
import { ProtocolError, SyncRejectedError, TimeoutError } from './errors.js';
import { linkTokenAbi, pxStorageNftAbi, pxSyncAbi } from './generated/abi.js';

/**
 * Who pays: `sponsored` (paid plans, once per window; `PxSync` pays on Direct Request, nothing
 * is paid per request on CRE), `eth` (the caller pays `creConfig().syncFee` in ETH, through
 * CRE), or `link` (the caller pays the oracle's LINK fee, through Direct Request).
 */
export type SyncRoute = 'sponsored' | 'eth' | 'link';

/** The relay a request goes through: `SyncRequested.route` 1 (CRE) or 2 (Direct Request). */
export type SyncRelay = 'cre' | 'direct-request';

/** The relay of a route number. */
export function relayOf(route: number): SyncRelay {
  if (route === 1) return 'cre';
  if (route === 2) return 'direct-request';
  throw new ProtocolError(`unknown sync route ${route}`);
}

/** Where a sync is. */
export type SyncStatus =
  | { readonly phase: 'sending'; readonly route: SyncRoute }
  | { readonly phase: 'requested'; readonly requestId: Hex; readonly transaction: Hex; readonly relay: SyncRelay }
  | { readonly phase: 'waiting'; readonly requestId: Hex; readonly elapsedMs: number }
  | { readonly phase: 'fulfilled'; readonly result: SyncResult }
  | { readonly phase: 'rejected'; readonly requestId: Hex; readonly reasonCode: number };

/** A fulfilled sync: the usage the chain now has. */
export interface SyncResult {
  readonly requestId: Hex;
  readonly requestTransaction: Hex;
  readonly fulfilTransaction: Hex;
  readonly sequence: bigint;
  readonly usedBytes: bigint;
  readonly uploadCount: number;
  readonly metadataDigest: Hex;
}

/** Options of a sync. */
export interface SyncOptions {
  readonly route?: SyncRoute;
  readonly onStatus?: (status: SyncStatus) => void;
  /** How long to wait for the relay (default 2 minutes). */
  readonly timeoutMs?: number;
}

/** What the sync paths allow a token now. */
export interface SyncState {
  /** An unanswered request of the token, if any (another must wait for it or its expiry). */
  readonly pendingRequest: Hex | undefined;
  /** Whether the token's plan may use sponsored syncs. */
  readonly sponsoredEligible: boolean;
  /** When the next sponsored sync is allowed (chain time, Unix seconds; 0 = now). */
  readonly sponsoredAvailableAt: bigint;
  /** The relay a sponsored sync takes now (`PxSync.syncRoute`). */
  readonly sponsoredRelay: SyncRelay;
  /** The LINK fee of a LINK-paid sync (Direct Request). */
  readonly linkFee: bigint;
  /** The ETH fee in wei of an ETH-paid sync (CRE); 0 = not offered. */
  readonly ethFee: bigint;
  /** How long a CRE request waits for its report before anyone may cancel it (seconds). */
  readonly creRequestTimeout: bigint;
  /** The chain's time now. */
  readonly now: bigint;
}

const ZERO = '0x0000000000000000000000000000000000000000000000000000000000000000';

/** The token's sync options now. */
export async function syncState(ctx: ChainContext, tokenId: bigint): Promise<SyncState> {
  const sync = contractFor(ctx.deployment, 'sync');
  const core = contractFor(ctx.deployment, 'usage');
  const c = ctx.publicClient;
  const [latest] = await read('latestRequestOf', () => c.readContract({ address: sync, abi: pxSyncAbi, functionName: 'latestRequestOf', args: [tokenId] }));
  let pendingRequest: Hex | undefined;
  if (latest !== ZERO) {
    const [pendingToken] = await read('pendingRequest', () => c.readContract({ address: sync, abi: pxSyncAbi, functionName: 'pendingRequest', args: [latest] }));
    if (pendingToken === tokenId) pendingRequest = latest;
  }
  const [minQuota, lastSponsored, window, usage, oracle, route, cre, now] = await Promise.all([
    read('sponsoredMinQuota', () => c.readContract({ address: sync, abi: pxSyncAbi, functionName: 'sponsoredMinQuota' })),
    read('lastSponsoredAt', () => c.readContract({ address: sync, abi: pxSyncAbi, functionName: 'lastSponsoredAt', args: [tokenId] })),
    read('syncWindow', () => c.readContract({ address: core, abi: pxStorageNftAbi, functionName: 'syncWindow' })),
    read('usageOf', () => c.readContract({ address: core, abi: pxStorageNftAbi, functionName: 'usageOf', args: [tokenId] })),
    read('oracle', () => c.readContract({ address: sync, abi: pxSyncAbi, functionName: 'oracle' })),
    read('syncRoute', () => c.readContract({ address: sync, abi: pxSyncAbi, functionName: 'syncRoute' })),
    read('creConfig', () => c.readContract({ address: sync, abi: pxSyncAbi, functionName: 'creConfig' })),
    chainNow(ctx),
  ]);
  return {
    pendingRequest,
    sponsoredEligible: usage[0] >= minQuota,
    sponsoredAvailableAt: lastSponsored === 0n ? 0n : lastSponsored + window,
    sponsoredRelay: relayOf(route),
    linkFee: oracle[3],
    ethFee: cre[4],
    creRequestTimeout: BigInt(cre[5]),
    now,
  };
}

function requestOf(receipt: TransactionReceipt): { requestId: Hex; relay: SyncRelay } {
  const requested = parseEventLogs({ abi: pxSyncAbi, eventName: 'SyncRequested', logs: receipt.logs })[0];
  if (!requested) throw new ProtocolError('the request emitted no SyncRequested');
  return { requestId: requested.args.requestId, relay: relayOf(requested.args.route) };
}

/** Sends the request of `route`; returns the receipt. */
async function request(ctx: ChainContext, tokenId: bigint, route: SyncRoute): Promise<TransactionReceipt> {
  const sync = contractFor(ctx.deployment, 'sync');
  if (route === 'sponsored') {
    return send(ctx, { address: sync, abi: pxSyncAbi, functionName: 'requestSync', args: [tokenId] });
  }
  if (route === 'eth') {
    const [, , , , fee] = await read('creConfig', () => ctx.publicClient.readContract({ address: sync, abi: pxSyncAbi, functionName: 'creConfig' }));
    return send(ctx, { address: sync, abi: pxSyncAbi, functionName: 'requestSyncWithFee', args: [tokenId], value: fee });
  }
  const [link, , , fee] = await read('oracle', () => ctx.publicClient.readContract({ address: sync, abi: pxSyncAbi, functionName: 'oracle' }));
  const data = encodeAbiParameters([{ type: 'uint256' }], [tokenId]);
  return send(ctx, { address: link, abi: linkTokenAbi, functionName: 'transferAndCall', args: [sync, fee, data] });
}

/**
 * Requests a sync and waits for its answer. Resolves with the usage the chain applied;
 * rejects with a {@link SyncRejectedError} (the report was refused), a `ContractError` (the
 * request reverted: `SyncPending`, `SponsoredSyncUnavailable`, `NoBtnsKey`, ...) or a
 * {@link TimeoutError} (after the request's expiry anyone may `cancelSync` it: the fee goes
 * back to its payer, a sponsored sync is given back).
 */
export async function syncToken(ctx: ChainContext, tokenId: bigint, options: SyncOptions = {}): Promise<SyncResult> {
  const route = options.route ?? 'sponsored';
  options.onStatus?.({ phase: 'sending', route });
  const receipt = await request(ctx, tokenId, route);
  const { requestId, relay } = requestOf(receipt);
  options.onStatus?.({ phase: 'requested', requestId, transaction: receipt.transactionHash, relay });
  const sync = contractFor(ctx.deployment, 'sync');
  const started = Date.now();
  const timeout = options.timeoutMs ?? 120_000;
  for (;;) {
    const [fulfilled, rejected] = await Promise.all([
      ctx.publicClient.getContractEvents({ address: sync, abi: pxSyncAbi, eventName: 'SyncFulfilled', args: { requestId }, fromBlock: receipt.blockNumber }),
      ctx.publicClient.getContractEvents({ address: sync, abi: pxSyncAbi, eventName: 'SyncRejected', args: { requestId }, fromBlock: receipt.blockNumber }),
    ]);
    const f = fulfilled[0];
    if (f) {
      const result: SyncResult = {
        requestId,
        requestTransaction: receipt.transactionHash,
        fulfilTransaction: f.transactionHash,
        sequence: f.args.sequence ?? 0n,
        usedBytes: f.args.usedBytes ?? 0n,
        uploadCount: f.args.uploadCount ?? 0,
        metadataDigest: f.args.metadataDigest ?? ZERO,
      };
      options.onStatus?.({ phase: 'fulfilled', result });
      return result;
    }
    const r = rejected[0];
    if (r) {
      const reasonCode = r.args.reason ?? 0;
      options.onStatus?.({ phase: 'rejected', requestId, reasonCode });
      throw new SyncRejectedError(requestId, reasonCode);
    }
    const elapsedMs = Date.now() - started;
    if (elapsedMs > timeout) {
      throw new TimeoutError(`no answer to sync request ${requestId} within ${timeout} ms; after its expiry anyone may cancelSync it`);
    }
    options.onStatus?.({ phase: 'waiting', requestId, elapsedMs });
    await new Promise((ok) => setTimeout(ok, ctx.pollIntervalMs));
  }
}
