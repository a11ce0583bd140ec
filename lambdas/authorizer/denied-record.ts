/**
 * The `denied` audit record of a known tenant refused by the authorizer (see handler.ts). Pure, so the composition
 * root only hands it to the S3 sink.
 *
 * The authorizer sees headers only, never the body: every prompt, model and policy field is null, `stream` is
 * false, and `policy_version` is {@link UNKNOWN_POLICY_VERSION} because the tenant policies are compiled into the
 * proxy bundle, not the authorizer's. The record never holds the credential: the principal is the client id.
 */
import { buildDeniedRecord } from '../shared/audit/builder';
import type { AuditRecord } from '../shared/audit/record';
import type { AuthorizerDenial } from './handler';

/** `policy_version` of authorizer denials: the authorizer has no tenant policy to hash. */
export const UNKNOWN_POLICY_VERSION = 'unknown';

/** HTTP status and Anthropic error type of the UNAUTHORIZED gateway response. */
const HTTP_UNAUTHORIZED = 401;
const AUTHENTICATION_ERROR = 'authentication_error';

export function buildAuthorizerDeniedRecord(denial: AuthorizerDenial, now: Date): AuditRecord {
  return buildDeniedRecord(
    {
      requestId: denial.requestId,
      tenantId: denial.tenantId,
      principal: denial.principal,
      operation: denial.operation,
      stream: false,
    },
    {
      reason: denial.reason,
      httpStatus: HTTP_UNAUTHORIZED,
      errorType: AUTHENTICATION_ERROR,
      policyVersion: UNKNOWN_POLICY_VERSION,
      provider: null,
      modelRequested: null,
      residencyPolicy: null,
      dataClassification: null,
      useCase: null,
      endUser: null,
      redactionMode: null,
      promptSha256: null,
      latencyMs: denial.latencyMs,
    },
    now,
  );
}
