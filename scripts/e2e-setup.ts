/**
 * The real clients the end-to-end tests drive, pinned, installed on demand into a cache folder outside the
 * project's node_modules (`.cache/e2e/<name>-<version>/`, or `$E2E_CACHE_DIR`). Claude Code is ~380 MB and is
 * not a dependency of the gateway, so it is not a devDependency either; the newest SDK sits beside the
 * gateway's own pinned SDK without replacing it.
 *
 *   npm run e2e:setup      installs what is missing (CI runs it before `npm test`); exits non-zero on failure
 *
 * Bump a pin here; the tests and the README name the versions from this file.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface E2eClient {
  readonly packageName: string;
  readonly version: string;
}

/** Pinned 2026-12-04: the npm `latest` of each (claude-code 2.1.332 is a native binary; runs on Node 20). */
export const E2E_CLIENTS = {
  claudeCode: { packageName: '@anthropic-ai/claude-code', version: '2.1.332' },
  anthropicSdk: { packageName: '@anthropic-ai/sdk', version: '1.17.0' },
} as const satisfies Record<string, E2eClient>;

export function e2eCacheDir(): string {
  return resolve(process.env.E2E_CACHE_DIR ?? join(__dirname, '..', '.cache', 'e2e'));
}

function installDir(client: E2eClient): string {
  return join(e2eCacheDir(), `${client.packageName.replace(/^@[^/]+\//, '')}-${client.version}`);
}

/** Where the package itself lands (its package.json, its entry points). */
export function packageDir(client: E2eClient): string {
  return join(installDir(client), 'node_modules', ...client.packageName.split('/'));
}

function installedVersion(client: E2eClient): string | undefined {
  const manifest = join(packageDir(client), 'package.json');
  if (!existsSync(manifest)) return undefined;
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version?: string }).version;
}

/**
 * Installs the client if its pinned version is not in the cache yet; returns the package folder. Throws (with
 * npm's output) when the install fails: a missing client must fail the tests, never skip them.
 */
export function ensureE2eClient(client: E2eClient): string {
  if (installedVersion(client) === client.version) return packageDir(client);
  const dir = installDir(client);
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync(
      'npm',
      [
        'install',
        '--prefix',
        dir,
        '--no-save',
        '--no-package-lock',
        '--no-audit',
        '--no-fund',
        '--loglevel=error',
        `${client.packageName}@${client.version}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 300_000 },
    );
  } catch (error) {
    const output = error instanceof Error && 'stderr' in error ? String(error.stderr) : String(error);
    throw new Error(`npm install ${client.packageName}@${client.version} into ${dir} failed:\n${output}`);
  }
  const version = installedVersion(client);
  if (version !== client.version) {
    throw new Error(`${client.packageName}: expected ${client.version} in ${dir}, found ${version ?? 'nothing'}`);
  }
  return packageDir(client);
}

/** The `claude` executable of the pinned Claude Code (its postinstall puts the native binary there). */
export function claudeCodeBinary(): string {
  const manifest = JSON.parse(readFileSync(join(packageDir(E2E_CLIENTS.claudeCode), 'package.json'), 'utf8')) as {
    bin?: Record<string, string>;
  };
  return join(packageDir(E2E_CLIENTS.claudeCode), manifest.bin?.claude ?? 'bin/claude.exe');
}

if (require.main === module) {
  for (const client of Object.values(E2E_CLIENTS)) {
    const started = Date.now();
    const dir = ensureE2eClient(client);
    console.log(`${client.packageName}@${client.version} ready in ${dir} (${Date.now() - started} ms)`);
  }
  const version = execFileSync(claudeCodeBinary(), ['--version'], { encoding: 'utf8', timeout: 60_000 }).trim();
  console.log(`claude --version: ${version}`);
}
