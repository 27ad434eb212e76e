/**
 * Sign-In with Ethereum (EIP-4361) to a PX node: the message exactly as the node and `px`
 * build it (node/src/auth: domain, the account, a fixed statement, URI, version 1, chain id,
 * the node's nonce, issued-at and expiration time).
 */
import { getAddress, type Address } from 'viem';

/** The statement the PX node's sign-in message carries. */
export const SIGN_IN_STATEMENT = 'Sign in to the PX node.';

/** RFC 3339 in whole seconds, as the node prints times. */
export function rfc3339(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The fields of a sign-in message. */
export interface SignInFields {
  readonly domain: string;
  readonly address: Address;
  readonly chainId: number;
  readonly nonce: string;
  readonly issuedAt: number;
  readonly expiresAt: number;
}

/** The EIP-4361 message for a node at `domain` (`http://` for localhost and loopback). */
export function signInMessage(f: SignInFields): string {
  const local = f.domain.startsWith('localhost') || f.domain.startsWith('127.0.0.1');
  const scheme = local ? 'http' : 'https';
  return [
    `${f.domain} wants you to sign in with your Ethereum account:`,
    getAddress(f.address),
    '',
    SIGN_IN_STATEMENT,
    '',
    `URI: ${scheme}://${f.domain}`,
    'Version: 1',
    `Chain ID: ${f.chainId}`,
    `Nonce: ${f.nonce}`,
    `Issued At: ${rfc3339(f.issuedAt)}`,
    `Expiration Time: ${rfc3339(f.expiresAt)}`,
  ].join('\n');
}
