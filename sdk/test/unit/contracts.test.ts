// Errors decoded from any PX program's ABI, the deployment descriptor, CIDs, the sign-in text.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { BaseError, encodeErrorResult, parseEventLogs, sha256, type Hex } from 'viem';

import { cidOfDigest, digestOfCid } from '../../src/cid.js';
import { contractFor, parseDeployment } from '../../src/deployment.js';
import { ContractError, ProtocolError, SyncRejectedError, contractError } from '../../src/errors.js';
import { pxStorefrontAbi, pxSyncAbi } from '../../src/generated/abi.js';
import { signInMessage } from '../../src/siwe.js';
import { relayOf } from '../../src/sync.js';

class Reverted extends BaseError {
  constructor(readonly data: Hex) {
    super('execution reverted');
  }
}

test('decodes a custom error of the program that reverted', () => {
  const data = encodeErrorResult({ abi: pxStorefrontAbi, errorName: 'IncorrectPayment', args: [10n, 3n] });
  const err = contractError('mint', new Reverted(data));
  assert.ok(err instanceof ContractError);
  assert.equal(err.errorName, 'IncorrectPayment');
  assert.deepEqual(err.args, [10n, 3n]);
  assert.match(err.message, /mint reverted: IncorrectPayment\(10, 3\)/);
});

test("decodes another program's error surfacing through a call", () => {
  const data = encodeErrorResult({ abi: pxSyncAbi, errorName: 'SponsoredSyncUnavailable', args: [5n, 1_800_000_000n] });
  const err = contractError('mintWithKey', new Reverted(data));
  assert.ok(err instanceof ContractError && err.errorName === 'SponsoredSyncUnavailable');
});

test('error when the revert data names no PX error', () => {
  const err = contractError('mint', new Reverted('0xdeadbeef00'));
  assert.ok(err instanceof ContractError && err.errorName === undefined && err.data === '0xdeadbeef00');
  const network = new TypeError('fetch failed');
  assert.equal(contractError('mint', network), network);
});

test('names sync rejections', () => {
  assert.equal(new SyncRejectedError('0x01', 2).reason, 'staleSequence');
  assert.equal(new SyncRejectedError('0x01', 6).reason, 'tokenMismatch');
  assert.equal(new SyncRejectedError('0x01', 7).reason, 'malformedReport');
  assert.equal(new SyncRejectedError('0x01', 99).reason, 'unknown');
});

const record = {
  chainId: 412346,
  core: '0xa513e6e4b8f2a923d98304ec87f64353c4d5c853',
  sync: '0x2279b7a0a67db372996a5fab50d91eaa73d2ebe6',
  storefront: '0x8a791620dd6260079bf849dc5567adc3f2fdc318',
  renderer: '0x610178da211fef7d417bc0e6fed39f05609ad788',
  link: '0x5fbdb2315678afecb367f032d93f642f64180aa3',
  operator: '0xe7f1725e7734ce288f8367e1bb143e90bb3f0512',
  jobId: '0x' + '11'.repeat(32),
  fee: '0x0',
  registrar: '0x70997970c51812dc3a010c7d01b50e0d17dc79c8',
  usageSigners: [],
  deployer: '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266',
  startBlock: 3,
  steps: [],
};

test('reads the deployment record px-deploy writes, and routes each call to its program', () => {
  const d = parseDeployment(record);
  assert.equal(d.startBlock, 3n);
  assert.equal(contractFor(d, 'mint'), d.storefront);
  assert.equal(contractFor(d, 'sync'), d.sync);
  assert.equal(contractFor(d, 'usage'), d.core);
  assert.equal(contractFor(d, 'encryptionCollection'), d.core);
});

test('error when the deployment record is malformed', () => {
  assert.throws(() => parseDeployment({ ...record, core: 'nope' }), ProtocolError);
  assert.throws(() => parseDeployment({ ...record, chainId: '1' }), ProtocolError);
});

test('the deployment fields are the ones px-deploy serialises', () => {
  const source = readFileSync(new URL('../../../../deploy/src/system.rs', import.meta.url), 'utf8');
  const struct = source.slice(source.indexOf('pub struct Deployment'), source.indexOf('impl Deployment'));
  const fields = [...struct.matchAll(/pub (\w+):/g)].map((m) => m[1]!.replace(/_(\w)/g, (_, c: string) => c.toUpperCase()));
  for (const used of ['chainId', 'core', 'sync', 'storefront', 'renderer', 'link', 'operator', 'startBlock']) {
    assert.ok(fields.includes(used), `px-deploy's Deployment has no ${used}`);
  }
});

test('single raw block CIDs round trip their digest', () => {
  const digest = sha256(new TextEncoder().encode('{"schema":"px-usage/1"}'));
  const cid = cidOfDigest(digest);
  assert.match(cid, /^bafkrei[a-z2-7]{52}$/);
  assert.equal(digestOfCid(cid), digest);
  assert.throws(() => digestOfCid('QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG'), ProtocolError);
});

test("the sign-in message is the node's (node/src/auth: siwe_message)", () => {
  const text = signInMessage({
    domain: 'localhost:8090',
    address: '0x1111111111111111111111111111111111111111',
    chainId: 412_346,
    nonce: 'abcdefgh12345678',
    issuedAt: 1_800_000_000,
    expiresAt: 1_800_000_600,
  });
  assert.equal(
    text,
    'localhost:8090 wants you to sign in with your Ethereum account:\n0x1111111111111111111111111111111111111111\n\nSign in to the PX node.\n\nURI: http://localhost:8090\nVersion: 1\nChain ID: 412346\nNonce: abcdefgh12345678\nIssued At: 2027-01-15T08:00:00Z\nExpiration Time: 2027-01-15T08:10:00Z',
  );
});

test("decodes the shared vectors' SyncRequested log: route 1 is CRE", () => {
  const vectors = JSON.parse(readFileSync(new URL('../../../../cre/px-sync/vectors/reports.json', import.meta.url), 'utf8'));
  const log = vectors.cases[0].log;
  const [event] = parseEventLogs({ abi: pxSyncAbi, eventName: 'SyncRequested', logs: [{ ...log, address: '0x0000000000000000000000000000000000005c01', blockNumber: 1n, blockHash: `0x${'00'.repeat(32)}`, logIndex: 0, transactionHash: `0x${'00'.repeat(32)}`, transactionIndex: 0, removed: false }] });
  assert.ok(event);
  assert.equal(event.args.tokenId, 7n);
  assert.equal(relayOf(event.args.route), 'cre');
  assert.equal(event.args.btnsKey, '0x00240801122009603ce5c90c70779692e02b9d26afc7a09e8869ee36f9ffdc372fd014a7a1c0');
});

test('names the relays of the two routes, and refuses another', () => {
  assert.equal(relayOf(2), 'direct-request');
  assert.throws(() => relayOf(0), ProtocolError);
});
