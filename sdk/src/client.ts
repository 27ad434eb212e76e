/**
 * {@link PxClient}: one object for a dApp or a script, over one deployment and one PX node.
 *
 * ```ts
 * const px = new PxClient({ deployment, nodeUrl, publicClient, walletClient });
 * await px.signIn();
 * const { tokenId } = await px.mint({ planId: 1n });
 * await px.upload(tokenId, file, { encrypt: true, onProgress });
 * await px.sync(tokenId, { route: 'sponsored', onStatus });
 * ```
 */
import type { Address, PublicClient, WalletClient } from 'viem';

import { read, type ChainContext } from './chain.js';
import { contractFor, type Deployment } from './deployment.js';
import { NodeError, PxError } from './errors.js';
import { deriveMasterKey, keyMessage, type MasterKey } from './encryption/key.js';
import { download, files, isEncrypted, upload, type Download, type DownloadOptions, type UploadOptions, type UploadSource, type Uploaded } from './files.js';
import { pxStorageNftAbi } from './generated/abi.js';
import type * as api from './generated/node-api.js';
import { NodeClient } from './node/client.js';
import { walletSigner, type PxSigner } from './signer.js';
import { syncState, syncToken, type SyncOptions, type SyncResult, type SyncState } from './sync.js';
import { btnsKeyOf, mintKeyless, mintWithKey, plans, tokensOf, type Minted, type Plan } from './tokens.js';
import { gateReasons, verifyHead, type Usage, type UsageDocument } from './usage.js';

/** What a {@link PxClient} works with. */
export interface PxClientOptions {
  /** The deployment descriptor (`deployments/<chainId>.json`). */
  readonly deployment: Deployment;
  /** The PX node's URL. */
  readonly nodeUrl: string;
  /** Reads the chain. */
  readonly publicClient: PublicClient;
  /** Sends transactions (mint, sync) and, unless `signer` is given, signs. */
  readonly walletClient?: WalletClient;
  /** Signs in and derives the encryption key (default: the wallet client's account). */
  readonly signer?: PxSigner;
  /** How often receipts, events and registrations are polled (default 1 s). */
  readonly pollIntervalMs?: number;
  /** `fetch` for the node (default: the platform's). */
  readonly fetch?: typeof fetch;
}

/** How to mint. */
export interface MintOptions {
  readonly planId: bigint;
  /**
   * `node` (default): the node allocates a BTNS key and the registrar's authorization
   * (`mintWithKey`), then serves the token at once. `keyless`: `mint` as an explorer would;
   * the node registers a key when it sees the mint ({@link PxClient.waitForRegistration}).
   */
  readonly key?: 'node' | 'keyless';
}

/** The PX SDK's client. */
export class PxClient {
  /** The node's API. */
  readonly node: NodeClient;
  private readonly ctx: ChainContext;
  private readonly signer: PxSigner | undefined;
  private key: Promise<MasterKey> | undefined;

  constructor(options: PxClientOptions) {
    this.node = new NodeClient(options.nodeUrl, options.fetch);
    this.ctx = {
      publicClient: options.publicClient,
      walletClient: options.walletClient,
      deployment: options.deployment,
      pollIntervalMs: options.pollIntervalMs ?? 1000,
    };
    this.signer = options.signer ?? (options.walletClient?.account ? walletSigner(options.walletClient) : undefined);
  }

  /** The deployment. */
  get deployment(): Deployment {
    return this.ctx.deployment;
  }

  /** The account that signs, or a {@link PxError}. */
  get account(): Address {
    return this.requireSigner().address;
  }

  private requireSigner(): PxSigner {
    if (!this.signer) throw new PxError('this needs a signer: pass walletClient or signer');
    return this.signer;
  }

  /** Signs in to the node (EIP-4361; ERC-1271 for contract wallets). */
  signIn(): Promise<api.Session> {
    return this.node.signIn(this.requireSigner());
  }

  private async session(): Promise<void> {
    const s = this.node.session;
    if (!s || Date.parse(s.expiresAt) - Date.now() < 30_000) await this.signIn();
  }

  /** The storefront's plans. */
  plans(): Promise<Plan[]> {
    return plans(this.ctx);
  }

  /** Mints a token (with a key from the node, or keyless); resolves when the node serves it (with a key). */
  async mint(options: MintOptions): Promise<Minted> {
    if (options.key === 'keyless') return mintKeyless(this.ctx, options.planId);
    await this.session();
    const allocation = await this.node.allocateKey(options.planId);
    const minted = await mintWithKey(this.ctx, allocation);
    await this.node.register(minted.tokenId);
    return minted;
  }

