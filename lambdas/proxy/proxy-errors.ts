/**
 * Errors specific to the proxy's request path, and how upstream and unexpected failures are described: the
 * Anthropic type and status a client sees, and the short text a log line carries (never a body or PII).
 */
import { GatewayError } from '../shared/errors';
import type { UpstreamError } from '../shared/ports';

/** 405 for a known path with the wrong method (Anthropic-shaped body). */
export class MethodNotAllowedError extends GatewayError {
  readonly type = 'invalid_request_error';
  readonly status = 405;
  override readonly name = 'MethodNotAllowedError';
}

/** The whole upstream call exceeded its time limit before the first byte. */
export class UpstreamTimeoutError extends GatewayError {
  readonly type = 'api_error';
  readonly status = 504;
  override readonly name = 'UpstreamTimeoutError';
}

export function errorTypeForUpstream(error: UpstreamError): { status: number; type: string; message: string } {
  if (error.status === 429) return { status: 429, type: 'rate_limit_error', message: error.message };
  if (error.status === 529) return { status: 529, type: 'overloaded_error', message: error.message };
  if (error.status >= 500) return { status: error.status, type: 'api_error', message: error.message };
  if (error.status >= 400) return { status: error.status, type: error.errorType, message: error.message };
  return { status: 502, type: 'api_error', message: error.message };
}

export function describeFailure(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 500);
  return 'unknown failure';
}
