/**
 * The API Gateway REQUEST authorizer: a tenant key (`x-api-key` or `Authorization: Bearer <key>`) or a Cognito
 * client-credentials access token becomes an Allow with `context: { tenantId, principal }` and the tenant's
 * usage identifier as `usageIdentifierKey`, so usage plans enforce the tenant's rate, burst and quota.
 * Anything else is `Unauthorized` (API Gateway answers 401 through the UNAUTHORIZED gateway response).
 *
 * A refused credential that names a known tenant (a correctly signed access token of a tenant's OAuth2 client that
 * is expired, not yet valid, or lacks the scope) is also reported to `recordDenial`, which writes the `denied`
 * audit record. Unknown or garbage credentials are not: scanners would flood the audit trail. A tenant key that
 * does not verify names no tenant (keys are matched by digest; a rotated-out key is just an unknown key), so key
 * refusals are never recorded.
 *
 * Pure: the directory, the token verifier and the recorder are injected; no SDK import.
 */
import type {
  APIGatewayAuthorizerResult,
  APIGatewayRequestAuthorizerEvent,
  APIGatewayRequestAuthorizerEventHeaders,
} from 'aws-lambda';
import type { CallerIdentity } from '../proxy/gateway-http';
import { REQUEST_ID_PATTERN } from '../shared/audit/record';
import {
  AccessTokenRejectedError,
  type AccessTokenRejection,
  type AccessTokenVerifier,
} from '../shared/auth/access-token';
import type { TenantAuthDirectory } from '../shared/auth/auth-directory';
import { extractCredential, looksLikeJwt } from '../shared/auth/credentials';
import { DENY_REASONS } from '../shared/policy/evaluate';

/** The only text API Gateway maps to a 401: any other error becomes a 500 (AUTHORIZER_FAILURE). */
export const UNAUTHORIZED = 'Unauthorized';

/** The structured logger the authorizer needs (Powertools' Logger satisfies it). */
export interface AuthorizerLogger {
  info(message: string, extra: Record<string, string>): void;
  warn(message: string, extra: Record<string, string>): void;
  error(message: string, extra: Record<string, string>): void;
}

export interface AuthorizerDeps {
  /** The current tenant directory (cached and refreshed by the composition root). */
  readonly directory: () => Promise<TenantAuthDirectory>;
  /** Verifies OAuth2 access tokens; null when no tenant uses OAuth2 (then a JWT is just a wrong key). */
  readonly accessTokens: AccessTokenVerifier | null;
  readonly logger: AuthorizerLogger;
  /**
   * Writes the `denied` audit record of a refused known tenant. Awaited, but a failure never changes the 401.
   * @default - denials of known tenants are only logged
   */
  readonly recordDenial?: (denial: AuthorizerDenial) => Promise<void>;
  /** Milliseconds clock for the denial's latency. @default Date.now */
  readonly now?: () => number;
}

/** The authorizer's reason codes (a subset of the policy's DENY_REASONS, so they are valid metric dimensions). */
export type AuthorizerDenyReason =
  | typeof DENY_REASONS.authenticationExpired
  | typeof DENY_REASONS.authenticationScopeMissing
  | typeof DENY_REASONS.authenticationFailed;

/** A known tenant refused by the authorizer: what its `denied` audit record needs. Never holds the credential. */
export interface AuthorizerDenial {
  readonly tenantId: string;
  /** The OAuth2 client id (the token itself is never passed on). */
  readonly principal: string;
  readonly reason: AuthorizerDenyReason;
  /** API Gateway's `$context.requestId`: the id the client sees in the 401's body and `request-id` header. */
  readonly requestId: string;
  /** `count_tokens` for POST /v1/messages/count_tokens, otherwise `messages` (the audit schema's operations). */
  readonly operation: 'messages' | 'count_tokens';
  /** Time the authorizer spent before refusing. */
  readonly latencyMs: number;
}

/** The authorizer context the proxy reads: exactly these keys, both strings. */
export interface AuthorizerContext {
  readonly tenantId: string;
  readonly principal: string;
}

export type AuthorizerResult = APIGatewayAuthorizerResult & {
  readonly context: AuthorizerContext;
  readonly usageIdentifierKey: string;
};

export type Authorizer = (event: APIGatewayRequestAuthorizerEvent) => Promise<AuthorizerResult>;

export function makeAuthorizer(deps: AuthorizerDeps): Authorizer {
  const now = deps.now ?? Date.now;
  return async (event) => {
    const startedAt = now();
    const credential = extractCredential(lowerCaseHeaders(event.headers));
    // Unknown or missing credentials are neither logged per request nor audited: scanners would flood both.
    if (!credential) throw new Error(UNAUTHORIZED);

    const directory = await deps.directory();
    // A JWT is an OAuth2 access token whichever header carries it: Claude Code's apiKeyHelper sends the same token
    // as both `x-api-key` and `Authorization: Bearer`, and `x-api-key` wins the extraction. Tenant keys are never
    // JWT-shaped (no dots), so this cannot send a tenant key down the token path.
    const outcome =
      looksLikeJwt(credential.value) && deps.accessTokens
        ? await identityFromAccessToken(credential.value, deps.accessTokens, directory, deps.logger)
        : { identity: directory.keys.verify(credential.value) };
    if (outcome.denied) await recordDenial(deps, event, outcome.denied, now() - startedAt);
    const identity = outcome.identity;
    if (!identity) throw new Error(UNAUTHORIZED);

    const usageIdentifierKey = directory.usageIdentifierKey(identity.tenantId);
    if (!usageIdentifierKey) {
      // A verified tenant without a usage identifier is a deployment fault, not a client error: fail as a 500.
      deps.logger.error('no usage identifier for tenant', { tenantId: identity.tenantId });
      throw new Error('authorizer configuration error');
    }
    return {
      principalId: identity.principal,
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: stageWideResource(event.methodArn) }],
      },
      context: { tenantId: identity.tenantId, principal: identity.principal },
      usageIdentifierKey,
    };
  };
}

