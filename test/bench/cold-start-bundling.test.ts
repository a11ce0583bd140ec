/**
 * bench:cold-start bundles each function itself (esbuildOptionsFor); these tests keep that build identical to
 * the one CDK runs for a GatewayFunction. CDK's local bundling spawns the esbuild CLI: the spawn is intercepted
 * (no esbuild runs, so this stays fast), its arguments are parsed, and compared with the bench's options.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { Duration, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { BuildOptions } from 'esbuild';
import { dummyValue, PROJECT_ROOT } from '../../bench/cold-start/deployed-functions';
import { esbuildOptionsFor } from '../../bench/cold-start/esbuild-options';
import { GatewayFunction, type GatewayFunctionProps, gatewayBundling } from '../../lib/constructs/gateway-function';
import { testApp } from '../helpers/cdk';

// The module object itself (not an import namespace, whose bindings cannot be spied on): CDK calls
// `child_process.spawnSync` through it at bundling time.
import childProcess = require('node:child_process');

/** The settings esbuild gets, normalized so that a CLI call and JS API options compare equal. */
interface NormalizedBuild {
  entry: string;
  bundle: boolean;
  target?: string;
  platform?: string;
  format?: string;
  outfileName?: string;
  minify: boolean;
  sourcemap: boolean | string;
  external: string[];
  define: Record<string, string>;
}

/** Parses `esbuild --bundle <entry> --flag...` as CDK spawns it (cwd: the project root); unknown flags fail. */
function fromCli(args: readonly string[], cwd: string): NormalizedBuild {
  const at = args.indexOf('--bundle');
  const entry = args[at + 1];
  if (at < 0 || entry === undefined) throw new Error(`not an esbuild bundle call: ${args.join(' ')}`);
  const build: NormalizedBuild = {
    entry: resolve(cwd, entry),
    bundle: true,
    minify: false,
    sourcemap: false,
    external: [],
    define: {},
  };
  for (const arg of args.slice(at + 2)) {
    const [flag = '', ...rest] = arg.split('=');
    const value = rest.join('=');
    if (flag === '--target') build.target = value;
    else if (flag === '--platform') build.platform = value;
    else if (flag === '--format') build.format = value;
    else if (flag === '--outfile') build.outfileName = relative(dirname(value), value);
    else if (flag === '--minify') build.minify = true;
    else if (flag === '--sourcemap') build.sourcemap = value === '' ? true : value;
    else if (flag.startsWith('--external:')) build.external.push(arg.slice('--external:'.length));
    else if (flag.startsWith('--define:')) build.define[flag.slice('--define:'.length)] = value;
    else throw new Error(`flag ${arg} is not compared: teach this test and esbuildOptionsFor about it`);
  }
  return build;
}

function fromApi(options: BuildOptions): NormalizedBuild {
  const [entry] = (options.entryPoints ?? []) as string[];
  if (entry === undefined || options.absWorkingDir === undefined || options.outfile === undefined) {
    throw new Error('options lack an entry, a working directory or an outfile');
  }
  return {
    entry: resolve(options.absWorkingDir, entry),
    bundle: options.bundle === true,
    ...(options.target !== undefined ? { target: String(options.target) } : {}),
    ...(options.platform !== undefined ? { platform: options.platform } : {}),
    ...(options.format !== undefined ? { format: options.format } : {}),
    outfileName: relative(dirname(options.outfile), options.outfile),
    minify: options.minify === true,
    sourcemap: options.sourcemap ?? false,
    external: [...(options.external ?? [])],
    define: { ...options.define },
  };
}

const ENTRY = join(PROJECT_ROOT, 'lambdas', 'bedrock-log-retention', 'index.ts');

