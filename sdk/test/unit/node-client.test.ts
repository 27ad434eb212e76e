// The node client against recorded answers (a fetch stand-in) and against the API
// description: routes and schemas come from node/openapi.json, and a body that breaks them
// is a ProtocolError. The live tests run the same client against a real node.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';

import { NodeError, ProtocolError } from '../../src/errors.js';
import { routes } from '../../src/generated/node-api.js';
import { NodeClient } from '../../src/node/client.js';

type Answer = { status: number; body: unknown; headers?: Record<string, string> };

function recorded(answers: Record<string, Answer>): { fetch: typeof fetch; calls: { url: string; init: RequestInit }[] } {
  const calls: { url: string; init: RequestInit }[] = [];
  const fake = (async (input: string | URL | Request, init: RequestInit = {}) => {
    const url = String(input);
    calls.push({ url, init });
    const key = `${init.method ?? 'GET'} ${new URL(url).pathname}`;
    const a = answers[key];
    if (!a) return new Response(JSON.stringify({ error: 'not_found', message: `no route ${key}` }), { status: 404 });
    return new Response(typeof a.body === 'string' ? a.body : JSON.stringify(a.body), { status: a.status, headers: a.headers ?? {} });
  }) as typeof fetch;
  return { fetch: fake, calls };
}

test('the generated bindings match abi/ and node/openapi.json', () => {
  execFileSync(process.execPath, [new URL('../../../scripts/gen.mjs', import.meta.url).pathname, '--check'], { stdio: 'pipe' });
});

test('every route the client calls is in the API description', () => {
  for (const route of ['GET /v1/info', 'GET /v1/auth/nonce', 'POST /v1/auth/sign-in', 'POST /v1/keys', 'POST /v1/registrations/{tokenId}', 'GET /v1/tokens/{tokenId}/usage', 'GET /v1/tokens/{tokenId}/files', 'POST /v1/tokens/{tokenId}/files', 'GET /v1/tokens/{tokenId}/files/{cid}', 'DELETE /v1/tokens/{tokenId}/files/{cid}']) {
    assert.ok(route in routes, route);
  }
  assert.equal(routes['POST /v1/keys'].session, true);
  assert.equal(routes['POST /v1/tokens/{tokenId}/files'].body, 'binary');
});

test('lists files with the page query', async () => {
  const { fetch, calls } = recorded({
    'GET /v1/tokens/7/files': { status: 200, body: { files: [{ cid: 'bafkreiabc', size: '12', addedAt: '2026-12-04T00:00:00Z', encrypted: true }], next: null } },
  });
  const node = new NodeClient('http://node.test', fetch);
  const listing = await node.listFiles(7n, 'bafkreinext');
  assert.equal(listing.files[0]?.size, '12');
  assert.equal(listing.files[0]?.encrypted, true);
  assert.equal(new URL(calls[0]!.url).searchParams.get('page'), 'bafkreinext');
});

test('error when the node refuses: the code and the gate reasons', async () => {
  const { fetch } = recorded({
    'POST /v1/keys': { status: 403, body: { error: 'upload_refused', message: 'upload refused: quotaExceeded, syncOverdue', reasons: ['quotaExceeded', 'syncOverdue'] } },
  });
  const node = new NodeClient('http://node.test', fetch);
  node.session = { token: 't', address: '0x0000000000000000000000000000000000000001', expiresAt: '2099-01-01T00:00:00Z' };
  const err = await node.allocateKey(1n).then(
    () => assert.fail('refused'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof NodeError);
  assert.equal(err.status, 403);
  assert.equal(err.code, 'upload_refused');
  assert.ok(err.refusedFor('syncOverdue'));
  assert.ok(!err.refusedFor('paused'));
});

test('error when a session route is called before sign-in', async () => {
  const node = new NodeClient('http://node.test', recorded({}).fetch);
  await assert.rejects(node.allocateKey(1n), (e: unknown) => e instanceof NodeError && e.code === 'unauthorized');
});

test('error when an answer lacks a field its schema promises', async () => {
  const { fetch } = recorded({ 'GET /v1/auth/nonce': { status: 200, body: { nonce: 'n', domain: 'localhost', expiresAt: 'x' } } });
  await assert.rejects(new NodeClient('http://node.test', fetch).call('GET /v1/auth/nonce'), (e: unknown) => e instanceof ProtocolError && /chainId/.test(e.message));
});

test('error when an answer has a wrong type or an unknown enum value', async () => {
  const { fetch } = recorded({
    'GET /v1/info': { status: 200, body: { chainId: 1, core: 'a', storefront: 'b', usageSigner: 'c', registrar: null, siweDomain: 'd', version: 'v' } },
  });
  await assert.rejects(new NodeClient('http://node.test', fetch).info(), (e: unknown) => e instanceof ProtocolError && /chainId is integer/.test(e.message));
  const bad = recorded({ 'POST /v1/registrations/1': { status: 409, body: { error: 'weird', message: 'm' } } });
  await assert.rejects(new NodeClient('http://node.test', bad.fetch).register(1n), (e: unknown) => e instanceof ProtocolError && /weird/.test(e.message));
});

test('error when an error body is not JSON', async () => {
  const { fetch } = recorded({ 'GET /v1/info': { status: 502, body: '<html>bad gateway</html>' } });
  await assert.rejects(new NodeClient('http://node.test', fetch).info(), (e: unknown) => e instanceof ProtocolError && /502/.test(e.message));
});
