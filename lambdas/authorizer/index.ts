/**
 * Composition root of the REQUEST authorizer: reads the environment once at cold start, builds the Secrets
 * Manager reader, the Cognito verifier and the refreshing tenant directory, and exports the handler.
 * Environment (names in lambdas/shared/env.ts): GATEWAY_AUTH_DIRECTORY (required), GATEWAY_USER_POOL_ID and
 * GATEWAY_OAUTH_SCOPE (when a tenant uses OAuth2), GATEWAY_AUTH_REFRESH_SECONDS (default 300).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import {
  authDirectoryConfigSchema,
  GATEWAY_INVOKE_SCOPE,
  loadTenantAuthDirectory,
  RefreshingTenantAuthDirectory,
} from '../shared/auth/auth-directory';
import { CognitoAccessTokenVerifier } from '../shared/auth/cognito-access-token-verifier';
import { SecretsManagerSecretReader } from '../shared/auth/secrets-manager-secret-reader';
import { ENV, MissingEnvironmentError, optionalEnv, requireEnv } from '../shared/env';
import { type AuthorizerResult, makeAuthorizer } from './handler';

const logger = new Logger({ serviceName: 'gateway-authorizer' });

function readConfig() {
  const raw = requireEnv(ENV.authDirectory);
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new MissingEnvironmentError(ENV.authDirectory, 'is not JSON');
  }
  const parsed = authDirectoryConfigSchema.safeParse(json);
  if (!parsed.success) throw new MissingEnvironmentError(ENV.authDirectory, `is invalid: ${parsed.error.message}`);
  return parsed.data;
}

const config = readConfig();
const refreshSeconds = Number(optionalEnv(ENV.authRefreshSeconds, '300'));
if (!Number.isInteger(refreshSeconds) || refreshSeconds < 1) {
  throw new MissingEnvironmentError(ENV.authRefreshSeconds, 'must be a positive integer');
}
const clientIds = config.tenants.flatMap((tenant) => (tenant.clientId ? [tenant.clientId] : []));
const accessTokens =
  clientIds.length > 0
    ? new CognitoAccessTokenVerifier({
        userPoolId: requireEnv(ENV.userPoolId),
        clientIds,
        scope: optionalEnv(ENV.oauthScope, GATEWAY_INVOKE_SCOPE),
      })
    : null;
const secrets = new SecretsManagerSecretReader(new SecretsManagerClient({}));
const directory = new RefreshingTenantAuthDirectory(
  () => loadTenantAuthDirectory(config, secrets),
  refreshSeconds * 1000,
  Date.now,
  (error) => logger.error('tenant directory refresh failed; serving the previous one', { error }),
);

const authorize = makeAuthorizer({ directory: () => directory.get(), accessTokens, logger });

export const handler = async (event: APIGatewayRequestAuthorizerEvent): Promise<AuthorizerResult> => authorize(event);
