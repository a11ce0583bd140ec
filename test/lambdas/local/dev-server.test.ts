/**
 * Local mode as a user runs it: the official SDK and plain HTTP against `startDevServer` (and, below, the real
 * `npm run dev` entry point in a child process), upstream a loopback fake Anthropic API.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { type DevServer, LOCAL_TENANT_ID, localTenant, startDevServer } from '../../../lambdas/local/dev-server';
import { InvalidTokenSecretError, tokenSecretFromEnv } from '../../../lambdas/local/token-secret';
import { tenantCatalogIssues } from '../../../lambdas/shared/policy/catalog-check';
import { parseGatewayConfig } from '../../../lib/config';
import { readRecords, waitForRecord } from '../../e2e/audit-files';
import { type FakeAnthropic, startFakeAnthropic } from '../../helpers/fake-anthropic';

const ROOT = join(__dirname, '..', '..', '..');
const SECRET = Buffer.alloc(32, 7);

/** A cdk.json `gateway` section with a tenant unlike the built-in one in every policy dimension. */
const GATEWAY_CONTEXT = {
  providers: { anthropic: { enabled: true } },
  modelCatalog: {
    'claude-opus-5': {
      displayName: 'Claude Opus 5',
      family: 'opus',
      createdAt: '2026-07-24T00:00:00Z',
      supportsUsInferenceGeo: true,
      price: { inputPerMTok: 5, outputPerMTok: 25 },
    },
  },
  tenants: [
    {
      id: 'acme-claims',
      provider: 'anthropic',
      models: { sonnet: 'claude-sonnet-5-5', opus: 'claude-opus-5' },
      residency: { anthropicInferenceGeo: ['us'] },
      redaction: { mode: 'metadata-only' },
      dataClassifications: { allowed: ['PUBLIC'], default: 'PUBLIC' },
    },
  ],
};

let fake: FakeAnthropic;
let stateDir: string;

beforeAll(async () => {
  fake = await startFakeAnthropic();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  stateDir = mkdtempSync(join(tmpdir(), 'gateway-local-'));
  fake.reset();
});
afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

async function serve(options: Parameters<typeof startDevServer>[0] = {}): Promise<DevServer> {
  return startDevServer({
    port: 0,
    stateDir,
    anthropicBaseUrl: fake.url,
    anthropicApiKey: 'upstream-key',
    tokenSecret: SECRET,
    logLevel: 'CRITICAL',
    ...options,
  });
}

const ask = (model: string) => ({ model, max_tokens: 16, messages: [{ role: 'user' as const, content: 'hello' }] });

describe('GATEWAY_TOKEN_SECRET', () => {
  it.each([
    ['the README default path', '.gateway/token-secret', 'looks like a file path'],
    ['a relative path', './secrets/token', 'looks like a file path'],
    ['an existing file', join(ROOT, 'package.json'), 'looks like a file path'],
    ['a short value', 'hunter2', 'is 7 bytes long, shorter than 32'],
    ['padding', ` ${'a'.repeat(40)} `, 'leading or trailing whitespace'],
  ])('refuses %s', (_name, value, reason) => {
    expect(() => tokenSecretFromEnv(value)).toThrow(InvalidTokenSecretError);
    expect(() => tokenSecretFromEnv(value)).toThrow(reason);
  });

  it('never echoes the value it refuses', () => {
    for (const value of ['hunter2', ' correct-horse-battery-staple-and-more ']) {
      expect(() => tokenSecretFromEnv(value)).toThrow(
        expect.objectContaining({ message: expect.not.stringContaining(value.trim()) }),
      );
    }
  });

  it('takes a hex or base64 secret as its UTF-8 bytes (as before, so tokens stay stable)', () => {
    const hex = 'a3'.repeat(32);
    expect(tokenSecretFromEnv(hex)).toEqual(Buffer.from(hex, 'utf8'));
    const base64 = '/q8N2sR0bX1k4cW9yZ7uT3vB5nM6pL0jH2gF8dS1aQe=';
    expect(tokenSecretFromEnv(base64).byteLength).toBe(base64.length);
  });

  it('stops startDevServer before it listens when the secret would fail every request', async () => {
    await expect(serve({ tokenSecret: Buffer.from('too-short') })).rejects.toThrow(/at least 32 bytes/);
  });
});

