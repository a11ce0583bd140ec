import {
  type AnthropicModelClient,
  createAnthropicModelClient,
} from '../../../../lambdas/shared/adapters/anthropic-model-client';
import { UpstreamError, type UpstreamStreamEvent } from '../../../../lambdas/shared/ports';
import { type FakeAnthropic, startFakeAnthropic } from '../../../helpers/fake-anthropic';

let fake: FakeAnthropic;
let client: AnthropicModelClient;

const request = (extra: Partial<Parameters<AnthropicModelClient['createMessage']>[0]> = {}) => ({
  modelId: 'claude-sonnet-4-6',
  body: { max_tokens: 16, messages: [{ role: 'user', content: 'hi' }], future_param: { a: 1 } },
  betas: [],
  ...extra,
});

beforeAll(async () => {
  fake = await startFakeAnthropic();
  client = createAnthropicModelClient({ apiKey: 'sk-test', baseURL: fake.url });
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

describe('AnthropicModelClient', () => {
  it('creates a message with model, inference_geo, betas and the key; returns the upstream request id', async () => {
    const result = await client.createMessage(request({ inferenceGeo: 'us', betas: ['files-api-2025-04-14', 'x-1'] }));
    expect(result.message.type).toBe('message');
    expect(result.upstreamRequestId).toMatch(/^req_fake_/);
    const call = fake.calls[0];
    expect(call?.body).toMatchObject({ model: 'claude-sonnet-4-6', inference_geo: 'us', future_param: { a: 1 } });
    expect(call?.body.stream).toBeUndefined();
    expect(call?.headers['anthropic-beta']).toBe('files-api-2025-04-14,x-1');
    expect(call?.headers.authorization ?? call?.headers['x-api-key']).toContain('sk-test');
  });

  it('sends the client headers and query string as sent, over the SDK defaults, on every operation', async () => {
    const passThrough = {
      betas: ['context-management-2025-06-27'],
      clientHeaders: {
        'anthropic-version': '2099-01-01',
        'anthropic-beta': 'Context-Management-2025-06-27, claude-code-20250219',
        'user-agent': 'claude-cli/2.1.332 (external, sdk-cli)',
      },
      query: 'beta=true',
    };
    await client.createMessage(request(passThrough));
    await client.countTokens(request(passThrough));
    const stream = await client.streamMessage(request(passThrough));
    for await (const _event of stream.events) {
      // drain
    }
    expect(fake.calls).toHaveLength(3);
    for (const call of fake.calls) {
      expect(call.url).toMatch(/^\/v1\/messages(\/count_tokens)?\?beta=true$/);
      expect(call.headers['anthropic-version']).toBe('2099-01-01');
      expect(call.headers['anthropic-beta']).toBe('Context-Management-2025-06-27, claude-code-20250219');
      expect(call.headers['user-agent']).toBe('claude-cli/2.1.332 (external, sdk-cli)');
    }
  });

  it('without client headers sends the SDK default version and the betas', async () => {
    await client.createMessage(request({ betas: ['a-1'] }));
    // The gateway SDK's own default (2026-10-21 in SDK 1.12): what a client's version used to be replaced by.
    expect(fake.calls[0]?.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(fake.calls[0]?.headers['anthropic-beta']).toBe('a-1');
    expect(fake.calls[0]?.url).toBe('/v1/messages');
  });

  it('omits inference_geo when not set', async () => {
    await client.createMessage(request());
    expect(fake.calls[0]?.body).not.toHaveProperty('inference_geo');
  });

  it('streams every event, pings included, in order', async () => {
    fake.enqueue({ kind: 'stream', deltas: ['a', 'b'] });
    const stream = await client.streamMessage(request());
    const types: string[] = [];
    for await (const event of stream.events) types.push(event.type);
    expect(types).toEqual([
      'message_start',
      'ping',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(fake.calls[0]?.body.stream).toBe(true);
    expect(stream.upstreamRequestId).toMatch(/^req_fake_/);
  });

  it.each([
    [429, 'rate_limit_error', true],
    [500, 'api_error', true],
    [529, 'overloaded_error', true],
    [400, 'invalid_request_error', false],
    [403, 'permission_error', false],
  ])('maps %i to UpstreamError %s (retryable %s), without SDK retries', async (status, type, retryable) => {
    fake.enqueue({ kind: 'error', status, type, message: 'nope' });
    const error = await client.createMessage(request()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ status, errorType: type, retryable, message: 'nope' });
    expect(fake.calls).toHaveLength(1);
  });

  it('maps errors before the stream starts and mid-stream', async () => {
    fake.enqueue({ kind: 'error', status: 529, type: 'overloaded_error' });
    await expect(client.streamMessage(request())).rejects.toMatchObject({ status: 529, retryable: true });
    fake.enqueue({ kind: 'stream', deltas: ['a', 'b'], errorAfter: 1 });
    const stream = await client.streamMessage(request());
    const seen: UpstreamStreamEvent[] = [];
    const error = await (async () => {
      for await (const event of stream.events) seen.push(event);
    })().catch((e: unknown) => e);
    expect(error).toMatchObject({ errorType: 'overloaded_error', retryable: false });
    expect(seen.some((e) => e.type === 'content_block_delta')).toBe(true);
  });

  it('maps a refused connection to a retryable error', async () => {
    const dead = createAnthropicModelClient({ apiKey: 'k', baseURL: 'http://127.0.0.1:1' });
    await expect(dead.createMessage(request())).rejects.toMatchObject({ retryable: true, errorType: 'api_error' });
  });

  it('aborts a stalled stream when the signal fires', async () => {
    fake.enqueue({ kind: 'stream', deltas: ['a', 'b'], stallAfter: 1 });
    const controller = new AbortController();
    const stream = await client.streamMessage(request({ signal: controller.signal }));
    const consumed = (async () => {
      for await (const _event of stream.events) {
        // keep reading until aborted
      }
    })().catch((e: unknown) => e);
    setTimeout(() => controller.abort(), 50);
    await consumed;
    for (let i = 0; i < 50 && fake.abortedStreams() === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(fake.abortedStreams()).toBeGreaterThan(0);
  });

  it('counts tokens', async () => {
    await expect(client.countTokens(request())).resolves.toEqual({ input_tokens: 42 });
    expect(fake.calls[0]?.path).toBe('/v1/messages/count_tokens');
  });
});
