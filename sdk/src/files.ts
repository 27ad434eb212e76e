/**
 * Files: streaming uploads (plain, or encrypted on the way out) and downloads (decrypted on
 * the way in when the bytes are PX ciphertext) with progress, and the file list through the
 * head and its `filesIndex` pages.
 */
import { EncryptionError } from './errors.js';
import { PROBE_LEN, ciphertextLength, probe } from './encryption/format.js';
import type { MasterKey } from './encryption/key.js';
import { decryptStream, encryptStream } from './encryption/seal.js';
import type * as api from './generated/node-api.js';
import type { NodeClient } from './node/client.js';
import type { Progress } from './transport/types.js';

/** What to upload: a File or Blob, bytes, or a stream with its size. */
export type UploadSource = Blob | Uint8Array | { readonly stream: ReadableStream<Uint8Array>; readonly size: number };

/** Options of an upload. */
export interface UploadOptions {
  /** Encrypt before the bytes leave (px-enc/1 under the wallet's key). */
  readonly encrypt?: boolean;
  /** Called as bytes go out (ciphertext bytes for an encrypted upload). */
  readonly onProgress?: (progress: Progress) => void;
  readonly signal?: AbortSignal;
}

/** An upload's outcome: the node's usage change and what was sent. */
export interface Uploaded extends api.UsageChange {
  readonly encrypted: boolean;
  /** Bytes the file occupies on the node (and counts against the quota). */
  readonly storedBytes: number;
}

function sizeOf(source: UploadSource): number {
  if (source instanceof Blob) return source.size;
  if (source instanceof Uint8Array) return source.length;
  return source.size;
}

function streamOf(source: UploadSource): ReadableStream<Uint8Array> {
  if (source instanceof Blob) return source.stream();
  if (source instanceof Uint8Array) return new Blob([source as Uint8Array<ArrayBuffer>]).stream();
  return source.stream;
}

/** Uploads `source` to the token, encrypting it first when asked. */
export async function upload(
  node: NodeClient,
  tokenId: bigint,
  source: UploadSource,
  options: UploadOptions & { readonly key?: () => Promise<MasterKey> },
): Promise<Uploaded> {
  const size = sizeOf(source);
  if (!options.encrypt) {
    const body = source instanceof Blob || source instanceof Uint8Array ? source : source.stream;
    const change = await node.upload(tokenId, body, size, options);
    return { ...change, encrypted: false, storedBytes: size };
  }
  if (!options.key) throw new EncryptionError('invalidSignature', 'an encrypted upload needs a signer to derive the key');
  const key = await options.key();
  const length = ciphertextLength(size);
  const sealed = streamOf(source).pipeThrough(encryptStream(key));
  const change = await node.upload(tokenId, sealed, length, options);
  return { ...change, encrypted: true, storedBytes: length };
}

/** Counts bytes flowing through. */
function progressStream(total: number | undefined, onProgress: ((p: Progress) => void) | undefined): TransformStream<Uint8Array, Uint8Array> {
  let loaded = 0;
  return new TransformStream({
    transform(chunk, controller) {
      loaded += chunk.length;
      onProgress?.({ loaded, total });
      controller.enqueue(chunk);
    },
  });
}

/** Reads until `n` bytes (or the end) are buffered; returns them and a stream of everything. */
async function peek(body: ReadableStream<Uint8Array>, n: number): Promise<{ head: Uint8Array; stream: ReadableStream<Uint8Array> }> {
  const reader = body.getReader();
  const parts: Uint8Array[] = [];
  let have = 0;
  let done = false;
  while (have < n) {
    const next = await reader.read();
    if (next.done) {
      done = true;
      break;
    }
    parts.push(next.value);
    have += next.value.length;
  }
  const head = new Uint8Array(have);
  let at = 0;
  for (const p of parts) {
    head.set(p, at);
    at += p.length;
  }
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      if (head.length > 0) controller.enqueue(head);
      if (done) controller.close();
    },
    async pull(controller) {
      const next = await reader.read();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return { head, stream };
}

/** A download: the (decrypted) bytes as a stream, and whether they were encrypted. */
export interface Download {
  readonly stream: ReadableStream<Uint8Array>;
  readonly encrypted: boolean;
}

/** Options of a download. */
export interface DownloadOptions {
  /** Called as bytes arrive (stored bytes: ciphertext for an encrypted file). */
  readonly onProgress?: (progress: Progress) => void;
  /** The stored size, for progress (the file list's `size`). */
  readonly size?: number;
  /** Decrypt PX ciphertext (default true); false returns the stored bytes. */
  readonly decrypt?: boolean;
  readonly signal?: AbortSignal;
}

/**
 * Downloads a file of the token. PX ciphertext is decrypted as it streams (the stream errors
 * with an {@link EncryptionError} at a chunk that does not authenticate: treat the file as
 * valid only when the stream ends cleanly).
 */
export async function download(
  node: NodeClient,
  tokenId: bigint,
  cid: string,
  options: DownloadOptions & { readonly key?: () => Promise<MasterKey> },
): Promise<Download> {
  const res = await node.download(tokenId, cid, options.signal);
  const length = Number(res.headers.get('content-length') ?? NaN);
  const total = options.size ?? (Number.isFinite(length) ? length : undefined);
  const body = (res.body ?? new Blob([]).stream()).pipeThrough(progressStream(total, options.onProgress));
  const { head, stream } = await peek(body, PROBE_LEN);
  const encrypted = probe(head).kind === 'encrypted';
  if (!encrypted || options.decrypt === false) return { stream, encrypted };
  if (!options.key) throw new EncryptionError('invalidSignature', 'this file is encrypted: decrypting it needs a signer to derive the key');
  return { stream: stream.pipeThrough(decryptStream(await options.key())), encrypted };
}

/** Whether the token's file is PX ciphertext (reads its first bytes only). */
export async function isEncrypted(node: NodeClient, tokenId: bigint, cid: string): Promise<boolean> {
  const controller = new AbortController();
  const res = await node.download(tokenId, cid, controller.signal);
  const { head, stream } = await peek(res.body ?? new Blob([]).stream(), PROBE_LEN);
  await stream.cancel().catch(() => undefined);
  controller.abort();
  return probe(head).kind === 'encrypted';
}

/** Every file of the token, newest first: the head's entries, then the older pages. */
export async function* files(node: NodeClient, tokenId: bigint): AsyncGenerator<api.ListedFile> {
  let page: string | undefined;
  do {
    const listing = await node.listFiles(tokenId, page);
    yield* listing.files;
    page = listing.next ?? undefined;
  } while (page);
}

/** Reads a whole stream into memory (small files, tests). */
export async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const reader = stream.getReader();
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    n += value.length;
  }
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
