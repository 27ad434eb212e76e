/**
 * `@px/sdk`: PX storage NFTs for dApps and scripts, in browsers and Node 20.
 *
 * - {@link PxClient}: sign-in, plans and mint, usage, uploads and downloads, sync.
 * - {@link NodeClient}: the PX node's API, typed from `node/openapi.json`.
 * - Contract ABIs (`pxStorageNftAbi`, ...) generated from `abi/`, for viem.
 * - `encryption`: the `px-enc/1` format (keys from a wallet signature, chunked AES-256-GCM).
 * - One error hierarchy: {@link PxError} and its kinds.
 */
export { PxClient, type PxClientOptions, type MintOptions } from './client.js';
export { NodeClient, type ResponseOf } from './node/client.js';
export { pxChain, type ChainContext } from './chain.js';
export { contractFor, parseDeployment, type Deployment, type Role } from './deployment.js';
export {
  PxError,
  NodeError,
  ContractError,
  SyncRejectedError,
  EncryptionError,
  ProtocolError,
  TimeoutError,
  syncRejectionReasons,
  contractError,
  type EncryptionErrorKind,
  type SyncRejectionReason,
} from './errors.js';
export { walletSigner, type PxSigner } from './signer.js';
export { signInMessage, type SignInFields } from './siwe.js';
export { cidOfDigest, digestOfCid } from './cid.js';
export { verifyHead, type Usage, type ChainUsage, type UsageDocument, type FileEntry } from './usage.js';
export type { Plan, Minted } from './tokens.js';
export { relayOf, type SyncRoute, type SyncRelay, type SyncStatus, type SyncResult, type SyncOptions, type SyncState } from './sync.js';
export { readAll, type UploadSource, type UploadOptions, type Uploaded, type Download, type DownloadOptions } from './files.js';
export type { Progress } from './transport/types.js';
export * as encryption from './encryption/index.js';
export * from './generated/abi.js';
export type * as api from './generated/node-api.js';
export { routes, refusalReasons, errorCodes, type Route, type RefusalReason, type ErrorCode } from './generated/node-api.js';
