// The dApp in a real browser: Debian's headless Chromium driven by playwright-core, a test
// wallet injected as a browser extension would be (an EIP-1193 provider announced through
// EIP-6963, signing with a px-devnet development key), against the real parts (px-env).
// The walk: connect, mint, sync, upload by drag and drop, upload encrypted and download it
// decrypted, a LINK-paid sync, the blocked state after the sync window and the node's
// refusal, the sync that reopens uploads, a keyless mint the node registers.
// Screenshots: dapp/test-results/ (ignored by git).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

import { encryption } from '@px/sdk';
import { startEnvironment } from '../../sdk/build/test/live/env.js';
import { serve } from '../serve.mjs';

const CHROMIUM = process.env.PX_CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const WINDOW = 30 * 24 * 3600;
const results = fileURLToPath(new URL('../test-results/', import.meta.url));

let env, server, context, page, profile;
let shot = 0;

async function screenshot(name) {
  shot += 1;
  await page.screenshot({ path: join(results, `${String(shot).padStart(2, '0')}-${name}.png`), fullPage: true });
}

const byTest = (id) => page.locator(`[data-testid="${id}"]`);

/** Waits until the page's message matches `pattern`; on timeout the error shows the message. */
async function message(pattern, timeout = 60_000) {
  const deadline = Date.now() + timeout;
  let text = '';
  while (Date.now() < deadline) {
    text = (await byTest('message').textContent()) ?? '';
    if (pattern.test(text)) return text;
    await page.waitForTimeout(200);
  }
  await screenshot('failed');
  throw new Error(`the page says ${JSON.stringify(text)}, expected ${pattern}`);
}

async function connect() {
  await page.goto(server.url);
  await byTest('connect-dev.px.wallet').click();
  await byTest('account').waitFor();
  await byTest('gate').waitFor({ timeout: 30_000 });
}

function pattern(n, seed) {
  return Buffer.from(Uint8Array.from({ length: n }, (_, i) => (i * 151 + seed) % 256));
}

before(async () => {
  mkdirSync(results, { recursive: true });
  env = await startEnvironment();
  server = await serve({ rpcUrl: env.rpcUrl, nodeUrl: env.nodeUrl, deployment: env.record });
  profile = mkdtempSync(join(tmpdir(), 'px-chromium-'));
  context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, acceptDownloads: true, viewport: { width: 1100, height: 1000 } });
  const user = env.users[0];
  await context.addInitScript({ content: `window.__PX_DEV_WALLET__ = ${JSON.stringify({ privateKey: user.privateKey, rpcUrl: 'rpc', chainId: env.deployment.chainId })};` });
  await context.addInitScript({ path: fileURLToPath(new URL('../dist/dev-wallet.js', import.meta.url)) });
  context.setDefaultTimeout(20_000);
  page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => console.error('page error:', e));
});

after(async () => {
  await context?.close();
  await server?.close();
  env?.stop();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

test('discovers the injected wallet through EIP-6963 and connects', async () => {
  await page.goto(server.url);
  await byTest('connect-dev.px.wallet').waitFor();
  await screenshot('wallets');
  await byTest('connect-dev.px.wallet').click();
  assert.equal((await byTest('account').textContent()).toLowerCase(), env.users[0].address.toLowerCase());
  await byTest('plan-1').waitFor();
  await screenshot('connected');
});

test('mints with a node key; the usage shows the node ahead of the chain', async () => {
  await byTest('mint-1').click();
  await message(/Minted token \d+ with storage key/);
  await byTest('node-sequence').filter({ hasText: '1' }).waitFor();
  assert.equal(await byTest('chain-sequence').textContent(), '0');
  assert.match(await byTest('gate').textContent(), /Uploads are open/);
  await screenshot('minted');
});

test('syncs sponsored with a live status', async () => {
  await byTest('sync-sponsored').click();
  await byTest('sync-status').filter({ hasText: 'Synced' }).waitFor({ timeout: 60_000 });
  await byTest('chain-sequence').filter({ hasText: '1' }).waitFor();
  await screenshot('synced');
});

const plain = pattern(120_000, 1);
const secret = pattern(150_001, 7);

test('uploads a file dropped on the page, with progress', async () => {
  const data = await page.evaluateHandle((bytes) => {
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(bytes)], 'report.txt', { type: 'text/plain' }));
    return dt;
  }, [...plain]);
  await byTest('drop-zone').dispatchEvent('drop', { dataTransfer: data });
  await page.locator('[data-testid="upload-row"][data-state="done"]').first().waitFor({ timeout: 60_000 });
  await byTest('file-row').first().waitFor();
  await screenshot('uploaded');
});

test('uploads encrypted; the node stores ciphertext; the download is decrypted in the browser', async () => {
  await byTest('encrypt-toggle').check();
  await byTest('file-input').setInputFiles({ name: 'secret.bin', mimeType: 'application/octet-stream', buffer: secret });
  await page.locator('[data-testid="upload-row"]', { hasText: 'secret.bin' }).and(page.locator('[data-state="done"]')).waitFor({ timeout: 60_000 });
  const row = page.locator('[data-testid="file-row"]', { hasText: 'secret.bin' });
  await row.locator('[data-testid="encrypted-badge"]').waitFor();
  const cid = await row.getAttribute('data-cid');
  const stored = Buffer.from(await (await fetch(`${env.nodeUrl}/v1/files/${cid}`)).arrayBuffer());
  assert.equal(stored.subarray(0, 5).toString(), 'PXENC');
  assert.equal(stored.length, encryption.ciphertextLength(secret.length));
  const [download] = await Promise.all([page.waitForEvent('download'), row.locator('[data-testid="download"]').click()]);
  assert.equal(download.suggestedFilename(), 'secret.bin');
  assert.deepEqual(readFileSync(await download.path()), secret);
  await screenshot('encrypted');
});

test('syncs paid with LINK: chain and node agree', async () => {
  await byTest('sync-link').click();
  await byTest('sync-status').filter({ hasText: 'Synced' }).waitFor({ timeout: 60_000 });
  await page.waitForFunction(() => document.querySelector('[data-testid="chain-used"]').textContent === document.querySelector('[data-testid="node-used"]').textContent);
  await screenshot('synced-link');
});

test('says plainly that uploads are blocked after the sync window, and shows the refusal', async () => {
  await env.advance(WINDOW + 1);
  await connect();
  await byTest('gate').filter({ hasText: 'Uploads are blocked' }).waitFor();
  assert.match(await byTest('gate').textContent(), /not synced within the sync window/);
  await screenshot('blocked');
  await byTest('file-input').setInputFiles({ name: 'late.txt', mimeType: 'text/plain', buffer: pattern(1000, 3) });
  await page.locator('[data-testid="upload-row"][data-state="failed"]').waitFor({ timeout: 30_000 });
  assert.match(await byTest('message').textContent(), /The node refused the upload: the token was not synced within the sync window/);
  await screenshot('refused');
});

test('a sync reopens uploads', async () => {
  await byTest('sync-sponsored').click();
  await byTest('sync-status').filter({ hasText: 'Synced' }).waitFor({ timeout: 60_000 });
  await byTest('gate').filter({ hasText: 'Uploads are open' }).waitFor();
  await screenshot('reopened');
});

test('mints keyless; the node registers the key', async () => {
  await byTest('mint-keyless-1').click();
  await message(/has its storage key: the node registered it/, 90_000);
  await screenshot('keyless');
});
