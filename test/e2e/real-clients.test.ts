/**
 * End to end, real clients: the official Anthropic SDK (beta surface, as Claude Code uses it) -> local gateway
 * (startDevServer, filesystem audit) -> fake Anthropic upstream on loopback. Requests are shaped like what Claude
 * Code 2.1.332 sends (/work/notes/claude-code-requests.md): `role: "system"` messages, `?beta=true`, its beta set,
 * `context_management` edits, adaptive thinking. Checks what the upstream saw, and the records.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { type DevServer, startDevServer } from '../../lambdas/local/dev-server';
import { type FakeAnthropic, startFakeAnthropic } from '../helpers/fake-anthropic';
import { waitForRecord } from './audit-files';

const SECRET = Buffer.alloc(32, 9);
const KEYS = { local: 'local-dev-key', deny: 'deny-unknown-key' };
/** The beta header Claude Code 2.1.332 sends for its default model. */
const CLAUDE_CODE_BETAS = [
  'claude-code-20250219',
  'interleaved-thinking-2025-05-14',
  'context-management-2025-06-27',
  'per-turn-control-2026-07-01',
  'mid-conversation-tool-changes-2026-07-01',
  'thinking-token-count-2026-05-13',
  'advanced-tool-use-2025-11-20',
  'effort-2025-11-24',
];
const KNOWN_BETAS = ['claude-code-20250219', 'interleaved-thinking-2025-05-14', 'context-management-2025-06-27'];

let fake: FakeAnthropic;
let gateway: DevServer;
let stateDir: string;

const client = (key = KEYS.local, defaultHeaders: Record<string, string> = {}) =>
  new Anthropic({ apiKey: key, baseURL: gateway.url, maxRetries: 0, defaultHeaders });
/** Claude Code adds `?beta=true` to every call; the SDK does so with `defaultQuery`. */
const claudeCodeClient = () =>
  new Anthropic({
    apiKey: KEYS.local,
    baseURL: gateway.url,
    maxRetries: 0,
    defaultHeaders: { 'anthropic-version': '2023-06-01', 'user-agent': 'claude-cli/2.1.332 (external, sdk-cli)' },
    defaultQuery: { beta: 'true' },
  });

