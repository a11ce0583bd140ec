/**
 * Composition root of the proxy Lambda: reads the environment once, builds the adapters and exports the
 * streaming handler. No request logic lives here (see handler.ts).
 *
 * Cold start: the policy document is inlined into the bundle (esbuild `define`, see ProxyFunction), the token
 * secret is fetched during init (retried on the next request if that fails), and the model client of a provider
 * is imported and built only when a request first needs it, so a Bedrock-only deployment never initialises the
 * Anthropic SDK and vice versa.
 */

import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { auditWriteClientConfig } from '../shared/adapters/audit-write-deadline';
import { KmsDataKeyProvider } from '../shared/adapters/kms-data-key-provider';
import { LastResortDeadLetter } from '../shared/adapters/last-resort-dead-letter';
import { PowertoolsGatewayMetrics } from '../shared/adapters/powertools-metrics';
import { S3AuditSink } from '../shared/adapters/s3-audit-sink';
import { loadAnthropicApiKey, loadTokenSecret, SecretCache } from '../shared/adapters/secrets';
import { SqsAuditDeadLetter } from '../shared/adapters/sqs-audit-dead-letter';
import { ENV, MissingEnvironmentError, requireEnv } from '../shared/env';
import { ServiceUnavailableError } from '../shared/errors';
import { metricsContextFromTenants } from '../shared/observability/gateway-metrics';
import { createGatewayLogger } from '../shared/observability/logger';
import { createTokenizer } from '../shared/pii';
import { loadPolicyDocument } from '../shared/policy/policy-document';
import type { Provider } from '../shared/policy/tenant-config';
import type { ModelClient } from '../shared/ports';
import type { GatewayHandler } from './gateway-http';
import { makeGatewayHandler } from './handler';
import { makeLambdaStreamingHandler } from './lambda-host';

const logger = createGatewayLogger({ serviceName: 'claude-gateway-proxy' });

// Spelled out literally (not process.env[ENV.policyDocument]) so that esbuild's `define` can replace it.
const policyJson = process.env.GATEWAY_POLICY_DOCUMENT;
if (policyJson === undefined || policyJson === '') throw new MissingEnvironmentError(ENV.policyDocument);
const policy = loadPolicyDocument(policyJson);
// EMF on stdout: no API call on the request path. Throws on an unknown business-hours time zone (fails init).
const metrics = new PowertoolsGatewayMetrics({ context: metricsContextFromTenants(policy.tenants), logger });

const config = {
  auditBucket: requireEnv(ENV.auditBucket),
  deadLetterQueueUrl: requireEnv(ENV.auditDeadLetterQueueUrl),
  tokenSecretArn: requireEnv(ENV.tokenSecretArn),
  reidentificationKeyArn: requireEnv(ENV.reidentificationKeyArn),
  anthropicApiKeySecretArn: process.env[ENV.anthropicApiKeySecretArn],
} as const;

const secrets = new SecretCache({ client: new SecretsManagerClient({}) });

/** The adapter of a provider, imported on first use (a dynamic import esbuild keeps lazy). */
async function createModelClient(provider: Provider): Promise<ModelClient> {
  if (provider === 'bedrock') {
    // The adapter's default client makes one attempt per call: the request path is the only, counted, retry layer.
    const { BedrockModelClient } = await import('../shared/adapters/bedrock-model-client');
    return new BedrockModelClient();
  }
  const secretArn = config.anthropicApiKeySecretArn;
  if (secretArn === undefined || secretArn === '') {
    throw new ServiceUnavailableError('The Anthropic provider is not configured on this gateway.');
  }
  const [apiKey, { createAnthropicModelClient }] = await Promise.all([
    loadAnthropicApiKey(secrets, secretArn),
    import('../shared/adapters/anthropic-model-client'),
  ]);
  return createAnthropicModelClient({ apiKey });
}

/** Everything that needs I/O before the first request: the token secret. */
async function createGatewayHandler(): Promise<GatewayHandler> {
  const tokenSecret = await loadTokenSecret(secrets, config.tokenSecretArn);
  return makeGatewayHandler({
    tenantPolicy: (tenantId) => policy.tenant(tenantId),
    modelClient: createModelClient,
    // Every audit write has a deadline far below the Lambda timeout (audit-write-deadline.ts); the data key a
    // pre-call record is sealed with is on the same path, so KMS gets the same bounds.
    auditSink: new S3AuditSink({ client: new S3Client(auditWriteClientConfig()), bucket: config.auditBucket }),
    deadLetter: new LastResortDeadLetter({
      deadLetter: new SqsAuditDeadLetter({
        client: new SQSClient(auditWriteClientConfig()),
        queueUrl: config.deadLetterQueueUrl,
      }),
    }),
    tokenizerFor: (tenantId) => createTokenizer({ secret: tokenSecret, tenantId }),
    dataKeyProvider: new KmsDataKeyProvider({
      client: new KMSClient(auditWriteClientConfig()),
      keyId: config.reidentificationKeyArn,
    }),
    logger,
    metrics,
  });
}

let ready: Promise<GatewayHandler> = createGatewayHandler();
// Observed here so an init failure is not an unhandled rejection; the first request sees it and retries.
ready.catch((error: unknown) => {
  logger.error('proxy initialisation failed', { errorName: error instanceof Error ? error.name : typeof error });
});

/**
 * The gateway handler once initialised. A failed init (for example Secrets Manager unreachable) is retried on the
 * next request; meanwhile the request fails closed with a 503 (the host turns the thrown error into the response).
 */
const gateway: GatewayHandler = async (request, response) => {
  let handle: GatewayHandler;
  try {
    handle = await ready;
  } catch {
    ready = createGatewayHandler();
    ready.catch(() => undefined);
    throw new ServiceUnavailableError('The gateway could not initialise its audit services; retry shortly.');
  }
  await handle(request, response);
};

export const handler = awslambda.streamifyResponse(
  makeLambdaStreamingHandler(gateway, {
    onUnhandledError: (error) =>
      logger.error('unhandled gateway error', { errorName: error instanceof Error ? error.name : typeof error }),
  }),
);
