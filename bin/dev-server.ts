/**
 * `npm run dev [-- --tenant <id>] [-- --config <cdk.json>]`: the gateway on 127.0.0.1 with a filesystem audit
 * store. Without `--tenant` it serves the built-in tenant `local-dev`; with it, that tenant's policy from cdk.json
 * (`context.gateway.tenants`), validated as synth validates it, with cdk.json's model catalog entries.
 *
 * Environment (lambdas/shared/env.ts): PORT, GATEWAY_AUDIT_DIR, GATEWAY_DEAD_LETTER_DIR, GATEWAY_UPSTREAM,
 * GATEWAY_ANTHROPIC_BASE_URL, ANTHROPIC_API_KEY, GATEWAY_LOCAL_KEY, GATEWAY_TOKEN_SECRET, POWERTOOLS_LOG_LEVEL. Anything that would fail every
 * request stops start-up with a message instead.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_LOCAL_KEY, LOCAL_ENDPOINTS, startDevServer } from '../lambdas/local/dev-server';
import { tokenSecretFromEnv } from '../lambdas/local/token-secret';
import { ENV, optionalEnv } from '../lambdas/shared/env';
import type { Provider, TenantConfig } from '../lambdas/shared/policy/tenant-config';
import { type GatewayConfig, parseGatewayConfig } from '../lib/config';

const ANTHROPIC_PUBLIC_API = 'https://api.anthropic.com';

/** A start-up problem the user can fix; printed without a stack trace. */
class StartupError extends Error {}

/** The `gateway` context of cdk.json, validated (the same messages as synth), or the defaults without a file. */
function loadDeploymentConfig(path: string, required: boolean): GatewayConfig | undefined {
  if (!existsSync(path)) {
    if (required) throw new StartupError(`--tenant needs the deployment config, but ${path} does not exist`);
    return undefined;
  }
  let context: unknown;
  try {
    context = (JSON.parse(readFileSync(path, 'utf8')) as { context?: Record<string, unknown> }).context?.gateway;
  } catch {
    throw new StartupError(`${path} is not valid JSON`);
  }
  return parseGatewayConfig(context);
}

function upstreamFrom(value: string | undefined): Provider | undefined {
  if (value === undefined || value === '') return undefined;
  if (value !== 'anthropic' && value !== 'bedrock') {
    throw new StartupError(`${ENV.upstream} must be "anthropic" or "bedrock", got ${JSON.stringify(value)}`);
  }
  return value;
}

function portFrom(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535) throw new StartupError(`${ENV.port} must be a port number (0-65535)`);
  return port;
}

function baseUrlFrom(value: string): string {
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:') return value;
  } catch {
    // reported below
  }
  throw new StartupError(`${ENV.anthropicBaseUrl} must be an http(s) URL, got ${JSON.stringify(value)}`);
}

/** The tenant to serve: the named cdk.json tenant (on the upstream asked for, if any), or none (built-in). */
function selectTenant(
  config: GatewayConfig | undefined,
  tenantId: string | undefined,
  upstream: Provider | undefined,
): { tenant: TenantConfig | undefined; note: string | undefined } {
  if (tenantId === undefined) return { tenant: undefined, note: undefined };
  const found = config?.tenants.find((tenant) => tenant.id === tenantId);
  if (!found) {
    const ids = config?.tenants.map((tenant) => tenant.id).join(', ') ?? '(none)';
    throw new StartupError(`no tenant "${tenantId}" in cdk.json (context.gateway.tenants): ${ids}`);
  }
  if (upstream === undefined || upstream === found.provider) return { tenant: found, note: undefined };
  // Lets a Bedrock tenant's policy be tried against the Anthropic API (or a loopback fake) and vice versa; the
  // residency check then applies to the new provider's settings.
  return {
    tenant: { ...found, provider: upstream },
    note: `provider ${upstream} (${ENV.upstream}; cdk.json says ${found.provider})`,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { tenant: { type: 'string' }, config: { type: 'string', default: 'cdk.json' } },
    strict: true,
    allowPositionals: false,
  });
  const upstreamAsked = upstreamFrom(process.env[ENV.upstream]);
  const configPath = resolve(values.config ?? 'cdk.json');
  const config = loadDeploymentConfig(configPath, values.tenant !== undefined);
  const { tenant, note } = selectTenant(config, values.tenant, upstreamAsked);
  const provider: Provider = tenant?.provider ?? upstreamAsked ?? 'anthropic';

  const port = portFrom(optionalEnv(ENV.port, '8787'));
  const baseUrl = baseUrlFrom(optionalEnv(ENV.anthropicBaseUrl, ANTHROPIC_PUBLIC_API));
  const apiKey = process.env[ENV.anthropicApiKey] ?? '';
  if (provider === 'anthropic' && apiKey === '') {
    if (baseUrl === ANTHROPIC_PUBLIC_API) {
      throw new StartupError(`${ENV.anthropicApiKey} is not set: every call to ${ANTHROPIC_PUBLIC_API} would fail`);
    }
    console.warn(`warning: ${ENV.anthropicApiKey} is not set; ${baseUrl} gets an empty key`);
  }
  const tokenSecretValue = process.env[ENV.tokenSecret];
  const localKey = optionalEnv(ENV.localKey, DEFAULT_LOCAL_KEY);

  const server = await startDevServer({
    port,
    auditDir: optionalEnv(ENV.auditDir, '.gateway/audit'),
    deadLetterDir: optionalEnv(ENV.deadLetterDir, '.gateway/dead-letter'),
    upstream: provider,
    anthropicBaseUrl: baseUrl,
    anthropicApiKey: apiKey,
    localKey,
    ...(tenant ? { localTenantConfig: tenant } : {}),
    modelCatalog: config?.modelCatalog ?? {},
    ...(tokenSecretValue !== undefined ? { tokenSecret: tokenSecretFromEnv(tokenSecretValue) } : {}),
    logLevel: process.env[ENV.logLevel] === 'DEBUG' ? 'DEBUG' : 'INFO',
    awsRegion: process.env.AWS_REGION ?? config?.region ?? 'ap-south-1',
  });

  const served = server.tenant;
  const aliases = Object.entries(served.models)
    .filter(([alias, id]) => alias !== id)
    .map(([alias, id]) => `${alias} -> ${id}`);
  const accepted = Object.keys(served.models).length;
  console.log(`claude-compliance-gateway (local) listening on ${server.url}`);
  console.log(`  tenant     ${served.id}${tenant ? ` (from ${configPath})` : ' (built-in)'}`);
  console.log(
    `  upstream   ${note ?? `provider ${served.provider}`}${served.provider === 'anthropic' ? `, ${baseUrl}` : ''}`,
  );
  console.log(`  models     ${aliases.join(', ')}${aliases.length > 0 ? '; ' : ''}${accepted} model names accepted`);
  console.log(
    `  policy     redaction ${served.redaction.mode}; classifications ${served.dataClassifications.allowed.join(',')}` +
      ` (default ${served.dataClassifications.default}); ZDR opt-ins ${served.zdrOptIns.map((o) => o.feature).join(',') || 'none'}`,
  );
  console.log(`  audit      ${server.auditDir}; dead letter ${server.deadLetterDir}`);
  console.log(`  endpoints  ${LOCAL_ENDPOINTS.join('\n             ')}`);
  console.log('  try it:');
  console.log(`    export ANTHROPIC_BASE_URL=${server.url} ANTHROPIC_API_KEY=${localKey}`);
  console.log(`    curl -s ${server.url}/health`);

  const stop = (): void => {
    void server.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`npm run dev: ${message}`);
  process.exit(1);
});
