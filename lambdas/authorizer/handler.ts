/**
 * The API Gateway REQUEST authorizer: a tenant key (`x-api-key` or `Authorization: Bearer <key>`) or a Cognito
 * client-credentials access token becomes an Allow with `context: { tenantId, principal }` and the tenant's
 * usage identifier as `usageIdentifierKey`, so usage plans enforce the tenant's rate, burst and quota.
 * Anything else is `Unauthorized` (API Gateway answers 401 through the UNAUTHORIZED gateway response).
 *
 * Pure: the directory and the token verifier are injected; no SDK import.
 */
import type {
  APIGatewayAuthorizerResult,
  APIGatewayRequestAuthorizerEvent,
  APIGatewayRequestAuthorizerEventHeaders,
} from 'aws-lambda';
import type { CallerIdentity } from '../proxy/gateway-http';
import { AccessTokenRejectedError, type AccessTokenVerifier } from '../shared/auth/access-token';
import type { TenantAuthDirectory } from '../shared/auth/auth-directory';
import { extractCredential, looksLikeJwt } from '../shared/auth/credentials';

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
  return async (event) => {
    const credential = extractCredential(lowerCaseHeaders(event.headers));
    // Unknown or missing credentials are neither logged per request nor audited: scanners would flood both.
    if (!credential) throw new Error(UNAUTHORIZED);

    const directory = await deps.directory();
    const identity =
      credential.source === 'bearer' && looksLikeJwt(credential.value) && deps.accessTokens
        ? await identityFromAccessToken(credential.value, deps.accessTokens, directory, deps.logger)
        : directory.keys.verify(credential.value);
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

async function identityFromAccessToken(
  token: string,
  verifier: AccessTokenVerifier,
  directory: TenantAuthDirectory,
  logger: AuthorizerLogger,
): Promise<CallerIdentity | null> {
  try {
    const { clientId } = await verifier.verify(token);
    const tenantId = directory.tenantForClient(clientId);
    if (!tenantId) {
      logger.warn('access token of a client that maps to no tenant', { clientId });
      return null;
    }
    return { tenantId, principal: clientId };
  } catch (error) {
    if (!(error instanceof AccessTokenRejectedError)) throw error;
    const clientId = error.clientId;
    const tenantId = clientId ? directory.tenantForClient(clientId) : undefined;
    if (clientId && tenantId) {
      // A known tenant was refused (e.g. an expired token). The `denied` audit record belongs to the proxy; the
      // authorizer only logs who and why: never the token.
      logger.warn('known tenant denied', { tenantId, principal: clientId, reason: error.reason });
    } else if (error.reason === 'keys_unavailable') {
      logger.error('Cognito signing keys unavailable', { reason: error.reason });
    }
    return null;
  }
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
