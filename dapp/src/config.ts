/** Where the page finds its chain, node and deployment: `config.json` next to it. */
import { parseDeployment, type Deployment } from '@px/sdk';

export interface Config {
  /** The chain's JSON-RPC URL (relative URLs are resolved against the page). */
  readonly rpcUrl: string;
  /** The PX node. */
  readonly nodeUrl: string;
  /** The deployment descriptor (`deployments/<chainId>.json`). */
  readonly deployment: Deployment;
}

/** Loads `config.json`. */
export async function loadConfig(): Promise<Config> {
  const res = await fetch(new URL('config.json', location.href));
  if (!res.ok) throw new Error(`config.json: ${res.status} (the server that serves this page writes it)`);
  const json = (await res.json()) as { rpcUrl: string; nodeUrl: string; deployment: unknown };
  return { rpcUrl: new URL(json.rpcUrl, location.href).toString(), nodeUrl: json.nodeUrl, deployment: parseDeployment(json.deployment) };
}
