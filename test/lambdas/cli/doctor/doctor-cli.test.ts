import type { CheckOutcome, DoctorCheck } from '../../../../lambdas/cli/doctor/check';
import { DOCTOR_EXIT, type DoctorDeps, type DoctorOptions, runDoctor } from '../../../../lambdas/cli/doctor/doctor-cli';
import type { DoctorReport } from '../../../../lambdas/cli/doctor/report';
import { outputsFixture } from './fixtures';

/** A check that answers `outcome` and records that it ran. */
function checkAnswering(id: string, outcome: CheckOutcome, ran: string[]): DoctorCheck {
  return {
    id,
    title: id,
    run: async () => {
      ran.push(id);
      return outcome;
    },
  };
}

function harness(outcomes: Record<string, CheckOutcome>, overrides: Partial<DoctorDeps> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const ran: string[] = [];
  const optionsSeen: DoctorOptions[] = [];
  const deps: DoctorDeps = {
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    env: {},
    clock: () => 0,
    defaults: { stackNamePrefix: 'ClaudeGateway', region: 'ap-south-1' },
    readOutputs: async (options) => {
      optionsSeen.push(options);
      return outputsFixture();
    },
    checks: (options) => {
      optionsSeen.push(options);
      return Object.entries(outcomes).map(([id, outcome]) => checkAnswering(id, outcome, ran));
    },
    ...overrides,
  };
  return { deps, out, err, ran, optionsSeen, stdout: () => out.join(''), stderr: () => err.join('') };
}

const ok: CheckOutcome = { status: 'pass', summary: 'fine' };
const broken: CheckOutcome = { status: 'fail', summary: 'broken', fix: 'mend it', details: ['the detail'] };

describe('runDoctor', () => {
  it('prints PASS and FAIL lines with details and the fix, and exits 1 when a check fails', async () => {
    const h = harness({ 'audit-bucket-object-lock': ok, cloudtrail: broken });

    const code = await runDoctor([], h.deps);

    expect(code).toBe(DOCTOR_EXIT.failed);
    expect(h.stdout()).toContain('PASS  audit-bucket-object-lock: fine\n');
    expect(h.stdout()).toContain('FAIL  cloudtrail: broken\n        the detail\n  fix:  mend it\n');
    expect(h.stdout()).toContain('ClaudeGateway in ap-south-1: 1 passed, 1 failed, 0 skipped');
    expect(h.stderr()).toContain('checking cloudtrail...');
  });

  it('exits 0 when nothing failed, skips included', async () => {
    const h = harness({ a: ok, b: { status: 'skip', summary: 'not configured' } });
    expect(await runDoctor([], h.deps)).toBe(DOCTOR_EXIT.ok);
  });

  it('emits one JSON document with --json, and nothing on stderr', async () => {
    const h = harness({ a: ok, b: broken });

    const code = await runDoctor(['--json', '--prefix', 'Acme', '--region', 'eu-west-1'], h.deps);

    const report = JSON.parse(h.stdout()) as DoctorReport;
    expect(code).toBe(DOCTOR_EXIT.failed);
    expect(report).toMatchObject({ ok: false, region: 'eu-west-1', stackNamePrefix: 'Acme' });
    expect(report.checks.map((check) => [check.id, check.status, check.fix])).toEqual([
      ['a', 'pass', undefined],
      ['b', 'fail', 'mend it'],
    ]);
    expect(h.stderr()).toBe('');
    expect(h.optionsSeen[0]).toMatchObject({ stackNamePrefix: 'Acme', region: 'eu-west-1' });
  });

  it('runs only the checks --only names, and never the canary with --skip-canary', async () => {
    const h = harness({ a: ok, b: ok, canary: ok });

    await runDoctor(['--only', 'a,canary', '--skip-canary'], h.deps);

    expect(h.ran).toEqual(['a']);
  });

  it('reports unreadable stacks as one failed check with the fix, without running the others', async () => {
    const h = harness(
      { a: ok },
      {
        readOutputs: async () => {
          throw new Error('stack ClaudeGateway-Gateway is ROLLBACK_COMPLETE');
        },
      },
    );

    const code = await runDoctor(['--json'], h.deps);

    const report = JSON.parse(h.stdout()) as DoctorReport;
    expect(code).toBe(DOCTOR_EXIT.failed);
    expect(report.checks).toHaveLength(1);
    expect(report.checks[0]).toMatchObject({ id: 'stack-outputs', status: 'fail' });
    expect(report.checks[0]?.summary).toContain('ROLLBACK_COMPLETE');
    expect(h.ran).toEqual([]);
  });

  it('takes the canary key from GATEWAY_DOCTOR_API_KEY with --tenant, and passes the canary flags on', async () => {
    const h = harness({ a: ok }, { env: { GATEWAY_DOCTOR_API_KEY: 'key-from-env' } });

    await runDoctor(['--tenant', 'acme', '--model', 'haiku', '--cloudtrail-wait-seconds', '60'], h.deps);

    expect(h.optionsSeen[0]).toMatchObject({
      tenantId: 'acme',
      apiKey: 'key-from-env',
      model: 'haiku',
      cloudTrailWaitSeconds: 60,
    });
    expect(h.stdout()).not.toContain('key-from-env');
  });

  it.each([
    [['--frobnicate'], 'Unknown option'],
    [['--api-key', 'k'], 'needs --tenant'],
    [['--cloudtrail-wait-seconds', 'soon'], 'whole number'],
    [['--only', 'nonsense'], 'unknown check(s): nonsense'],
  ])('refuses %j with usage exit 2', async (argv, message) => {
    const h = harness({ a: ok });

    expect(await runDoctor(argv, h.deps)).toBe(DOCTOR_EXIT.usage);
    expect(h.stderr()).toContain(message);
    expect(h.ran).toEqual([]);
  });

  it('prints usage with --help', async () => {
    const h = harness({});
    expect(await runDoctor(['--help'], h.deps)).toBe(DOCTOR_EXIT.ok);
    expect(h.stdout()).toContain('Usage: npm run doctor');
  });
});
