/**
 * The real app entry point (bin/gateway.ts) as `cdk synth` runs it, without bundling: it must print the cdk-nag
 * summary with zero unacknowledged findings, which is what the README's claim rests on.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

test('synth prints the cdk-nag summary: every pack ran, zero unacknowledged findings, the acknowledgments counted', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'gateway-synth-'));
  try {
    const cdkJson = JSON.parse(readFileSync(join(root, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
    const result = spawnSync(
      process.execPath,
      [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'bin/gateway.ts'],
      {
        cwd: root,
        encoding: 'utf8',
        env: {
          ...process.env,
          CDK_OUTDIR: outdir,
          CDK_CONTEXT_JSON: JSON.stringify({ ...cdkJson.context, 'aws:cdk:bundling-stacks': [] }),
        },
        timeout: 120_000,
      },
    );

    expect(result.status).toBe(0);
    expect(result.stderr).toContain('cdk-nag: 3 packs (AwsSolutions, HIPAA.Security, NIST.800.53.R5)');
    const packLines = result.stderr.split('\n').filter((line) => / rules on \d+ resources: /.test(line));
    expect(packLines).toHaveLength(3);
    for (const line of packLines) expect(line).toContain(': 0 findings (0 errors, 0 warnings, 0 rule errors)');
    const total = result.stderr.match(/cdk-nag: (\d+) unacknowledged findings, (\d+) acknowledged/);
    expect(total?.[1]).toBe('0');
    expect(Number(total?.[2])).toBeGreaterThan(0);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
});
