/** What an upload transport does: stream a body of known length, report progress. */

/** Progress of a transfer: bytes moved so far and the total (when known). */
export interface Progress {
  readonly loaded: number;
  readonly total: number | undefined;
}

/** What an upload sends: a Blob or File, bytes, or a stream of `length` bytes. */
export type UploadBody = Blob | Uint8Array | ReadableStream<Uint8Array>;

/** One upload. */
export interface UploadRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: UploadBody;
  /** The body's exact length (sent as `Content-Length`: the node checks the quota first). */
  readonly length: number;
  readonly onProgress?: ((progress: Progress) => void) | undefined;
  readonly signal?: AbortSignal | undefined;
}

/** The answer to an upload. */
export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}
