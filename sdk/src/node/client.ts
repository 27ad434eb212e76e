/**
 * The PX node's HTTP API, typed from `node/openapi.json` (src/generated/node-api.ts): every
 * call names its route as the spec does ("POST /v1/keys"), so a route the node does not have
 * does not compile, and every answer is checked against the spec's schema at run time.
 */
import { sha256 } from 'viem';

import { cidOfDigest } from '../cid.js';
import { errorCodes, routes, type ErrorCode, type RefusalReason, type Route, type Schemas } from '../generated/node-api.js';
import type * as api from '../generated/node-api.js';
import { NodeError, ProtocolError } from '../errors.js';
import type { PxSigner } from '../signer.js';
import { signInMessage } from '../siwe.js';
import { sendUpload } from '../transport/node.js';
import type { Progress, UploadBody } from '../transport/types.js';
import { decode } from './validate.js';

type Spec = typeof routes;
/** The success body of a route, as its schema types it. */
export type ResponseOf<R extends Route> = Spec[R]['response'] extends keyof Schemas ? Schemas[Spec[R]['response']] : unknown;

/** Options of a call. */
interface CallOptions {
  readonly path?: Readonly<Record<string, string>>;
  readonly query?: Readonly<Record<string, string | undefined>>;
  readonly body?: unknown;
  readonly signal?: AbortSignal | undefined;
}

/** How long a sign-in message is valid (the node caps the session at its own limit). */
const SIGN_IN_TTL_SECONDS = 10 * 60;

/** A client of one PX node. */
export class NodeClient {
  /** The session after {@link NodeClient.signIn}. */
  session: api.Session | undefined;

  /**
   * @param baseUrl The node's URL (`http://127.0.0.1:8090`).
   * @param fetchImpl `fetch` (the platform's by default).
   */
  constructor(
    readonly baseUrl: string,
    private readonly fetchImpl: typeof fetch = globalThis.fetch.bind(globalThis),
  ) {}

