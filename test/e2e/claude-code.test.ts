/**
 * End to end with the real Claude Code CLI (pinned in scripts/e2e-setup.ts): `claude -p` -> `npm run dev` (built-in
 * ZDR tenant, temp audit folder) -> fake Anthropic upstream on loopback. Each run must succeed as it does against
 * Anthropic, reach the upstream as the CLI sent it, and leave a pre- and post-call record with the betas it sent.
 * What Claude Code sends is written down in docs by the capture in scripts/e2e-capture-server.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditRecord } from '../../lambdas/shared/audit/record';
import { E2E_CLIENTS, ensureE2eClient } from '../../scripts/e2e-setup';
import { type FakeAnthropic, type RecordedCall, startFakeAnthropic } from '../helpers/fake-anthropic';
import {
  type ClaudeRun,
  type NpmRunDev,
  recordsSince,
  requestIds,
  runClaude,
  startNpmRunDev,
  waitForCompletedCalls,
} from './claude-code-harness';

const LOCAL_KEY = 'claude-code-e2e-key';
const STREAM_TEXT = 'Hello from the stream.';

let fake: FakeAnthropic;
let gateway: NpmRunDev;
let stateDir: string;

beforeAll(async () => {
  // The pinned CLI, installed on demand (CI installs it first with `npm run e2e:setup`); a failure fails the suite.
  ensureE2eClient(E2E_CLIENTS.claudeCode);
  stateDir = mkdtempSync(join(tmpdir(), 'claude-code-e2e-'));
  fake = await startFakeAnthropic();
  gateway = await startNpmRunDev({ upstreamUrl: fake.url, auditDir: join(stateDir, 'audit'), localKey: LOCAL_KEY });
}, 120_000);

afterAll(async () => {
  await gateway?.close();
  await fake?.close();
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

beforeEach(() => fake.reset());

const claude = (args: readonly string[], cwd?: string): Promise<ClaudeRun> =>
  runClaude(args, { baseUrl: gateway.url, apiKey: LOCAL_KEY, ...(cwd ? { cwd } : {}) });

/** Fails with everything a reader needs: what the CLI printed and what the gateway logged. */
function expectSuccess(run: ClaudeRun): void {
  if (run.code !== 0) {
    throw new Error(
      `claude exited ${run.code} after ${run.ms} ms\nstdout: ${run.stdout}\nstderr: ${run.stderr}\n` +
        `gateway output (tail):\n${gateway.output().slice(-3000)}`,
    );
  }
}

const betasOf = (call: RecordedCall | undefined): string[] => {
  const header = call?.headers['anthropic-beta'];
  const value = Array.isArray(header) ? header.join(',') : (header ?? '');
  return value
    .split(',')
    .map((beta) => beta.trim())
    .filter(Boolean);
};

const eventOf = (records: readonly AuditRecord[], event: string): AuditRecord | undefined =>
  records.find((record) => record.event === event);

/** One pre- and one post-call record per upstream call, each carrying the betas that reached the upstream. */
function expectRecordedCalls(calls: Map<string, AuditRecord[]>, upstream: readonly RecordedCall[]): AuditRecord[] {
  const startedAt = (records: readonly AuditRecord[]): string => eventOf(records, 'pre_call')?.ts ?? '';
  const pairs = [...calls.values()].sort((a, b) => startedAt(a).localeCompare(startedAt(b)));
  expect(pairs).toHaveLength(upstream.length);
  return pairs.map((records, index) => {
    const pre = eventOf(records, 'pre_call');
    const post = eventOf(records, 'post_call');
    expect(pre).toMatchObject({ tenant_id: 'local-dev', status: 'pending' });
    expect(post).toMatchObject({ tenant_id: 'local-dev', status: 'ok', http_status: 200 });
    const sent = betasOf(upstream[index]).sort();
    expect(sent).toContain('claude-code-20250219');
    expect([...(pre?.betas ?? [])].sort()).toEqual(sent);
    expect([...(post?.betas ?? [])].sort()).toEqual(sent);
    return pre as AuditRecord;
  });
}

