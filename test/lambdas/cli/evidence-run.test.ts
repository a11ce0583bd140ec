/** `gateway-audit run` with the evidence queries over a local folder (real DuckDB), as an auditor types it. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CliDeps, EXIT, runCli, splitList } from '../../../lambdas/cli/audit-cli';
import { DuckDbQueryRunner } from '../../../lambdas/shared/adapters/duckdb-query-runner';
import {
  AUDITOR_ROLE_ARN,
  BOB_ARN,
  CHECKS_ROLE_ARN,
  EVIDENCE_DAY,
  writeEvidenceScenario,
} from '../../fixtures/audit/evidence-scenario';

let root: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'evidence-run-'));
  writeEvidenceScenario(root);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

function harness() {
  let out = '';
  let err = '';
  const fail = () => {
    throw new Error('not used');
  };
  const deps: CliDeps = {
    stdout: (text) => {
      out += text;
    },
    stderr: (text) => {
      err += text;
    },
    now: () => new Date('2026-11-12T00:00:00.000Z'),
    env: {},
    athenaRunner: fail,
    localRunner: (dir) => DuckDbQueryRunner.open({ root: dir }),
    readS3Object: fail,
    kmsDecryptor: fail,
    localDecryptor: fail,
  };
  return { deps, out: () => out, err: () => err };
}

const range = (): string[] => ['--from', EVIDENCE_DAY, '--to', EVIDENCE_DAY, '--local', root];

describe('gateway-audit run (evidence queries)', () => {
  it('lists trail readers outside --auditor-arns', async () => {
    const h = harness();
    const code = await runCli(
      [
        'run',
        'audit-trail-reads-outside-auditors',
        ...range(),
        '--auditor-arns',
        `${AUDITOR_ROLE_ARN}, ${CHECKS_ROLE_ARN}`,
        '--format',
        'json',
      ],
      h.deps,
    );
    expect(code).toBe(EXIT.ok);
    const rows = JSON.parse(h.out()) as Array<Record<string, unknown>>;
    expect(rows.map((row) => [row.principal_arn, row.key_prefix])).toEqual([
      [BOB_ARN, 'audit'],
      [BOB_ARN, 'bedrock-invocations'],
    ]);
  });

  it('says which flag is missing', async () => {
    const h = harness();
    expect(await runCli(['run', 'audit-trail-reads-outside-auditors', ...range()], h.deps)).toBe(EXIT.usage);
    expect(h.err()).toContain('needs --auditor-arns');
  });

  it('prints the residency evidence as CSV', async () => {
    const h = harness();
    expect(await runCli(['run', 'residency-evidence', ...range(), '--format', 'csv'], h.deps)).toBe(EXIT.ok);
    const lines = h.out().trim().split('\n');
    expect(lines[0]).toContain('inference_region,evidence,verdict,violation');
    expect(lines.filter((line) => line.includes('outside_policy'))).toHaveLength(4);
  });

  it('splits comma lists and drops blanks', () => {
    expect(splitList(' a, b,,c ')).toEqual(['a', 'b', 'c']);
  });
});
