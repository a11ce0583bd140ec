/**
 * The transport-neutral request and response the proxy handler works with. Two hosts adapt to it: the Lambda
 * composition root (API Gateway event + `awslambda.HttpResponseStream`) and the local dev server (node:http).
 * Keeping the handler unaware of either is what lets `npm run dev` run the exact production code path.
 */

import type { CallerIdentity } from '../shared/auth/caller-identity';

export type { CallerIdentity } from '../shared/auth/caller-identity';

export interface GatewayRequest {
  readonly method: string;
  /** Path without the stage prefix or query string, e.g. `/v1/messages`. */
  readonly path: string;
  /**
   * The query string as the client sent it, without `?` (Claude Code sends `beta=true`); forwarded upstream as is.
   * @default '' (none)
   */
  readonly query?: string;
  /** Header names lower-cased. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** Raw body as received (UTF-8). */
  readonly body: string;
  /** Established identity, or null when the request is unauthenticated (never taken from a client header). */
  readonly identity: CallerIdentity | null;
}

/**
 * Where the handler writes its response. `start` must be called exactly once before any `write`.
 * `closed` turns true when the client went away, so the handler can stop and record a disconnect.
 */
export interface ResponseWriter {
  start(status: number, headers: Readonly<Record<string, string>>): void;
  write(chunk: string): void;
  end(): void;
  readonly closed: boolean;
  /** Resolves when the client disconnects; never rejects. */
  readonly disconnected: Promise<void>;
}

/** A handler entry point shared by both hosts. */
export type GatewayHandler = (request: GatewayRequest, response: ResponseWriter) => Promise<void>;
