/**
 * Local host for the request path (`npm run dev`, the e2e tests and the bench): node:http on 127.0.0.1 serving the
 * exact production handler, with in-process authentication (the same TenantKeyDirectory the authorizer uses), the
 * filesystem audit sink, a local data-key provider and the provider chosen by GATEWAY_UPSTREAM.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import type { LogLevel } from '@aws-lambda-powertools/logger/types';
import type { CallerIdentity, GatewayRequest, ResponseWriter } from '../proxy/gateway-http';
import {
  DEFAULT_GATEWAY_LIMITS,
  type GatewayHandlerDeps,
  type GatewayLimits,
  makeGatewayHandler,
  type RetrySettings,
} from '../proxy/handler';
import { createAnthropicModelClient } from '../shared/adapters/anthropic-model-client';
import { FsAuditDeadLetter, FsAuditSink } from '../shared/adapters/fs-audit-sink';
import { LastResortDeadLetter } from '../shared/adapters/last-resort-dead-letter';
import { LocalDataKeyProvider } from '../shared/adapters/local-data-key-provider';
import { extractCredential, hashTenantKey, TenantKeyDirectory } from '../shared/auth/credentials';
import type { GatewayMetrics } from '../shared/observability/gateway-metrics';
import { createTokenizer } from '../shared/pii';
import { BUILT_IN_MODEL_CATALOG, buildModelCatalog, type ModelCatalog } from '../shared/policy/model-catalog';
import type { CatalogOverrides } from '../shared/policy/model-catalog-schema';
import { loadPolicyDocument } from '../shared/policy/policy-document';
import {
  type Provider,
  type TenantConfig,
  type TenantConfigInput,
  tenantConfigSchema,
} from '../shared/policy/tenant-config';
import type { AuditDeadLetter, AuditSink, ModelClient } from '../shared/ports';

export const LOCAL_TENANT_ID = 'local-dev';
export const DEFAULT_LOCAL_KEY = 'local-dev-key';
const ANTHROPIC_PUBLIC_API = 'https://api.anthropic.com';

/** What the built-in tenant's short aliases point at: the current models (Claude Code's defaults). */
export const LOCAL_TENANT_ALIASES: Readonly<Record<string, string>> = {
  opus: 'claude-opus-5-5',
  sonnet: 'claude-sonnet-5-5',
  haiku: 'claude-haiku-5-5',
};

/** The endpoints the local host serves, for the start-up banner. */
export const LOCAL_ENDPOINTS: readonly string[] = [
  'POST /v1/messages',
  'POST /v1/messages/count_tokens',
  'GET  /v1/models',
  'GET  /v1/models/{id}',
  'GET  /health (no key)',
];

/**
 * The built-in local tenant: aliases opus/sonnet/haiku for the current models and every catalog id the provider
 * can route (the merged catalog when cdk.json adds models), mode `audit`.
 */
export function localTenant(provider: Provider, catalog: ModelCatalog = BUILT_IN_MODEL_CATALOG): TenantConfig {
  const models: Record<string, string> = { ...LOCAL_TENANT_ALIASES };
  for (const model of catalog.models) {
    const routable = provider === 'anthropic' || Object.keys(model.bedrock).some((scope) => scope !== 'in-region');
    if (routable) models[model.id] = model.id;
  }
  return tenantConfigSchema.parse({
    id: LOCAL_TENANT_ID,
    displayName: 'Local development',
    provider,
    models,
    residency: { anthropicInferenceGeo: ['global', 'us'], bedrockRoutingScopes: ['global', 'apac'] },
    redaction: { mode: 'audit' },
    dataClassifications: { allowed: ['PUBLIC', 'INTERNAL', 'CONFIDENTIAL'], default: 'INTERNAL' },
  } satisfies TenantConfigInput);
}

