/**
 * `npm run bench:cold-start`: bundle size and module init time of every Lambda function the app deploys, side by
 * side with a bare handler bundled the same way, in one run.
 *
 * 1. Builds the app from cdk.json without bundling and reads each house function's entry, handler, esbuild settings
 *    (GatewayFunction.bundling) and environment (the template's, references replaced by dummies).
 * 2. Bundles each distinct (entry, settings) pair with esbuild into a temp dir, with the options CDK passes to
 *    esbuild for those settings (bench/cold-start/esbuild-options.ts, checked against CDK by a test), plus a
 *    metafile: bundle bytes and a breakdown by package.
 * 3. Requires each built asset in fresh child processes (bench/cold-start/init-probe.cjs) with a Lambda-like
 *    environment and no inherited variables, BENCH_RUNS times, with and without `--enable-source-maps` (set through
 *    NODE_OPTIONS, as the construct does), interleaving functions and variants so that load on this shared machine
 *    hits all of them alike. Reports the median and p90 of the `require` time, the median minus the bare bundle's,
 *    and any network connection init attempted (refused in the child: there is no AWS here).
 *
 * What it does not measure: the Lambda sandbox and runtime start (Lambda's `Init Duration` adds them), the lower
 * CPU share of a small function (a 1,024 MB function gets about 0.6 vCPU), and Node 22 (this machine runs Node 20).
 * Modules the construct leaves external (the authorizer's Secrets Manager client) resolve from this repository's
 * node_modules through NODE_PATH, as Lambda resolves them from the runtime's SDK.
 *
 * Environment: BENCH_RUNS (15 per function and variant), BENCH_SETTLE_MS (150: time after init in which connections
 * are still recorded), BENCH_FUNCTIONS (comma-separated substrings of function names), BENCH_KEEP=1 keeps the temp dir.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { GATEWAY_RUNTIME, gatewayBundling } from '../lib/constructs/gateway-function';
import { type BundleBreakdown, breakDown, FAMILIES } from './cold-start/bundle-breakdown';
import { type DeployedFunction, deployedFunctions, PROJECT_ROOT } from './cold-start/deployed-functions';
import { type BundleTarget, esbuildOptionsFor } from './cold-start/esbuild-options';

const RUNS = positiveInteger('BENCH_RUNS', 15);
const SETTLE_MS = positiveInteger('BENCH_SETTLE_MS', 150);
const FILTER = (process.env.BENCH_FUNCTIONS ?? '').split(',').filter((part) => part !== '');
const PROBE = join(__dirname, 'cold-start', 'init-probe.cjs');
const SOURCE_MAPS = '--enable-source-maps';

/** What gets required in the children: a deployed function, or the bare baseline. */
interface InitTarget {
  readonly name: string;
  readonly bundleKey: string;
  readonly handlerExport: string;
  readonly memorySize: number;
  readonly environment: Readonly<Record<string, string>>;
  /** Whether the deployed function runs with --enable-source-maps. */
  readonly deployedWithSourceMaps: boolean;
}

interface BuiltBundle {
  readonly dir: string;
  readonly bytes: number;
  readonly mapBytes: number;
  readonly breakdown: BundleBreakdown;
}

interface ProbeResult {
  readonly initMs: number;
  readonly exportIsFunction: boolean;
  readonly error?: string;
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  readonly connections: ReadonlyArray<{ readonly target: string; readonly atMs: number }>;
}

type Variant = 'plain' | 'sourceMaps';
const VARIANTS: readonly Variant[] = ['plain', 'sourceMaps'];

