/**
 * The SDK's one error hierarchy. Every failure is a {@link PxError}; `instanceof` tells which:
 * the node refused ({@link NodeError}, with its code and, for uploads, the gate's reasons), a
 * program reverted ({@link ContractError}, the custom error decoded from any PX program's ABI),
 * a sync was rejected ({@link SyncRejectedError}), a file does not decrypt
 * ({@link EncryptionError}), an answer is not what the API promises ({@link ProtocolError}),
 * or a wait ran out ({@link TimeoutError}).
 */
import { BaseError, decodeErrorResult, type Abi, type Hex } from 'viem';

import { pxRendererAbi, pxStorageNftAbi, pxStorefrontAbi, pxSyncAbi } from './generated/abi.js';
import type * as api from './generated/node-api.js';

/** The base of every error the SDK throws. */
export class PxError extends Error {
  override readonly name: string = 'PxError';
}

/** The PX node answered with an error body (`{error, message, reasons?}`). */
export class NodeError extends PxError {
  override readonly name = 'NodeError';
  /**
   * @param status The HTTP status.
   * @param code The node's error code (`upload_refused`, `unauthorized`, ...).
   * @param reasons Why an upload was refused (`quotaExceeded`, `syncOverdue`, ...); empty otherwise.
   */
  constructor(
    readonly status: number,
    readonly code: api.ErrorCode,
    message: string,
    readonly reasons: readonly api.RefusalReason[] = [],
  ) {
    super(message);
  }

  /** Whether the node refused an upload for `reason`. */
  refusedFor(reason: api.RefusalReason): boolean {
    return this.code === 'upload_refused' && this.reasons.includes(reason);
  }
}

/** A PX program reverted with a custom error (or with data no PX ABI names). */
export class ContractError extends PxError {
  override readonly name = 'ContractError';
  /**
   * @param call The function that was called (`mintWithKey`, `requestSync`, ...).
   * @param errorName The program's custom error (`IncorrectPayment`, `SyncPending`, ...), or
   *   `undefined` when the revert data names none.
   * @param args The error's arguments, decoded.
   * @param data The raw revert data.
   */
  constructor(
    readonly call: string,
    readonly errorName: string | undefined,
    readonly args: readonly unknown[],
    readonly data: Hex | undefined,
    message: string,
  ) {
    super(message);
  }
}

/** Why `PxSync` rejected a fulfilment or a CRE report (`SyncRejected.reason`). */
export const syncRejectionReasons = {
  1: 'untrustedSigner',
  2: 'staleSequence',
  3: 'sequenceDigestMismatch',
  4: 'malformedSignature',
  5: 'coreRefused',
  6: 'tokenMismatch',
  7: 'malformedReport',
} as const;

/** A rejection reason's name. */
export type SyncRejectionReason = (typeof syncRejectionReasons)[keyof typeof syncRejectionReasons] | 'unknown';

/** The relay (oracle or CRE DON) answered a sync request, and `PxSync` rejected the report. */
export class SyncRejectedError extends PxError {
  override readonly name = 'SyncRejectedError';
  /** The reason's name. */
  readonly reason: SyncRejectionReason;
  constructor(
    readonly requestId: Hex,
    readonly reasonCode: number,
  ) {
    const reason = syncRejectionReasons[reasonCode as keyof typeof syncRejectionReasons] ?? 'unknown';
    super(`sync request ${requestId} rejected: ${reason} (${reasonCode})`);
    this.reason = reason;
  }
}

/** Why a file does not decrypt (the kinds of `docs/wire-formats.md`, as px-encryption names them). */
export type EncryptionErrorKind =
  | 'notPxCiphertext'
  | 'unsupportedVersion'
  | 'malformedHeader'
  | 'wrongKey'
  | 'truncated'
  | 'corrupted'
  | 'tooLarge'
  | 'invalidSignature';

/** A file does not decrypt, or a key cannot be derived. */
export class EncryptionError extends PxError {
  override readonly name = 'EncryptionError';
  constructor(
    readonly kind: EncryptionErrorKind,
    message: string,
  ) {
    super(message);
  }
}

/** An answer that breaks the API's contract (a missing field, a wrong type, no event). */
export class ProtocolError extends PxError {
  override readonly name = 'ProtocolError';
}

/** A wait (for a fulfilment, a registration) ran out. */
export class TimeoutError extends PxError {
  override readonly name = 'TimeoutError';
}

/** Every error every PX program can revert with: any call can surface another program's error. */
const programErrors: Abi = [...pxStorageNftAbi, ...pxSyncAbi, ...pxStorefrontAbi, ...pxRendererAbi].filter(
  (item, i, all) =>
    item.type === 'error' && all.findIndex((other) => other.type === 'error' && other.name === item.name) === i,
);

/** The revert data inside a viem error, if any. */
function revertData(error: unknown): Hex | undefined {
  if (!(error instanceof BaseError)) return undefined;
  let found: Hex | undefined;
  error.walk((e) => {
    const candidate = (e as { data?: unknown; raw?: unknown }).raw ?? (e as { data?: unknown }).data;
    if (typeof candidate === 'string' && candidate.startsWith('0x') && candidate.length >= 10) {
      found = candidate as Hex;
      return true;
    }
    if (candidate && typeof candidate === 'object' && 'data' in candidate) {
      const inner = (candidate as { data?: unknown }).data;
      if (typeof inner === 'string' && inner.startsWith('0x')) {
        found = inner as Hex;
        return true;
      }
    }
    return false;
  });
  return found;
}

/**
 * Turns what a contract call threw into a {@link ContractError} naming the program's custom
 * error; anything that is no revert (a network failure, a rejected signature request) is
 * returned unchanged.
 */
export function contractError(call: string, error: unknown): unknown {
  if (error instanceof PxError) return error;
  const data = revertData(error);
  if (data === undefined) {
    const reverted =
      error instanceof BaseError &&
      error.walk((e) => (e as { name?: string }).name === 'ContractFunctionRevertedError') !== null;
    if (!reverted) return error;
    const short = error instanceof BaseError ? error.shortMessage : String(error);
    return new ContractError(call, undefined, [], undefined, `${call} reverted: ${short}`);
  }
  try {
    const decoded = decodeErrorResult({ abi: programErrors, data });
    const args = (decoded.args ?? []) as readonly unknown[];
    const shown = args.map((a) => String(a)).join(', ');
    return new ContractError(call, decoded.errorName, args, data, `${call} reverted: ${decoded.errorName}(${shown})`);
  } catch {
    return new ContractError(call, undefined, [], data, `${call} reverted with ${data}`);
  }
}
