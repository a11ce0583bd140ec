/**
 * `npm run bench:gateway`: the latency the gateway adds over calling the upstream directly, measured in one run.
 * Three processes, as in production: a fake Anthropic upstream (loopback), the gateway (startDevServer with PII
 * redaction, policy, the pre-call record acknowledged before the upstream call) and this client. Each line compares
 * calling the fake directly with calling it through the gateway, sequentially and with 50 requests in flight,
 * non-streaming and streaming, for each audit sink: memory (the gateway's own cost), memory with EMF request metrics
 * (PowertoolsGatewayMetrics, EMF lines to /dev/null: the metrics' cost next to the plain memory line), the fs sink
 * on tmpfs (/dev/shm) and the fs sink in the temp dir (fsync to disk). Target: added p50 <= 1 ms, p99 <= 3 ms.
 *
 * Environment: BENCH_SEQUENTIAL (500), BENCH_CONCURRENT_TOTAL (1000), BENCH_WARMUP (200 requests per side before each
 * scenario), BENCH_SINK (substring filter of sink names). V8 keeps optimising the request path for a few thousand
 * requests: with the default warm-up the sequential CPU per request still includes JIT work (compilations on V8's
 * helper threads count in the gateway's CPU); BENCH_WARMUP=3000 measures the steady state.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { localTenant, startDevServer } from '../lambdas/local/dev-server';
import { FsAuditSink } from '../lambdas/shared/adapters/fs-audit-sink';
import { PowertoolsGatewayMetrics } from '../lambdas/shared/adapters/powertools-metrics';
import { metricsContextFromTenants } from '../lambdas/shared/observability/gateway-metrics';
import type { AuditSink } from '../lambdas/shared/ports';
import { startFakeAnthropic } from '../test/helpers/fake-anthropic';

const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 500);
const CONCURRENT_TOTAL = Number(process.env.BENCH_CONCURRENT_TOTAL ?? 1000);
const CONCURRENCY = 50;
const WARMUP = Number(process.env.BENCH_WARMUP ?? 200);

type Role =
  | { role: 'fake' }
  | { role: 'gateway'; upstream: string; sink: 'memory' | 'fs'; dir: string; emfMetrics: boolean };

/** Child side: start the fake or the gateway and report its URL to the parent. */
async function child(role: Role): Promise<void> {
  // Exit cleanly when the parent says so (a clean exit also writes a --cpu-prof profile).
  process.on('message', (message) => {
    if (message === 'stop') process.exit(0);
    if (message === 'cpu') {
      const usage = process.cpuUsage();
      process.send?.({ cpuMicros: usage.user + usage.system });
    }
  });
  if (role.role === 'fake') {
    const fake = await startFakeAnthropic();
    process.send?.({ url: fake.url });
    return;
  }
  const sink: AuditSink = role.sink === 'memory' ? { put: async () => undefined } : new FsAuditSink(role.dir);
  const gateway = await startDevServer({
    port: 0,
    stateDir: role.dir,
    anthropicBaseUrl: role.upstream,
    anthropicApiKey: 'bench',
    tokenSecret: Buffer.alloc(32, 1),
    logLevel: 'ERROR',
    auditSink: sink,
    // EMF lines go to stdout, which the parent points at /dev/null for this variant.
    ...(role.emfMetrics
      ? { metrics: new PowertoolsGatewayMetrics({ context: metricsContextFromTenants([localTenant('anthropic')]) }) }
      : {}),
  });
  process.send?.({ url: gateway.url });
}

/** CPU time (user + system, µs) the child has used so far. */
function cpuOf(proc: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    const onMessage = (message: unknown): void => {
      if (message && typeof message === 'object' && 'cpuMicros' in message) {
        proc.off('message', onMessage);
        resolve((message as { cpuMicros: number }).cpuMicros);
      }
    };
    proc.on('message', onMessage);
    proc.send('cpu');
  });
}

