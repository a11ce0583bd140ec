/**
 * End to end with the newest official Anthropic SDK (pinned in scripts/e2e-setup.ts, installed into the e2e cache
 * beside the gateway's own older pin): SDK -> `npm run dev` (built-in ZDR tenant) -> fake upstream on loopback.
 * Each call must behave as against Anthropic and leave its records; the beta call's betas must reach the
 * upstream and the record.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type AnthropicTypes from '@anthropic-ai/sdk';
import type { AuditRecord } from '../../lambdas/shared/audit/record';
import { E2E_CLIENTS, ensureE2eClient } from '../../scripts/e2e-setup';
import { type FakeAnthropic, startFakeAnthropic } from '../helpers/fake-anthropic';
import { waitForRecord } from './audit-files';
import { type NpmRunDev, startNpmRunDev } from './claude-code-harness';

const LOCAL_KEY = 'sdk-latest-e2e-key';

/**
 * The newest SDK's constructor. Its module is loaded from the cache at run time; the type is the gateway's pinned
 * SDK's, which the newer one extends (the calls below exist in both).
 */
type AnthropicClass = typeof AnthropicTypes;

let Anthropic: AnthropicClass;
let fake: FakeAnthropic;
let gateway: NpmRunDev;
let stateDir: string;

beforeAll(async () => {
  const dir = ensureE2eClient(E2E_CLIENTS.anthropicSdk);
  Anthropic = (require(dir) as { default: AnthropicClass }).default;
  stateDir = mkdtempSync(join(tmpdir(), 'sdk-latest-e2e-'));
  fake = await startFakeAnthropic();
  gateway = await startNpmRunDev({ upstreamUrl: fake.url, auditDir: join(stateDir, 'audit'), localKey: LOCAL_KEY });
}, 120_000);

afterAll(async () => {
  await gateway?.close();
  await fake?.close();
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

beforeEach(() => fake.reset());

const client = (): InstanceType<AnthropicClass> =>
  new Anthropic({ apiKey: LOCAL_KEY, baseURL: gateway.url, maxRetries: 0 });

async function recordsOf(requestId: string | null): Promise<{ pre: AuditRecord; post: AuditRecord }> {
  expect(requestId).toMatch(/^req_/);
  const pre = await waitForRecord(gateway.auditDir, requestId ?? '', 'pre_call');
  const post = await waitForRecord(gateway.auditDir, requestId ?? '', 'post_call');
  expect(pre).toMatchObject({ tenant_id: 'local-dev', status: 'pending' });
  expect(post).toMatchObject({ tenant_id: 'local-dev', status: 'ok', http_status: 200 });
  return { pre, post };
}

const hello = [{ role: 'user' as const, content: 'Hello' }];

describe(`@anthropic-ai/sdk ${E2E_CLIENTS.anthropicSdk.version} through npm run dev`, () => {
  it('reports the pinned version it was loaded at', () => {
    expect(client().constructor.name).toBe('Anthropic');
    const version = (require(join(ensureE2eClient(E2E_CLIENTS.anthropicSdk), 'version')) as { VERSION: string })
      .VERSION;
    expect(version).toBe(E2E_CLIENTS.anthropicSdk.version);
  });

  it('messages.create with a current model id, a system role message included', async () => {
    // `role: "system"` inside messages is in this SDK's MessageParam (the gateway's older typings lack it).
    const messages = [...hello, { role: 'system', content: 'Answer briefly.' }] as unknown as typeof hello;
    const { data, response } = await client()
      .messages.create({ model: 'claude-sonnet-5-5', max_tokens: 64, messages })
      .withResponse();
    expect(data.content[0]).toEqual({ type: 'text', text: 'Hello from the fake upstream.' });
    expect(fake.calls[0]?.body.messages).toEqual(messages);
    const { pre, post } = await recordsOf(response.headers.get('request-id'));
    expect(pre.model_requested).toBe('claude-sonnet-5-5');
    expect(post.input_tokens).toBe(25);
  });

  it('messages.stream: finalMessage is what the upstream streamed', async () => {
    fake.enqueue({ kind: 'stream', deltas: ['Hel', 'lo'] });
    const stream = client().messages.stream({ model: 'claude-opus-5-5', max_tokens: 64, messages: hello });
    const final = await stream.finalMessage();
    expect(final.content).toEqual([{ type: 'text', text: 'Hello' }]);
    const { response } = await stream.withResponse();
    const { post } = await recordsOf(response.headers.get('request-id'));
    expect(post).toMatchObject({ stream: true, completion_redacted: 'Hello' });
  });

  it('messages.countTokens', async () => {
    const { data, response } = await client()
      .messages.countTokens({ model: 'claude-haiku-5-5', messages: hello })
      .withResponse();
    expect(data.input_tokens).toBe(42);
    expect(fake.calls[0]?.path).toBe('/v1/messages/count_tokens');
    await recordsOf(response.headers.get('request-id'));
  });

  it('models.list shows the current models', async () => {
    const ids = [];
    for await (const model of client().models.list()) ids.push(model.id);
    expect(ids).toEqual(expect.arrayContaining(['claude-opus-5-5', 'claude-sonnet-5-5', 'claude-haiku-5-5']));
  });

  it('beta.messages.create: the betas reach the upstream and the records', async () => {
    const betas = ['context-management-2025-06-27', 'interleaved-thinking-2025-05-14'];
    const { response } = await client()
      .beta.messages.create({
        model: 'claude-sonnet-5-5',
        max_tokens: 64,
        messages: hello,
        betas,
        context_management: { edits: [{ type: 'clear_tool_uses_20250919' }] },
      })
      .withResponse();
    expect(String(fake.calls[0]?.headers['anthropic-beta']).split(',')).toEqual(betas);
    expect(fake.calls[0]?.body.context_management).toEqual({ edits: [{ type: 'clear_tool_uses_20250919' }] });
    const { pre, post } = await recordsOf(response.headers.get('request-id'));
    expect(pre.betas).toEqual(betas);
    expect(post.betas).toEqual(betas);
    expect(pre.zdr_eligible).toBe(true);
  });

  it("a refused model is the SDK's NotFoundError, with the gateway message", async () => {
    const error = await client()
      .messages.create({ model: 'claude-2.1', max_tokens: 8, messages: hello })
      .then(() => undefined)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    // 404 not_found_error, as Anthropic answers a model it does not serve (the SDK's NotFoundError).
    expect(error).toBeInstanceOf(Anthropic.NotFoundError);
    expect(String((error as Error).message)).toMatch(/model/i);
    expect(fake.calls).toHaveLength(0);
  });
});