describe(`Claude Code ${E2E_CLIENTS.claudeCode.version} through npm run dev`, () => {
  it('claude -p with its default model: one call, passed through as sent, recorded with its betas', async () => {
    const before = requestIds(gateway.auditDir);
    const run = await claude(['-p', 'hello']);
    expectSuccess(run);
    expect(run.stdout.trim()).toBe(STREAM_TEXT);

    expect(fake.calls).toHaveLength(1);
    const upstream = fake.calls[0];
    const body = upstream?.body ?? {};
    expect(body.model).toMatch(/^claude-/);
    expect(body.stream).toBe(true);
    // Claude Code's own fields reach the upstream unchanged (issue 10, item 1).
    const roles = (body.messages as Array<{ role: string }>).map((message) => message.role);
    expect(roles[0]).toBe('user');
    expect(roles).toContain('system');
    expect(Object.keys(body)).toEqual(
      expect.arrayContaining(['system', 'tools', 'metadata', 'thinking', 'context_management', 'output_config']),
    );
    expect(betasOf(upstream)).toContain('context-management-2025-06-27');
    expect(upstream?.headers['anthropic-version']).toBe('2023-06-01');

    const calls = await waitForCompletedCalls(gateway.auditDir, before, 1);
    const [pre] = expectRecordedCalls(calls, fake.calls);
    expect(pre?.model_requested).toBe(body.model);
    // Every beta Claude Code sends by default is in the feature table (an unknown one alarms on every call), and
    // the default ZDR tenant served the call, so it is on the record as ZDR-eligible.
    expect((pre?.features ?? []).filter((feature) => feature.startsWith('unknown_'))).toEqual([]);
    expect(pre?.zdr_eligible).toBe(true);
  });

  it('claude -p --model sonnet: the alias Claude Code resolves reaches the upstream', async () => {
    const before = requestIds(gateway.auditDir);
    const run = await claude(['-p', 'hello', '--model', 'sonnet']);
    expectSuccess(run);
    expect(run.stdout.trim()).toBe(STREAM_TEXT);
    expect(fake.calls).toHaveLength(1);
    const model = String(fake.calls[0]?.body.model);
    expect(model).toMatch(/^claude-sonnet-/);
    const [pre] = expectRecordedCalls(await waitForCompletedCalls(gateway.auditDir, before, 1), fake.calls);
    expect(pre?.model_id).toBe(model);
  });

  it('claude -p --output-format stream-json --verbose: init, assistant and a successful result', async () => {
    const before = requestIds(gateway.auditDir);
    const run = await claude(['-p', 'hello', '--output-format', 'stream-json', '--verbose']);
    expectSuccess(run);
    const lines = run.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({
      type: 'system',
      subtype: 'init',
      claude_code_version: E2E_CLIENTS.claudeCode.version,
    });
    expect(lines.some((line) => line.type === 'assistant')).toBe(true);
    expect(lines.at(-1)).toMatchObject({ type: 'result', subtype: 'success', is_error: false, result: STREAM_TEXT });
    expectRecordedCalls(await waitForCompletedCalls(gateway.auditDir, before, 1), fake.calls);
  });

  it('a tool loop: tool_use for Read, the file comes back as tool_result, then the final answer', async () => {
    const work = mkdtempSync(join(tmpdir(), 'claude-tool-'));
    const marker = `e2e-marker-${Date.now().toString(36)}`;
    const file = join(work, 'note.txt');
    writeFileSync(file, `${marker}\n`);
    fake.enqueue({
      kind: 'stream',
      deltas: ['Reading the note.'],
      toolUse: { name: 'Read', input: { file_path: file } },
    });
    const before = requestIds(gateway.auditDir);
    const run = await claude(['-p', 'Read note.txt', '--allowedTools', 'Read'], work);
    expectSuccess(run);
    expect(run.stdout.trim()).toBe(STREAM_TEXT);

    expect(fake.calls).toHaveLength(2);
    const messages = fake.calls[1]?.body.messages as Array<{ role: string; content: unknown }>;
    const lastTurn = messages.at(-1)?.content as Array<Record<string, unknown>>;
    const result = lastTurn.find((block) => block.type === 'tool_result');
    expect(result).toMatchObject({ tool_use_id: 'toolu_01' });
    expect(result?.is_error).not.toBe(true);
    expect(JSON.stringify(result?.content)).toContain(marker);
    expect(messages.some((message) => message.role === 'assistant')).toBe(true);

    expectRecordedCalls(await waitForCompletedCalls(gateway.auditDir, before, 2), fake.calls);
    rmSync(work, { recursive: true, force: true });
  });

  it('a refused model: Claude Code says the model is the problem, and the refusal is on the record', async () => {
    const refused = 'claude-2.1';
    const before = requestIds(gateway.auditDir);
    const run = await claude(['-p', 'hello', '--model', refused]);
    expect(run.code).toBe(1);
    const printed = `${run.stdout}${run.stderr}`;
    expect(printed).toContain(refused);
    expect(printed).toMatch(/model/i);
    // 403 makes Claude Code print "Failed to authenticate", which sends users after their key (see the notes).
    expect(printed).not.toMatch(/authenticate/i);
    expect(fake.calls).toHaveLength(0);

    await new Promise((wait) => setTimeout(wait, 200));
    const refusals = [...recordsSince(gateway.auditDir, before).values()].flat();
    expect(refusals.length).toBeGreaterThan(0);
    for (const record of refusals) {
      expect(['denied', 'rejected']).toContain(record.event);
      expect(record).toMatchObject({ tenant_id: 'local-dev', model_requested: refused });
    }
  });
});