  /**
   * Waits until a keyless token has its key on-chain and the node serves it (its first head);
   * asks the node to register it (`POST /v1/registrations/{id}`) if its watcher is slow.
   */
  async waitForRegistration(tokenId: bigint, timeoutMs = 60_000): Promise<api.Registered> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        return await this.node.register(tokenId);
      } catch (e) {
        const retry = e instanceof NodeError && (e.status === 409 || e.status >= 500);
        if (!retry || Date.now() > deadline) throw e;
      }
      await new Promise((ok) => setTimeout(ok, this.ctx.pollIntervalMs));
    }
  }

  /** The tokens `owner` (default: the signer) holds. */
  tokens(owner?: Address): Promise<bigint[]> {
    return tokensOf(this.ctx, owner ?? this.account);
  }

  /** The token's BTNS key bytes (`0x` while it has none). */
  btnsKey(tokenId: bigint): Promise<`0x${string}`> {
    return btnsKeyOf(this.ctx, tokenId);
  }

  /** The node's latest head of the token, verified, or `undefined` if the node has none. */
  async head(tokenId: bigint): Promise<{ cid: string; document: UsageDocument } | undefined> {
    try {
      const { cid, bytes } = await this.node.head(tokenId);
      const document = await verifyHead(cid, bytes, { chainId: this.ctx.deployment.chainId, core: contractFor(this.ctx.deployment, 'usage') });
      return { cid, document };
    } catch (e) {
      if (e instanceof NodeError && e.status === 404) return undefined;
      throw e;
    }
  }

  /** Usage on-chain beside the node's latest head, and whether (and why) uploads are blocked. */
  async usage(tokenId: bigint): Promise<Usage> {
    const core = contractFor(this.ctx.deployment, 'usage');
    const c = this.ctx.publicClient;
    const [u, gate, window, head] = await Promise.all([
      read('usageOf', () => c.readContract({ address: core, abi: pxStorageNftAbi, functionName: 'usageOf', args: [tokenId] })),
      read('canUpload', () => c.readContract({ address: core, abi: pxStorageNftAbi, functionName: 'canUpload', args: [tokenId, 0n] })),
      read('syncWindow', () => c.readContract({ address: core, abi: pxStorageNftAbi, functionName: 'syncWindow' })),
      this.head(tokenId),
    ]);
    const [quotaBytes, uploadLimit, usedBytes, uploadCount, lastSyncedAt, syncSequence, metadataDigest] = u;
    const [allowed, quotaExceeded, uploadsExceeded, syncOverdue, noBtnsKey, paused] = gate;
    const chainReasons = gateReasons({ quotaExceeded, uploadsExceeded, syncOverdue, noBtnsKey, paused });
    const blockedBy = new Set(chainReasons);
    const doc = head?.document;
    if (doc && doc.usedBytes >= doc.quotaBytes) blockedBy.add('quotaExceeded');
    if (doc && doc.uploadCount >= doc.uploadLimit) blockedBy.add('uploadsExceeded');
    return {
      tokenId,
      chain: {
        quotaBytes,
        uploadLimit: BigInt(uploadLimit),
        usedBytes,
        uploadCount: BigInt(uploadCount),
        syncSequence,
        lastSyncedAt,
        metadataDigest,
        uploadAllowed: allowed,
        blockedBy: chainReasons,
      },
      node: doc,
      headCid: head?.cid,
      inSync: doc !== undefined && doc.sequence === syncSequence,
      syncDueAt: lastSyncedAt + window,
      blockedBy: [...blockedBy],
    };
  }

  /** What the sync paths allow the token now. */
  syncState(tokenId: bigint): Promise<SyncState> {
    return syncState(this.ctx, tokenId);
  }

  /** Requests a sync (sponsored or paid with LINK) and waits for its fulfilment. */
  sync(tokenId: bigint, options?: SyncOptions): Promise<SyncResult> {
    return syncToken(this.ctx, tokenId, options);
  }

  /**
   * The wallet's encryption key for this collection and chain: one signature of the fixed
   * key message (docs/wire-formats.md), asked once per client.
   */
  encryptionKey(): Promise<MasterKey> {
    if (!this.key) {
      const signer = this.requireSigner();
      const message = keyMessage(this.ctx.deployment.chainId, contractFor(this.ctx.deployment, 'encryptionCollection'));
      this.key = signer.signMessage(message).then(deriveMasterKey);
      this.key.catch(() => {
        this.key = undefined;
      });
    }
    return this.key;
  }

  /** Uploads a file (streamed, with progress; encrypted first with `encrypt: true`). */
  async upload(tokenId: bigint, source: UploadSource, options: UploadOptions = {}): Promise<Uploaded> {
    await this.session();
    return upload(this.node, tokenId, source, { ...options, key: () => this.encryptionKey() });
  }

  /** Downloads a file, decrypting PX ciphertext as it streams. */
  download(tokenId: bigint, cid: string, options: DownloadOptions = {}): Promise<Download> {
    return download(this.node, tokenId, cid, { ...options, key: () => this.encryptionKey() });
  }

  /** Whether a file is PX ciphertext (its first bytes). */
  isEncrypted(tokenId: bigint, cid: string): Promise<boolean> {
    return isEncrypted(this.node, tokenId, cid);
  }

  /** Every file of the token, newest first, through the head and its `filesIndex` pages. */
  files(tokenId: bigint): AsyncGenerator<api.ListedFile> {
    return files(this.node, tokenId);
  }

  /** Deletes the newest entry of a file (lowers usedBytes, not uploadCount). */
  async deleteFile(tokenId: bigint, cid: string): Promise<api.UsageChange> {
    await this.session();
    return this.node.deleteFile(tokenId, cid);
  }
}
