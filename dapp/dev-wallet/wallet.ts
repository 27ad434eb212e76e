/**
 * A development wallet: an EIP-1193 provider that signs with a px-devnet development key and
 * forwards everything else to the chain's RPC, announced through EIP-6963 like a browser
 * extension. Configured by `window.__PX_DEV_WALLET__ = { privateKey, rpcUrl, chainId }` set
 * before this script runs. Never use it with a key that holds anything.
 */
import { createWalletClient, hexToBigInt, http, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

interface DevWalletConfig {
  readonly privateKey: Hex;
  readonly rpcUrl: string;
  readonly chainId: number;
  readonly name?: string;
}

interface RequestArguments {
  readonly method: string;
  readonly params?: readonly unknown[] | object;
}

interface TxRequest {
  to?: Hex;
  data?: Hex;
  value?: Hex;
  gas?: Hex;
}

class ProviderRpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

const config = (window as unknown as { __PX_DEV_WALLET__?: DevWalletConfig }).__PX_DEV_WALLET__;

if (config) {
  const account = privateKeyToAccount(config.privateKey);
  const rpcUrl = new URL(config.rpcUrl, location.href).toString();
  const chain = {
    id: config.chainId,
    name: `PX local ${config.chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  } as const;
  const wallet = createWalletClient({ account, chain, transport: http(rpcUrl) });
  const listeners = new Map<string, Set<(...args: unknown[]) => void>>();
  let connected = false;

  async function forward(method: string, params: unknown): Promise<unknown> {
    const res = await fetch(rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: Date.now(), method, params: params ?? [] }),
    });
    const body = (await res.json()) as { result?: unknown; error?: { code: number; message: string; data?: unknown } };
    if (body.error) throw new ProviderRpcError(body.error.code, body.error.message, body.error.data);
    return body.result;
  }

  const provider = {
    isPxDevWallet: true,
    async request({ method, params }: RequestArguments): Promise<unknown> {
      const p = (Array.isArray(params) ? params : []) as unknown[];
      switch (method) {
        case 'eth_requestAccounts':
          connected = true;
          return [account.address];
        case 'eth_accounts':
          return connected ? [account.address] : [];
        case 'eth_chainId':
          return `0x${config.chainId.toString(16)}`;
        case 'personal_sign':
          return account.signMessage({ message: { raw: p[0] as Hex } });
        case 'eth_signTypedData_v4':
          return account.signTypedData(JSON.parse(p[1] as string));
        case 'eth_sendTransaction': {
          const tx = p[0] as TxRequest;
          return wallet.sendTransaction({
            account,
            chain,
            to: tx.to ?? null,
            data: tx.data,
            value: tx.value ? hexToBigInt(tx.value) : undefined,
            gas: tx.gas ? hexToBigInt(tx.gas) : undefined,
          });
        }
        case 'wallet_switchEthereumChain': {
          const wanted = Number((p[0] as { chainId: string }).chainId);
          if (wanted !== config.chainId) throw new ProviderRpcError(4902, `the development wallet knows chain ${config.chainId} only`);
          return null;
        }
        case 'wallet_addEthereumChain':
          return null;
        default:
          return forward(method, p);
      }
    },
    on(event: string, listener: (...args: unknown[]) => void) {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event)!.add(listener);
      return provider;
    },
    removeListener(event: string, listener: (...args: unknown[]) => void) {
      listeners.get(event)?.delete(listener);
      return provider;
    },
  };

  const icon =
    'data:image/svg+xml;base64,' +
    btoa('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#3b5bdb"/><text x="16" y="21" font-size="13" text-anchor="middle" fill="#fff" font-family="sans-serif">dev</text></svg>');
  const detail = Object.freeze({
    info: Object.freeze({ uuid: crypto.randomUUID(), name: config.name ?? 'PX development wallet', icon, rdns: 'dev.px.wallet' }),
    provider,
  });
  const announce = () => window.dispatchEvent(new CustomEvent('eip6963:announceProvider', { detail }));
  window.addEventListener('eip6963:requestProvider', announce);
  announce();
}
