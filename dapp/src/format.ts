/** Words for numbers, times, reasons and errors. */
import { ContractError, EncryptionError, NodeError, SyncRejectedError, type RefusalReason, type Usage } from '@px/sdk';
import { formatEther } from 'viem';

/** Bytes in binary units. */
export function bytes(n: bigint | number): string {
  const v = Number(n);
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let x = v;
  while (x >= 1024 && i < units.length - 1) {
    x /= 1024;
    i++;
  }
  return `${i === 0 ? x : x.toFixed(1)} ${units[i]}`;
}

/** Wei as ETH. */
export function eth(wei: bigint): string {
  return wei === 0n ? 'free' : `${formatEther(wei)} ETH`;
}

/** A chain time (Unix seconds) as a date. */
export function when(unix: bigint): string {
  return new Date(Number(unix) * 1000).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
}

/** Why uploads are blocked, in plain words. */
export function reasonText(reason: RefusalReason, usage?: Usage): string {
  switch (reason) {
    case 'syncOverdue':
      return `the token was not synced within the sync window${usage ? ` (due ${when(usage.syncDueAt)})` : ''}: sync it to reopen uploads`;
    case 'quotaExceeded':
      return usage ? `the token is over its quota (${bytes(usage.node?.usedBytes ?? usage.chain.usedBytes)} of ${bytes(usage.chain.quotaBytes)} used)` : 'the file does not fit in the quota';
    case 'uploadsExceeded':
      return `the token has made all ${usage?.chain.uploadLimit ?? ''} uploads its plan allows`;
    case 'noBtnsKey':
      return 'the token has no storage key yet (the node registers one shortly after a keyless mint)';
    case 'paused':
      return 'the collection is paused';
  }
}

/** An error, in plain words. */
export function describe(e: unknown): string {
  if (e instanceof NodeError && e.code === 'upload_refused') {
    return `The node refused the upload: ${e.reasons.map((r) => reasonText(r)).join('; ')}.`;
  }
  if (e instanceof NodeError) return `The node said no (${e.code}): ${e.message}`;
  if (e instanceof ContractError) return `The contract refused ${e.call}: ${e.errorName ?? 'reverted'}${e.args.length ? `(${e.args.map(String).join(', ')})` : ''}.`;
  if (e instanceof SyncRejectedError) return `The sync was rejected: ${e.reason}.`;
  if (e instanceof EncryptionError) return `Cannot decrypt (${e.kind}): ${e.message}`;
  if (e instanceof Error) return e.message.split('\n')[0] ?? String(e);
  return String(e);
}
