// The SDK against the real parts: px-devnet with the real programs, js-ipfs, the oracle
// adapter, the PX node and the Chainlink stand-in (px-env). One environment, the steps in
// order, as a user would take them.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';

import { type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

import { PxClient } from '../../src/client.js';
import { ciphertextLength } from '../../src/encryption/format.js';
import { ContractError, EncryptionError, NodeError } from '../../src/errors.js';
import { readAll } from '../../src/files.js';
import { NodeClient } from '../../src/node/client.js';
import type { PxSigner } from '../../src/signer.js';
import { root, startEnvironment, type Environment } from './env.js';

let env: Environment;
let alice: PxClient;
let token: bigint;
const WINDOW = 30 * 24 * 3600;

function client(privateKey: Hex, signer?: PxSigner): PxClient {
  const { publicClient, walletClient } = env.clients(privateKey);
  return new PxClient({ deployment: env.deployment, nodeUrl: env.nodeUrl, publicClient, walletClient, pollIntervalMs: 100, ...(signer ? { signer } : {}) });
}

function pattern(n: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 131 + seed) % 256);
}

before(async () => {
  env = await startEnvironment();
  alice = client(env.users[0]!.privateKey);
});

after(() => env?.stop());

test("the node serves the API description the SDK's types are generated from", async () => {
  const committed = JSON.parse(readFileSync(`${root}node/openapi.json`, 'utf8'));
  assert.deepEqual(await new NodeClient(env.nodeUrl).openapi(), committed);
  const info = await new NodeClient(env.nodeUrl).info();
  assert.equal(info.core.toLowerCase(), env.deployment.core.toLowerCase());
});

test('signs in with an EOA', async () => {
  const session = await alice.signIn();
  assert.equal(session.address.toLowerCase(), alice.account.toLowerCase());
});

test('signs in with a contract wallet (ERC-1271), and is refused with a stranger signature', async () => {
  const require = createRequire(`${root}tools/npm/package.json`);
  const solc = require('solc') as { compile(input: string): string };
  const source = readFileSync(`${root}sdk/test/live/OwnedWallet.sol`, 'utf8');
  const out = JSON.parse(
    solc.compile(JSON.stringify({ language: 'Solidity', sources: { 'w.sol': { content: source } }, settings: { outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } } } })),
  );
  const compiled = out.contracts['w.sol'].OwnedWallet;
  const owner = privateKeyToAccount(env.users[1]!.privateKey);
  const { publicClient, walletClient } = env.clients(env.users[1]!.privateKey);
  const hash = await walletClient.deployContract({ abi: compiled.abi, bytecode: `0x${compiled.evm.bytecode.object}`, args: [owner.address], account: owner, chain: walletClient.chain });
  const wallet = (await publicClient.waitForTransactionReceipt({ hash })).contractAddress!;
  const node = new NodeClient(env.nodeUrl);
  const session = await node.signIn({ address: wallet, signMessage: (message) => owner.signMessage({ message }) });
  assert.equal(session.address.toLowerCase(), wallet.toLowerCase());
  const stranger = privateKeyToAccount(env.users[2]!.privateKey);
  await assert.rejects(
    node.signIn({ address: wallet, signMessage: (message) => stranger.signMessage({ message }) }),
    (e: unknown) => e instanceof NodeError && e.code === 'unauthorized' && /ERC-1271/.test(e.message),
  );
});

test('lists the plans', async () => {
  const plans = await alice.plans();
  assert.ok(plans.length >= 2);
  assert.equal(plans[0]!.priceWei, 0n);
  assert.ok(plans[1]!.active && plans[1]!.quotaBytes > 0n);
});

test('mints with a node key; the node serves the token at once', async () => {
  const minted = await alice.mint({ planId: 1n });
  token = minted.tokenId;
  assert.match(minted.btnsKey ?? '', /^(12D3KooW|k51)/);
  assert.deepEqual(await alice.tokens(), [token]);
  const usage = await alice.usage(token);
  assert.equal(usage.node?.sequence, 1n);
  assert.equal(usage.chain.syncSequence, 0n);
  assert.equal(usage.inSync, false);
  assert.deepEqual(usage.blockedBy, []);
});

test('syncs sponsored and waits for the fulfilment', async () => {
  const phases: string[] = [];
  const result = await alice.sync(token, { route: 'sponsored', onStatus: (s) => phases.push(s.phase) });
  assert.equal(result.sequence, 1n);
  assert.deepEqual([phases[0], phases[1], phases.at(-1)], ['sending', 'requested', 'fulfilled']);
  assert.equal((await alice.usage(token)).inSync, true);
});