async function main(): Promise<void> {
  const started = Date.now();
  const functions = deployedFunctions().filter(
    (fn) => FILTER.length === 0 || FILTER.some((part) => fn.name.includes(part)),
  );
  if (functions.length === 0) throw new Error(`no function matches BENCH_FUNCTIONS=${FILTER.join(',')}`);
  const synthSeconds = (Date.now() - started) / 1000;

  const workDir = mkdtempSync(join(tmpdir(), 'cold-start-'));
  try {
    const bare: BundleTarget = {
      entry: join(__dirname, 'cold-start', 'bare-handler.ts'),
      bundling: gatewayBundling({}),
    };
    const bundleTargets = new Map<string, BundleTarget>([[bundleKeyOf(bare), bare]]);
    for (const fn of functions) bundleTargets.set(bundleKeyOf(fn), fn);
    const bundles = new Map<string, BuiltBundle>();
    let index = 0;
    for (const [key, target] of bundleTargets) {
      bundles.set(key, await bundle(target, join(workDir, `bundle-${index++}`)));
    }

    const targets: InitTarget[] = [
      {
        name: 'bare (baseline)',
        bundleKey: bundleKeyOf(bare),
        handlerExport: 'handler',
        memorySize: 128,
        environment: { POWERTOOLS_SERVICE_NAME: 'bare' },
        deployedWithSourceMaps: true,
      },
      ...functions.map((fn) => initTargetOf(fn)),
    ];
    const samples = new Map<string, number[]>();
    const lastResult = new Map<string, ProbeResult>();
    // One discarded warm-up round (file cache), then interleaved measured rounds.
    for (let round = 0; round <= RUNS; round++) {
      for (const target of targets) {
        for (const variant of VARIANTS) {
          const result = probe(target, required(bundles.get(target.bundleKey)), variant);
          if (result.error !== undefined || !result.exportIsFunction) {
            throw new Error(`${target.name}: init failed (${result.error ?? `no function ${target.handlerExport}`})`);
          }
          if (round === 0) continue;
          const key = `${target.name}/${variant}`;
          samples.set(key, [...(samples.get(key) ?? []), result.initMs]);
          lastResult.set(key, result);
        }
      }
    }

    printReport({ functions, targets, bundles, samples, lastResult, synthSeconds });
    process.stdout.write(`\ntotal ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  } finally {
    if (process.env.BENCH_KEEP === '1') process.stdout.write(`bundles kept in ${workDir}\n`);
    else rmSync(workDir, { recursive: true, force: true });
  }
}

function bundleKeyOf(target: BundleTarget): string {
  return JSON.stringify([target.entry, target.bundling]);
}

async function bundle(target: BundleTarget, dir: string): Promise<BuiltBundle> {
  mkdirSync(dir, { recursive: true });
  const result = await build({ ...esbuildOptionsFor(target, dir, PROJECT_ROOT), metafile: true, logLevel: 'error' });
  const mapPath = join(dir, 'index.js.map');
  return {
    dir,
    bytes: statSync(join(dir, 'index.js')).size,
    mapBytes: target.bundling.sourceMap ? statSync(mapPath).size : 0,
    breakdown: breakDown(result.metafile),
  };
}

function initTargetOf(fn: DeployedFunction): InitTarget {
  return {
    name: fn.name,
    bundleKey: bundleKeyOf(fn),
    handlerExport: fn.handlerExport,
    memorySize: fn.memorySize,
    environment: fn.environment,
    deployedWithSourceMaps: (fn.environment.NODE_OPTIONS ?? '').includes(SOURCE_MAPS),
  };
}

/**
 * The variables Lambda defines for every function (AWS Lambda developer guide, "Defined runtime environment
 * variables"), with dummy values: credentials as the runtime passes them, so that no SDK client looks for IMDS.
 */
function lambdaEnvironment(target: InitTarget, taskRoot: string): Record<string, string> {
  const functionName = `ClaudeGateway-${target.name.replace(/[^a-z0-9-]/g, '')}`;
  return {
    PATH: '/usr/local/bin:/usr/bin/:/bin',
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    AWS_REGION: 'ap-south-1',
    AWS_DEFAULT_REGION: 'ap-south-1',
    AWS_EXECUTION_ENV: `AWS_Lambda_${GATEWAY_RUNTIME.name}`,
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(target.memorySize),
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: '2026/12/04/[$LATEST]00000000000000000000000000000000',
    AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9001',
    AWS_ACCESS_KEY_ID: 'ASIADUMMYDUMMYDUMMY0',
    AWS_SECRET_ACCESS_KEY: 'dummy-secret-access-key-for-the-cold-start-bench',
    AWS_SESSION_TOKEN: 'dummy-session-token',
    LAMBDA_TASK_ROOT: taskRoot,
    _HANDLER: `index.${target.handlerExport}`,
    NODE_PATH: join(PROJECT_ROOT, 'node_modules'),
  };
}

function probe(target: InitTarget, built: BuiltBundle, variant: Variant): ProbeResult {
  const { NODE_OPTIONS: _deployedOptions, ...functionEnvironment } = target.environment;
  const env = {
    ...lambdaEnvironment(target, built.dir),
    ...functionEnvironment,
    ...(variant === 'sourceMaps' ? { NODE_OPTIONS: SOURCE_MAPS } : {}),
  };
  const child = spawnSync(
    process.execPath,
    [PROBE, join(built.dir, 'index.js'), target.handlerExport, `${SETTLE_MS}`],
    {
      cwd: built.dir,
      env,
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      timeout: 60_000,
    },
  );
  const line = child.output[3]?.toString().trim();
  if (child.status !== 0 || line === undefined || line === '') {
    throw new Error(`${target.name}: probe exited with ${child.status}: ${child.stderr?.toString().slice(0, 2000)}`);
  }
  return JSON.parse(line) as ProbeResult;
}

interface Report {
  readonly functions: readonly DeployedFunction[];
  readonly targets: readonly InitTarget[];
  readonly bundles: ReadonlyMap<string, BuiltBundle>;
  readonly samples: ReadonlyMap<string, number[]>;
  readonly lastResult: ReadonlyMap<string, ProbeResult>;
  readonly synthSeconds: number;
}

function printReport(report: Report): void {
  const { targets, bundles, samples, lastResult } = report;
  const out = (line = ''): void => {
    process.stdout.write(`${line}\n`);
  };
  out(
    `cold start: ${RUNS} runs per function and variant, interleaved; Node ${process.version}; ` +
      `${cpus().length} x ${cpus()[0]?.model ?? '?'}; load ${loadavg()
        .map((value) => value.toFixed(2))
        .join(' ')}; app built in ${report.synthSeconds.toFixed(1)} s`,
  );

  out(
    '\nBundles (minified, as CDK builds them; % of index.js by package family from the esbuild metafile; the rest ' +
      'is esbuild module wrappers)',
  );
  const familyHeads = FAMILIES.map((family) => family.replace('@aws-lambda-powertools/*', 'powertools'));
  const bundleRows = targets.map((target) => {
    const built = required(bundles.get(target.bundleKey));
    return [
      target.name,
      bytes(built.bytes),
      built.mapBytes > 0 ? bytes(built.mapBytes) : '-',
      bytes(built.breakdown.dynamicOnlyBytes),
      ...FAMILIES.map((family) => percent(built.breakdown.families[family], built.bytes)),
    ];
  });
  table(['function', 'index.js', 'map', 'dyn-import only', ...familyHeads], bundleRows);

  out('\nModule init: require() of index.js in a fresh process, ms (median / p90); minus bare = median - bare median');
  const bareName = targets[0]?.name ?? '';
  const median = (name: string, variant: Variant): number => percentile(samples.get(`${name}/${variant}`) ?? [], 50);
  const initRows = targets.map((target) => {
    const plain = samples.get(`${target.name}/plain`) ?? [];
    const maps = samples.get(`${target.name}/sourceMaps`) ?? [];
    const last = lastResult.get(`${target.name}/plain`);
    const connections = [...new Set(last?.connections.map((connection) => connection.target) ?? [])];
    return [
      target.name,
      `${ms(percentile(plain, 50))} / ${ms(percentile(plain, 90))}`,
      `${ms(percentile(maps, 50))} / ${ms(percentile(maps, 90))}`,
      target.name === bareName ? '-' : ms(median(target.name, 'plain') - median(bareName, 'plain')),
      target.name === bareName ? '-' : ms(median(target.name, 'sourceMaps') - median(bareName, 'sourceMaps')),
      target.deployedWithSourceMaps ? 'source maps' : 'plain',
      `${target.memorySize} MB`,
      last ? `${(last.rssBytes / 1024 / 1024).toFixed(0)} MB` : '?',
      connections.length > 0 ? connections.join(' ') : 'none',
    ];
  });
  table(
    [
      'function',
      'plain',
      SOURCE_MAPS,
      'plain - bare',
      'maps - bare',
      'deployed as',
      'memory',
      'rss',
      'network at init (refused)',
    ],
    initRows,
  );

  const seen = new Set<string>();
  for (const target of targets) {
    if (seen.has(target.bundleKey) || target.name === bareName) continue;
    seen.add(target.bundleKey);
    const { breakdown } = required(bundles.get(target.bundleKey));
    const sharing = targets.filter((other) => other.bundleKey === target.bundleKey).map((other) => other.name);
    out(`\nTop packages in ${sharing.join(' + ')} (${bytes(breakdown.outputBytes)} bytes)`);
    out(`  ${breakdown.packages.slice(0, 12).map(packageCell).join(', ')}`);
    if (breakdown.dynamicOnlyBytes > 0) {
      out(
        `  reached only through import(): ${bytes(breakdown.dynamicOnlyBytes)} bytes: ` +
          breakdown.dynamicOnlyPackages.slice(0, 6).map(packageCell).join(', '),
      );
    }
  }
}

function packageCell(entry: { readonly name: string; readonly bytes: number }): string {
  return `${entry.name} ${bytes(entry.bytes)}`;
}

function table(head: readonly string[], rows: ReadonlyArray<readonly string[]>): void {
  const widths = head.map((cell, column) => Math.max(cell.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0)))
      .join('  ');
  process.stdout.write(`${line(head)}\n`);
  for (const row of rows) process.stdout.write(`${line(row)}\n`);
}

/** Nearest-rank percentile (p50 is the median of an odd count). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN;
}

function ms(value: number): string {
  return value.toFixed(1);
}

function bytes(value: number): string {
  return value.toLocaleString('en-US');
}

function percent(part: number, whole: number): string {
  return whole > 0 ? `${((100 * part) / whole).toFixed(0)} %` : '-';
}

function required<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('internal: missing bundle');
  return value;
}

function positiveInteger(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer (got ${raw})`);
  return value;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
