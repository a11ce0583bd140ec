/**
 * Composition root of the REQUEST authorizer: reads the environment once at cold start, builds the Secrets
 * Manager reader, the Cognito verifier and the refreshing tenant directory, and exports the handler.
 * Environment (names in lambdas/shared/env.ts): GATEWAY_AUTH_DIRECTORY_SECRET_ARN (deployed; or GATEWAY_AUTH_DIRECTORY
 * with the JSON itself, locally), GATEWAY_USER_POOL_ID and
 * GATEWAY_OAUTH_SCOPE (when a tenant uses OAuth2), GATEWAY_AUTH_REFRESH_SECONDS (default 300), GATEWAY_AUDIT_BUCKET
 * (optional: when set, refusals of known tenants are written as `denied` audit records to that bucket).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { S3AuditSink } from '../shared/adapters/s3-audit-sink';
import { SecretsManagerSecretReader } from '../shared/adapters/secrets-manager-secret-reader';
import {
  type AuthDirectoryConfig,
  authDirectoryConfigSchema,
  GATEWAY_INVOKE_SCOPE,
  loadTenantAuthDirectory,
  RefreshingTenantAuthDirectory,
} from '../shared/auth/auth-directory';
import { CognitoAccessTokenVerifier } from '../shared/auth/cognito-access-token-verifier';
import { ENV, MissingEnvironmentError, optionalEnv, requireEnv } from '../shared/env';
import { buildAuthorizerDeniedRecord } from './denied-record';
import { type AuthorizerDeps, type AuthorizerResult, makeAuthorizer } from './handler';

const logger = new Logger({ serviceName: 'gateway-authorizer' });

/** The directory JSON, from the variable (local, tests) or the directory secret (deployed). */
async function readDirectoryJson(secrets: SecretsManagerSecretReader): Promise<{ raw: string; source: string }> {
  const inline = optionalEnv(ENV.authDirectory, '');
  if (inline !== '') return { raw: inline, source: ENV.authDirectory };
  const arn = requireEnv(ENV.authDirectorySecretArn);
  return { raw: await secrets.readSecretString(arn), source: ENV.authDirectorySecretArn };
}

function parseConfig(raw: string, source: string): AuthDirectoryConfig {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new MissingEnvironmentError(source, 'is not JSON');
  }
  const parsed = authDirectoryConfigSchema.safeParse(json);
  if (!parsed.success) throw new MissingEnvironmentError(source, `is invalid: ${parsed.error.message}`);
  return parsed.data;
}

const refreshSeconds = Number(optionalEnv(ENV.authRefreshSeconds, '300'));
if (!Number.isInteger(refreshSeconds) || refreshSeconds < 1) {
  throw new MissingEnvironmentError(ENV.authRefreshSeconds, 'must be a positive integer');
}
const secrets = new SecretsManagerSecretReader(new SecretsManagerClient({}));

/**
 * Everything built from the directory, once per execution environment. A changed tenant list changes the function's
 * `GATEWAY_AUTH_DIRECTORY_VERSION` at deploy, so new client ids always meet a fresh environment.
 */
async function build(): Promise<(event: APIGatewayRequestAuthorizerEvent) => Promise<AuthorizerResult>> {
  const { raw, source } = await readDirectoryJson(secrets);
  const config = parseConfig(raw, source);
  const clientIds = config.tenants.flatMap((tenant) => (tenant.clientId ? [tenant.clientId] : []));
  const accessTokens =
    clientIds.length > 0
      ? new CognitoAccessTokenVerifier({
          userPoolId: requireEnv(ENV.userPoolId),
          clientIds,
          scope: optionalEnv(ENV.oauthScope, GATEWAY_INVOKE_SCOPE),
        })
      : null;
  const directory = new RefreshingTenantAuthDirectory(
    () => loadTenantAuthDirectory(config, secrets),
    refreshSeconds * 1000,
    Date.now,
    (error) => logger.error('tenant directory refresh failed; serving the previous one', { error }),
  );
  return makeAuthorizer({
    directory: () => directory.get(),
    accessTokens,
    logger,
    recordDenial: denialRecorder(),
  });
}

/** Writes `denied` records of refused known tenants to the audit bucket, when one is configured. */
function denialRecorder(): AuthorizerDeps['recordDenial'] {
  const bucket = optionalEnv(ENV.auditBucket, '');
  if (bucket === '') return undefined;
  const sink = new S3AuditSink({ client: new S3Client({}), bucket });
  return (denial) => sink.put(buildAuthorizerDeniedRecord(denial, new Date()));
}

let authorizer: ReturnType<typeof build> | undefined;

export const handler = async (event: APIGatewayRequestAuthorizerEvent): Promise<AuthorizerResult> => {
  authorizer ??= build().catch((error: unknown) => {
    // Not cached: the next invocation retries (for example after Secrets Manager throttled the cold start).
    authorizer = undefined;
    throw error;
  });
  return (await authorizer)(event);
};
