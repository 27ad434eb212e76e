/**
 * The page's state and its sections: wallet, plans and mint, token picker, usage bar, sync,
 * uploads (drag and drop, progress, encryption toggle) and the file list with downloads.
 */
import { NodeError, PxClient, pxChain, readAll, walletSigner, type Plan, type SyncStatus, type Usage, type api } from '@px/sdk';
import { createPublicClient, createWalletClient, custom, http, type Address } from 'viem';

import type { Config } from './config.js';
import { byId, fill, h } from './dom.js';
import { bytes, describe, eth, reasonText, when } from './format.js';
import { connect, discoverWallets, type WalletChoice } from './wallet.js';

interface Upload {
  readonly name: string;
  loaded: number;
  readonly total: number;
  state: 'sending' | 'done' | 'failed';
  note: string;
}

/** The page. */
export class App {
  private px: PxClient | undefined;
  private account: Address | undefined;
  private plans: Plan[] = [];
  private tokens: bigint[] = [];
  private token: bigint | undefined;
  private usage: Usage | undefined;
  private files: api.ListedFile[] = [];
  private encrypted = new Map<string, boolean>();
  private uploads: Upload[] = [];
  private encrypt = false;
  private syncText = '';
  private names: Record<string, string> = JSON.parse(localStorage.getItem('px-names') ?? '{}');

  constructor(private readonly config: Config) {}

  /** Draws the skeleton and starts wallet discovery. */
  start(): void {
    fill(
      byId('app'),
      h('p', { id: 'message', 'data-testid': 'message', role: 'status' }),
      h('section', { id: 'plans' }),
      h('section', { id: 'tokens' }),
      h('section', { id: 'usage' }),
      h('section', { id: 'sync' }),
      h('section', { id: 'upload' }),
      h('section', { id: 'files' }),
    );
    this.renderWallets([]);
    discoverWallets((wallets) => this.renderWallets(wallets));
  }

  private say(text: string, kind: 'info' | 'error' = 'info'): void {
    const el = byId('message');
    el.textContent = text;
    el.className = kind;
  }

  private async run(what: string, task: () => Promise<void>): Promise<void> {
    try {
      await task();
    } catch (e) {
      console.error(what, e);
      this.say(describe(e), 'error');
    }
  }

  // ---- wallet ---------------------------------------------------------------------------

  private renderWallets(wallets: WalletChoice[]): void {
    const el = byId('wallet');
    if (this.account) {
      fill(el, h('span', { 'data-testid': 'account' }, this.account));
      return;
    }
    if (wallets.length === 0) {
      fill(el, h('span', {}, 'No wallet found: install one (EIP-6963), or open the demo page, which brings a development wallet.'));
      return;
    }
    fill(
      el,
      ...wallets.map((w) =>
        h('button', { 'data-testid': `connect-${w.rdns}`, onclick: () => void this.run('connect', () => this.connect(w)) }, w.icon ? h('img', { src: w.icon, alt: '', width: 16, height: 16 }) : null, ` Connect ${w.name}`),
      ),
    );
  }

  private async connect(wallet: WalletChoice): Promise<void> {
    const d = this.config.deployment;
    const account = await connect(wallet, d.chainId);
    const chain = pxChain(d, this.config.rpcUrl);
    const publicClient = createPublicClient({ chain, transport: http(this.config.rpcUrl), pollingInterval: 500 });
    const walletClient = createWalletClient({ account, chain, transport: custom(wallet.provider) });
    this.px = new PxClient({ deployment: d, nodeUrl: this.config.nodeUrl, publicClient, walletClient, signer: walletSigner(walletClient), pollIntervalMs: 500 });
    this.account = account;
    this.renderWallets([]);
    this.say(`Connected ${account} on chain ${d.chainId}.`);
    this.plans = await this.px.plans();
    this.renderPlans();
    await this.refreshTokens();
  }

  private client(): PxClient {
    if (!this.px) throw new Error('connect a wallet first');
    return this.px;
  }

  // ---- plans and mint -------------------------------------------------------------------

