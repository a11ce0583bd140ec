/**
 * End to end: the official Anthropic SDK -> local gateway (startDevServer, filesystem audit) -> fake Anthropic
 * upstream on loopback. Then the audit folder is checked: pairs of records, request ids, costs, no raw PII.
 */

import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { type DevServer, startDevServer } from '../../lambdas/local/dev-server';
import { createTokenizer } from '../../lambdas/shared/pii';
import { costUsd } from '../../lambdas/shared/pricing';
import { DEFAULT_USAGE, type FakeAnthropic, startFakeAnthropic } from '../helpers/fake-anthropic';
import { listFiles, readRecords, waitForQuietFolder, waitForRecord } from './audit-files';

const EMAIL = 'alice.sharma@example.com';
const SECRET = Buffer.alloc(32, 7);
const KEYS = { local: 'local-dev-key', strict: 'strict-key', optin: 'optin-key', scrub: 'scrub-key' };

let fake: FakeAnthropic;
let gateway: DevServer;
let stateDir: string;

const client = (key = KEYS.local, extra: Partial<ConstructorParameters<typeof Anthropic>[0]> = {}) =>
  new Anthropic({ apiKey: key, baseURL: gateway.url, maxRetries: 0, ...extra });

async function raw(
  path: string,
  init: { method?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; json: Record<string, unknown>; requestId: string | null; text: string }> {
  const response = await fetch(`${gateway.url}${path}`, {
    method: init.method ?? 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': KEYS.local, ...init.headers },
    ...(init.body !== undefined ? { body: init.body } : {}),
  });
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // SSE or empty
  }
  return { status: response.status, json, requestId: response.headers.get('request-id'), text };
}

const simple = { model: 'sonnet', max_tokens: 64, messages: [{ role: 'user' as const, content: `Hi, I am ${EMAIL}` }] };

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'gateway-e2e-'));
  fake = await startFakeAnthropic();
  gateway = await startDevServer({
    port: 0,
    stateDir,
    anthropicBaseUrl: fake.url,
    anthropicApiKey: 'upstream-key',
    tokenSecret: SECRET,
    retry: { baseDelayMs: 1, maxDelayMs: 2, maxAttemptsPerRoute: 2 },
    logLevel: 'ERROR',
    tenants: [
      {
        key: KEYS.strict,
        config: {
          id: 'strict',
          provider: 'anthropic',
          models: { sonnet: 'claude-sonnet-4-6', haiku: 'claude-haiku-4-5-20251001' },
          residency: { anthropicInferenceGeo: ['global'] },
          fallback: ['haiku'],
          dataClassifications: { allowed: ['PUBLIC', 'INTERNAL'], default: 'INTERNAL' },
        },
      },
      {
        key: KEYS.optin,
        config: {
          id: 'optin',
          provider: 'anthropic',
          models: { sonnet: 'claude-sonnet-4-6' },
          zdrOptIns: [{ feature: 'mcp_servers', reviewReference: 'SEC-2026-17' }],
        },
      },
      {
        key: KEYS.scrub,
        config: {
          id: 'scrub',
          provider: 'anthropic',
          models: { sonnet: 'claude-sonnet-4-6' },
          redaction: { mode: 'upstream' },
        },
      },
    ],
  });
});

