/**
 * Wallets: EIP-6963 discovery (every extension announces itself), with the legacy injected
 * `window.ethereum` (EIP-1193) as a fallback; connecting asks for accounts and the chain.
 */
import type { EIP1193Provider } from 'viem';

/** A wallet the page can connect to. */
export interface WalletChoice {
  readonly name: string;
  readonly icon: string | undefined;
  readonly rdns: string;
  readonly provider: EIP1193Provider;
}

interface AnnounceDetail {
  readonly info: { uuid: string; name: string; icon: string; rdns: string };
  readonly provider: EIP1193Provider;
}

/** Collects announced wallets; `onChange` runs as they arrive. */
export function discoverWallets(onChange: (wallets: WalletChoice[]) => void): void {
  const found = new Map<string, WalletChoice>();
  window.addEventListener('eip6963:announceProvider', (event) => {
    const detail = (event as CustomEvent<AnnounceDetail>).detail;
    found.set(detail.info.rdns, { name: detail.info.name, icon: detail.info.icon, rdns: detail.info.rdns, provider: detail.provider });
    onChange([...found.values()]);
  });
  window.dispatchEvent(new Event('eip6963:requestProvider'));
  const injected = (window as unknown as { ethereum?: EIP1193Provider }).ethereum;
  if (injected && found.size === 0) {
    found.set('injected', { name: 'Browser wallet', icon: undefined, rdns: 'injected', provider: injected });
    onChange([...found.values()]);
  }
}

/** Asks the wallet for its account and to be on `chainId`. */
export async function connect(wallet: WalletChoice, chainId: number): Promise<`0x${string}`> {
  const accounts = (await wallet.provider.request({ method: 'eth_requestAccounts' })) as `0x${string}`[];
  const account = accounts[0];
  if (!account) throw new Error(`${wallet.name} gave no account`);
  const current = Number(await wallet.provider.request({ method: 'eth_chainId' }));
  if (current !== chainId) {
    await wallet.provider.request({ method: 'wallet_switchEthereumChain', params: [{ chainId: `0x${chainId.toString(16)}` }] });
  }
  return account;
}