  private renderPlans(): void {
    const rows = this.plans.map((p) =>
      h(
        'tr',
        { 'data-testid': `plan-${p.id}` },
        h('td', {}, `#${p.id}`),
        h('td', {}, bytes(p.quotaBytes)),
        h('td', {}, `${p.uploadLimit} uploads`),
        h('td', {}, eth(p.priceWei)),
        h(
          'td',
          {},
          h('button', { disabled: !p.active, 'data-testid': `mint-${p.id}`, onclick: () => void this.run('mint', () => this.mint(p, 'node')) }, 'Mint'),
          ' ',
          h('button', { disabled: !p.active, 'data-testid': `mint-keyless-${p.id}`, onclick: () => void this.run('mint', () => this.mint(p, 'keyless')) }, 'Mint keyless'),
        ),
      ),
    );
    fill(byId('plans'), h('h2', {}, 'Plans'), h('table', {}, h('tbody', {}, ...rows)));
  }

  private async mint(plan: Plan, key: 'node' | 'keyless'): Promise<void> {
    const px = this.client();
    this.say(key === 'node' ? `Minting on plan #${plan.id}: sign in to the node, then confirm the transaction…` : `Minting on plan #${plan.id} without a key…`);
    const minted = await px.mint({ planId: plan.id, key });
    await this.refreshTokens(minted.tokenId);
    if (key === 'keyless') {
      this.say(`Minted token ${minted.tokenId} without a key; waiting for the node to register one…`);
      await px.waitForRegistration(minted.tokenId);
      this.say(`Token ${minted.tokenId} has its storage key: the node registered it.`);
      await this.refreshUsage();
    } else {
      this.say(`Minted token ${minted.tokenId} with storage key ${minted.btnsKey}.`);
    }
  }

  // ---- tokens ---------------------------------------------------------------------------

  private async refreshTokens(select?: bigint): Promise<void> {
    this.tokens = await this.client().tokens();
    const chosen = select ?? this.token ?? this.tokens[0];
    const options = this.tokens.map((id) => h('option', { value: id.toString(), selected: id === chosen }, `Token ${id}`));
    const picker = h('select', { 'data-testid': 'token-picker', onchange: (e: Event) => void this.run('token', () => this.select(BigInt((e.target as HTMLSelectElement).value))) }, ...options);
    fill(byId('tokens'), h('h2', {}, 'Your tokens'), this.tokens.length ? picker : h('p', {}, 'No tokens yet: mint one above.'));
    if (chosen !== undefined) await this.select(chosen);
  }

  private async select(token: bigint): Promise<void> {
    this.token = token;
    await Promise.all([this.refreshUsage(), this.refreshFiles()]);
  }

  // ---- usage ----------------------------------------------------------------------------

  private async refreshUsage(): Promise<void> {
    if (this.token === undefined) return;
    this.usage = await this.client().usage(this.token);
    this.renderUsage();
    this.renderSync();
    this.renderUpload();
  }

