/**
 * Harness for the real-client end-to-end tests: starts `npm run dev` (the real entry point, with its banner and
 * environment parsing) against a loopback fake upstream, runs the pinned Claude Code CLI against it in a clean
 * environment, and reads what the gateway recorded.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { AuditRecord } from '../../lambdas/shared/audit/record';
import { claudeCodeBinary } from '../../scripts/e2e-setup';
import { readRecords } from './audit-files';

const REPO_ROOT = resolve(__dirname, '..', '..');

export interface NpmRunDev {
  readonly url: string;
  readonly auditDir: string;
  /** Everything the dev server printed so far (shown when a test fails). */
  output(): string;
  close(): Promise<void>;
}

export interface NpmRunDevOptions {
  readonly upstreamUrl: string;
  readonly auditDir: string;
  readonly localKey: string;
  /** Extra arguments after `npm run dev --` (e.g. `--tenant <id>`). @default none */
  readonly args?: readonly string[];
}

/**
 * `npm run dev` on a free port (PORT=0); resolves with the URL its banner prints. The process runs in its own
 * process group so that close() ends npm, tsx and node together, and only them.
 */
export async function startNpmRunDev(options: NpmRunDevOptions): Promise<NpmRunDev> {
  const args = ['run', 'dev', ...(options.args?.length ? ['--', ...options.args] : [])];
  const child: ChildProcess = spawn('npm', args, {
    cwd: REPO_ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? tmpdir(),
      PORT: '0',
      GATEWAY_AUDIT_DIR: options.auditDir,
      GATEWAY_DEAD_LETTER_DIR: join(options.auditDir, '..', 'dead-letter'),
      GATEWAY_UPSTREAM: 'anthropic',
      GATEWAY_ANTHROPIC_BASE_URL: options.upstreamUrl,
      ANTHROPIC_API_KEY: 'upstream-key-for-the-fake',
      GATEWAY_LOCAL_KEY: options.localKey,
      // 64 hex characters: a usable 32-byte secret however the server reads it.
      GATEWAY_TOKEN_SECRET: 'a3f1c9e07b5d24680f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a6978',
      POWERTOOLS_LOG_LEVEL: 'WARN',
    },
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const url = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`npm run dev printed no URL within 30 s:\n${output}`)), 30_000);
    const look = (): void => {
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        done(match[1]);
      }
    };
    child.stdout?.on('data', look);
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`npm run dev exited (${code}) before listening:\n${output}`));
    });
  });
  return {
    url,
    auditDir: options.auditDir,
    output: () => output,
    close: async () => {
      if (child.exitCode === null && child.pid !== undefined) {
        process.kill(-child.pid, 'SIGTERM');
        await exited;
      }
    },
  };
}

export interface ClaudeRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

export interface ClaudeRunOptions {
  readonly baseUrl: string;
  /** ANTHROPIC_API_KEY; leave out to authenticate another way (an `apiKeyHelper` in `--settings`). */
  readonly apiKey?: string;
  /** Working directory (a fresh temp folder unless given). */
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string>>;
  /** Killed after this long (a CLI that retries a refusal can take a while). @default 45000 */
  readonly timeoutMs?: number;
}

/**
 * `claude <args>` with nothing from this machine's environment or home: a fresh HOME and config folder, the
 * gateway as ANTHROPIC_BASE_URL, and every kind of traffic that is not the model call turned off
 * (https://code.claude.com/docs/en/env-vars).
 */
export function runClaude(args: readonly string[], options: ClaudeRunOptions): Promise<ClaudeRun> {
  const home = mkdtempSync(join(tmpdir(), 'claude-home-'));
  const ownCwd = options.cwd === undefined;
  const cwd = options.cwd ?? mkdtempSync(join(tmpdir(), 'claude-work-'));
  const started = Date.now();
  return new Promise((done) => {
    const child = execFile(
      claudeCodeBinary(),
      [...args],
      {
        cwd,
        timeout: options.timeoutMs ?? 45_000,
        maxBuffer: 16 * 1024 * 1024,
        env: {
          PATH: '/usr/bin:/bin',
          HOME: home,
          CLAUDE_CONFIG_DIR: join(home, '.claude'),
          TERM: 'dumb',
          ANTHROPIC_BASE_URL: options.baseUrl,
          ...(options.apiKey ? { ANTHROPIC_API_KEY: options.apiKey } : {}),
          CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
          DISABLE_AUTOUPDATER: '1',
          DISABLE_TELEMETRY: '1',
          DISABLE_ERROR_REPORTING: '1',
          ...options.env,
        },
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        rmSync(home, { recursive: true, force: true });
        if (ownCwd) rmSync(cwd, { recursive: true, force: true });
        done({ code, stdout, stderr, ms: Date.now() - started });
      },
    );
    child.stdin?.end();
  });
}

/** The audit records of calls that started after `since` (request ids not in it), grouped by request id. */
export function recordsSince(auditDir: string, since: ReadonlySet<string>): Map<string, AuditRecord[]> {
  const byRequest = new Map<string, AuditRecord[]>();
  for (const record of readRecords(auditDir)) {
    if (since.has(record.request_id)) continue;
    byRequest.set(record.request_id, [...(byRequest.get(record.request_id) ?? []), record]);
  }
  return byRequest;
}

export function requestIds(auditDir: string): Set<string> {
  return new Set(readRecords(auditDir).map((record) => record.request_id));
}

/**
 * Waits until `count` calls started after `since` each have a post-call record (post-call records land after the
 * response, so right after the CLI exits the last one may still be on its way).
 */
export async function waitForCompletedCalls(
  auditDir: string,
  since: ReadonlySet<string>,
  count: number,
  timeoutMs = 5000,
): Promise<Map<string, AuditRecord[]>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let calls: Map<string, AuditRecord[]>;
    try {
      calls = recordsSince(auditDir, since);
    } catch {
      // A record renamed from .tmp between listing and reading: look again.
      await new Promise((wait) => setTimeout(wait, 25));
      continue;
    }
    const completed = [...calls.values()].filter((records) => records.some((r) => r.event === 'post_call'));
    if (completed.length >= count) return calls;
    if (Date.now() > deadline) {
      const seen = [...calls.entries()].map(([id, records]) => `${id}: ${records.map((r) => r.event).join(',')}`);
      throw new Error(`expected ${count} completed calls, got ${completed.length}:\n${seen.join('\n')}`);
    }
    await new Promise((wait) => setTimeout(wait, 25));
  }
}
