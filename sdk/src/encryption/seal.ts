/**
 * The core: {@link Encryptor} and {@link Decryptor} take bytes in any sizes and give sealed
 * (or opened) chunks back, holding at most one chunk; the last chunk is known only at
 * `finish`, which seals it with the last flag. The same state machine as px-encryption's.
 */
import { EncryptionError } from '../errors.js';
import {
  CHUNK_LOG2_MAX,
  CHUNK_LOG2_MIN,
  DEFAULT_CHUNK_LOG2,
  HEADER_LEN,
  SALT_LEN,
  TAG_LEN,
  headerBytes,
  parseHeader,
} from './format.js';
import { buffer, fileKey, NONCE_PREFIX_LEN, type FileKey, type MasterKey } from './key.js';

/** One file's chunk cipher. */
class ChunkCipher {
  index = 0;
  constructor(
    private readonly key: FileKey,
    readonly header: Uint8Array,
    readonly chunk: number,
  ) {}

  /** nonce = prefix (7) ‖ chunk index (u32 big-endian) ‖ 1 for the last chunk, else 0. */
  private nonce(last: boolean): Uint8Array {
    if (this.index > 0xffffffff) throw new EncryptionError('tooLarge', 'the file is too large for px-enc/1 (at most 2^32 chunks)');
    const nonce = new Uint8Array(12);
    nonce.set(this.key.noncePrefix, 0);
    new DataView(nonce.buffer).setUint32(NONCE_PREFIX_LEN, this.index);
    nonce[11] = last ? 1 : 0;
    return nonce;
  }

  async seal(plain: Uint8Array, last: boolean): Promise<Uint8Array> {
    const iv = this.nonce(last);
    const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv: buffer(iv), additionalData: buffer(this.header), tagLength: 128 }, this.key.aes, buffer(plain));
    this.index += 1;
    return new Uint8Array(sealed);
  }

  async open(sealed: Uint8Array, last: boolean): Promise<Uint8Array | undefined> {
    try {
      const iv = this.nonce(last);
      const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: buffer(iv), additionalData: buffer(this.header), tagLength: 128 }, this.key.aes, buffer(sealed));
      return new Uint8Array(plain);
    } catch (e) {
      if (e instanceof EncryptionError) throw e;
      return undefined;
    }
  }
}

/** A growing buffer of at most one (sealed) chunk. */
class Pending {
  private buf: Uint8Array;
  length = 0;
  constructor(capacity: number) {
    this.buf = new Uint8Array(capacity);
  }
  get full(): boolean {
    return this.length === this.buf.length;
  }
  /** Copies as much of `data` as fits; returns the rest. */
  fill(data: Uint8Array): Uint8Array {
    const take = Math.min(this.buf.length - this.length, data.length);
    this.buf.set(data.subarray(0, take), this.length);
    this.length += take;
    return data.subarray(take);
  }
  take(): Uint8Array {
    const out = this.buf.slice(0, this.length);
    this.length = 0;
    return out;
  }
}

/** Encrypts one file. */
export class Encryptor {
  private headerSent = false;
  private readonly pending: Pending;

  private constructor(private readonly cipher: ChunkCipher) {
    this.pending = new Pending(cipher.chunk);
  }

  /**
   * A new file under `master`: a random salt and 64 KiB chunks. `salt` and `chunkLog2` are for
   * the shared test vectors only: a salt must never repeat under one key.
   */
  static async create(master: MasterKey, options: { salt?: Uint8Array; chunkLog2?: number } = {}): Promise<Encryptor> {
    const chunkLog2 = options.chunkLog2 ?? DEFAULT_CHUNK_LOG2;
    if (chunkLog2 < CHUNK_LOG2_MIN || chunkLog2 > CHUNK_LOG2_MAX) {
      throw new EncryptionError('malformedHeader', 'chunk size outside 2^10 to 2^24');
    }
    const salt = options.salt ?? crypto.getRandomValues(new Uint8Array(SALT_LEN));
    if (salt.length !== SALT_LEN) throw new EncryptionError('malformedHeader', 'the salt must be 32 bytes');
    const key = await fileKey(master, salt);
    const header = headerBytes({ chunkLog2, salt, keyCheck: key.keyCheck });
    return new Encryptor(new ChunkCipher(key, header, 2 ** chunkLog2));
  }

  /** The file's header. */
  get header(): Uint8Array {
    return this.cipher.header;
  }

  private start(out: Uint8Array[]): void {
    if (!this.headerSent) {
      out.push(this.cipher.header);
      this.headerSent = true;
    }
  }

  /** Takes plaintext; returns the header (once) and every chunk known not to be the last. */
  async update(plain: Uint8Array): Promise<Uint8Array[]> {
    const out: Uint8Array[] = [];
    this.start(out);
    let rest = plain;
    while (rest.length > 0) {
      if (this.pending.full) out.push(await this.cipher.seal(this.pending.take(), false));
      rest = this.pending.fill(rest);
    }
    return out;
  }