  private renderUsage(): void {
    const u = this.usage;
    if (!u) return;
    const quota = Number(u.chain.quotaBytes) || 1;
    const chainPct = Math.min(100, (Number(u.chain.usedBytes) / quota) * 100);
    const nodeUsed = u.node?.usedBytes ?? u.chain.usedBytes;
    const nodePct = Math.min(100, (Number(nodeUsed) / quota) * 100);
    const blocked = u.blockedBy.length > 0;
    fill(
      byId('usage'),
      h('h2', {}, `Usage of token ${u.tokenId}`),
      h('div', { class: 'bar', title: 'on-chain' }, h('div', { class: 'fill chain', style: `width:${chainPct}%` })),
      h('div', { class: 'bar', title: 'node' }, h('div', { class: 'fill node', style: `width:${nodePct}%` })),
      h(
        'table',
        { class: 'usage' },
        h('tr', {}, h('th', {}, ''), h('th', {}, 'on-chain'), h('th', {}, 'node (latest)')),
        h('tr', {}, h('td', {}, 'used'), h('td', { 'data-testid': 'chain-used' }, bytes(u.chain.usedBytes)), h('td', { 'data-testid': 'node-used' }, bytes(nodeUsed))),
        h('tr', {}, h('td', {}, 'quota'), h('td', {}, bytes(u.chain.quotaBytes)), h('td', {}, u.node ? bytes(u.node.quotaBytes) : '—')),
        h('tr', {}, h('td', {}, 'uploads'), h('td', {}, `${u.chain.uploadCount} of ${u.chain.uploadLimit}`), h('td', {}, u.node ? `${u.node.uploadCount} of ${u.node.uploadLimit}` : '—')),
        h('tr', {}, h('td', {}, 'sequence'), h('td', { 'data-testid': 'chain-sequence' }, String(u.chain.syncSequence)), h('td', { 'data-testid': 'node-sequence' }, u.node ? String(u.node.sequence) : '—')),
      ),
      h('p', {}, u.inSync ? 'The chain has the node’s latest usage.' : 'The node is ahead of the chain: sync to publish the usage on-chain.', ` Next sync due ${when(u.syncDueAt)}.`),
      h(
        'p',
        { 'data-testid': 'gate', class: blocked ? 'blocked' : 'open' },
        blocked ? `Uploads are blocked: ${u.blockedBy.map((r) => reasonText(r, u)).join('; ')}.` : 'Uploads are open.',
      ),
    );
  }

  // ---- sync -----------------------------------------------------------------------------

  private renderSync(): void {
    fill(
      byId('sync'),
      h('h2', {}, 'Sync'),
      h('button', { 'data-testid': 'sync-sponsored', onclick: () => void this.run('sync', () => this.sync('sponsored')) }, 'Sync (sponsored)'),
      ' ',
      h('button', { 'data-testid': 'sync-link', onclick: () => void this.run('sync', () => this.sync('link')) }, 'Sync (pay with LINK)'),
      h('p', { 'data-testid': 'sync-status' }, this.syncText),
    );
  }

  private setSync(text: string): void {
    this.syncText = text;
    const el = document.querySelector('[data-testid="sync-status"]');
    if (el) el.textContent = text;
  }

  private statusText(s: SyncStatus): string {
    switch (s.phase) {
      case 'sending':
        return `Requesting a ${s.route === 'sponsored' ? 'sponsored' : 'LINK-paid'} sync: confirm in your wallet…`;
      case 'requested':
        return `Requested (${s.requestId.slice(0, 10)}…); waiting for the oracle…`;
      case 'waiting':
        return `Waiting for the oracle… ${Math.round(s.elapsedMs / 1000)} s`;
      case 'fulfilled':
        return `Synced: sequence ${s.result.sequence}, ${bytes(s.result.usedBytes)} in ${s.result.uploadCount} uploads on-chain.`;
      case 'rejected':
        return `Rejected by the chain (reason ${s.reasonCode}).`;
    }
  }

  private async sync(route: 'sponsored' | 'link'): Promise<void> {
    if (this.token === undefined) throw new Error('pick a token first');
    try {
      await this.client().sync(this.token, { route, onStatus: (s) => this.setSync(this.statusText(s)) });
    } catch (e) {
      this.setSync(`Sync failed: ${describe(e)}`);
      throw e;
    }
    await this.refreshUsage();
    this.say('Sync fulfilled.');
  }

  // ---- uploads --------------------------------------------------------------------------

  private renderUpload(): void {
    const input = h('input', { type: 'file', multiple: true, 'data-testid': 'file-input', onchange: (e: Event) => void this.uploadFiles([...((e.target as HTMLInputElement).files ?? [])]) });
    const drop = h('div', { class: 'drop', 'data-testid': 'drop-zone' }, 'Drop files here, or ', input);
    drop.addEventListener('dragover', (e) => {
      e.preventDefault();
      drop.classList.add('over');
    });
    drop.addEventListener('dragleave', () => drop.classList.remove('over'));
    drop.addEventListener('drop', (e) => {
      e.preventDefault();
      drop.classList.remove('over');
      void this.uploadFiles([...(e.dataTransfer?.files ?? [])]);
    });
    const toggle = h('input', { type: 'checkbox', 'data-testid': 'encrypt-toggle', checked: this.encrypt, onchange: (e: Event) => (this.encrypt = (e.target as HTMLInputElement).checked) });
    fill(
      byId('upload'),
      h('h2', {}, 'Upload'),
      h('label', {}, toggle, ' Encrypt in the browser before upload (key from your wallet’s signature; the node stores ciphertext)'),
      drop,
      h('ul', { id: 'uploads' }),
    );
    this.renderUploads();
  }

