/** Who signs: an address and `personal_sign`; wallets, local accounts and contract wallets. */
import type { Account, Address, Hex, WalletClient } from 'viem';

import { PxError } from './errors.js';

/**
 * What the SDK needs of an account to sign in and derive an encryption key: its address and
 * EIP-191 `personal_sign`. For a contract wallet (ERC-1271) `address` is the contract and
 * `signMessage` returns whatever its `isValidSignature` accepts (e.g. its owner's signature).
 */
export interface PxSigner {
  readonly address: Address;
  signMessage(message: string): Promise<Hex>;
}

/** The signer of a viem wallet client (its account, or `account`). */
export function walletSigner(wallet: WalletClient, account?: Account | Address): PxSigner {
  const chosen = account ?? wallet.account;
  if (!chosen) throw new PxError('the wallet client has no account');
  const address = typeof chosen === 'string' ? chosen : chosen.address;
  return {
    address,
    signMessage: (message) => wallet.signMessage({ account: chosen, message }),
  };
}
