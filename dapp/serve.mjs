#!/usr/bin/env node
// Serves the built dApp (dist/) for the demo and the browser tests, with nothing from a CDN:
//   /config.json  the chain, node and deployment the page uses
//   /rpc          the chain's JSON-RPC, proxied (px-devnet sends no CORS headers; a public RPC
//                 would be called directly)
//   index.html    with the development wallet (dist/dev-wallet.js) added when a development
//                 key is given: local chains only, the key is sent to the page
//
//   node serve.mjs --rpc URL --node URL --deployment FILE [--port 5173] [--dev-wallet-key 0x..]
import { readFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('./dist/', import.meta.url));
const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json', '.json': 'application/json', '.svg': 'image/svg+xml' };

/**
 * Starts the server; resolves with its URL and a `close()`.
 * @param {{ rpcUrl: string, nodeUrl: string, deployment: object, port?: number, devWalletKey?: string }} options
 */
export async function serve(options) {
  if (!existsSync(join(dist, 'index.html'))) throw new Error('dapp/dist is missing: run `npm run build` in dapp/ (scripts/setup.sh dapp does)');
  const config = JSON.stringify({ rpcUrl: 'rpc', nodeUrl: options.nodeUrl, deployment: options.deployment });
  let index = readFileSync(join(dist, 'index.html'), 'utf8');
  if (options.devWalletKey) {
    const wallet = { privateKey: options.devWalletKey, rpcUrl: 'rpc', chainId: options.deployment.chainId };
    index = index.replace('<!-- dev-wallet -->', `<script>window.__PX_DEV_WALLET__ = ${JSON.stringify(wallet)};</script><script src="./dev-wallet.js"></script>`);
  }
  const server = createServer(async (req, res) => {
    try {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path === '/rpc' && req.method === 'POST') {
        const body = await new Promise((ok) => {
          const parts = [];
          req.on('data', (d) => parts.push(d));
          req.on('end', () => ok(Buffer.concat(parts)));
        });
        const answer = await fetch(options.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(Buffer.from(await answer.arrayBuffer()));
        return;
      }
      if (path === '/config.json') {
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(config);
        return;
      }
      if (path === '/' || path === '/index.html') {
        res.writeHead(200, { 'content-type': types['.html'], 'cache-control': 'no-store' });
        res.end(index);
        return;
      }
      const file = normalize(join(dist, path));
      if (!file.startsWith(dist) || !existsSync(file)) {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found');
        return;
      }
      res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' });
      res.end(readFileSync(file));
    } catch (e) {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(String(e));
    }
  });
  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, '127.0.0.1', ok);
  });
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((ok) => server.close(ok)) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const deploymentFile = arg('--deployment');
  if (!arg('--rpc') || !arg('--node') || !deploymentFile) {
    console.error('usage: node serve.mjs --rpc URL --node URL --deployment FILE [--port N] [--dev-wallet-key 0x..]');
    process.exit(2);
  }
  const { url } = await serve({
    rpcUrl: arg('--rpc'),
    nodeUrl: arg('--node'),
    deployment: JSON.parse(readFileSync(deploymentFile, 'utf8')),
    port: Number(arg('--port') ?? 5173),
    devWalletKey: arg('--dev-wallet-key'),
  });
  console.log(`dApp at ${url}`);
}
