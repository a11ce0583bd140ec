/**
 * The request path with in-memory ports, for what real clients send (Claude Code 2.1.332, SDK 1.17): `role: system`
 * messages, client headers and query string forwarded as sent, unknown betas under both `unknownFeatures`
 * settings, and the `rejected` record of every other 4xx refusal of an authenticated caller.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { GatewayRequest, ResponseWriter } from '../../../lambdas/proxy/gateway-http';
import { type GatewayHandlerDeps, makeGatewayHandler } from '../../../lambdas/proxy/handler';
import type { AuditRecord } from '../../../lambdas/shared/audit/record';
import {
  InMemoryGatewayMetrics,
  metricsContextFromTenants,
} from '../../../lambdas/shared/observability/gateway-metrics';
import { createTokenizer } from '../../../lambdas/shared/pii';
import { type TenantConfigInput, tenantConfigSchema } from '../../../lambdas/shared/policy/tenant-config';
import type { ModelClient, UpstreamRequest } from '../../../lambdas/shared/ports';
import { fixedDataKeyProvider } from '../../helpers/fixed-data-key-provider';

const EMAIL = 'ravi.kumar@example.org';
const SECRET = Buffer.alloc(32, 5);

function tenant(overrides: Partial<TenantConfigInput> = {}) {
  return tenantConfigSchema.parse({
    id: 'acme',
    provider: 'anthropic',
    models: { sonnet: 'claude-sonnet-4-6' },
    ...overrides,
  });
}

class MemoryResponse implements ResponseWriter {
  status = 0;
  chunks: string[] = [];
  closed = false;
  readonly disconnected = new Promise<void>(() => undefined);
  start(status: number): void {
    this.status = status;
  }
  write(chunk: string): void {
    this.chunks.push(chunk);
  }
  end(): void {}
  json(): Record<string, unknown> {
    return JSON.parse(this.chunks.join('')) as Record<string, unknown>;
  }
}

function setup(options: { tenant?: ReturnType<typeof tenant>; sink?: GatewayHandlerDeps['auditSink'] } = {}) {
  const records: AuditRecord[] = [];
  const requests: UpstreamRequest[] = [];
  const t = options.tenant ?? tenant();
  const client: ModelClient = {
    provider: 'anthropic',
    createMessage: async (request) => {
      requests.push(request);
      const message = { type: 'message', role: 'assistant', content: [{ type: 'text', text: 'ok' }], usage: {} };
      return { message, upstreamRequestId: 'req_up' };
    },
    streamMessage: async () => {
      throw new Error('not scripted');
    },
    countTokens: async (request) => {
      requests.push(request);
      return { input_tokens: 3 };
    },
  };
  const metrics = new InMemoryGatewayMetrics(metricsContextFromTenants([t]));
  const handler = makeGatewayHandler({
    tenantPolicy: (id) => (id === t.id ? t : undefined),
    modelClient: () => client,
    auditSink: options.sink ?? { put: async (record) => void records.push(record) },
    deadLetter: { send: async () => undefined },
    tokenizerFor: (tenantId) => createTokenizer({ secret: SECRET, tenantId }),
    dataKeyProvider: fixedDataKeyProvider,
    logger: new Logger({ serviceName: 'test', logLevel: 'CRITICAL' }),
    retry: { baseDelayMs: 0, maxDelayMs: 0 },
    limits: { maxBodyBytes: 4096 },
    metrics,
  });
  const call = async (request: Partial<GatewayRequest> & { json?: unknown }) => {
    const response = new MemoryResponse();
    await handler(
      {
        method: 'POST',
        path: '/v1/messages',
        headers: {},
        body: request.json !== undefined ? JSON.stringify(request.json) : '',
        identity: { tenantId: t.id, principal: 'acme/key-1' },
        ...request,
      },
      response,
    );
    return response;
  };
  return { call, records, requests, metrics };
}

const body = { model: 'sonnet', max_tokens: 10, messages: [{ role: 'user', content: `mail ${EMAIL}` }] };
const metricValue = (metrics: InMemoryGatewayMetrics, name: string): number =>
  metrics.documents.flatMap((d) => d.metrics).find((m) => m.name === name)?.value ?? -1;

describe('what real clients send', () => {
  it('accepts role system inside messages and sends it upstream unchanged', async () => {
    const { call, requests, records } = setup();
    const messages = [
      { role: 'user', content: [{ type: 'text', text: 'hello' }] },
      { role: 'system', content: [{ type: 'text', text: '# Environment', cache_control: { type: 'ephemeral' } }] },
      { role: 'system', content: 'as a string' },
    ];
    const response = await call({ json: { ...body, messages } });
    expect(response.status).toBe(200);
    expect(requests[0]?.body.messages).toEqual(messages);
    expect(records.map((r) => r.event)).toEqual(['pre_call', 'post_call']);
  });

  it('forwards anthropic-version, anthropic-beta, user-agent and the query string as sent, nothing else', async () => {
    const { call, requests } = setup();
    const headers = {
      'anthropic-version': '2023-06-01',
      'anthropic-beta': 'Context-Management-2025-06-27, claude-code-20250219',
      'user-agent': 'claude-cli/2.1.332 (external, sdk-cli)',
      'anthropic-workspace-id': 'wrkspc_other',
      'x-api-key': 'tenant-secret',
      'x-app': 'cli',
    };
    await call({ path: '/v1/messages?beta=true', headers, json: body });
    await call({ path: '/v1/messages/count_tokens', query: 'beta=true', headers, json: body });
    for (const request of requests) {
      expect(request.clientHeaders).toEqual({
        'anthropic-version': '2023-06-01',
        'anthropic-beta': 'Context-Management-2025-06-27, claude-code-20250219',
        'user-agent': 'claude-cli/2.1.332 (external, sdk-cli)',
      });
      expect(request.query).toBe('beta=true');
      expect(request.betas).toEqual(['Context-Management-2025-06-27', 'claude-code-20250219']);
    }
  });

  it('unknownFeatures record: an unknown beta is forwarded, recorded and counted', async () => {
    const { call, records, requests, metrics } = setup();
    const response = await call({ headers: { 'anthropic-beta': 'future-feature-2027-01-01' }, json: body });
    expect(response.status).toBe(200);
    expect(requests).toHaveLength(1);
    for (const record of records) {
      expect(record).toMatchObject({ zdr_eligible: false, betas: ['future-feature-2027-01-01'] });
      expect(record.features).toContain('unknown_beta:future-feature-2027-01-01');
    }
    expect(metricValue(metrics, 'UnknownFeatures')).toBe(1);
  });

  it('unknownFeatures deny: an unknown beta is refused with a denied record naming it, and counted', async () => {
    const { call, records, requests, metrics } = setup({ tenant: tenant({ unknownFeatures: 'deny' }) });
    const response = await call({
      headers: { 'anthropic-beta': 'context-management-2025-06-27,Future-Feature-2027-01-01' },
      json: body,
    });
    expect(response.status).toBe(403);
    expect(response.json()).toMatchObject({ error: { type: 'permission_error' } });
    expect(requests).toHaveLength(0);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      event: 'denied',
      deny_reason: 'unknown_feature_not_allowed',
      refused_feature: 'unknown_beta:future-feature-2027-01-01',
      betas: ['context-management-2025-06-27', 'future-feature-2027-01-01'],
      features: ['context_editing', 'unknown_beta:future-feature-2027-01-01'],
      model_requested: 'sonnet',
    });
    expect(metricValue(metrics, 'UnknownFeatures')).toBe(1);
  });

  it('judges a nameless mcp_toolset tool by the ZDR table: 403 without opt-in, forwarded with one', async () => {
    const tools = [{ type: 'mcp_toolset', mcp_server_name: 's' }];
    const refused = setup();
    const response = await refused.call({ json: { ...body, tools } });
    expect(response.status).toBe(403);
    expect(refused.requests).toHaveLength(0);
    expect(refused.records[0]).toMatchObject({ event: 'denied', refused_feature: 'mcp_servers' });

    const optedIn = setup({
      tenant: tenant({ zdrOptIns: [{ feature: 'mcp_servers', reviewReference: 'RISK-1' }] }),
    });
    expect((await optedIn.call({ json: { ...body, tools } })).status).toBe(200);
    expect(optedIn.requests[0]?.body.tools).toEqual(tools);
    expect(optedIn.records[0]).toMatchObject({ event: 'pre_call', zdr_eligible: false });
  });

  it.each(['file', 'FILE'])('refuses a document with source type %j as the Files API', async (type) => {
    const { call, records, requests } = setup();
    const document = { type: 'document', source: { type, file_id: 'file_1' } };
    const response = await call({ json: { ...body, messages: [{ role: 'user', content: [document] }] } });
    expect(response.status).toBe(403);
    expect(requests).toHaveLength(0);
    expect(records[0]).toMatchObject({ event: 'denied', refused_feature: 'files_api', zdr_eligible: false });
  });

  it('a denied record for a non-eligible feature names the feature', async () => {
    const { call, records } = setup();
    await call({ json: { ...body, mcp_servers: [{ type: 'url', url: 'https://mcp.example', name: 'x' }] } });
    expect(records[0]).toMatchObject({ event: 'denied', refused_feature: 'mcp_servers', features: ['mcp_servers'] });
  });
});

describe('rejected records', () => {
  it.each([
    ['bad JSON', { body: `{"note":"${EMAIL}"` }, 400, 'invalid_request', 'messages'],
    ['schema', { json: { ...body, max_tokens: EMAIL } }, 400, 'invalid_request', 'messages'],
    [
      'too large',
      { json: { ...body, messages: [{ role: 'user', content: EMAIL.repeat(200) }] } },
      413,
      'request_too_large',
      'messages',
    ],
    ['unknown path', { path: '/v1/complete', json: body }, 404, 'not_found', 'other'],
    ['wrong method', { method: 'GET', path: '/v1/messages/count_tokens' }, 405, 'method_not_allowed', 'count_tokens'],
    ['unknown model id on /v1/models', { method: 'GET', path: '/v1/models/gpt-4' }, 404, 'not_found', 'models'],
    [
      'nested too deep for the readers',
      {
        body: `{"model":"sonnet","max_tokens":1,"messages":[{"role":"user","content":${'['.repeat(200)}${']'.repeat(200)}}]}`,
      },
      400,
      'invalid_request',
      'messages',
    ],
    ['malformed model id escape', { method: 'GET', path: '/v1/models/%E0%A4%A' }, 404, 'not_found', 'models'],
  ] as const)('%s: a 4xx with a rejected record, no body text', async (_name, request, status, reason, operation) => {
    const { call, records, metrics } = setup();
    const response = await call(request);
    expect(response.status).toBe(status);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      event: 'rejected',
      status: 'rejected',
      deny_reason: reason,
      http_status: status,
      tenant_id: 'acme',
      principal: 'acme/key-1',
      operation,
      prompt_redacted: null,
      completion_redacted: null,
    });
    expect(records[0]?.request_id).toBe(response.json().request_id);
    expect(JSON.stringify(records)).not.toContain(EMAIL);
    expect(JSON.stringify(records)).not.toContain('ravi');
    expect(metricValue(metrics, 'Rejections')).toBe(1);
  });

  it.each([
    ['no max_tokens', { model: 'sonnet', messages: [{ role: 'user', content: 'hi' }] }, 'sonnet'],
    ['an e-mail as the model', { model: `${EMAIL}-latest`, messages: [] }, '[EMAIL]-latest'],
    ['a non-string model', { model: 7, max_tokens: 1, messages: [] }, null],
  ])('a schema refusal keeps the model of a JSON body (%s), bounded as attribution', async (_name, json, model) => {
    const { call, records } = setup();
    expect((await call({ json })).status).toBe(400);
    expect(records[0]).toMatchObject({ event: 'rejected', model_requested: model });
    expect(JSON.stringify(records)).not.toContain(EMAIL);
  });

  it('a bad header after parsing keeps what was learnt: model, hash, betas, features', async () => {
    const { call, records } = setup();
    const response = await call({
      headers: { 'x-data-classification': 'SECRET', 'anthropic-beta': 'context-management-2025-06-27' },
      json: body,
    });
    expect(response.status).toBe(400);
    expect(records[0]).toMatchObject({
      event: 'rejected',
      deny_reason: 'invalid_request',
      model_requested: 'sonnet',
      betas: ['context-management-2025-06-27'],
      features: ['context_editing'],
      data_classification: 'INTERNAL',
    });
    expect(records[0]?.prompt_sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('no record for an unauthenticated caller', async () => {
    const { call, records } = setup();
    expect((await call({ identity: null, body: '{' })).status).toBe(401);
    expect(records).toHaveLength(0);
  });

  it('still answers 400 (never 5xx) when the rejected record cannot be written', async () => {
    const { call, metrics } = setup({ sink: { put: () => Promise.reject(new Error('down')) } });
    const response = await call({ body: '{' });
    expect(response.status).toBe(400);
    expect(response.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(metricValue(metrics, 'AuditWriteFailures')).toBe(1);
  });
});
