/**
 * Hostile input against the local gateway over real HTTP (raw sockets: no client library normalises the request),
 * the production handler behind it, a fake Anthropic upstream and the filesystem audit store. For every input of
 * the generated corpus: never a 5xx, errors in Anthropic's shape, no raw request value in any error; and for the
 * exact non-ZDR feature names, a refusal without an upstream call. A second test sends PII through every header and
 * field and greps every file the gateway wrote.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DevServer, startDevServer } from '../../lambdas/local/dev-server';
import { listFiles } from '../e2e/audit-files';
import { type FakeAnthropic, startFakeAnthropic } from '../helpers/fake-anthropic';
import { CANARY, CANARY_EMAIL, exactNonZdrRequests, type HostileInput, hostileCorpus } from './corpus';
import { type RawResponse, rawRequest } from './raw-http';

const KEY = 'hostile-suite-key-000000000000000000000000';
let stateDir: string;
let fake: FakeAnthropic;
let gateway: DevServer;

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'gateway-hostile-'));
  fake = await startFakeAnthropic();
  gateway = await startDevServer({
    port: 0,
    stateDir,
    anthropicBaseUrl: fake.url,
    anthropicApiKey: 'upstream-key',
    localKey: KEY,
    tokenSecret: Buffer.alloc(32, 5),
    retry: { baseDelayMs: 1, maxDelayMs: 2, maxAttemptsPerRoute: 1 },
    logLevel: 'CRITICAL',
  });
});

afterAll(async () => {
  await gateway?.close();
  await fake?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

/** Every file under `dir` once post-call writes (after the response) have finished: no `.tmp` left. */
async function settledFiles(dir: string): Promise<string[]> {
  for (let attempt = 0; attempt < 50; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    try {
      const files = listFiles(dir);
      if (!files.some((file) => file.endsWith('.tmp'))) return files;
    } catch {
      // a temporary file vanished while listing: try again
    }
  }
  throw new Error(`audit writes under ${dir} did not settle`);
}

const send = (input: HostileInput): Promise<RawResponse> =>
  rawRequest(gateway.url, { ...input, headers: { 'x-api-key': KEY, ...input.headers } });

