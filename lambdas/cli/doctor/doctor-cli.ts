/**
 * `npm run doctor`: checks a deployed gateway in its account (the step after `cdk deploy`). Reads both stacks'
 * outputs, runs each check (one file each, one AWS client each), prints PASS/FAIL with the fix, and returns
 * the exit code: 0 nothing failed, 1 a check failed (or the stacks could not be read), 2 bad usage.
 * All clients and I/O are injected (bin/doctor.ts builds the real ones).
 */
import { parseArgs } from 'node:util';
import { type CheckResult, type DoctorCheck, describeError, runCheck } from './check';
import { type DoctorReport, formatJson, formatText } from './report';
import type { StackOutputs } from './stack-outputs';

export const DOCTOR_EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Environment variable that may hold the canary's tenant key (keeps it out of shell history and `ps`). */
export const DOCTOR_API_KEY_ENV = 'GATEWAY_DOCTOR_API_KEY';

export interface DoctorOptions {
  readonly stackNamePrefix: string;
  readonly region: string;
  readonly json: boolean;
  readonly only?: readonly string[];
  readonly skipCanary: boolean;
  readonly tenantId?: string;
  readonly apiKey?: string;
  readonly model?: string;
  readonly cloudTrailWaitSeconds: number;
}

export interface DoctorDeps {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Milliseconds, for check durations. */
  readonly clock: () => number;
  /** Defaults for `--prefix` and `--region` (bin/doctor.ts reads them from cdk.json). */
  readonly defaults: { readonly stackNamePrefix: string; readonly region: string };
  readonly readOutputs: (options: DoctorOptions) => Promise<StackOutputs>;
  /** The checks to run, in order, with clients for `options.region`. */
  readonly checks: (options: DoctorOptions) => readonly DoctorCheck[];
}

const USAGE = `Usage: npm run doctor -- [options]

Checks a deployed gateway: Object Lock on the buckets, Bedrock invocation logging, the trail, the alarm
subscription, Lambda runtimes, the bedrock-runtime endpoint, and a canary call through the API whose audit
records and CloudTrail event it finds. Prints PASS/FAIL with the fix; exits 1 if any check fails.

Options:
  --prefix <name>                 Stack name prefix (default: gateway.stackNamePrefix in cdk.json)
  --region <region>               Deployment region (default: gateway.region in cdk.json)
  --json                          One JSON document on stdout
  --only <id,id>                  Run only these checks
  --skip-canary                   Do not call the API (the canary writes two audit records kept for the retention period)
  --tenant <id>                   Canary tenant (default: the Gateway stack's CanaryTenantId output)
  --api-key <key>                 Canary tenant key (prefer ${DOCTOR_API_KEY_ENV}; default: read the tenant's key secret)
  --model <id>                    Canary model (default: the first the tenant's GET /v1/models lists)
  --cloudtrail-wait-seconds <n>   How long to wait for the canary's CloudTrail event (default 900)
  -h, --help                      This text
`;

class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function parseDoctorArgs(
  argv: readonly string[],
  env: DoctorDeps['env'],
  defaults: DoctorDeps['defaults'],
): DoctorOptions | 'help' {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new UsageError(describeError(error));
  }
  const { values } = parsed;
  if (values.help) return 'help';
  const waitSeconds = values['cloudtrail-wait-seconds'] === undefined ? 900 : Number(values['cloudtrail-wait-seconds']);
  if (!Number.isInteger(waitSeconds) || waitSeconds < 0 || waitSeconds > 3600) {
    throw new UsageError(
      `--cloudtrail-wait-seconds must be a whole number from 0 to 3600 (got "${values['cloudtrail-wait-seconds']}")`,
    );
  }
  const apiKey = values['api-key'] ?? env[DOCTOR_API_KEY_ENV];
  if (apiKey !== undefined && values.tenant === undefined) {
    throw new UsageError('--api-key (or GATEWAY_DOCTOR_API_KEY) needs --tenant: the records are looked up under it');
  }
  const only = values.only
    ?.split(',')
    .map((id) => id.trim())
    .filter((id) => id.length > 0);
  return {
    stackNamePrefix: values.prefix ?? defaults.stackNamePrefix,
    region: values.region ?? defaults.region,
    json: values.json ?? false,
    skipCanary: values['skip-canary'] ?? false,
    cloudTrailWaitSeconds: waitSeconds,
    ...(only ? { only } : {}),
    ...(values.tenant !== undefined ? { tenantId: values.tenant } : {}),
    ...(apiKey !== undefined && apiKey !== '' ? { apiKey } : {}),
    ...(values.model !== undefined ? { model: values.model } : {}),
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      prefix: { type: 'string' },
      region: { type: 'string' },
      json: { type: 'boolean' },
      only: { type: 'string' },
      'skip-canary': { type: 'boolean' },
      tenant: { type: 'string' },
      'api-key': { type: 'string' },
      model: { type: 'string' },
      'cloudtrail-wait-seconds': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

export async function runDoctor(argv: readonly string[], deps: DoctorDeps): Promise<number> {
  let options: DoctorOptions;
  try {
    const parsed = parseDoctorArgs(argv, deps.env, deps.defaults);
    if (parsed === 'help') {
      deps.stdout(USAGE);
      return DOCTOR_EXIT.ok;
    }
    options = parsed;
  } catch (error) {
    deps.stderr(`${describeError(error)}\n\n${USAGE}`);
    return DOCTOR_EXIT.usage;
  }

  const all = deps.checks(options);
  const unknown = (options.only ?? []).filter((id) => !all.some((check) => check.id === id));
  if (unknown.length > 0) {
    deps.stderr(`unknown check(s): ${unknown.join(', ')}; known: ${all.map((check) => check.id).join(', ')}\n`);
    return DOCTOR_EXIT.usage;
  }
  const selected = all.filter(
    (check) =>
      (options.only ? options.only.includes(check.id) : true) && !(options.skipCanary && check.id === 'canary'),
  );

  const started = deps.clock();
  let outputs: StackOutputs;
  const results: CheckResult[] = [];
  try {
    outputs = await deps.readOutputs(options);
  } catch (error) {
    results.push({
      id: 'stack-outputs',
      title: 'Stack outputs',
      status: 'fail',
      summary: `cannot read the ${options.stackNamePrefix} stacks in ${options.region}: ${describeError(error)}`,
      fix:
        'deploy first (npx cdk deploy --all), or pass --prefix/--region of the deployment, with credentials that may ' +
        'call cloudformation:DescribeStacks',
      durationMs: deps.clock() - started,
    });
    return finish(deps, options, results);
  }
  for (const check of selected) {
    // Progress on stderr: the canary can wait minutes for CloudTrail.
    if (!options.json) deps.stderr(`checking ${check.id}...\n`);
    results.push(await runCheck(check, { outputs, region: options.region }, deps.clock));
  }
  return finish(deps, options, results);
}

function finish(deps: DoctorDeps, options: DoctorOptions, results: readonly CheckResult[]): number {
  const report: DoctorReport = {
    ok: results.every((result) => result.status !== 'fail'),
    region: options.region,
    stackNamePrefix: options.stackNamePrefix,
    checks: results,
  };
  deps.stdout(options.json ? formatJson(report) : formatText(report));
  return report.ok ? DOCTOR_EXIT.ok : DOCTOR_EXIT.failed;
}
