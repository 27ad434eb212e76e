/**
 * Uploads in browsers: XMLHttpRequest, the one browser API with upload progress (fetch can
 * stream a request body only over HTTP/2). A File or Blob is sent from disk as it is; a
 * stream (an encrypted upload) is gathered into a Blob first, chunk by chunk (browsers keep
 * large Blobs out of the JavaScript heap).
 */
import type { HttpAnswer, UploadRequest } from './types.js';

async function asBlob(body: UploadRequest['body']): Promise<Blob> {
  if (body instanceof Blob) return body;
  if (body instanceof Uint8Array) return new Blob([body as Uint8Array<ArrayBuffer>]);
  const parts: Blob[] = [];
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(new Blob([value as Uint8Array<ArrayBuffer>]));
  }
  return new Blob(parts);
}

/** Sends one upload. */
export async function sendUpload(req: UploadRequest): Promise<HttpAnswer> {
  const blob = await asBlob(req.body);
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', req.url);
    for (const [name, value] of Object.entries(req.headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (e) => req.onProgress?.({ loaded: e.loaded, total: req.length });
    xhr.onload = () => resolve({ status: xhr.status, body: xhr.responseText });
    xhr.onerror = () => reject(new TypeError(`upload to ${req.url} failed (network error)`));
    xhr.onabort = () => reject(new DOMException('upload aborted', 'AbortError'));
    req.signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(blob);
  });
}
