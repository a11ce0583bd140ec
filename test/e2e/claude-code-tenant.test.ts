/**
 * Claude Code against a production tenant's policy served locally (`npm run dev -- --tenant sample-tenant`, the
 * tenant of cdk.json): that tenant pins 4.x models only, so Claude Code is pointed at them the way the README says
 * (ANTHROPIC_DEFAULT_SONNET_MODEL), and the records carry the tenant, the pinned model and the betas.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { E2E_CLIENTS, ensureE2eClient } from '../../scripts/e2e-setup';
import { type FakeAnthropic, startFakeAnthropic } from '../helpers/fake-anthropic';
import { type NpmRunDev, requestIds, runClaude, startNpmRunDev, waitForCompletedCalls } from './claude-code-harness';

const TENANT = 'sample-tenant';
const LOCAL_KEY = 'claude-code-tenant-e2e-key';
const cdkTenant = (
  JSON.parse(readFileSync(join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as {
    context: { gateway: { tenants: Array<{ id: string; models: Record<string, string> }> } };
  }
).context.gateway.tenants.find((tenant) => tenant.id === TENANT);

let fake: FakeAnthropic;
let gateway: NpmRunDev;
let stateDir: string;

beforeAll(async () => {
  ensureE2eClient(E2E_CLIENTS.claudeCode);
  stateDir = mkdtempSync(join(tmpdir(), 'claude-code-tenant-e2e-'));
  fake = await startFakeAnthropic();
  gateway = await startNpmRunDev({
    upstreamUrl: fake.url,
    auditDir: join(stateDir, 'audit'),
    localKey: LOCAL_KEY,
    args: ['--tenant', TENANT],
  });
}, 120_000);

afterAll(async () => {
  await gateway?.close();
  await fake?.close();
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

describe(`Claude Code ${E2E_CLIENTS.claudeCode.version} through npm run dev -- --tenant ${TENANT}`, () => {
  it('--model sonnet with ANTHROPIC_DEFAULT_SONNET_MODEL set to the tenant pin: served and recorded', async () => {
    const pinned = cdkTenant?.models.sonnet;
    expect(pinned).toMatch(/^claude-sonnet-/);
    const before = requestIds(gateway.auditDir);
    const run = await runClaude(['-p', 'hello', '--model', 'sonnet'], {
      baseUrl: gateway.url,
      apiKey: LOCAL_KEY,
      env: { ANTHROPIC_DEFAULT_SONNET_MODEL: String(pinned) },
    });
    if (run.code !== 0) throw new Error(`claude exited ${run.code}: ${run.stdout}${run.stderr}\n${gateway.output()}`);
    expect(run.stdout.trim()).toBe('Hello from the stream.');
    expect(fake.calls.map((call) => call.body.model)).toEqual([pinned]);

    const [records] = [...(await waitForCompletedCalls(gateway.auditDir, before, 1)).values()];
    const pre = records?.find((record) => record.event === 'pre_call');
    expect(pre).toMatchObject({ tenant_id: TENANT, model_requested: pinned, model_id: pinned });
    const sent = String(fake.calls[0]?.headers['anthropic-beta']).split(',').sort();
    expect([...(pre?.betas ?? [])].sort()).toEqual(sent);
    expect(records?.find((record) => record.event === 'post_call')).toMatchObject({ status: 'ok', tenant_id: TENANT });
  });
});