test('error when a second sponsored sync comes within the window (the decoded custom error)', async () => {
  await assert.rejects(alice.sync(token, { route: 'sponsored' }), (e: unknown) => e instanceof ContractError && e.errorName === 'SponsoredSyncUnavailable' && e.call === 'requestSync');
});

let plainCid = '';
let sealedCid = '';
const plain = pattern(150_000, 1);

test('uploads a file with progress and downloads it', async () => {
  const seen: number[] = [];
  const up = await alice.upload(token, plain, { onProgress: (p) => seen.push(p.loaded) });
  plainCid = up.cid;
  assert.equal(up.size, String(plain.length));
  assert.equal(seen.at(-1), plain.length);
  const down = await alice.download(token, plainCid, { size: plain.length });
  assert.equal(down.encrypted, false);
  assert.deepEqual(await readAll(down.stream), plain);
});

test('uploads encrypted: the node stores and counts ciphertext; the owner reads it back', async () => {
  const secret = pattern(200_001, 9);
  const up = await alice.upload(token, { stream: new Blob([secret as Uint8Array<ArrayBuffer>]).stream(), size: secret.length }, { encrypt: true });
  sealedCid = up.cid;
  assert.equal(up.encrypted, true);
  assert.equal(up.size, String(ciphertextLength(secret.length)));
  const stored = await alice.download(token, sealedCid, { decrypt: false });
  const raw = await readAll(stored.stream);
  assert.equal(new TextDecoder().decode(raw.subarray(0, 5)), 'PXENC');
  assert.equal(raw.length, ciphertextLength(secret.length));
  const opened = await alice.download(token, sealedCid);
  assert.equal(opened.encrypted, true);
  assert.deepEqual(await readAll(opened.stream), secret);
  assert.equal(await alice.isEncrypted(token, sealedCid), true);
  assert.equal(await alice.isEncrypted(token, plainCid), false);
  const listed = new Map<string, boolean>();
  for await (const f of alice.files(token)) listed.set(f.cid, f.encrypted);
  assert.equal(listed.get(sealedCid), true, 'the node marks the px-enc/1 entry');
  assert.equal(listed.get(plainCid), false);
});

test("error when another wallet decrypts the owner's file", async () => {
  const bob = client(env.users[3]!.privateKey);
  await assert.rejects(bob.download(token, sealedCid).then((d) => readAll(d.stream)), (e: unknown) => e instanceof EncryptionError && e.kind === 'wrongKey');
});

test('lists the files through the head', async () => {
  const cids = [];
  for await (const f of alice.files(token)) cids.push(f.cid);
  assert.deepEqual(cids, [sealedCid, plainCid]);
});

test('syncs paid with LINK; the chain has the node usage', async () => {
  const result = await alice.sync(token, { route: 'link' });
  const usage = await alice.usage(token);
  assert.equal(usage.inSync, true);
  assert.equal(usage.chain.usedBytes, usage.node?.usedBytes);
  assert.equal(result.usedBytes, BigInt(plain.length + ciphertextLength(200_001)));
});

test('mints keyless as an explorer would; the node registers a key', async () => {
  const carol = client(env.users[4]!.privateKey);
  const minted = await carol.mint({ planId: 1n, key: 'keyless' });
  assert.equal(minted.btnsKey, undefined);
  const registered = await carol.waitForRegistration(minted.tokenId);
  assert.equal(registered.sequence, '1');
  assert.notEqual(await carol.btnsKey(minted.tokenId), '0x');
});

test('error when an upload exceeds the quota: the node refuses before the body streams', async () => {
  const usage = await alice.usage(token);
  const size = Number(usage.chain.quotaBytes) + 1;
  let sent = 0;
  const endless = new ReadableStream<Uint8Array>({
    pull(c) {
      sent += 65_536;
      c.enqueue(new Uint8Array(65_536));
    },
  });
  await assert.rejects(alice.upload(token, { stream: endless, size }), (e: unknown) => e instanceof NodeError && e.refusedFor('quotaExceeded'));
  assert.ok(sent < size / 4, `${sent} bytes streamed before the refusal`);
});

test('blocks uploads when the sync window passes, and a sync reopens them', async () => {
  await env.advance(WINDOW + 1);
  const blocked = await alice.usage(token);
  assert.ok(blocked.blockedBy.includes('syncOverdue'));
  assert.equal(blocked.chain.uploadAllowed, false);
  await assert.rejects(alice.upload(token, pattern(10, 3)), (e: unknown) => e instanceof NodeError && e.status === 403 && e.refusedFor('syncOverdue'));
  await alice.sync(token, { route: 'sponsored' });
  const open = await alice.usage(token);
  assert.deepEqual(open.blockedBy, []);
  await alice.upload(token, pattern(10, 4));
});