/** A known tenant's refusal, before the request context is added. */
interface KnownTenantRefusal {
  readonly tenantId: string;
  readonly principal: string;
  readonly reason: AuthorizerDenyReason;
}

interface VerificationOutcome {
  readonly identity: CallerIdentity | null;
  /** Set only when a credential naming a known tenant was refused. */
  readonly denied?: KnownTenantRefusal;
}

async function identityFromAccessToken(
  token: string,
  verifier: AccessTokenVerifier,
  directory: TenantAuthDirectory,
  logger: AuthorizerLogger,
): Promise<VerificationOutcome> {
  try {
    const { clientId } = await verifier.verify(token);
    const tenantId = directory.tenantForClient(clientId);
    if (!tenantId) {
      logger.warn('access token of a client that maps to no tenant', { clientId });
      return { identity: null };
    }
    return { identity: { tenantId, principal: clientId } };
  } catch (error) {
    if (!(error instanceof AccessTokenRejectedError)) throw error;
    // `clientId` is set only when the token's signature verified, so a forged token never names a tenant here.
    const clientId = error.clientId;
    const tenantId = clientId ? directory.tenantForClient(clientId) : undefined;
    if (clientId && tenantId) {
      // A known tenant was refused (e.g. an expired token): log and audit who and why, never the token.
      logger.warn('known tenant denied', { tenantId, principal: clientId, reason: error.reason });
      return { identity: null, denied: { tenantId, principal: clientId, reason: denyReasonOf(error.reason) } };
    }
    if (error.reason === 'keys_unavailable') {
      logger.error('Cognito signing keys unavailable', { reason: error.reason });
    }
    return { identity: null };
  }
}

/** The audit reason code of a token rejection. */
export function denyReasonOf(rejection: AccessTokenRejection): AuthorizerDenyReason {
  if (rejection === 'expired') return DENY_REASONS.authenticationExpired;
  if (rejection === 'missing_scope') return DENY_REASONS.authenticationScopeMissing;
  return DENY_REASONS.authenticationFailed;
}

/**
 * Hands a known tenant's refusal to the recorder. Never throws: the answer stays 401 whatever happens here, and
 * the logs name the tenant, principal and request, never the credential or the error's text (an SDK error could
 * echo request details).
 */
async function recordDenial(
  deps: AuthorizerDeps,
  event: APIGatewayRequestAuthorizerEvent,
  refusal: KnownTenantRefusal,
  latencyMs: number,
): Promise<void> {
  if (!deps.recordDenial) return;
  const requestId = requestIdOf(event);
  if (!requestId) {
    deps.logger.error('denied audit record not written: no valid request id', {
      tenantId: refusal.tenantId,
      principal: refusal.principal,
    });
    return;
  }
  try {
    await deps.recordDenial({
      ...refusal,
      requestId,
      operation: operationOf(event),
      latencyMs: Math.max(0, latencyMs),
    });
  } catch (error) {
    deps.logger.error('denied audit record not written', {
      tenantId: refusal.tenantId,
      principal: refusal.principal,
      requestId,
      errorName: error instanceof Error ? error.name : typeof error,
    });
  }
}

/** API Gateway's request id (`$context.requestId`, a UUID), when it is a valid audit request id. */
function requestIdOf(event: APIGatewayRequestAuthorizerEvent): string | undefined {
  const requestId: unknown = (
    event.requestContext as Partial<APIGatewayRequestAuthorizerEvent['requestContext']> | null
  )?.requestId;
  return typeof requestId === 'string' && REQUEST_ID_PATTERN.test(requestId) ? requestId : undefined;
}

/**
 * The audit operation of the route: `count_tokens` for `/v1/messages/count_tokens`, otherwise `messages` (the
 * audit schema has no value for `GET /v1/models`, whose refusals are recorded as `messages`).
 */
function operationOf(event: APIGatewayRequestAuthorizerEvent): 'messages' | 'count_tokens' {
  return /\/count_tokens$/.test(event.resource ?? event.path ?? '') ? 'count_tokens' : 'messages';
}

/** API Gateway REQUEST events carry headers as sent; credentials.ts expects lower-cased names. */
function lowerCaseHeaders(headers: APIGatewayRequestAuthorizerEventHeaders | null): Record<string, string | undefined> {
  const result: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (typeof value === 'string') result[name.toLowerCase()] = value;
  }
  return result;
}

/**
 * `arn:aws:execute-api:<region>:<account>:<api>/<stage>/<verb>/<path>` -> `.../<api>/<stage>/*`: the Allow covers
 * every route of the stage, so a cached result (when caching is on) is valid for the tenant's next call to any
 * route, and never for another API or stage.
 */
export function stageWideResource(methodArn: string): string {
  const [apiArn, stage] = methodArn.split('/');
  if (!apiArn || !stage) throw new Error('authorizer: unexpected methodArn');
  return `${apiArn}/${stage}/*`;
}