/** Options for {@link startDevServer}; everything has a local default. */
export interface DevServerOptions {
  /** @default 8787 (0 picks a free port) */
  readonly port?: number;
  /** @default 127.0.0.1 */
  readonly host?: string;
  /** Folder for `.gateway` state (master key, token secret). @default `.gateway` */
  readonly stateDir?: string;
  /** @default `<stateDir>/audit` */
  readonly auditDir?: string;
  /** Dead letter of records the audit folder rejected, apart from it. @default `<stateDir>/dead-letter` */
  readonly deadLetterDir?: string;
  /** @default anthropic */
  readonly upstream?: Provider;
  readonly anthropicBaseUrl?: string;
  readonly anthropicApiKey?: string;
  /** Key of the served tenant (`localTenantConfig` or the built-in `local-dev`). @default local-dev-key */
  readonly localKey?: string;
  /**
   * The tenant `localKey` authenticates as, e.g. a tenant from cdk.json (`npm run dev -- --tenant <id>`).
   * @default the built-in tenant `local-dev` on `upstream`
   */
  readonly localTenantConfig?: TenantConfigInput;
  /** `gateway.modelCatalog` from cdk.json: served and validated exactly as the proxy Lambda does. @default {} */
  readonly modelCatalog?: CatalogOverrides;
  /** HMAC secret for PII tokens; otherwise read or created (0600) at `<stateDir>/token-secret`. */
  readonly tokenSecret?: Uint8Array;
  /** Extra tenants with their keys (tests), besides `local-dev`. */
  readonly tenants?: ReadonlyArray<{ readonly key: string; readonly config: TenantConfigInput }>;
  /** Replace the filesystem sink (tests: a failing sink). */
  readonly auditSink?: AuditSink;
  readonly deadLetter?: AuditDeadLetter;
  /** Replace the model client (tests). */
  readonly modelClient?: (provider: Provider) => ModelClient | Promise<ModelClient>;
  readonly retry?: Partial<RetrySettings>;
  readonly limits?: Partial<GatewayLimits>;
  /** @default INFO */
  readonly logLevel?: LogLevel;
  /** Region of the Bedrock runtime when the upstream is `bedrock`. @default ap-south-1 */
  readonly awsRegion?: string;
  /** Request metrics, flushed once per request after the response (tests, the bench). @default none */
  readonly metrics?: GatewayMetrics;
}

export interface DevServer {
  readonly url: string;
  readonly auditDir: string;
  readonly deadLetterDir: string;
  /** The tenant `localKey` authenticates as. */
  readonly tenant: TenantConfig;
  close(): Promise<void>;
}