  /** Ends the plaintext: returns the header (if not sent) and the last chunk. */
  async finish(): Promise<Uint8Array[]> {
    const out: Uint8Array[] = [];
    this.start(out);
    out.push(await this.cipher.seal(this.pending.take(), true));
    return out;
  }
}

/** Decrypts one file. */
export class Decryptor {
  private readonly header = new Uint8Array(HEADER_LEN);
  private headerLength = 0;
  private cipher: ChunkCipher | undefined;
  private pending: Pending | undefined;

  constructor(private readonly master: MasterKey) {}

  /**
   * Takes ciphertext; returns the plaintext of every chunk known not to be the last. Throws
   * {@link EncryptionError} (`notPxCiphertext`, `unsupportedVersion`, `wrongKey`, `corrupted`).
   */
  async update(data: Uint8Array): Promise<Uint8Array[]> {
    const out: Uint8Array[] = [];
    let rest = data;
    if (!this.cipher) {
      const take = Math.min(HEADER_LEN - this.headerLength, rest.length);
      this.header.set(rest.subarray(0, take), this.headerLength);
      this.headerLength += take;
      rest = rest.subarray(take);
      let header;
      try {
        // Fails as soon as the bytes cannot be a header (plain bytes, unknown versions).
        header = parseHeader(this.header.subarray(0, this.headerLength));
      } catch (e) {
        if (e instanceof EncryptionError && e.kind === 'truncated') return out;
        throw e;
      }
      await this.start(header);
    }
    const cipher = this.cipher!;
    const pending = this.pending!;
    while (rest.length > 0) {
      if (pending.full) {
        const index = cipher.index;
        const plain = await cipher.open(pending.take(), false);
        if (!plain) throw corrupted(index);
        cipher.index += 1;
        out.push(plain);
      }
      rest = pending.fill(rest);
    }
    return out;
  }

  private async start(header: ReturnType<typeof parseHeader>): Promise<void> {
    const key = await fileKey(this.master, header.salt);
    if (!constantTimeEqual(key.keyCheck, header.keyCheck)) {
      throw new EncryptionError('wrongKey', 'this file was encrypted with another key (another wallet, chain or collection)');
    }
    const chunk = 2 ** header.chunkLog2;
    this.cipher = new ChunkCipher(key, this.header.slice(), chunk);
    this.pending = new Pending(chunk + TAG_LEN);
  }

  /** Ends the ciphertext: returns the last chunk's plaintext, or throws `truncated` or `corrupted`. */
  async finish(): Promise<Uint8Array[]> {
    const cipher = this.cipher;
    const pending = this.pending;
    if (!cipher || !pending) {
      if (this.headerLength === 0) throw new EncryptionError('notPxCiphertext', 'not PX ciphertext (empty)');
      throw new EncryptionError('truncated', 'the ciphertext is truncated');
    }
    if (pending.length < TAG_LEN) throw new EncryptionError('truncated', 'the ciphertext is truncated');
    const full = pending.full;
    const index = cipher.index;
    const last = pending.take();
    const plain = await cipher.open(last, true);
    if (plain) return [plain];
    if (full && (await cipher.open(last, false))) throw new EncryptionError('truncated', 'the ciphertext is truncated (it ends at a chunk boundary)');
    throw corrupted(index);
  }
}

function corrupted(index: number): EncryptionError {
  return new EncryptionError('corrupted', `chunk ${index} does not authenticate (changed, reordered or extended ciphertext)`);
}

function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

/** Concatenates byte arrays. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Encrypts a whole plaintext in memory (small files, tests; streams use {@link encryptStream}). */
export async function encrypt(master: MasterKey, plain: Uint8Array, options?: { salt?: Uint8Array; chunkLog2?: number }): Promise<Uint8Array> {
  const enc = await Encryptor.create(master, options);
  return concat([...(await enc.update(plain)), ...(await enc.finish())]);
}

/** Decrypts a whole ciphertext in memory. */
export async function decrypt(master: MasterKey, sealed: Uint8Array): Promise<Uint8Array> {
  const dec = new Decryptor(master);
  return concat([...(await dec.update(sealed)), ...(await dec.finish())]);
}

/** A stream that encrypts what flows through it (constant memory: one chunk). */
export function encryptStream(master: MasterKey): TransformStream<Uint8Array, Uint8Array> {
  let enc: Encryptor | undefined;
  return new TransformStream({
    async start() {
      enc = await Encryptor.create(master);
    },
    async transform(chunk, controller) {
      for (const out of await enc!.update(chunk)) controller.enqueue(out);
    },
    async flush(controller) {
      for (const out of await enc!.finish()) controller.enqueue(out);
    },
  });
}

/** A stream that decrypts what flows through it; it errors with the {@link EncryptionError}. */
export function decryptStream(master: MasterKey): TransformStream<Uint8Array, Uint8Array> {
  const dec = new Decryptor(master);
  return new TransformStream({
    async transform(chunk, controller) {
      for (const out of await dec.update(chunk)) controller.enqueue(out);
    },
    async flush(controller) {
      for (const out of await dec.finish()) controller.enqueue(out);
    },
  });
}
