// The shared px-enc/1 vectors (encryption/vectors/px-enc-1.json), checked here and by
// px-encryption's tests: both produce every ciphertext byte for byte and refuse every
// failure with the same kind, so each decrypts what the other encrypts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { bytesToHex, hexToBytes, sha256, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

import { EncryptionError } from '../../src/errors.js';
import { ciphertextLength, plaintextLength, probe } from '../../src/encryption/format.js';
import { deriveMasterKey, keyMessage, masterKeyBytes } from '../../src/encryption/key.js';
import { Decryptor, Encryptor, decrypt, decryptStream, encrypt, encryptStream } from '../../src/encryption/seal.js';
import { readAll } from '../../src/files.js';

interface Vectors {
  key: { privateKey: Hex; chainId: number; collection: Hex; message: string; signature: Hex; masterKey: Hex };
  otherKey: { signature: Hex };
  cases: { name: string; chunkLog2: number; salt: Hex; plaintext: Hex; ciphertext: Hex }[];
  large: { chunkLog2: number; salt: Hex; length: number; ciphertextLength: number; ciphertextSha256: Hex };
  failures: { name: string; case: number; key?: string; op: Record<string, unknown>; error: string }[];
}

const vectors: Vectors = JSON.parse(readFileSync(new URL('../../../../encryption/vectors/px-enc-1.json', import.meta.url), 'utf8'));

function apply(op: Record<string, unknown>, input: Uint8Array): Uint8Array {
  let bytes = Uint8Array.from(input);
  if (typeof op.truncate === 'number') bytes = bytes.slice(0, op.truncate);
  else if (typeof op.append === 'string') bytes = Uint8Array.from([...bytes, ...hexToBytes(op.append as Hex)]);
  else if (typeof op.flip === 'number') bytes[op.flip] = (bytes[op.flip] ?? 0) ^ 1;
  else if (Array.isArray(op.swap)) {
    const [a, b, len] = op.swap as number[];
    const first = bytes.slice(a!, a! + len!);
    bytes.copyWithin(a!, b!, b! + len!);
    bytes.set(first, b!);
  } else if (Array.isArray(op.set)) {
    const [at, hex] = op.set as [number, Hex];
    bytes.set(hexToBytes(hex), at);
  }
  return bytes;
}

test('the key message and signature are the shared ones', async () => {
  const account = privateKeyToAccount(vectors.key.privateKey);
  const message = keyMessage(vectors.key.chainId, vectors.key.collection);
  assert.equal(message, vectors.key.message);
  assert.equal(await account.signMessage({ message }), vectors.key.signature);
  assert.equal(bytesToHex(await masterKeyBytes(vectors.key.signature)), vectors.key.masterKey);
});

test('a v of 0/1 gives the same master key as 27/28', async () => {
  const sig = hexToBytes(vectors.key.signature);
  sig[64] = sig[64]! - 27;
  assert.equal(bytesToHex(await masterKeyBytes(sig)), vectors.key.masterKey);
});

test('error when the key signature is not 65 bytes', async () => {
  await assert.rejects(masterKeyBytes('0x1234'), (e: unknown) => e instanceof EncryptionError && e.kind === 'invalidSignature');
});

test('encrypts every case to the shared bytes, fed in odd pieces', async () => {
  const key = await deriveMasterKey(vectors.key.signature);
  for (const c of vectors.cases) {
    const enc = await Encryptor.create(key, { salt: hexToBytes(c.salt), chunkLog2: c.chunkLog2 });
    const plain = hexToBytes(c.plaintext);
    const out: Uint8Array[] = [];
    for (let at = 0; at < plain.length; at += 777) out.push(...(await enc.update(plain.subarray(at, at + 777))));
    out.push(...(await enc.finish()));
    const sealed = Uint8Array.from(out.flatMap((p) => [...p]));
    assert.equal(bytesToHex(sealed), c.ciphertext, c.name);
    assert.equal(sealed.length, ciphertextLength(plain.length, c.chunkLog2));
  }
});

test('decrypts every case', async () => {
  const key = await deriveMasterKey(vectors.key.signature);
  for (const c of vectors.cases) {
    assert.equal(bytesToHex(await decrypt(key, hexToBytes(c.ciphertext))), c.plaintext, c.name);
  }
});

test('the large case in 64 KiB chunks has the shared digest', async () => {
  const key = await deriveMasterKey(vectors.key.signature);
  const plain = Uint8Array.from({ length: vectors.large.length }, (_, i) => (31 * i + 3) % 251);
  const sealed = await encrypt(key, plain, { salt: hexToBytes(vectors.large.salt), chunkLog2: vectors.large.chunkLog2 });
  assert.equal(sealed.length, vectors.large.ciphertextLength);
  assert.equal(sha256(sealed), vectors.large.ciphertextSha256);
});

test('error when a failure vector is decrypted', async () => {
  const key = await deriveMasterKey(vectors.key.signature);
  const other = await deriveMasterKey(vectors.otherKey.signature);
  for (const f of vectors.failures) {
    const bytes = apply(f.op, hexToBytes(vectors.cases[f.case]!.ciphertext));
    await assert.rejects(
      decrypt(f.key === 'other' ? other : key, bytes),
      (e: unknown) => e instanceof EncryptionError && e.kind === f.error,
      f.name,
    );
  }
});

test('streams round trip a file in uneven pieces with one chunk in flight', async () => {
  const key = await deriveMasterKey(vectors.key.signature);
  const plain = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 256);
  let largest = 0;
  const source = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let at = 0; at < plain.length; at += 50_001) controller.enqueue(plain.slice(at, at + 50_001));
      controller.close();
    },
  });
  const sealed = source.pipeThrough(encryptStream(key)).pipeThrough(
    new TransformStream({
      transform(chunk, c) {
        largest = Math.max(largest, chunk.length);
        c.enqueue(chunk);
      },
    }),
  );
  const opened = await readAll(sealed.pipeThrough(decryptStream(key)));
  assert.deepEqual(opened, plain);
  assert.ok(largest <= 65_536 + 16, `a sealed piece of ${largest} bytes`);
});

test('error when a stream is cut at a chunk boundary', async () => {
  const key = await deriveMasterKey(vectors.key.signature);
  const sealed = await encrypt(key, new Uint8Array(70_000));
  const cut = sealed.slice(0, 56 + 65_536 + 16);
  const dec = new Decryptor(key);
  await dec.update(cut);
  await assert.rejects(dec.finish(), (e: unknown) => e instanceof EncryptionError && e.kind === 'truncated');
});

test('probes PX ciphertext from its first eight bytes', () => {
  assert.equal(probe(new TextEncoder().encode('PXENC\x01\x10\x00')).kind, 'encrypted');
  assert.equal(probe(new TextEncoder().encode('%PDF-1.7')).kind, 'plain');
  assert.equal(probe(new TextEncoder().encode('PXE')).kind, 'needMore');
  assert.equal(plaintextLength(ciphertextLength(65_537)), 65_537);
});
