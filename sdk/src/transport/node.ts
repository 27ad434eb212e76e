/**
 * Uploads in Node: `node:http(s)` with `Content-Length` and the body streamed with
 * backpressure (fetch would send a stream chunked, which the node refuses). Browsers get
 * `./browser.js` instead (package.json `browser` field).
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

import type { HttpAnswer, UploadRequest } from './types.js';

function chunks(body: UploadRequest['body']): ReadableStream<Uint8Array> {
  if (body instanceof Uint8Array) {
    return new ReadableStream({
      start(controller) {
        for (let at = 0; at < body.length; at += 256 * 1024) controller.enqueue(body.subarray(at, at + 256 * 1024));
        controller.close();
      },
    });
  }
  if (body instanceof ReadableStream) return body;
  return body.stream();
}

/** Sends one upload. */
export function sendUpload(req: UploadRequest): Promise<HttpAnswer> {
  const url = new URL(req.url);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const outgoing = send(url, {
      method: 'POST',
      headers: { ...req.headers, 'content-length': String(req.length) },
      signal: req.signal,
    });
    outgoing.on('error', reject);
    outgoing.on('response', (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8') }));
      res.on('error', reject);
    });
    void (async () => {
      const reader = chunks(req.body).getReader();
      let loaded = 0;
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          loaded += value.length;
          if (!outgoing.write(value)) {
            await new Promise<void>((ok) => outgoing.once('drain', () => ok()));
          }
          req.onProgress?.({ loaded, total: req.length });
        }
        outgoing.end();
      } catch (e) {
        // The node may answer (a refusal) before the body is sent; the answer wins.
        outgoing.destroy(e instanceof Error ? e : new Error(String(e)));
      }
    })();
  });
}
