/**
 * The `px-enc/1` layout (docs/wire-formats.md, "Client-side encryption"): a 56-byte header
 * (`PXENC`, version, chunk size log2, 0, salt, key check), then AES-256-GCM chunks.
 */
import { EncryptionError } from '../errors.js';

/** `PXENC` in ASCII. */
export const MAGIC = new Uint8Array([0x50, 0x58, 0x45, 0x4e, 0x43]);
/** The version this SDK writes and reads. */
export const VERSION = 1;
/** Header length. */
export const HEADER_LEN = 56;
/** AES-GCM tag length. */
export const TAG_LEN = 16;
/** Salt length. */
export const SALT_LEN = 32;
/** Key check length. */
export const KEY_CHECK_LEN = 16;
/** The chunk size writers use: 2^16 = 64 KiB. */
export const DEFAULT_CHUNK_LOG2 = 16;
/** The smallest and largest chunk sizes readers accept (log2). */
export const CHUNK_LOG2_MIN = 10;
export const CHUNK_LOG2_MAX = 24;
/** How many bytes {@link probe} needs to decide. */
export const PROBE_LEN = 8;

/** What the first bytes of a file say. */
export type Probe = { readonly kind: 'encrypted'; readonly version: number } | { readonly kind: 'plain' } | { readonly kind: 'needMore' };

/**
 * Whether `prefix` (a file's first bytes) is PX ciphertext: the magic and a version; for
 * version 1 also a valid chunk size and the zero byte. Eight bytes always decide.
 */
export function probe(prefix: Uint8Array): Probe {
  const n = Math.min(prefix.length, MAGIC.length);
  for (let i = 0; i < n; i++) if (prefix[i] !== MAGIC[i]) return { kind: 'plain' };
  if (prefix.length < PROBE_LEN) return { kind: 'needMore' };
  const version = prefix[5] ?? 0;
  const log2 = prefix[6] ?? 0;
  if (version === VERSION && (log2 < CHUNK_LOG2_MIN || log2 > CHUNK_LOG2_MAX || prefix[7] !== 0)) {
    return { kind: 'plain' };
  }
  return { kind: 'encrypted', version };
}

/** The ciphertext length of `plainLength` bytes (what an encrypted upload sends and counts). */
export function ciphertextLength(plainLength: number, chunkLog2 = DEFAULT_CHUNK_LOG2): number {
  const chunks = Math.max(1, Math.ceil(plainLength / 2 ** chunkLog2));
  return HEADER_LEN + plainLength + TAG_LEN * chunks;
}

/** The plaintext length of a well-formed ciphertext of `cipherLength` bytes, or `undefined`. */
export function plaintextLength(cipherLength: number, chunkLog2 = DEFAULT_CHUNK_LOG2): number | undefined {
  const body = cipherLength - HEADER_LEN;
  if (body < TAG_LEN) return undefined;
  const chunk = 2 ** chunkLog2;
  const sealed = chunk + TAG_LEN;
  const full = Math.floor(body / sealed);
  const rest = body % sealed;
  if (full === 0) return rest - TAG_LEN;
  if (rest === 0) return full * chunk;
  if (rest > TAG_LEN) return full * chunk + rest - TAG_LEN;
  return undefined;
}

/** A parsed header. */
export interface Header {
  readonly chunkLog2: number;
  readonly salt: Uint8Array;
  readonly keyCheck: Uint8Array;
}

/** The header's bytes (every chunk's associated data). */
export function headerBytes(header: Header): Uint8Array {
  const out = new Uint8Array(HEADER_LEN);
  out.set(MAGIC, 0);
  out[5] = VERSION;
  out[6] = header.chunkLog2;
  out.set(header.salt, 8);
  out.set(header.keyCheck, 40);
  return out;
}

/**
 * Parses a header, or throws: `notPxCiphertext`, `unsupportedVersion`, `truncated` (a
 * header's prefix).
 */
export function parseHeader(bytes: Uint8Array): Header {
  const p = probe(bytes);
  if (p.kind === 'plain') throw new EncryptionError('notPxCiphertext', 'not PX ciphertext (no px-enc header)');
  if (p.kind === 'needMore') throw new EncryptionError('truncated', 'the ciphertext is truncated');
  if (p.version !== VERSION) {
    throw new EncryptionError('unsupportedVersion', `px-enc version ${p.version} is not supported (this reader knows version 1)`);
  }
  if (bytes.length < HEADER_LEN) throw new EncryptionError('truncated', 'the ciphertext is truncated');
  return { chunkLog2: bytes[6] ?? 0, salt: bytes.slice(8, 40), keyCheck: bytes.slice(40, HEADER_LEN) };
}