function spawn(role: Role): Promise<{ url: string; process: ChildProcess }> {
  const profile =
    process.env.BENCH_PROFILE && role.role === 'gateway'
      ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`]
      : [];
  const proc = fork(__filename, [JSON.stringify(role)], {
    execArgv: ['--import', 'tsx', ...profile],
    stdio: role.role === 'gateway' && role.emfMetrics ? ['ignore', 'ignore', 'inherit', 'ipc'] : 'inherit',
  });
  return new Promise((resolve, reject) => {
    proc.once('message', (message) => resolve({ url: (message as { url: string }).url, process: proc }));
    proc.once('exit', (code) => reject(new Error(`${role.role} exited with ${code}`)));
  });
}

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function call(url: string, body: string, headers: Record<string, string>): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', ...headers } },
      (res) => {
        res.on('data', () => undefined);
        res.on('end', () => {
          if ((res.statusCode ?? 0) !== 200) reject(new Error(`status ${res.statusCode}`));
          else resolve(performance.now() - started);
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function percentile(sorted: readonly number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

interface Target {
  readonly url: string;
  readonly body: string;
  readonly headers: Record<string, string>;
}

async function sequential(target: Target, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await call(target.url, target.body, target.headers));
  return out;
}

async function concurrent(target: Target, total: number): Promise<number[]> {
  const out: number[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total) {
      next++;
      out.push(await call(target.url, target.body, target.headers));
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return out;
}

const fmt = (ms: number): string => ms.toFixed(3).padStart(8);

async function parent(): Promise<void> {
  const disk = mkdtempSync(join(tmpdir(), 'gateway-bench-'));
  const cleanup = [disk];
  const variants: Array<{ name: string; sink: 'memory' | 'fs'; dir: string; emfMetrics: boolean }> = [
    { name: 'memory sink', sink: 'memory', dir: disk, emfMetrics: false },
    { name: 'memory sink + EMF metrics', sink: 'memory', dir: disk, emfMetrics: true },
  ];
  if (existsSync('/dev/shm')) {
    const shm = mkdtempSync('/dev/shm/gateway-bench-');
    cleanup.push(shm);
    variants.push({ name: 'fs sink /dev/shm', sink: 'fs', dir: shm, emfMetrics: false });
  }
  variants.push({ name: 'fs sink tmpdir', sink: 'fs', dir: disk, emfMetrics: false });
  const nameWidth = Math.max(...variants.map((variant) => variant.name.length));
  const fake = await spawn({ role: 'fake' });
  const prompt = 'Summarise the ticket from priya@example.com about order 4411 and reply politely.';
  console.log(
    `gateway bench: node ${process.version}; fake upstream, gateway and client in separate processes; warm-up ${WARMUP}`,
  );
  console.log(
    `machine: ${cpus().length} CPUs, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  console.log(
    `${'sink'.padEnd(nameWidth)} scenario       mode           direct p50 gateway p50   added p50 | direct p99 gateway p99   added p99 | gw CPU/req`,
  );
  try {
    for (const variant of variants) {
      if (process.env.BENCH_SINK && !variant.name.includes(process.env.BENCH_SINK)) continue;
      const gateway = await spawn({
        role: 'gateway',
        upstream: fake.url,
        sink: variant.sink,
        dir: variant.dir,
        emfMetrics: variant.emfMetrics,
      });
      try {
        for (const stream of [false, true]) {
          const messages = [{ role: 'user', content: prompt }];
          const direct: Target = {
            url: `${fake.url}/v1/messages`,
            body: JSON.stringify({ model: 'claude-sonnet-4-6', max_tokens: 64, stream, messages }),
            headers: { 'x-api-key': 'bench' },
          };
          const viaGateway: Target = {
            url: `${gateway.url}/v1/messages`,
            body: JSON.stringify({ model: 'sonnet', max_tokens: 64, stream, messages }),
            headers: { 'x-api-key': 'local-dev-key' },
          };
          await sequential(direct, WARMUP);
          await sequential(viaGateway, WARMUP);
          for (const mode of ['sequential', 'concurrent'] as const) {
            const run = (target: Target) =>
              mode === 'sequential' ? sequential(target, SEQUENTIAL / 2) : concurrent(target, CONCURRENT_TOTAL / 2);
            // Two interleaved halves per side, so drift (GC, disk, other load) hits both alike.
            const a1 = await run(direct);
            const cpu0 = await cpuOf(gateway.process);
            const b1 = await run(viaGateway);
            const cpu1 = await cpuOf(gateway.process);
            const a2 = await run(direct);
            const cpu2 = await cpuOf(gateway.process);
            const b2 = await run(viaGateway);
            const cpu3 = await cpuOf(gateway.process);
            // Gateway CPU per request is independent of other load on the machine; latency is not.
            const cpuPerRequest = (cpu1 - cpu0 + (cpu3 - cpu2)) / (b1.length + b2.length) / 1000;
            const d = [...a1, ...a2].sort((x, y) => x - y);
            const g = [...b1, ...b2].sort((x, y) => x - y);
            const [d50, g50, d99, g99] = [percentile(d, 50), percentile(g, 50), percentile(d, 99), percentile(g, 99)];
            const label = mode === 'concurrent' ? `${CONCURRENCY} concurrent` : 'sequential';
            console.log(
              `${variant.name.padEnd(nameWidth)} ${(stream ? 'streaming' : 'non-streaming').padEnd(14)} ${label.padEnd(13)} ` +
                `${fmt(d50)} ${fmt(g50)} ${fmt(g50 - d50)}   | ${fmt(d99)} ${fmt(g99)} ${fmt(g99 - d99)}   | ${fmt(cpuPerRequest)}  (ms, n=${g.length})`,
            );
          }
        }
      } finally {
        gateway.process.send('stop');
        await new Promise((resolve) => gateway.process.once('exit', resolve));
      }
    }
  } finally {
    agent.destroy();
    fake.process.send('stop');
    for (const path of cleanup) rmSync(path, { recursive: true, force: true });
  }
}

const roleArgument = process.argv[2];
(roleArgument ? child(JSON.parse(roleArgument) as Role) : parent()).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