function functionProps(stack: Stack, overrides: Partial<GatewayFunctionProps>): GatewayFunctionProps {
  return {
    name: 'probe',
    entry: ENTRY,
    description: 'bundling probe',
    timeout: Duration.seconds(10),
    logKey: kms.Key.fromKeyArn(
      stack,
      'Key',
      'arn:aws:kms:ap-south-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    ),
    logRetention: logs.RetentionDays.ONE_WEEK,
    noDeadLetterQueueReason: 'a bundling probe, never deployed',
    unreservedConcurrencyReason: 'a bundling probe, never deployed',
    outsideVpcReason: 'a bundling probe, never deployed',
    ...overrides,
  };
}

describe('bench:cold-start bundling', () => {
  afterEach(() => jest.restoreAllMocks());

  it.each<[string, Partial<GatewayFunctionProps>]>([
    ['house defaults (source map, nothing external)', {}],
    [
      'source map off, an external module and a define',
      {
        sourceMap: false,
        externalModules: ['@aws-sdk/client-secrets-manager'],
        define: { 'process.env.GATEWAY_POLICY_DOCUMENT': JSON.stringify('{"tenants":[]}') },
      },
    ],
  ])('builds exactly what CDK builds for a GatewayFunction: %s', (_label, overrides) => {
    // Prepare: bundling on; the esbuild spawn is recorded and answered with a stub asset instead of running.
    const calls: Array<{ args: readonly string[]; cwd: string }> = [];
    const spawnSync = childProcess.spawnSync;
    jest.spyOn(childProcess, 'spawnSync').mockImplementation(((
      command: string,
      args: readonly string[] = [],
      options: childProcess.SpawnSyncOptions = {},
    ) => {
      if (!args.includes('--bundle')) return spawnSync(command, args, options);
      const cwd = String(options.cwd ?? process.cwd());
      calls.push({ args, cwd });
      const outfile = args.find((arg) => arg.startsWith('--outfile='))?.slice('--outfile='.length) ?? '';
      mkdirSync(dirname(outfile), { recursive: true });
      writeFileSync(outfile, 'exports.handler = async () => undefined;\n');
      return { pid: 0, output: [], stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), status: 0, signal: null };
    }) as typeof childProcess.spawnSync);
    const app = testApp({ 'aws:cdk:bundling-stacks': ['**'] });
    const stack = new Stack(app, 'Bundling', { env: { region: 'ap-south-1', account: '111122223333' } });
    const props = functionProps(stack, overrides);

    // Act: CDK stages (bundles) the asset while it constructs the function.
    const fn = new GatewayFunction(stack, 'Probe', props);
    const benchOptions = esbuildOptionsFor(fn, '/tmp/cold-start-bench/x', PROJECT_ROOT);

    // Assess
    expect(calls).toHaveLength(1);
    const [call] = calls;
    if (call === undefined) throw new Error('CDK did not call esbuild');
    expect(fromApi(benchOptions)).toEqual(fromCli(call.args, call.cwd));
    expect(fn.bundling).toEqual(gatewayBundling(props));
    expect(fn.entry).toBe(ENTRY);
  });

  it('refuses bundling settings it does not mirror, rather than measuring a different build', () => {
    expect(() =>
      esbuildOptionsFor(
        { entry: ENTRY, bundling: { ...gatewayBundling({}), keepNames: true } },
        '/tmp/x',
        PROJECT_ROOT,
      ),
    ).toThrow(/keepNames not mirrored/);
    expect(() =>
      esbuildOptionsFor({ entry: ENTRY, bundling: { minify: true, target: 'node22' } }, '/tmp/x', PROJECT_ROOT),
    ).toThrow(/externalModules unset/);
  });

  it('gives template references dummy values of the shape the variable name asks for', () => {
    const ref = { Ref: 'Something' };
    expect(dummyValue('GATEWAY_RETENTION_DAYS', '365')).toBe('365');
    expect(dummyValue('GATEWAY_TOKEN_SECRET_ARN', ref)).toMatch(/^arn:aws:secretsmanager:/);
    expect(dummyValue('GATEWAY_REIDENTIFICATION_KEY_ARN', ref)).toMatch(/^arn:aws:kms:.+:key\//);
    expect(dummyValue('GATEWAY_AUDIT_DLQ_URL', ref)).toMatch(/^https:\/\/sqs\./);
    expect(dummyValue('GATEWAY_AUDIT_BUCKET', ref)).toBe('dummy-bucket');
    expect(dummyValue('GATEWAY_AUTH_DIRECTORY', { 'Fn::Join': ['', ['{"clientId":"', ref, '"}']] })).toBe(
      '{"clientId":"dummy"}',
    );
  });
});