  private renderUploads(): void {
    const list = document.getElementById('uploads');
    if (!list) return;
    fill(
      list,
      ...this.uploads.map((u) =>
        h(
          'li',
          { 'data-testid': 'upload-row', 'data-state': u.state },
          `${u.name} `,
          h('progress', { max: u.total || 1, value: u.loaded }),
          ` ${u.state === 'sending' ? `${bytes(u.loaded)} of ${bytes(u.total)}` : u.note}`,
        ),
      ),
    );
  }

  private async uploadFiles(files: File[]): Promise<void> {
    const token = this.token;
    if (token === undefined) return this.say('Pick a token first.', 'error');
    for (const file of files) {
      const row: Upload = { name: file.name, loaded: 0, total: file.size, state: 'sending', note: '' };
      this.uploads.unshift(row);
      this.renderUploads();
      try {
        const up = await this.client().upload(token, file, {
          encrypt: this.encrypt,
          onProgress: (p) => {
            row.loaded = p.loaded;
            this.renderUploads();
          },
        });
        row.state = 'done';
        row.note = `stored as ${up.cid}${up.encrypted ? ' (encrypted)' : ''}`;
        this.names[up.cid] = file.name;
        this.encrypted.set(up.cid, up.encrypted);
        localStorage.setItem('px-names', JSON.stringify(this.names));
        this.say(`Uploaded ${file.name}${up.encrypted ? ', encrypted' : ''}.`);
      } catch (e) {
        row.state = 'failed';
        row.note = describe(e);
        this.say(describe(e), 'error');
      }
      this.renderUploads();
    }
    await Promise.all([this.refreshUsage(), this.refreshFiles()]);
  }

  // ---- files ----------------------------------------------------------------------------

  private async refreshFiles(): Promise<void> {
    const token = this.token;
    if (token === undefined) return;
    const px = this.client();
    const list: api.ListedFile[] = [];
    try {
      for await (const f of px.files(token)) list.push(f);
    } catch (e) {
      // A keyless token the node does not serve yet has no files.
      if (!(e instanceof NodeError && e.status === 404)) throw e;
    }
    // The node marks px-enc/1 entries in its list: no download is needed to tell.
    for (const f of list) this.encrypted.set(f.cid, f.encrypted);
    this.files = list;
    this.renderFiles();
  }

  private renderFiles(): void {
    const rows = this.files.map((f) =>
      h(
        'tr',
        { 'data-testid': 'file-row', 'data-cid': f.cid },
        h('td', {}, this.names[f.cid] ?? ''),
        h('td', { class: 'cid' }, f.cid),
        h('td', {}, bytes(BigInt(f.size))),
        h('td', {}, this.encrypted.get(f.cid) ? h('span', { class: 'badge', 'data-testid': 'encrypted-badge' }, 'encrypted') : ''),
        h('td', {}, h('button', { 'data-testid': 'download', onclick: () => void this.run('download', () => this.download(f.cid)) }, 'Download')),
      ),
    );
    fill(byId('files'), h('h2', {}, 'Files'), rows.length ? h('table', {}, h('tbody', {}, ...rows)) : h('p', {}, 'No files yet.'));
  }

  private async download(cid: string): Promise<void> {
    const token = this.token;
    if (token === undefined) return;
    const got = await this.client().download(token, cid);
    const blob = new Blob([(await readAll(got.stream)) as Uint8Array<ArrayBuffer>]);
    const a = h('a', { href: URL.createObjectURL(blob), download: this.names[cid] ?? cid });
    document.body.append(a);
    a.click();
    a.remove();
    this.say(`Downloaded ${this.names[cid] ?? cid}${got.encrypted ? ', decrypted in the browser' : ''}.`);
  }
}