describe('the built-in tenant', () => {
  it.each(['anthropic', 'bedrock'] as const)('on %s lists only models it can route, so start-up passes', (provider) => {
    // Act
    const tenant = localTenant(provider);

    // Assess: Fable 5.2 has no Bedrock profile, so a Bedrock upstream leaves it out instead of failing start-up.
    expect(tenantCatalogIssues(tenant)).toEqual([]);
    expect(tenant.models).toMatchObject({
      opus: 'claude-opus-5-5',
      sonnet: 'claude-sonnet-5-5',
      haiku: 'claude-haiku-5-5',
    });
    expect('claude-fable-5-2' in tenant.models).toBe(provider === 'anthropic');
  });

  it("serves Claude Code's current models by alias and by id, and a health route without a key", async () => {
    // Prepare
    const gateway = await serve();
    const client = new Anthropic({ apiKey: 'local-dev-key', baseURL: gateway.url, maxRetries: 0 });
    try {
      // Act
      const health = await fetch(`${gateway.url}/health`);
      const replies = [];
      for (const model of ['claude-opus-5-5', 'claude-sonnet-5-5', 'claude-haiku-5-5', 'sonnet', 'haiku']) {
        replies.push((await client.messages.create(ask(model))).model);
      }
      const listed = (await client.models.list()).data.map((model) => model.id);

      // Assess
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok', tenant: LOCAL_TENANT_ID, provider: 'anthropic' });
      expect(replies).toEqual([
        'claude-opus-5-5',
        'claude-sonnet-5-5',
        'claude-haiku-5-5',
        'claude-sonnet-5-5',
        'claude-haiku-5-5',
      ]);
      expect(fake.calls.map((call) => call.body.model)).toEqual(replies);
      expect(listed).toEqual(expect.arrayContaining(['opus', 'claude-opus-5-5', 'claude-sonnet-4-6']));
      // The health check wrote nothing: only the five calls are on the record.
      expect(readRecords(gateway.auditDir).filter((record) => record.event === 'pre_call')).toHaveLength(5);
    } finally {
      await gateway.close();
    }
  });
});

describe('a cdk.json tenant', () => {
  it("serves that tenant's models, residency, redaction mode and classifications", async () => {
    // Prepare
    const config = parseGatewayConfig(GATEWAY_CONTEXT);
    const tenant = config.tenants[0];
    if (!tenant) throw new Error('no tenant');
    const gateway = await serve({ localKey: 'acme-key', localTenantConfig: tenant, modelCatalog: config.modelCatalog });
    const client = new Anthropic({ apiKey: 'acme-key', baseURL: gateway.url, maxRetries: 0 });
    try {
      // Act
      const { response } = await client.messages
        .create({ ...ask('opus'), messages: [{ role: 'user', content: 'Reach me at jane@example.com' }] })
        .withResponse();
      const notPinned = await client.messages.create(ask('claude-haiku-5-5')).catch((error: unknown) => error);
      const restricted = await client.messages
        .create(ask('sonnet'), { headers: { 'x-data-classification': 'INTERNAL' } })
        .catch((error: unknown) => error);
      const builtInKey = await new Anthropic({ apiKey: 'local-dev-key', baseURL: gateway.url, maxRetries: 0 }).messages
        .create(ask('sonnet'))
        .catch((error: unknown) => error);

      // Assess: the config-added model, on the tenant's only geo, priced from the config entry.
      expect(gateway.tenant.id).toBe('acme-claims');
      expect(fake.calls).toHaveLength(1);
      expect(fake.calls[0]?.body).toMatchObject({ model: 'claude-opus-5', inference_geo: 'us' });
      const post = await waitForRecord(gateway.auditDir, response.headers.get('request-id') ?? '', 'post_call');
      expect(post).toMatchObject({
        tenant_id: 'acme-claims',
        catalog_model_id: 'claude-opus-5',
        redaction_mode: 'metadata-only',
        prompt_redacted: null,
        data_classification: 'PUBLIC',
      });
      expect(post.pricing_version).toMatch(/\+config-/);
      expect(post.cost_usd).toBeGreaterThan(0);
      // A model outside the tenant's list is answered as Anthropic answers a model it does not serve.
      expect((notPinned as { status?: number }).status).toBe(404);
      expect((restricted as { status?: number }).status).toBe(403);
      expect((builtInKey as { status?: number }).status).toBe(401);
    } finally {
      await gateway.close();
    }
  });
});

