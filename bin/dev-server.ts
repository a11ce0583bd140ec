/**
 * `npm run dev`: the gateway on 127.0.0.1 with a filesystem audit store. Environment (lambdas/shared/env.ts):
 * PORT, GATEWAY_AUDIT_DIR, GATEWAY_DEAD_LETTER_DIR, GATEWAY_UPSTREAM, GATEWAY_ANTHROPIC_BASE_URL, ANTHROPIC_API_KEY, GATEWAY_LOCAL_KEY,
 * GATEWAY_TOKEN_SECRET.
 */

import { DEFAULT_LOCAL_KEY, LOCAL_TENANT_ID, startDevServer } from '../lambdas/local/dev-server';
import { ENV, optionalEnv } from '../lambdas/shared/env';

async function main(): Promise<void> {
  const upstream = optionalEnv(ENV.upstream, 'anthropic');
  if (upstream !== 'anthropic' && upstream !== 'bedrock') {
    throw new Error(`${ENV.upstream} must be "anthropic" or "bedrock", got ${JSON.stringify(upstream)}`);
  }
  const port = Number(optionalEnv(ENV.port, '8787'));
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`${ENV.port} must be a port number`);
  const apiKey = process.env[ENV.anthropicApiKey];
  if (upstream === 'anthropic' && !apiKey) {
    console.warn(`warning: ${ENV.anthropicApiKey} is not set; upstream calls will fail with 401`);
  }
  const tokenSecret = process.env[ENV.tokenSecret];
  const server = await startDevServer({
    port,
    auditDir: optionalEnv(ENV.auditDir, '.gateway/audit'),
    deadLetterDir: optionalEnv(ENV.deadLetterDir, '.gateway/dead-letter'),
    upstream,
    anthropicBaseUrl: optionalEnv(ENV.anthropicBaseUrl, 'https://api.anthropic.com'),
    anthropicApiKey: apiKey ?? '',
    localKey: optionalEnv(ENV.localKey, DEFAULT_LOCAL_KEY),
    ...(tokenSecret ? { tokenSecret: Buffer.from(tokenSecret, 'utf8') } : {}),
    logLevel: process.env[ENV.logLevel] === 'DEBUG' ? 'DEBUG' : 'INFO',
    awsRegion: process.env.AWS_REGION ?? 'ap-south-1',
  });
  console.log(`claude-compliance-gateway (local) listening on ${server.url}`);
  console.log(
    `  tenant ${LOCAL_TENANT_ID}; audit records in ${server.auditDir}; dead letter ${server.deadLetterDir}; upstream ${upstream}`,
  );
  console.log(`  ANTHROPIC_BASE_URL=${server.url} ANTHROPIC_API_KEY=<${ENV.localKey}>`);
  const stop = (): void => {
    void server.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
