/**
 * The request path with in-memory ports: fail-closed audit, dead letter, timeouts, modes, logging hygiene.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import fc from 'fast-check';
import type { GatewayRequest, ResponseWriter } from '../../../lambdas/proxy/gateway-http';
import { type GatewayHandlerDeps, makeGatewayHandler } from '../../../lambdas/proxy/handler';
import type { AuditRecord } from '../../../lambdas/shared/audit/record';
import { createTokenizer } from '../../../lambdas/shared/pii';
import { type TenantConfigInput, tenantConfigSchema } from '../../../lambdas/shared/policy/tenant-config';
import type { ModelClient, UpstreamRequest, UpstreamStreamEvent } from '../../../lambdas/shared/ports';
import { fixedDataKeyProvider } from '../../helpers/fixed-data-key-provider';

const EMAIL = 'ravi.kumar@example.org';
const SECRET = Buffer.alloc(32, 3);

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
  headers: Record<string, string> = {};
  chunks: string[] = [];
  ended = false;
  closed = false;
  private onDisconnect: () => void = () => undefined;
  readonly disconnected = new Promise<void>((resolve) => {
    this.onDisconnect = resolve;
  });
  start(status: number, headers: Readonly<Record<string, string>>): void {
    this.status = status;
    this.headers = { ...headers };
  }
  write(chunk: string): void {
    this.chunks.push(chunk);
  }
  end(): void {
    this.ended = true;
  }
  disconnect(): void {
    this.closed = true;
    this.onDisconnect();
  }
  get body(): string {
    return this.chunks.join('');
  }
  json(): Record<string, unknown> {
    return JSON.parse(this.body) as Record<string, unknown>;
  }
}

const message = (text: string, content?: unknown[]) => ({
  type: 'message',
  id: 'msg_1',
  role: 'assistant',
  model: 'claude-sonnet-4-6',
  content: content ?? [{ type: 'text', text }],
  usage: { input_tokens: 10, output_tokens: 5, inference_geo: 'global' },
});

function modelClient(overrides: Partial<ModelClient> = {}): ModelClient & { requests: UpstreamRequest[] } {
  const requests: UpstreamRequest[] = [];
  return {
    provider: 'anthropic',
    requests,
    createMessage: async (request) => {
      requests.push(request);
      return { message: message('ok'), upstreamRequestId: 'req_up_1' };
    },
    streamMessage: async (request) => {
      requests.push(request);
      throw new Error('not scripted');
    },
    countTokens: async () => ({ input_tokens: 3 }),
    ...overrides,
  };
}

function setup(
  options: {
    tenant?: ReturnType<typeof tenant>;
    client?: ModelClient;
    sink?: GatewayHandlerDeps['auditSink'];
    deadLetter?: GatewayHandlerDeps['deadLetter'];
    limits?: GatewayHandlerDeps['limits'];
    logLevel?: 'INFO' | 'CRITICAL';
  } = {},
) {
  const records: AuditRecord[] = [];
  const deadLetters: AuditRecord[] = [];
  const t = options.tenant ?? tenant();
  const client: ModelClient = options.client ?? modelClient();
  const handler = makeGatewayHandler({
    tenantPolicy: (id) => (id === t.id ? t : undefined),
    modelClient: () => client,
    auditSink: options.sink ?? { put: async (record) => void records.push(record) },
    deadLetter: options.deadLetter ?? { send: async (record) => void deadLetters.push(record) },
    tokenizerFor: (tenantId) => createTokenizer({ secret: SECRET, tenantId }),
    dataKeyProvider: fixedDataKeyProvider,
    logger: new Logger({ serviceName: 'test', logLevel: options.logLevel ?? 'CRITICAL' }),
    retry: { baseDelayMs: 0, maxDelayMs: 0 },
    ...(options.limits ? { limits: options.limits } : {}),
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
  return { call, records, deadLetters, handler };
}

const body = { model: 'sonnet', max_tokens: 10, messages: [{ role: 'user', content: `mail ${EMAIL}` }] };

describe('makeGatewayHandler', () => {
  it('401s without an identity, with a request-id header', async () => {
    const { call, records } = setup();
    const response = await call({ identity: null, json: body });
    expect(response.status).toBe(401);
    expect(response.json()).toMatchObject({
      error: { type: 'authentication_error' },
      request_id: response.headers['request-id'],
    });
    expect(records).toHaveLength(0);
  });

  it('403s an unknown tenant and records the denial', async () => {
    const { call, records } = setup();
    const response = await call({ identity: { tenantId: 'ghost', principal: 'p' }, json: body });
    expect(response.status).toBe(403);
    expect(records[0]).toMatchObject({ event: 'denied', deny_reason: 'unknown_tenant', tenant_id: 'ghost' });
  });

  it('still refuses when the denied record cannot be written', async () => {
    const { call } = setup({ sink: { put: () => Promise.reject(new Error('down')) } });
    const response = await call({ json: { ...body, model: 'gpt-4' } });
    // A refused model is answered as Anthropic answers a model it does not serve.
    expect(response.status).toBe(404);
  });

  it.each([
    ['unpinned', 'leak70.user@example.com-latest', '[EMAIL]-latest'],
    ['unknown', 'leak71.user@example.com', '[EMAIL]'],
  ])('never echoes or records raw PII sent as an %s model name', async (_kind, model, recorded) => {
    const { call, records } = setup();
    const response = await call({ json: { ...body, model } });
    expect(response.status).toBe(404);
    expect(response.body).not.toContain('@example.com');
    expect(records[0]).toMatchObject({ event: 'denied', model_requested: recorded });
    expect(JSON.stringify(records)).not.toContain('@example.com');
  });

  it('still names a safe unpinned model in its 404', async () => {
    const { call } = setup();
    const response = await call({ json: { ...body, model: 'claude-sonnet-latest' } });
    expect(response.json()).toMatchObject({ error: { message: expect.stringContaining('"claude-sonnet-latest"') } });
  });

  it('fails closed: 503 and no upstream call when the pre-call record is rejected', async () => {
    const client = modelClient();
    const { call } = setup({ client, sink: { put: () => Promise.reject(new Error('down')) } });
    const response = await call({ json: body });
    expect(response.status).toBe(503);
    expect(response.json()).toMatchObject({ error: { type: 'api_error' } });
    expect(client.requests).toHaveLength(0);
  });

  it('dead-letters a rejected post-call record, and survives a failing dead letter', async () => {
    let puts = 0;
    const flaky = {
      put: async (_r: AuditRecord) => {
        puts++;
        if (puts > 1) throw new Error('down');
      },
    };
    const first = setup({ sink: flaky });
    const ok = await first.call({ json: body });
    expect(ok.status).toBe(200);
    expect(first.deadLetters[0]).toMatchObject({ event: 'post_call', status: 'ok' });

    puts = 0;
    const second = setup({ sink: flaky, deadLetter: { send: () => Promise.reject(new Error('dlq down')) } });
    expect((await second.call({ json: body })).status).toBe(200);
  });

  it('keeps no text in metadata-only mode', async () => {
    const { call, records } = setup({ tenant: tenant({ redaction: { mode: 'metadata-only' } }) });
    await call({ json: body });
    const [pre, post] = records;
    expect(pre).toMatchObject({ prompt_redacted: null, reid_envelope: null, pii_counts: { EMAIL: 1 } });
    expect(post).toMatchObject({ completion_redacted: null, reid_envelope: null, input_tokens: 10 });
    expect(post?.completion_sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('counts PII found in the attribution headers in pii_counts', async () => {
    const { call, records } = setup();
    const pan = '4111 1111 1111 1111';
    const headers = { 'x-use-case': `support for ${EMAIL} PAN ${pan}`, 'x-end-user': 'asha.rao@example.org' };
    expect((await call({ json: { ...body, messages: [{ role: 'user', content: 'hi' }] }, headers })).status).toBe(200);
    const [pre, post] = records;
    expect(pre?.use_case).toBe('support for [EMAIL] PAN [CREDIT_CARD]');
    expect(pre?.pii_counts).toEqual({ EMAIL: 2, CREDIT_CARD: 1 });
    expect(post?.pii_counts).toEqual({ EMAIL: 2, CREDIT_CARD: 1 });
    expect(JSON.stringify(records)).not.toContain(EMAIL);
  });

  it('audit mode: the model sees the original, the audit has tokens and an envelope', async () => {
    const client = modelClient();
    const { call, records } = setup({ client });
    await call({ json: body });
    expect(JSON.stringify(client.requests[0]?.body)).toContain(EMAIL);
    expect(JSON.stringify(records)).not.toContain(EMAIL);
    expect(records[0]?.reid_envelope?.key_id).toBe('test-key');
  });

  it('upstream mode restores tokens in text and tool inputs of a non-streamed reply', async () => {
    const token = createTokenizer({ secret: SECRET, tenantId: 'acme' }).tokenFor('EMAIL', EMAIL);
    const client = modelClient({
      createMessage: async (request) => {
        expect(JSON.stringify(request.body)).not.toContain(EMAIL);
        return {
          message: message('', [
            { type: 'text', text: `to ${token}` },
            { type: 'tool_use', id: 't', name: 'send', input: { to: token } },
          ]),
          upstreamRequestId: null,
        };
      },
    });
    const { call, records } = setup({ client, tenant: tenant({ redaction: { mode: 'upstream' } }) });
    const response = await call({ json: body });
    expect(response.json().content).toEqual([
      { type: 'text', text: `to ${EMAIL}` },
      { type: 'tool_use', id: 't', name: 'send', input: { to: EMAIL } },
    ]);
    expect(JSON.stringify(records)).not.toContain(EMAIL);
  });

  it('upstream mode restores a token split across input_json_delta chunks', async () => {
    const token = createTokenizer({ secret: SECRET, tenantId: 'acme' }).tokenFor('EMAIL', EMAIL);
    const json = JSON.stringify({ to: token });
    const events: UpstreamStreamEvent[] = [
      { type: 'message_start', message: { usage: { input_tokens: 3, output_tokens: 1 } } },
      { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 't', name: 'send', input: {} } },
      { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: json.slice(0, 12) } },
      { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: json.slice(12) } },
      { type: 'content_block_stop', index: 0 },
      { type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 7 } },
      { type: 'message_stop' },
    ];
    const client = modelClient({
      streamMessage: async () => ({
        upstreamRequestId: 'r',
        events: (async function* () {
          yield* events;
        })(),
      }),
    });
    const { call, records } = setup({ client, tenant: tenant({ redaction: { mode: 'upstream' } }) });
    const response = await call({ json: { ...body, stream: true } });
    const partials = response.body
      .split('\n\n')
      .filter((frame) => frame.includes('input_json_delta'))
      .map(
        (frame) =>
          (JSON.parse(frame.split('data: ')[1] ?? '{}') as { delta: { partial_json: string } }).delta.partial_json,
      );
    expect(JSON.parse(partials.join(''))).toEqual({ to: EMAIL });
    expect(records[1]).toMatchObject({ status: 'ok', input_tokens: 3, output_tokens: 7 });
  });

  it('times out a silent upstream with 504 and a timeout record', async () => {
    const client = modelClient({ createMessage: () => new Promise(() => undefined) });
    const { call, records } = setup({ client, limits: { upstreamTimeoutMs: 30 } });
    const response = await call({ json: body });
    expect(response.status).toBe(504);
    expect(records[1]).toMatchObject({ status: 'timeout', http_status: 504 });
  });

  it('records a client that left before the first byte', async () => {
    let respond: () => void = () => undefined;
    const client = modelClient({
      createMessage: (request) =>
        new Promise((_resolve, reject) => {
          respond = () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
          request.signal?.addEventListener('abort', () => respond());
        }),
    });
    const { handler, records } = setup({ client });
    const response = new MemoryResponse();
    const done = handler(
      {
        method: 'POST',
        path: '/v1/messages',
        headers: {},
        body: JSON.stringify(body),
        identity: { tenantId: 'acme', principal: 'p' },
      },
      response,
    );
    setTimeout(() => response.disconnect(), 20);
    await done;
    expect(records[1]).toMatchObject({ status: 'client_disconnected' });
  });

  it('serves /v1/models/{id}, 404s unknown models and routes, 405s wrong methods', async () => {
    const { call } = setup();
    const model = await call({ method: 'GET', path: '/v1/models/sonnet' });
    expect(model.json()).toMatchObject({ type: 'model', id: 'sonnet', display_name: 'Claude Sonnet 4.6' });
    expect((await call({ method: 'GET', path: '/v1/models/opus' })).status).toBe(404);
    expect((await call({ method: 'GET', path: '/v1/nothing' })).status).toBe(404);
    expect((await call({ method: 'DELETE', path: '/v1/messages' })).status).toBe(405);
  });

  it('counts tokens with pre/post records and zero cost', async () => {
    const { call, records } = setup();
    const response = await call({
      path: '/v1/messages/count_tokens',
      json: { model: 'sonnet', messages: body.messages },
    });
    expect(response.json()).toEqual({ input_tokens: 3 });
    expect(records.map((r) => [r.event, r.operation])).toEqual([
      ['pre_call', 'count_tokens'],
      ['post_call', 'count_tokens'],
    ]);
    expect(records[1]?.cost_usd).toBe(0);
  });

  it('never answers bad input with a 5xx', async () => {
    const { call } = setup();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc
            .record({ model: fc.string(), max_tokens: fc.anything(), messages: fc.anything() })
            .map((v) => JSON.stringify(v)),
        ),
        async (raw) => {
          const response = await call({ body: raw });
          return response.status < 500 && response.status >= 200;
        },
      ),
      { numRuns: 150 },
    );
  });

  it('logs request ids and statuses, never prompt text or PII', async () => {
    const writes: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
    const spyErr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
    try {
      const { call } = setup({
        logLevel: 'INFO',
        sink: {
          put: async (r) => {
            if (r.event === 'post_call') throw new Error('down');
          },
        },
      });
      await call({ json: body, headers: { 'x-end-user': EMAIL } });
      await call({ json: { ...body, model: 'gpt-4' } });
    } finally {
      spy.mockRestore();
      spyErr.mockRestore();
    }
    const logs = writes.join('');
    expect(logs).toContain('request_id');
    expect(logs).not.toContain(EMAIL);
    expect(logs).not.toContain('mail ');
  });
});
