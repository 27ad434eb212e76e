/** What contract calls share: the clients, the deployment, sending with decoded reverts. */
import {
  defineChain,
  type Abi,
  type Address,
  type Chain,
  type ContractFunctionArgs,
  type ContractFunctionName,
  type PublicClient,
  type SimulateContractParameters,
  type TransactionReceipt,
  type WalletClient,
} from 'viem';

import type { Deployment } from './deployment.js';
import { ContractError, PxError, contractError } from './errors.js';

/** The clients and the deployment every call uses. */
export interface ChainContext {
  readonly publicClient: PublicClient;
  readonly walletClient: WalletClient | undefined;
  readonly deployment: Deployment;
  /** How often receipts and events are polled. */
  readonly pollIntervalMs: number;
}

/** A viem chain for a deployment reached at `rpcUrl` (local chains, tests, the dApp). */
export function pxChain(deployment: Deployment, rpcUrl: string, name = `PX chain ${deployment.chainId}`): Chain {
  return defineChain({
    id: deployment.chainId,
    name,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
}

type Writable = 'nonpayable' | 'payable';

/** A state-changing call. */
export interface Write<A extends Abi, N extends ContractFunctionName<A, Writable>> {
  readonly address: Address;
  readonly abi: A;
  readonly functionName: N;
  readonly args: ContractFunctionArgs<A, Writable, N>;
  readonly value?: bigint;
}

/** The account that sends, or a {@link PxError} saying one is needed. */
export function sender(ctx: ChainContext): { wallet: WalletClient; account: NonNullable<WalletClient['account']> } {
  const wallet = ctx.walletClient;
  if (!wallet?.account) throw new PxError('sending a transaction needs a wallet client with an account');
  return { wallet, account: wallet.account };
}

/**
 * Simulates the call (so a revert is decoded before anything is signed), sends it from the
 * wallet, waits for the receipt. Reverts become {@link ContractError}s naming the program's
 * custom error.
 */
export async function send<const A extends Abi, N extends ContractFunctionName<A, Writable>>(
  ctx: ChainContext,
  call: Write<A, N>,
): Promise<TransactionReceipt> {
  const { wallet, account } = sender(ctx);
  try {
    const params = { ...call, account, chain: wallet.chain } as unknown as SimulateContractParameters;
    const { request } = await ctx.publicClient.simulateContract(params);
    const hash = await wallet.writeContract(request as unknown as Parameters<WalletClient['writeContract']>[0]);
    const receipt = await ctx.publicClient.waitForTransactionReceipt({ hash, pollingInterval: ctx.pollIntervalMs });
    if (receipt.status !== 'success') {
      throw new ContractError(call.functionName, undefined, [], undefined, `${call.functionName} reverted in transaction ${hash}`);
    }
    return receipt;
  } catch (e) {
    throw contractError(call.functionName, e);
  }
}

/** A read, with reverts decoded. */
export async function read<T>(call: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    throw contractError(call, e);
  }
}

/** The chain's time now (the latest block's timestamp: local chains move their clock). */
export async function chainNow(ctx: ChainContext): Promise<bigint> {
  return (await ctx.publicClient.getBlock({ blockTag: 'latest' })).timestamp;
}