/** `npm run dev` itself: `tsx bin/dev-server.ts`, as package.json runs it. */
function runDev(args: string[], env: Record<string, string>): ChildProcess {
  return spawn(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, 'bin', 'dev-server.ts'), ...args], {
    cwd: stateDir,
    env: { PATH: process.env.PATH ?? '', HOME: stateDir, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Resolves with stdout once the banner's last line is out, or rejects with the output when the process exits. */
function banner(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (out.includes('curl -s')) resolve(out);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      err += chunk.toString('utf8');
    });
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${err}${out}`)));
  });
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

describe('npm run dev', () => {
  jest.setTimeout(60_000);

  it('serves --tenant from cdk.json and prints the real key and the endpoints', async () => {
    // Prepare
    const configPath = join(stateDir, 'cdk.json');
    writeFileSync(configPath, JSON.stringify({ context: { gateway: GATEWAY_CONTEXT } }));
    const child = runDev(['--tenant', 'acme-claims', '--config', configPath], {
      GATEWAY_ANTHROPIC_BASE_URL: fake.url,
      ANTHROPIC_API_KEY: 'upstream-key',
      GATEWAY_LOCAL_KEY: 'acme-cli-key',
      POWERTOOLS_LOG_LEVEL: 'CRITICAL',
    });
    try {
      // Act
      const out = await banner(child);
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1] ?? '';
      const health = await fetch(`${url}/health`);
      const message = await new Anthropic({ apiKey: 'acme-cli-key', baseURL: url, maxRetries: 0 }).messages.create(
        ask('sonnet'),
      );

      // Assess
      expect(out).toContain('tenant     acme-claims');
      expect(out).toContain('redaction metadata-only');
      expect(out).toContain(`ANTHROPIC_BASE_URL=${url} ANTHROPIC_API_KEY=acme-cli-key`);
      for (const endpoint of ['POST /v1/messages', 'POST /v1/messages/count_tokens', 'GET  /v1/models', '/health']) {
        expect(out).toContain(endpoint);
      }
      expect(await health.json()).toEqual({ status: 'ok', tenant: 'acme-claims', provider: 'anthropic' });
      expect(message.model).toBe('claude-sonnet-5-5');
      expect(fake.calls[0]?.body).toMatchObject({ model: 'claude-sonnet-5-5', inference_geo: 'us' });
    } finally {
      const exited = exitOf(child);
      child.kill('SIGTERM');
      await exited;
    }
  });

  it.each<[string[], Record<string, string>, string]>([
    [['--tenant', 'nobody'], {}, 'no tenant "nobody" in cdk.json'],
    [[], { GATEWAY_TOKEN_SECRET: '.gateway/token-secret' }, 'GATEWAY_TOKEN_SECRET looks like a file path'],
    [[], { GATEWAY_ANTHROPIC_BASE_URL: '' }, 'ANTHROPIC_API_KEY is not set'],
  ])('stops start-up for %j %j', async (args, env, message) => {
    // Prepare
    const configPath = join(stateDir, 'cdk.json');
    writeFileSync(configPath, JSON.stringify({ context: { gateway: GATEWAY_CONTEXT } }));
    const base: Record<string, string> = { GATEWAY_ANTHROPIC_BASE_URL: fake.url, ANTHROPIC_API_KEY: 'k' };
    const merged = { ...base, ...env };
    if (env.GATEWAY_ANTHROPIC_BASE_URL === '') {
      delete merged.GATEWAY_ANTHROPIC_BASE_URL;
      delete merged.ANTHROPIC_API_KEY;
    }

    // Act
    const { code, stderr } = await exitOf(runDev([...args, '--config', configPath], merged));

    // Assess
    expect(code).toBe(1);
    expect(stderr).toContain(message);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
