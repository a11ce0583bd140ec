/** The response wrapper of the request path: one place that knows whether the response was started or ended. */
import { errorBody, type GatewayError } from '../shared/errors';
import type { ResponseWriter } from './gateway-http';

/** Tracks whether the response was started/ended, so that failures never write twice. */
export class TrackedResponse {
  started = false;
  ended = false;
  constructor(
    readonly inner: ResponseWriter,
    readonly requestId: string,
  ) {}
  start(status: number, headers: Record<string, string>): void {
    if (this.started) return;
    this.started = true;
    this.inner.start(status, { ...headers, 'request-id': this.requestId });
  }
  write(chunk: string): void {
    if (!this.ended && !this.inner.closed) this.inner.write(chunk);
  }
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.inner.end();
  }
  json(status: number, body: unknown): void {
    const text = JSON.stringify(body);
    // A known length lets the host send headers and body together, without chunked framing.
    this.start(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
    this.write(text);
    this.end();
  }
  error(error: GatewayError): void {
    this.json(error.status, errorBody(error, this.requestId));
  }
  /** An error with an arbitrary Anthropic type and status (upstream errors passed through). */
  rawError(status: number, type: string, message: string): void {
    this.json(status, { type: 'error', error: { type, message }, request_id: this.requestId });
  }
}
