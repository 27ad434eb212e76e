// The local environment for the live tests: px-env (tests/e2e) starts px-devnet, js-ipfs, the
// oracle adapter, the PX node and the Chainlink stand-in with the programs deployed, prints
// them as JSON and stops when its stdin closes (this process ending closes it too).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import { createPublicClient, createWalletClient, http, type Hex, type PublicClient, type WalletClient } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

import { pxChain } from '../../src/chain.js';
import { parseDeployment, type Deployment } from '../../src/deployment.js';

/** The repository root. */
export const root = fileURLToPath(new URL('../../../../', import.meta.url));

/** What px-env prints. */
export interface Environment {
  readonly rpcUrl: string;
  readonly nodeUrl: string;
  readonly deployment: Deployment;
  readonly record: Record<string, unknown>;
  readonly users: readonly { address: Hex; privateKey: Hex }[];
  readonly dir: string;
  /** Viem clients for a development user. */
  clients(privateKey: Hex): { publicClient: PublicClient; walletClient: WalletClient };
  /** Moves the chain's clock forward and mines a block. */
  advance(seconds: number): Promise<void>;
  stop(): void;
}

async function rpc(url: string, method: string, params: unknown[]): Promise<unknown> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  const body = (await res.json()) as { result?: unknown; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

/** Starts px-env and waits for its JSON line. */
export async function startEnvironment(args: string[] = []): Promise<Environment> {
  const binDir = process.env.PX_BIN_DIR ?? `${root}target/debug`;
  const bin = `${binDir}/px-env`;
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`cargo build --workspace --bins\` (scripts/test.sh does)`);
  const child: ChildProcess = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, PX_BIN_DIR: binDir } });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const line = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`px-env exited with ${code}:\n${stderr}`)));
  });
  const parsed = JSON.parse(line) as { rpcUrl: string; nodeUrl: string; deployment: Record<string, unknown>; users: { address: Hex; privateKey: Hex }[]; dir: string };
  const deployment = parseDeployment(parsed.deployment);
  const chain = pxChain(deployment, parsed.rpcUrl);
  return {
    rpcUrl: parsed.rpcUrl,
    nodeUrl: parsed.nodeUrl,
    deployment,
    record: parsed.deployment,
    users: parsed.users,
    dir: parsed.dir,
    clients(privateKey) {
      const transport = http(parsed.rpcUrl);
      return {
        publicClient: createPublicClient({ chain, transport, pollingInterval: 100 }),
        walletClient: createWalletClient({ chain, transport, account: privateKeyToAccount(privateKey), pollingInterval: 100 }),
      };
    },
    async advance(seconds) {
      await rpc(parsed.rpcUrl, 'evm_increaseTime', [seconds]);
      await rpc(parsed.rpcUrl, 'evm_mine', []);
    },
    stop() {
      child.stdin!.end();
      child.kill('SIGINT');
    },
  };
}