afterAll(async () => {
  await gateway?.close();
  await fake?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

beforeEach(() => fake.reset());

describe('Anthropic SDK through the gateway', () => {
  it('creates a message (Bearer auth) and writes a pre/post pair with cost', async () => {
    const { data, response } = await client().messages.create(simple).withResponse();
    expect(data.content[0]).toEqual({ type: 'text', text: 'Hello from the fake upstream.' });
    expect(fake.calls[0]?.headers.authorization).toBe('Bearer upstream-key');
    // The built-in tenant's `sonnet` is the current Sonnet.
    expect(fake.calls[0]?.body.model).toBe('claude-sonnet-5-5');
    expect(fake.calls[0]?.body.inference_geo).toBe('global');
    const requestId = response.headers.get('request-id') ?? '';
    expect(requestId).toMatch(/^req_/);
    const pre = await waitForRecord(gateway.auditDir, requestId, 'pre_call');
    const post = await waitForRecord(gateway.auditDir, requestId, 'post_call');
    expect(pre).toMatchObject({
      tenant_id: 'local-dev',
      status: 'pending',
      model_requested: 'sonnet',
      pii_counts: { EMAIL: 1 },
    });
    expect(pre.prompt_redacted).toMatch(/\[EMAIL_[a-z2-7]+\]/);
    expect(pre.reid_envelope).not.toBeNull();
    expect(post).toMatchObject({
      status: 'ok',
      http_status: 200,
      input_tokens: 25,
      output_tokens: 12,
      cache_read_input_tokens: 100,
      cache_creation_input_tokens: 40,
      inference_geo_actual: 'global',
      upstream_attempts: 1,
    });
    expect(post.cost_usd).toBeCloseTo(costUsd('claude-sonnet-5-5', DEFAULT_USAGE, 'global') ?? -1, 9);
    expect(post.upstream_request_id).toMatch(/^req_fake_/);
  });

  it('accepts x-api-key', async () => {
    const result = await raw('/v1/messages', { body: JSON.stringify(simple) });
    expect(result.status).toBe(200);
    expect(result.json.type).toBe('message');
  });

  it('streams with messages.stream(): finalMessage equals what the upstream sent, pings pass through', async () => {
    fake.enqueue({ kind: 'stream', deltas: ['Hel', 'lo ', 'world'] });
    const stream = client().messages.stream(simple);
    const final = await stream.finalMessage();
    expect(final.content).toEqual([{ type: 'text', text: 'Hello world' }]);
    expect(final.usage.output_tokens).toBe(12);
    expect(final.usage.cache_read_input_tokens).toBe(100);

    fake.enqueue({ kind: 'stream', deltas: ['a'] });
    const result = await raw('/v1/messages', { body: JSON.stringify({ ...simple, stream: true }) });
    expect(result.text).toContain('event: ping\ndata: {"type":"ping"}\n\n');
    expect(result.text.startsWith('event: message_start\ndata: {')).toBe(true);
    expect(result.text).toContain('event: message_stop');
    const post = await waitForRecord(gateway.auditDir, result.requestId ?? '', 'post_call');
    expect(post).toMatchObject({ stream: true, status: 'ok', completion_redacted: 'a', output_tokens: 12 });
    expect(post.ttft_ms).not.toBeNull();
  });

  it('passes tools and images through unchanged and streams tool_use', async () => {
    const image = {
      type: 'image' as const,
      source: { type: 'base64' as const, media_type: 'image/png' as const, data: 'iVBORw0KGgo=' },
    };
    const tools = [
      {
        name: 'lookup',
        description: 'find',
        input_schema: { type: 'object' as const, properties: { q: { type: 'string' } } },
      },
    ];
    fake.enqueue({ kind: 'stream', deltas: ['Looking'], toolUse: { name: 'lookup', input: { q: 'weather in Pune' } } });
    const final = await client()
      .messages.stream({
        ...simple,
        tools,
        messages: [{ role: 'user', content: [image, { type: 'text', text: 'what?' }] }],
      })
      .finalMessage();
    expect(final.content[1]).toMatchObject({ type: 'tool_use', name: 'lookup', input: { q: 'weather in Pune' } });
    expect(final.stop_reason).toBe('tool_use');
    expect(fake.calls[0]?.body.tools).toEqual(tools);
    expect((fake.calls[0]?.body.messages as Array<{ content: unknown[] }>)[0]?.content[0]).toEqual(image);
  });

  it('lists the tenant models and counts tokens', async () => {
    const models = await client().models.list();
    const ids = models.data.map((m) => m.id);
    expect(ids).toEqual(expect.arrayContaining(['sonnet', 'claude-sonnet-4-6', 'haiku']));
    const strict = await client(KEYS.strict).models.list();
    expect(strict.data.map((m) => m.id)).toEqual(['sonnet', 'haiku', 'claude-sonnet-4-6', 'claude-haiku-4-5-20251001']);
    const count = await client().messages.countTokens({ model: 'haiku', messages: simple.messages });
    expect(count.input_tokens).toBe(42);
    expect(fake.calls[0]?.body.model).toBe('claude-haiku-5-5');
  });
});

describe('refusals and bad input', () => {
  it.each([
    ['residency (us not allowed)', KEYS.strict, { inference_geo: 'us' }, {}, 'residency_not_allowed'],
    [
      'non-ZDR feature without opt-in',
      KEYS.local,
      { mcp_servers: [{ type: 'url', url: 'https://mcp.example', name: 'x' }] },
      {},
      'zdr_feature_not_opted_in',
    ],
    ['classification', KEYS.strict, {}, { 'x-data-classification': 'RESTRICTED' }, 'data_classification_not_allowed'],
  ])('refuses %s with 403 and a denied record', async (_name, key, extra, headers, reason) => {
    const result = await raw('/v1/messages', {
      body: JSON.stringify({ ...simple, ...extra }),
      headers: { 'x-api-key': key, ...headers },
    });
    expect(result.status).toBe(403);
    expect(result.json).toMatchObject({
      type: 'error',
      error: { type: 'permission_error' },
      request_id: result.requestId,
    });
    const denied = await waitForRecord(gateway.auditDir, result.requestId ?? '', 'denied');
    expect(denied).toMatchObject({ status: 'denied', deny_reason: reason, http_status: 403 });
    expect(fake.calls).toHaveLength(0);
  });

  it.each([
    ['unknown model', { model: 'gpt-4' }, 'model_not_allowed'],
    ['-latest alias', { model: 'claude-sonnet-latest' }, 'model_unpinned_alias'],
  ])('refuses %s as Anthropic refuses a model it does not serve: 404 and a denied record', async (_n, extra, reason) => {
    const result = await raw('/v1/messages', { body: JSON.stringify({ ...simple, ...extra }) });
    expect(result.status).toBe(404);
    expect(result.json).toMatchObject({
      type: 'error',
      error: { type: 'not_found_error' },
      request_id: result.requestId,
    });
    const denied = await waitForRecord(gateway.auditDir, result.requestId ?? '', 'denied');
    expect(denied).toMatchObject({
      status: 'denied',
      deny_reason: reason,
      http_status: 404,
      error_type: 'not_found_error',
    });
    expect(fake.calls).toHaveLength(0);
  });

  it('SDK surfaces a policy refusal as PermissionDeniedError and a refused model as NotFoundError', async () => {
    await expect(
      client().beta.messages.create({
        ...simple,
        mcp_servers: [{ type: 'url', url: 'https://mcp.example', name: 'x' }],
      }),
    ).rejects.toBeInstanceOf(Anthropic.PermissionDeniedError);
    await expect(client().messages.create({ ...simple, model: 'gpt-4' })).rejects.toBeInstanceOf(
      Anthropic.NotFoundError,
    );
  });

  it('allows a non-ZDR feature with an opt-in and records it', async () => {
    const result = await raw('/v1/messages', {
      body: JSON.stringify({ ...simple, mcp_servers: [{ type: 'url', url: 'https://mcp.example', name: 'x' }] }),
      headers: { 'x-api-key': KEYS.optin },
    });
    expect(result.status).toBe(200);
    const pre = await waitForRecord(gateway.auditDir, result.requestId ?? '', 'pre_call');
    expect(pre).toMatchObject({ zdr_eligible: false, zdr_opt_ins: ['mcp_servers:SEC-2026-17'] });
    expect(pre.features).toContain('mcp_servers');
  });

  it.each([
    ['bad JSON', '/v1/messages', 'POST', '{"model":', 400, 'invalid_request_error'],
    [
      'missing max_tokens',
      '/v1/messages',
      'POST',
      JSON.stringify({ model: 'sonnet', messages: simple.messages }),
      400,
      'invalid_request_error',
    ],
    ['unknown route', '/v1/complete', 'POST', '{}', 404, 'not_found_error'],
    ['wrong method', '/v1/messages', 'GET', undefined, 405, 'invalid_request_error'],
  ])('%s -> %i %s', async (_name, path, method, body, status, type) => {
    const result = await raw(path, { method, ...(body !== undefined ? { body } : {}) });
    expect(result.status).toBe(status);
    expect(result.json).toMatchObject({ type: 'error', error: { type }, request_id: result.requestId });
  });

  it('refuses an oversized body with 413', async () => {
    const big = JSON.stringify({ ...simple, messages: [{ role: 'user', content: 'x'.repeat(21 * 1024 * 1024) }] });
    const result = await raw('/v1/messages', { body: big });
    expect(result.status).toBe(413);
    expect(result.json).toMatchObject({ error: { type: 'request_too_large' } });
  });

  it('refuses a missing or wrong key with 401', async () => {
    const none = await fetch(`${gateway.url}/v1/messages`, { method: 'POST', body: '{}' });
    expect(none.status).toBe(401);
    expect(none.headers.get('request-id')).toMatch(/^req_/);
    await expect(client('wrong-key').messages.create(simple)).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
  });
});

describe('upstream failures', () => {
  it('retries a 500 before the first byte', async () => {
    fake.enqueue({ kind: 'error', status: 500, type: 'api_error' });
    const { response } = await client().messages.create(simple).withResponse();
    const post = await waitForRecord(gateway.auditDir, response.headers.get('request-id') ?? '', 'post_call');
    expect(post).toMatchObject({ status: 'ok', upstream_attempts: 2, fallback_from_model: null });
  });

  it('falls back to the next allowed model after repeated 529s', async () => {
    fake.enqueue(
      { kind: 'error', status: 529, type: 'overloaded_error' },
      { kind: 'error', status: 529, type: 'overloaded_error' },
    );
    const { data, response } = await client(KEYS.strict).messages.create(simple).withResponse();
    expect(data.model).toBe('claude-haiku-4-5-20251001');
    const post = await waitForRecord(gateway.auditDir, response.headers.get('request-id') ?? '', 'post_call');
    expect(post).toMatchObject({
      model_id: 'claude-haiku-4-5-20251001',
      fallback_from_model: 'claude-sonnet-4-6',
      upstream_attempts: 3,
    });
    expect(fake.calls.map((c) => c.body.model)).toEqual([
      'claude-sonnet-4-6',
      'claude-sonnet-4-6',
      'claude-haiku-4-5-20251001',
    ]);
  });

  it('returns 529 overloaded_error when every attempt fails, and records upstream_error', async () => {
    for (let i = 0; i < 2; i++)
      fake.enqueue({ kind: 'error', status: 529, type: 'overloaded_error', message: 'Overloaded' });
    const result = await raw('/v1/messages', { body: JSON.stringify(simple) });
    expect(result.status).toBe(529);
    expect(result.json).toMatchObject({ error: { type: 'overloaded_error', message: 'Overloaded' } });
    const post = await waitForRecord(gateway.auditDir, result.requestId ?? '', 'post_call');
    expect(post).toMatchObject({
      status: 'upstream_error',
      http_status: 529,
      error_type: 'overloaded_error',
      upstream_attempts: 2,
    });
  });

  it('passes a 4xx upstream error through without retrying', async () => {
    fake.enqueue({ kind: 'error', status: 400, type: 'invalid_request_error', message: 'max_tokens: too large' });
    const result = await raw('/v1/messages', { body: JSON.stringify(simple) });
    expect(result.status).toBe(400);
    expect(result.json).toMatchObject({ error: { type: 'invalid_request_error', message: 'max_tokens: too large' } });
    expect(fake.calls).toHaveLength(1);
  });

  it('emits an SSE error event when the upstream fails mid-stream', async () => {
    fake.enqueue({ kind: 'stream', deltas: ['a', 'b', 'c'], errorAfter: 1 });
    const result = await raw('/v1/messages', { body: JSON.stringify({ ...simple, stream: true }) });
    expect(result.text).toContain('event: error\ndata: {"type":"error","error":{"type":"overloaded_error"');
    const post = await waitForRecord(gateway.auditDir, result.requestId ?? '', 'post_call');
    expect(post).toMatchObject({ status: 'upstream_error', error_type: 'overloaded_error', completion_redacted: 'a' });
  });

  it('records client_disconnected when the client goes away mid-stream, and aborts the upstream', async () => {
    fake.enqueue({ kind: 'stream', deltas: ['one', 'two', 'three'], stallAfter: 1 });
    const requestId = await new Promise<string>((resolve, reject) => {
      const req = httpRequest(`${gateway.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': KEYS.local },
      });
      req.on('response', (res) => {
        res.once('data', () => {
          resolve(String(res.headers['request-id']));
          req.destroy();
        });
      });
      req.on('error', () => undefined);
      req.end(JSON.stringify({ ...simple, stream: true }));
      setTimeout(() => reject(new Error('no response')), 3000).unref();
    });
    const post = await waitForRecord(gateway.auditDir, requestId, 'post_call');
    expect(post.status).toBe('client_disconnected');
    for (let i = 0; i < 50 && fake.abortedStreams() === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(fake.abortedStreams()).toBeGreaterThan(0);
  });
});

describe('upstream redaction mode', () => {
  it('sends tokens upstream, restores values for the client across split chunks, keeps tokens in the audit', async () => {
    const token = createTokenizer({ secret: SECRET, tenantId: 'scrub' }).tokenFor('EMAIL', EMAIL);
    fake.enqueue({
      kind: 'stream',
      deltas: ['Reply to ', token.slice(0, 4), token.slice(4, 9), `${token.slice(9)} now`],
    });
    const stream = client(KEYS.scrub).messages.stream(simple);
    const final = await stream.finalMessage();
    expect(final.content[0]).toMatchObject({ text: `Reply to ${EMAIL} now` });
    const upstreamBody = JSON.stringify(fake.calls[0]?.body);
    expect(upstreamBody).toContain(token);
    expect(upstreamBody).not.toContain(EMAIL);
    const requestId = final.id ? (await waitForAny('scrub')).request_id : '';
    const post = await waitForRecord(gateway.auditDir, requestId, 'post_call');
    expect(post.completion_redacted).toBe(`Reply to ${token} now`);
    expect(post.redaction_mode).toBe('upstream');

    fake.enqueue({ kind: 'message', text: `Mail ${token}` });
    const message = await client(KEYS.scrub).messages.create(simple);
    expect(message.content[0]).toMatchObject({ text: `Mail ${EMAIL}` });
  });
});

async function waitForAny(tenant: string) {
  for (let i = 0; i < 100; i++) {
    const found = readRecords(gateway.auditDir).find((r) => r.tenant_id === tenant && r.event === 'post_call');
    if (found) return found;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('no record');
}

describe('fail closed', () => {
  it('returns 503 and never calls the upstream when the pre-call record cannot be written', async () => {
    const failing = await startDevServer({
      port: 0,
      stateDir,
      anthropicBaseUrl: fake.url,
      anthropicApiKey: 'k',
      tokenSecret: SECRET,
      logLevel: 'CRITICAL',
      auditSink: { put: () => Promise.reject(new Error('audit store down')) },
      deadLetter: { send: () => Promise.reject(new Error('dlq down')) },
    });
    try {
      const response = await fetch(`${failing.url}/v1/messages`, {
        method: 'POST',
        headers: { 'x-api-key': KEYS.local, 'content-type': 'application/json' },
        body: JSON.stringify(simple),
      });
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ type: 'error', error: { type: 'api_error' } });
      expect(fake.calls).toHaveLength(0);
    } finally {
      await failing.close();
    }
  });
});

describe('the audit folder', () => {
  it('has pre/post pairs, matching ids, read-only files and no raw PII', async () => {
    const records = readRecords(gateway.auditDir);
    const pre = records.filter((r) => r.event === 'pre_call');
    expect(pre.length).toBeGreaterThan(5);
    for (const record of pre) {
      // Post-call records land just after the response; give the last one a moment.
      const post = await waitForRecord(gateway.auditDir, record.request_id, 'post_call');
      expect(post.prompt_sha256).toBe(record.prompt_sha256);
    }
    await waitForQuietFolder(gateway.auditDir);
    for (const file of listFiles(gateway.auditDir)) {
      expect(readFileSync(file, 'utf8')).not.toContain(EMAIL);
      expect(statSync(file).mode & 0o777).toBe(0o444);
      expect(file).toMatch(
        /audit\/v1\/dt=\d{4}-\d{2}-\d{2}\/tenant=[a-z0-9-]+\/\d{6}-req_[A-Za-z0-9_-]+-(pre_call|post_call|denied|rejected)\.json$/,
      );
    }
  });
});
