/**
 * The encryption key: the wallet signs {@link keyMessage} (EIP-191 `personal_sign`); HKDF-SHA256
 * over the 65-byte signature gives the master key; each file's key comes from the master key
 * and the file's salt (docs/wire-formats.md). In memory the master key is a non-extractable
 * Web Crypto key: the page can use it, not read it.
 */
import { hexToBytes, type Address, type Hex } from 'viem';

import { EncryptionError } from '../errors.js';
import { KEY_CHECK_LEN } from './format.js';

const utf8 = new TextEncoder();
/** HKDF salt of the master key. */
export const MASTER_SALT = utf8.encode('px-enc/1 signature');
/** HKDF info of the master key. */
export const MASTER_INFO = utf8.encode('px-enc/1 master key');
/** HKDF info of a file's key material. */
export const FILE_INFO = utf8.encode('px-enc/1 file');
/** Nonce prefix length. */
export const NONCE_PREFIX_LEN = 7;

/**
 * The text a wallet signs to derive its key for `collection` (the core, `PxStorageNft`) on
 * `chainId`: exactly these bytes (lines joined by `\n`, the address in lowercase hex).
 */
export function keyMessage(chainId: number, collection: Address): string {
  return [
    'PX storage encryption key',
    '',
    'Signing this message derives the key that encrypts your PX files. Anyone holding this signature can decrypt them: sign it only in apps you trust.',
    '',
    'Version: px-enc/1',
    `Chain ID: ${chainId}`,
    `Collection: ${collection.toLowerCase()}`,
  ].join('\n');
}

/** A wallet's key for one collection on one chain. */
export interface MasterKey {
  /** The HKDF key of the master key material (non-extractable). */
  readonly hkdf: CryptoKey;
}

function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle;
  if (!s) throw new EncryptionError('invalidSignature', 'Web Crypto is not available (a secure context is required)');
  return s;
}

function normalized(signature: Hex | Uint8Array): Uint8Array {
  const bytes = typeof signature === 'string' ? hexToBytes(signature) : Uint8Array.from(signature);
  const v = bytes[64];
  if (bytes.length !== 65 || v === undefined || ![0, 1, 27, 28].includes(v)) {
    throw new EncryptionError('invalidSignature', 'the key signature must be 65 bytes r ‖ s ‖ v with v 0, 1, 27 or 28');
  }
  if (v < 27) bytes[64] = v + 27;
  return bytes;
}

/** Bytes as Web Crypto takes them (TypeScript's DOM types want an ArrayBuffer-backed view). */
export const buffer = (bytes: Uint8Array): BufferSource => bytes as BufferSource;

async function hkdf(ikm: CryptoKey, salt: Uint8Array, info: Uint8Array, bytes: number): Promise<Uint8Array> {
  const bits = await subtle().deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: buffer(salt), info: buffer(info) }, ikm, bytes * 8);
  return new Uint8Array(bits);
}

/** The master key's bytes (for the shared test vectors; applications use {@link deriveMasterKey}). */
export async function masterKeyBytes(signature: Hex | Uint8Array): Promise<Uint8Array> {
  const ikm = await subtle().importKey('raw', buffer(normalized(signature)), 'HKDF', false, ['deriveBits']);
  return hkdf(ikm, MASTER_SALT, MASTER_INFO, 32);
}

/** Derives the master key from the wallet's signature of {@link keyMessage}. */
export async function deriveMasterKey(signature: Hex | Uint8Array): Promise<MasterKey> {
  const bytes = await masterKeyBytes(signature);
  const key = await subtle().importKey('raw', buffer(bytes), 'HKDF', false, ['deriveBits']);
  bytes.fill(0);
  return { hkdf: key };
}

/** One file's key material. */
export interface FileKey {
  readonly aes: CryptoKey;
  readonly noncePrefix: Uint8Array;
  readonly keyCheck: Uint8Array;
}

/** The file key of the file with `salt`. */
export async function fileKey(master: MasterKey, salt: Uint8Array): Promise<FileKey> {
  const okm = await hkdf(master.hkdf, salt, FILE_INFO, 32 + NONCE_PREFIX_LEN + KEY_CHECK_LEN);
  const aes = await subtle().importKey('raw', buffer(okm.slice(0, 32)), 'AES-GCM', false, ['encrypt', 'decrypt']);
  const result = {
    aes,
    noncePrefix: okm.slice(32, 32 + NONCE_PREFIX_LEN),
    keyCheck: okm.slice(32 + NONCE_PREFIX_LEN),
  };
  okm.fill(0);
  return result;
}