/** Sends inputs with bounded concurrency, in corpus order. */
async function sendAll(inputs: readonly HostileInput[], concurrency = 6): Promise<RawResponse[]> {
  const results: RawResponse[] = new Array(inputs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < inputs.length) {
      const index = next++;
      const input = inputs[index] as HostileInput;
      results[index] = await send(input).catch(
        (error: unknown): RawResponse => ({ status: 0, headers: {}, body: `transport failure: ${String(error)}` }),
      );
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}

function anthropicErrorShape(body: string): boolean {
  try {
    const parsed = JSON.parse(body) as { type?: unknown; error?: { type?: unknown; message?: unknown } };
    return (
      parsed.type === 'error' && typeof parsed.error?.type === 'string' && typeof parsed.error.message === 'string'
    );
  } catch {
    return false;
  }
}

describe('hostile input', () => {
  it('never answers 5xx, always in Anthropic error shape, and never echoes a raw request value', async () => {
    // Prepare
    const corpus = hostileCorpus();
    // Act
    const responses = await sendAll(corpus);
    // Assess
    const findings = corpus.flatMap((input, i) => {
      const response = responses[i] as RawResponse;
      const problems: string[] = [];
      if (response.status === 0 || response.status >= 500) problems.push(`status ${response.status}`);
      if (input.method !== 'HEAD' && response.status >= 400 && !anthropicErrorShape(response.body)) {
        problems.push(`not Anthropic-shaped: ${response.body.slice(0, 120)}`);
      }
      if (response.status >= 400 && (response.body.includes(CANARY) || response.body.includes(CANARY_EMAIL))) {
        problems.push(`echoes the request: ${response.body.slice(0, 200)}`);
      }
      return problems.length > 0 ? [`${input.label}: ${problems.join('; ')}`] : [];
    });
    const summary = {
      inputs: corpus.length,
      status5xx: responses.filter((r) => r.status >= 500 || r.status === 0).length,
      badShape: findings.filter((f) => f.includes('not Anthropic-shaped')).length,
      echoes: findings.filter((f) => f.includes('echoes the request')).length,
      byClass: responses.reduce<Record<string, number>>((acc, r) => {
        const key = `${Math.floor(r.status / 100)}xx`;
        acc[key] = (acc[key] ?? 0) + 1;
        return acc;
      }, {}),
    };
    process.stdout.write(`hostile-input ${JSON.stringify(summary)}\n`);
    expect(findings).toEqual([]);
    expect(corpus.length).toBeGreaterThan(200);
  }, 300_000);

  it('refuses every non-ZDR feature name of the table for a tenant without opt-ins, before any upstream call', async () => {
    const inputs = exactNonZdrRequests();
    fake.reset();
    const responses = await sendAll(inputs);
    // 403 by the ZDR gate, or 400 when the value's shape is already wrong: refused either way, before any call.
    const notRefused = inputs
      .filter((_, k) => ![400, 403].includes((responses[k] as RawResponse).status))
      .map((input) => input.label);
    expect(notRefused).toEqual([]);
    expect(fake.calls).toHaveLength(0);
    expect(inputs.length).toBeGreaterThan(10);
  }, 120_000);
});

describe('raw PII through every header and field', () => {
  const PII = {
    email: 'priya.raman.leak@example.com',
    phone: '+91 98450 12345',
    pan: 'ABCPR1234K',
    aadhaar: '2345 6789 0124',
  };
  const all = Object.values(PII);
  const text = `contact ${PII.email}, ${PII.phone}, PAN ${PII.pan}, Aadhaar ${PII.aadhaar}`;
  const compact = (value: string) => value.replace(/[\s+]/g, '');

  it('writes no raw PII value to any file, whatever carried it', async () => {
    // Prepare: one request per carrier, each accepted or refused, all recorded.
    const carriers: HostileInput[] = [];
    const request = (
      label: string,
      body: Record<string, unknown>,
      headers: Record<string, string> = {},
      path = '/v1/messages',
    ) =>
      carriers.push({
        label,
        method: 'POST',
        path,
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    const base = { model: 'sonnet', max_tokens: 16, messages: [{ role: 'user', content: 'hello' }] };
    for (const header of [
      'x-use-case',
      'x-end-user',
      'x-data-classification',
      'anthropic-beta',
      'anthropic-version',
      'x-request-id',
      'user-agent',
    ]) {
      request(`header ${header}`, base, { [header]: text });
    }
    request('system', { ...base, system: text });
    request('message text', { ...base, messages: [{ role: 'user', content: text }] });
    request('model name (denied)', { ...base, model: text });
    request('model name (known prefix)', { ...base, model: `claude-${PII.email}` });
    request('metadata.user_id', { ...base, metadata: { user_id: text } });
    request('unknown top-level key name', { ...base, [PII.email]: 1, [`x_${compact(PII.phone)}`]: true });
    request('tool name and description', {
      ...base,
      tools: [
        { name: `tool_${compact(PII.phone)}`, description: text, input_schema: { type: 'object', description: text } },
      ],
    });
    request('tool_use input and tool_result', {
      ...base,
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'lookup', input: { who: text } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text }] }] },
      ],
    });
    request('document text source and title', {
      ...base,
      messages: [
        {
          role: 'user',
          content: [
            {
              type: 'document',
              title: text,
              context: text,
              source: { type: 'text', media_type: 'text/plain', data: text },
            },
          ],
        },
      ],
    });
    request('search_result', {
      ...base,
      messages: [
        {
          role: 'user',
          content: [
            {
              type: 'search_result',
              source: `https://x.example/${PII.email}`,
              title: text,
              content: [{ type: 'text', text }],
            },
          ],
        },
      ],
    });
    request('stop_sequences', { ...base, stop_sequences: [text] });
    request('unknown block type', {
      ...base,
      messages: [{ role: 'user', content: [{ type: `blk_${compact(PII.pan)}`, text }] }],
    });
    request('count_tokens', { ...base, messages: [{ role: 'user', content: text }] }, {}, '/v1/messages/count_tokens');
    request('bad JSON with PII', { raw: text });
    carriers.push({
      label: 'invalid JSON',
      method: 'POST',
      path: '/v1/messages',
      headers: { 'content-type': 'application/json' },
      body: `{"model":"${text}",`,
    });
    carriers.push({
      label: 'models path',
      method: 'GET',
      path: `/v1/models/${encodeURIComponent(text)}`,
      headers: {},
      body: '',
    });

    // Act
    const responses = await sendAll(carriers, 4);

    // Assess: every file under the gateway's state (audit records, dead letter, keys) is free of every raw value.
    expect(responses.filter((r) => r.status >= 500)).toEqual([]);
    const files = await settledFiles(stateDir);
    expect(files.filter((f) => f.includes(`${join('audit', 'v1')}`)).length).toBeGreaterThan(carriers.length);
    const leaks: string[] = [];
    for (const file of files) {
      const content = readFileSync(file).toString('latin1');
      const flat = compact(content);
      for (const value of all) {
        if (content.includes(value) || flat.includes(compact(value))) {
          const at = Math.max(0, content.indexOf(value));
          leaks.push(`${file.slice(stateDir.length)}: ${value} near ${content.slice(Math.max(0, at - 60), at)}`);
        }
      }
    }
    process.stdout.write(
      `pii-through-every-field ${JSON.stringify({ requests: carriers.length, files: files.length, leaks: leaks.length })}\n`,
    );
    expect(leaks).toEqual([]);
  }, 120_000);
});