  private url(route: Route, options: CallOptions): string {
    let path = route.slice(route.indexOf(' ') + 1);
    for (const [name, value] of Object.entries(options.path ?? {})) path = path.replace(`{${name}}`, encodeURIComponent(value));
    const url = new URL(path, this.baseUrl.endsWith('/') ? this.baseUrl : `${this.baseUrl}/`);
    for (const [name, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.set(name, value);
    return url.toString();
  }

  private headers(route: Route): Record<string, string> {
    if (!routes[route].session) return {};
    if (!this.session) throw new NodeError(401, 'unauthorized', `${route} needs a session: sign in first`);
    return { authorization: `Bearer ${this.session.token}` };
  }

  /** Calls `route`; returns its checked body, or throws the node's {@link NodeError}. */
  async call<R extends Route>(route: R, options: CallOptions = {}): Promise<ResponseOf<R>> {
    const res = await this.raw(route, options);
    const spec = routes[route];
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ProtocolError(`${route} answered ${res.status} with no JSON body`);
    }
    if (spec.response === null) return json as ResponseOf<R>;
    return decode(spec.response, json, route) as ResponseOf<R>;
  }

  /** Calls `route` and returns the raw response when it succeeded (downloads, the head's bytes). */
  async raw(route: Route, options: CallOptions = {}): Promise<Response> {
    const method = route.slice(0, route.indexOf(' '));
    const headers = this.headers(route);
    const init: RequestInit = { method, headers, signal: options.signal ?? null };
    if (options.body !== undefined) {
      init.body = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    const res = await this.fetchImpl(this.url(route, options), init);
    if (!res.ok) throw await errorOf(res.status, await res.text(), route);
    return res;
  }

  /** `GET /v1/info`: chain, contracts, signer and registrar of this node. */
  info(): Promise<api.Info> {
    return this.call('GET /v1/info');
  }

  /** `GET /openapi.json`: the API description the node serves. */
  openapi(): Promise<unknown> {
    return this.call('GET /openapi.json');
  }

  /**
   * Signs in (EIP-4361): a nonce, the message signed by `signer` (an EOA's `personal_sign`, or
   * what a contract wallet's ERC-1271 `isValidSignature` accepts), a session.
   */
  async signIn(signer: PxSigner): Promise<api.Session> {
    const nonce = await this.call('GET /v1/auth/nonce');
    const now = Math.floor(Date.now() / 1000);
    const message = signInMessage({
      domain: nonce.domain,
      address: signer.address,
      chainId: nonce.chainId,
      nonce: nonce.nonce,
      issuedAt: now,
      expiresAt: now + SIGN_IN_TTL_SECONDS,
    });
    const signature = await signer.signMessage(message);
    const body: api.SignIn = { message, signature };
    this.session = await this.call('POST /v1/auth/sign-in', { body });
    return this.session;
  }

  /** `POST /v1/keys`: a BTNS key and the registrar's mint authorization for `planId`. */
  allocateKey(planId: bigint): Promise<api.KeyAllocation> {
    const body: api.AllocateKey = { planId: planId.toString() };
    return this.call('POST /v1/keys', { body });
  }

  /** `POST /v1/registrations/{tokenId}`: the node serves the token (idempotent). */
  register(tokenId: bigint): Promise<api.Registered> {
    return this.call('POST /v1/registrations/{tokenId}', { path: { tokenId: tokenId.toString() } });
  }

  /**
   * `GET /v1/tokens/{tokenId}/usage`: the head's bytes exactly as published, and its CID:
   * `X-Px-Head-Cid`, or, where a browser hides that header from a cross-origin page (the node
   * does not list it in `Access-Control-Expose-Headers`), the single-raw-block CID of the bytes.
   */
  async head(tokenId: bigint): Promise<{ cid: string; bytes: Uint8Array }> {
    const res = await this.raw('GET /v1/tokens/{tokenId}/usage', { path: { tokenId: tokenId.toString() } });
    const bytes = new Uint8Array(await res.arrayBuffer());
    return { cid: res.headers.get('x-px-head-cid') ?? cidOfDigest(sha256(bytes)), bytes };
  }

  /** `GET /v1/tokens/{tokenId}/files`: one page of the file list. */
  listFiles(tokenId: bigint, page?: string): Promise<api.Listing> {
    return this.call('GET /v1/tokens/{tokenId}/files', { path: { tokenId: tokenId.toString() }, query: { page } });
  }

  /** `GET /v1/tokens/{tokenId}/files/{cid}`: the file's bytes as a response. */
  download(tokenId: bigint, cid: string, signal?: AbortSignal): Promise<Response> {
    return this.raw('GET /v1/tokens/{tokenId}/files/{cid}', { path: { tokenId: tokenId.toString(), cid }, signal });
  }

  /** `DELETE /v1/tokens/{tokenId}/files/{cid}`: deletes the newest entry of the file. */
  deleteFile(tokenId: bigint, cid: string): Promise<api.UsageChange> {
    return this.call('DELETE /v1/tokens/{tokenId}/files/{cid}', { path: { tokenId: tokenId.toString(), cid } });
  }

  /**
   * `POST /v1/tokens/{tokenId}/files`: streams `body` (`length` bytes, sent as
   * `Content-Length`; the node checks the quota before it reads the body).
   */
  async upload(
    tokenId: bigint,
    body: UploadBody,
    length: number,
    options: { onProgress?: (p: Progress) => void; signal?: AbortSignal } = {},
  ): Promise<api.UsageChange> {
    const route = 'POST /v1/tokens/{tokenId}/files' as const;
    const answer = await sendUpload({
      url: this.url(route, { path: { tokenId: tokenId.toString() } }),
      headers: { ...this.headers(route), 'content-type': 'application/octet-stream' },
      body,
      length,
      onProgress: options.onProgress,
      signal: options.signal,
    });
    if (answer.status < 200 || answer.status >= 300) throw await errorOf(answer.status, answer.body, route);
    let json: unknown;
    try {
      json = JSON.parse(answer.body);
    } catch {
      throw new ProtocolError(`${route} answered ${answer.status} with no JSON body`);
    }
    return decode('UsageChange', json, route);
  }
}

/** The node's error body as a {@link NodeError}. */
async function errorOf(status: number, text: string, route: Route): Promise<NodeError | ProtocolError> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return new ProtocolError(`${route} failed with ${status} and no JSON error body: ${text.slice(0, 200)}`);
  }
  try {
    const body = decode('Error', json, `${route} error`);
    const code: ErrorCode = body.error;
    const reasons: readonly RefusalReason[] = body.reasons ?? [];
    return new NodeError(status, code, body.message, reasons);
  } catch (e) {
    return e instanceof ProtocolError ? e : new ProtocolError(String(e));
  }
}

/** Whether `code` is one the API names. */
export function isErrorCode(code: string): code is ErrorCode {
  return (errorCodes as readonly string[]).includes(code);
}