function readOrCreateSecret(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const secret = randomBytes(32);
  try {
    writeFileSync(path, secret, { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(path);
    throw error;
  }
}

/** Bedrock locally: lazy-loaded (with its SDK) only when GATEWAY_UPSTREAM=bedrock; credentials from the AWS chain. */
async function loadBedrockClient(region: string): Promise<ModelClient> {
  const { BedrockModelClient, createBedrockRuntimeClient } = await import('../shared/adapters/bedrock-model-client');
  return new BedrockModelClient({ client: createBedrockRuntimeClient({ region }) });
}

function headersOf(req: IncomingMessage): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/** Reads the body, keeping at most `limit + 1` bytes so an oversized body is refused (413) without buffering it. */
function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      if (size > limit) return;
      const room = limit + 1 - size;
      const kept = chunk.byteLength > room ? chunk.subarray(0, room) : chunk;
      chunks.push(kept);
      size += kept.byteLength;
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** ResponseWriter over a node:http response, with disconnect detection. */
export function responseWriterFor(res: ServerResponse): ResponseWriter {
  let closed = false;
  let onDisconnect: () => void = () => undefined;
  const disconnected = new Promise<void>((resolve) => {
    onDisconnect = resolve;
  });
  res.on('close', () => {
    if (!res.writableFinished) {
      closed = true;
      onDisconnect();
    }
  });
  // Writes made in the same turn of the event loop (several SSE events parsed from one upstream chunk) leave in
  // one syscall: cork on the first write, uncork on the next turn. Adds no waiting beyond the current turn.
  // A response with a known length (JSON) is written whole and then ended, which sends headers and body in one
  // syscall already: no cork, no setImmediate per response.
  let corked = false;
  let whole = false;
  const uncork = (): void => {
    corked = false;
    res.uncork();
  };
  return {
    start: (status, headers) => {
      whole = headers['content-length'] !== undefined;
      res.writeHead(status, headers);
    },
    write: (chunk) => {
      if (closed) return;
      if (!corked && !whole) {
        corked = true;
        res.cork();
        setImmediate(uncork);
      }
      res.write(chunk);
    },
    end: () => {
      if (!closed) res.end();
    },
    get closed() {
      return closed || res.destroyed;
    },
    disconnected,
  };
}

/** Starts the local gateway; resolves once it listens. */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const stateDir = options.stateDir ?? '.gateway';
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const auditDir = options.auditDir ?? join(stateDir, 'audit');
  const deadLetterDir = options.deadLetterDir ?? join(stateDir, 'dead-letter');
  const provider = options.upstream ?? 'anthropic';
  const logger = new Logger({ serviceName: 'claude-gateway-local', logLevel: options.logLevel ?? 'INFO' });

  // The same checks as the Lambda's cold start: schema, catalog entries, every alias routable in its residency.
  const catalogOverrides = options.modelCatalog ?? {};
  const served = tenantConfigSchema.parse(
    options.localTenantConfig ?? localTenant(provider, buildModelCatalog(catalogOverrides)),
  );
  const extras = (options.tenants ?? []).map((extra) => ({
    key: extra.key,
    config: tenantConfigSchema.parse(extra.config),
  }));
  const policy = loadPolicyDocument({
    tenants: [served, ...extras.map((extra) => extra.config)],
    modelCatalog: catalogOverrides,
  });
  const servedTenant = policy.tenant(served.id) ?? served;
  const keyEntries = [
    {
      tenantId: servedTenant.id,
      keyId: `${servedTenant.id}/local-key`,
      keySha256: hashTenantKey(options.localKey ?? DEFAULT_LOCAL_KEY),
    },
    ...extras.map((extra, index) => ({
      tenantId: extra.config.id,
      keyId: `${extra.config.id}/key-${index + 1}`,
      keySha256: hashTenantKey(extra.key),
    })),
  ];
  const directory = new TenantKeyDirectory(keyEntries);
  const secret = options.tokenSecret ?? readOrCreateSecret(join(stateDir, 'token-secret'));
  // A secret the tokenizer refuses would fail every request: fail here instead.
  for (const tenant of policy.tenants) createTokenizer({ secret, tenantId: tenant.id });
  const dataKeys = LocalDataKeyProvider.fromFile(join(stateDir, 'master.key'));

  const modelClient =
    options.modelClient ??
    ((which: Provider): ModelClient | Promise<ModelClient> => {
      if (which === 'bedrock') return loadBedrockClient(options.awsRegion ?? 'ap-south-1');
      return createAnthropicModelClient({
        apiKey: options.anthropicApiKey ?? '',
        baseURL: options.anthropicBaseUrl ?? ANTHROPIC_PUBLIC_API,
      });
    });
  if (!options.modelClient && policy.tenants.some((tenant) => tenant.provider === 'bedrock')) {
    // Fail at startup, clearly, rather than on the first request.
    await Promise.resolve(modelClient('bedrock')).catch((error: unknown) => {
      throw new Error(`GATEWAY_UPSTREAM=bedrock but the Bedrock adapter could not be loaded: ${String(error)}`);
    });
  }

  const deps: GatewayHandlerDeps = {
    tenantPolicy: (id) => policy.tenant(id),
    modelClient,
    auditSink: options.auditSink ?? new FsAuditSink(auditDir),
    // A record neither the folder nor the dead letter takes goes to stderr, never nowhere.
    deadLetter: new LastResortDeadLetter({ deadLetter: options.deadLetter ?? new FsAuditDeadLetter(deadLetterDir) }),
    tokenizerFor: (tenantId) => createTokenizer({ secret, tenantId }),
    dataKeyProvider: dataKeys,
    logger,
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
  };
  const handler = makeGatewayHandler(deps);
  const maxBody = options.limits?.maxBodyBytes ?? DEFAULT_GATEWAY_LIMITS.maxBodyBytes;

  // Requests still running, post-call record included (it is written after the response ends): close() waits for
  // them, so stopping the server never cuts off a record half-written.
  const inFlight = new Set<Promise<void>>();
  const server = createServer({ noDelay: true, keepAliveTimeout: 65_000 }, (req, res) => {
    const running: Promise<void> = (async () => {
      const writer = responseWriterFor(res);
      try {
        if (req.method === 'GET' && (req.url ?? '').split('?')[0] === '/health') {
          // Liveness for scripts and humans: no key, no audit record, no tenant data beyond the served id.
          const body = JSON.stringify({ status: 'ok', tenant: servedTenant.id, provider: servedTenant.provider });
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
          res.end(body);
          return;
        }
        const headers = headersOf(req);
        const credential = extractCredential(headers);
        const identity: CallerIdentity | null = credential ? directory.verify(credential.value) : null;
        const body = await readBody(req, maxBody);
        const request: GatewayRequest = {
          method: req.method ?? 'GET',
          path: (req.url ?? '/').split('?')[0] ?? '/',
          query: (req.url ?? '').includes('?') ? (req.url ?? '').slice((req.url ?? '').indexOf('?') + 1) : '',
          headers,
          body,
          identity,
        };
        await handler(request, writer);
      } catch (error) {
        logger.error('local host failure', { failure: error instanceof Error ? error.name : 'unknown' });
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ type: 'error', error: { type: 'api_error', message: 'local host failure' } }));
        } else res.end();
      }
    })();
    inFlight.add(running);
    void running.finally(() => inFlight.delete(running));
  });
  // Requests node's HTTP parser refuses (bad header names or bytes, oversized headers) get Anthropic's shape too.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return;
    const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
    const body = JSON.stringify({
      type: 'error',
      error: {
        type: tooLarge ? 'request_too_large' : 'invalid_request_error',
        message: tooLarge ? 'Request headers are too large.' : 'The request is not valid HTTP/1.1.',
      },
    });
    socket.end(
      `HTTP/1.1 ${tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request'}\r\ncontent-type: application/json\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8787, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${address.address}:${address.port}`,
    auditDir,
    deadLetterDir,
    tenant: servedTenant,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      // Bounded: the audit writes have deadlines of their own, so this settles within them.
      await Promise.race([
        Promise.allSettled([...inFlight]),
        new Promise((resolve) => setTimeout(resolve, 15_000).unref()),
      ]);
    },
  };
}
