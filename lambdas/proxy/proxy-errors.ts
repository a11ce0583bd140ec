/**
 * How upstream and unexpected failures are described: the Anthropic type and status a client sees, and the short
 * text a log line carries (never a body or PII). The named error classes live in `shared/errors.ts`.
 */
import type { UpstreamError } from '../shared/ports';

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