/** A Claude Code-shaped body (the SDK 1.12 types predate role "system" in messages, hence the cast). */
function claudeCodeBody(model = 'sonnet') {
  return {
    model,
    max_tokens: 1024,
    system: [{ type: 'text' as const, text: 'You are a Claude agent.', cache_control: { type: 'ephemeral' as const } }],
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'hello' }] },
      { role: 'system', content: [{ type: 'text', text: '# Environment', cache_control: { type: 'ephemeral' } }] },
    ] as unknown as Anthropic.Beta.BetaMessageParam[],
    thinking: { type: 'adaptive', display: 'omitted' } as unknown as Anthropic.Beta.BetaThinkingConfigParam,
    context_management: { edits: [{ type: 'clear_thinking_20251015' as const, keep: 'all' as const }] },
    metadata: { user_id: JSON.stringify({ device_id: 'd'.repeat(64), session_id: 's' }) },
  };
}

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'gateway-real-clients-'));
  fake = await startFakeAnthropic();
  gateway = await startDevServer({
    port: 0,
    stateDir,
    anthropicBaseUrl: fake.url,
    anthropicApiKey: 'upstream-key',
    tokenSecret: SECRET,
    retry: { baseDelayMs: 1, maxDelayMs: 2, maxAttemptsPerRoute: 1 },
    logLevel: 'ERROR',
    tenants: [
      {
        key: KEYS.deny,
        config: {
          id: 'deny-unknown',
          provider: 'anthropic',
          models: { sonnet: 'claude-sonnet-4-6' },
          unknownFeatures: 'deny',
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

describe('Claude Code-shaped calls through the gateway (official SDK, beta surface)', () => {
  it('streams a call with role system, its betas and context_management; forwards version, betas and ?beta=true', async () => {
    const stream = claudeCodeClient().beta.messages.stream({
      ...claudeCodeBody(),
      betas: CLAUDE_CODE_BETAS,
    });
    const final = await stream.finalMessage();
    expect(final.content[0]).toMatchObject({ type: 'text', text: 'Hello from the stream.' });
    const call = fake.calls[0];
    expect(call?.url).toBe('/v1/messages?beta=true');
    expect(call?.headers['anthropic-beta']).toBe(CLAUDE_CODE_BETAS.join(','));
    expect(call?.headers['anthropic-version']).toBe('2023-06-01');
    expect(call?.headers['user-agent']).toBe('claude-cli/2.1.332 (external, sdk-cli)');
    expect((call?.body.messages as Array<{ role: string }>).map((m) => m.role)).toEqual(['user', 'system']);
    expect(call?.body.context_management).toEqual({ edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] });

    const requestId = (await stream.withResponse()).response.headers.get('request-id') ?? '';
    const pre = await waitForRecord(gateway.auditDir, requestId, 'pre_call');
    const post = await waitForRecord(gateway.auditDir, requestId, 'post_call');
    for (const record of [pre, post]) {
      expect(record.betas).toEqual(CLAUDE_CODE_BETAS);
      expect(record.features).toEqual(
        expect.arrayContaining(['claude_code', 'context_editing', 'adaptive_thinking', 'stream']),
      );
      // Every name Claude Code sends by default is in the ZDR table: the call is ZDR-eligible.
      expect(record.features.filter((feature) => feature.startsWith('unknown_'))).toEqual([]);
      expect(record.zdr_eligible).toBe(true);
    }
    expect(post.status).toBe('ok');
  });

  it('sends the client anthropic-version as sent, not the SDK default of the gateway', async () => {
    await client(KEYS.local, { 'anthropic-version': '2099-01-01' }).messages.create({
      model: 'sonnet',
      max_tokens: 16,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(fake.calls[0]?.headers['anthropic-version']).toBe('2099-01-01');
    expect(fake.calls[0]?.url).toBe('/v1/messages');
  });

  it('unknownFeatures record (default): an unknown beta is forwarded and recorded, the call not ZDR-eligible', async () => {
    const betas = [...KNOWN_BETAS, 'Future-Feature-2027-01-01'];
    const { response } = await client()
      .beta.messages.create({ ...claudeCodeBody(), betas })
      .withResponse();
    expect(fake.calls[0]?.headers['anthropic-beta']).toBe(betas.join(','));
    const pre = await waitForRecord(gateway.auditDir, response.headers.get('request-id') ?? '', 'pre_call');
    expect(pre).toMatchObject({ zdr_eligible: false, betas: [...KNOWN_BETAS, 'future-feature-2027-01-01'] });
    expect(pre.features).toContain('unknown_beta:future-feature-2027-01-01');
  });

  it('a tenant with unknownFeatures deny refuses an unknown beta with a denied record naming it', async () => {
    const error = await client(KEYS.deny)
      .beta.messages.create({ ...claudeCodeBody(), betas: [...KNOWN_BETAS, 'brand-new-2027-01-01'] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.PermissionDeniedError);
    const requestId = (error as InstanceType<typeof Anthropic.PermissionDeniedError>).requestID ?? '';
    const denied = await waitForRecord(gateway.auditDir, requestId, 'denied');
    expect(denied).toMatchObject({
      tenant_id: 'deny-unknown',
      deny_reason: 'unknown_feature_not_allowed',
      refused_feature: 'unknown_beta:brand-new-2027-01-01',
      betas: [...KNOWN_BETAS, 'brand-new-2027-01-01'],
      model_requested: 'sonnet',
    });
    expect(fake.calls).toHaveLength(0);
  });

  it('the same tenant serves the table betas', async () => {
    const message = await client(KEYS.deny).beta.messages.create({ ...claudeCodeBody(), betas: KNOWN_BETAS });
    expect(message.content[0]).toMatchObject({ type: 'text' });
  });
});
