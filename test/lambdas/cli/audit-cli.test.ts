import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CliDeps, EXIT, localKeyFile, runCli } from '../../../lambdas/cli/audit-cli';
import { describeSummary, summariseLocalAuditFolder } from '../../../lambdas/cli/local-audit-folder';
import { DuckDbQueryRunner } from '../../../lambdas/shared/adapters/duckdb-query-runner';
import { LocalDataKeyProvider } from '../../../lambdas/shared/adapters/local-data-key-provider';
import { auditObjectKey } from '../../../lambdas/shared/audit/object-key';
import type { ReidEnvelope } from '../../../lambdas/shared/audit/record';
import { seal } from '../../../lambdas/shared/pii/envelope';
import type { KeyDecryptor, QueryRunner } from '../../../lambdas/shared/ports';
import { NAMED_QUERIES } from '../../../lambdas/shared/queries';
import { auditRecord } from '../../fixtures/audit/records';
import { GATEWAY_ROLE_ARN, writeScenario } from '../../fixtures/audit/scenario';

let state: string;
let root: string;
let shared: DuckDbQueryRunner;
let provider: LocalDataKeyProvider;
let recordKey: string;

beforeAll(async () => {
  // The dev server's layout: state in `.gateway/` (master.key), records in `.gateway/audit/`.
  state = mkdtempSync(join(tmpdir(), 'audit-cli-'));
  root = join(state, 'audit');
  writeScenario(root);
  provider = LocalDataKeyProvider.fromFile(join(state, 'master.key'));
  const sealed = await seal(
    [
      { token: '[EMAIL_1]', value: 'asha@example.com' },
      { token: '[PHONE_1]', value: '+91 98765 43210' },
    ],
    provider,
    { tenantId: 'acme', requestId: 'req-reid-0001' },
  );
  const record = auditRecord({
    event: 'pre_call',
    request_id: 'req-reid-0001',
    ts: '2026-11-09T08:00:00.000Z',
    tenant_id: 'acme',
    pii_counts: { EMAIL: 1, PHONE: 1 },
    reid_envelope: sealed as ReidEnvelope,
  });
  recordKey = auditObjectKey(record);
  mkdirSync(join(root, recordKey, '..'), { recursive: true });
  writeFileSync(join(root, recordKey), JSON.stringify(record));
  shared = await DuckDbQueryRunner.open({ root });
});

afterAll(() => {
  shared.close();
  rmSync(state, { recursive: true, force: true });
});

interface Harness {
  deps: CliDeps;
  out: () => string;
  err: () => string;
  athenaSql: string[];
}

function harness(overrides: Partial<CliDeps> = {}): Harness {
  let out = '';
  let err = '';
  const athenaSql: string[] = [];
  const fakeAthena: QueryRunner = {
    run: async (sql, options) => {
      athenaSql.push(sql);
      options?.onProgress?.('QUEUED');
      options?.onProgress?.('RUNNING');
      options?.onProgress?.('RUNNING');
      options?.onProgress?.('SUCCEEDED');
      return [{ tenant_id: 'acme', requests: 5 }];
    },
  };
  const deps: CliDeps = {
    stdout: (text) => {
      out += text;
    },
    stderr: (text) => {
      err += text;
    },
    now: () => new Date('2026-11-22T10:00:00.000Z'),
    env: {},
    athenaRunner: () => fakeAthena,
    // One DuckDB instance for the whole file: refresh views, never close the shared one.
    localRunner: async () => {
      await shared.refresh();
      return { run: (sql, options) => shared.run(sql, options), close: () => undefined };
    },
    readS3Object: async () => {
      throw new Error('no S3 in this test');
    },
    kmsDecryptor: () => provider,
    localDecryptor: () => provider,
    ...overrides,
  };
  return { deps, out: () => out, err: () => err, athenaSql };
}

describe('gateway-audit queries', () => {
  it('lists every named query with its description', async () => {
    const h = harness();
    expect(await runCli(['queries'], h.deps)).toBe(EXIT.ok);
    for (const query of NAMED_QUERIES) expect(h.out()).toContain(query.name);
    expect(h.out().trim().split('\n')).toHaveLength(NAMED_QUERIES.length);
  });
});

describe('gateway-audit run --local', () => {
  const range = ['--from', '2026-11-09', '--to', '2026-11-18'];

  it('prints a JSON array of row objects', async () => {
    const h = harness();
    const code = await runCli(['run', 'requests-by-tenant', ...range, '--format', 'json', '--local', root], h.deps);
    expect(code).toBe(EXIT.ok);
    // the re-identification fixture adds one acme request on 11-09
    expect(JSON.parse(h.out())).toEqual([
      { tenant_id: 'acme', requests: 6 },
      { tenant_id: 'globex', requests: 4 },
      { tenant_id: 'initech', requests: 2 },
    ]);
  });

  it('says how many records and days it read, for the range and for the whole folder', async () => {
    const h = harness();
    const code = await runCli(['run', 'requests-by-tenant', ...range, '--local', root], h.deps);
    expect(code).toBe(EXIT.ok);
    const { folder, selected } = summariseLocalAuditFolder(root, { from: '2026-11-09', to: '2026-11-18' });
    expect(selected.records).toBeGreaterThan(0);
    expect(h.err()).toContain(`read ${describeSummary(selected)} for 2026-11-09 to 2026-11-18`);
    expect(h.err()).toContain(`folder holds ${describeSummary(folder)}`);
    expect(h.err()).toMatch(/read \d+ audit records over \d+ days \(2026-11-\d\d to 2026-11-\d\d\)/);
  });

  it.each([
    ['an empty folder', (dir: string) => void dir],
    ['a folder of other files', (dir: string) => writeFileSync(join(dir, 'notes.json'), '{}')],
    ['the state folder instead of its audit folder', (dir: string) => writeFileSync(join(dir, 'master.key'), 'k')],
  ])('refuses %s: non-zero exit and a clear message, no "(0 rows)"', async (_name, fill) => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'audit-cli-empty-'));
    fill(dir);
    const h = harness();
    try {
      // Act
      const code = await runCli(['run', 'residency-report', ...range, '--local', dir], h.deps);
      // Assess
      expect(code).toBe(EXIT.failed);
      expect(h.err()).toContain(`${dir} holds no audit records`);
      expect(h.err()).toContain('GATEWAY_AUDIT_DIR');
      expect(h.out()).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('warns when no record falls in the range (the folder has some)', async () => {
    const h = harness();
    const code = await runCli(
      ['run', 'requests-by-tenant', '--from', '2025-01-01', '--to', '2025-01-02', '--local', root],
      h.deps,
    );
    expect(code).toBe(EXIT.ok);
    expect(h.err()).toContain('read 0 audit records for 2025-01-01 to 2025-01-02');
    expect(h.err()).toContain('an empty result says nothing about compliance');
  });

  it('prints CSV with a header and empty fields for null', async () => {
    const h = harness();
    const code = await runCli(
      ['run', 'cost-by-tenant-daily', ...range, '--format', 'csv', '--local', root, '--tenant', 'globex'],
      h.deps,
    );
    expect(code).toBe(EXIT.ok);
    expect(h.out()).toBe(
      'tenant_id,day,requests,cost_usd,cost_usd_week_before,wow_change_pct\n' +
        'globex,2026-11-09,1,0.3,0.2,50\n' +
        'globex,2026-11-12,1,0.02,,\n',
    );
  });

  it('prints an aligned table with a row count by default', async () => {
    const h = harness();
    const code = await runCli(['run', 'denied-requests', ...range, '--local', root], h.deps);
    expect(code).toBe(EXIT.ok);
    const lines = h.out().trim().split('\n');
    expect(lines[0]).toMatch(/^ts\s+tenant_id\s+request_id/);
    expect(lines[1]).toMatch(/^-+ {2}-+/);
    expect(lines).toHaveLength(5);
    expect(lines[4]).toBe('(2 rows)');
  });

  it('uses the gateway role ARN from the environment for the CloudTrail checks', async () => {
    const h = harness({ env: { GATEWAY_ROLE_ARN: GATEWAY_ROLE_ARN } });
    const code = await runCli(['run', 'shadow-bedrock-usage', ...range, '--format', 'json', '--local', root], h.deps);
    expect(code).toBe(EXIT.ok);
    expect((JSON.parse(h.out()) as unknown[]).length).toBe(3);
  });

  it('defaults to the last 7 days', async () => {
    const h = harness();
    expect(await runCli(['run', 'requests-by-tenant', '--format', 'json', '--local', root], h.deps)).toBe(EXIT.ok);
    // 2026-11-16 .. 2026-11-22: acme 0004 and 0005, globex 0003 (pre-call on 11-18), initech 0001 and 0002
    expect(JSON.parse(h.out())).toEqual([
      { tenant_id: 'acme', requests: 2 },
      { tenant_id: 'globex', requests: 1 },
      { tenant_id: 'initech', requests: 2 },
    ]);
  });
});

describe('gateway-audit run (Athena)', () => {
  it('renders for Athena in the given workgroup and shows progress on stderr', async () => {
    let target: { workgroup: string; database: string } | undefined;
    const h = harness();
    const deps: CliDeps = {
      ...h.deps,
      athenaRunner: (options) => {
        target = options;
        return h.deps.athenaRunner(options);
      },
    };
    const code = await runCli(['run', 'requests-by-tenant', '--workgroup', 'wg', '--format', 'json'], deps);
    expect(code).toBe(EXIT.ok);
    expect(target).toEqual({ workgroup: 'wg', database: 'claude_gateway_audit' });
    expect(h.athenaSql[0]).toContain("a.dt BETWEEN '2026-11-16' AND '2026-11-22'");
    expect(h.err().trim().split('\n')).toEqual([
      'athena wg: QUEUED (0.0 s)',
      'athena wg: RUNNING (0.0 s)',
      'athena wg: SUCCEEDED (0.0 s)',
    ]);
    expect(JSON.parse(h.out())).toEqual([{ tenant_id: 'acme', requests: 5 }]);
  });

  it('reports a failed query plainly with exit code 1', async () => {
    const h = harness({
      athenaRunner: () => ({
        run: async () => {
          throw new Error('Athena query q-1 failed: TABLE_NOT_FOUND');
        },
      }),
    });
    expect(await runCli(['run', 'requests-by-tenant'], h.deps)).toBe(EXIT.failed);
    expect(h.err()).toBe('error: Athena query q-1 failed: TABLE_NOT_FOUND\n');
  });
});

describe('bad arguments exit 2 with a clear message', () => {
  it.each([
    [['run', 'no-such-query'], /unknown query "no-such-query"; known queries: requests-by-tenant/],
    [['run', 'requests-by-tenant', '--from', '2026-11-31'], /from: not a calendar date/],
    [['run', 'requests-by-tenant', '--to', 'tomorrow'], /to: expected a date as YYYY-MM-DD/],
    [['run', 'requests-by-tenant', '--from', '2026-11-20', '--to', '2026-11-10'], /must not be after/],
    [['run', 'requests-by-tenant', '--tenant', 'Robert; DROP TABLE'], /tenant: expected/],
    [['run', 'requests-by-tenant', '--format', 'xml'], /--format must be one of table, csv, json/],
    [['run', 'requests-by-tenant', '--bogus'], /Unknown option '--bogus'/],
    [['run', 'shadow-bedrock-usage'], /needs --gateway-role-arn/],
    [['run'], /run needs a query name/],
    [['run', 'requests-by-tenant', '--local', '/no/such/dir'], /does not exist/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [['reidentify', '[EMAIL_1]'], /needs --record/],
  ])('%j', async (argv, expected) => {
    const h = harness();
    expect(await runCli(argv, h.deps)).toBe(EXIT.usage);
    expect(h.err()).toMatch(expected);
    expect(h.err()).not.toMatch(/\n\s+at /);
  });
});

describe('gateway-audit reidentify', () => {
  it("prints the original value for a token with the dev server's local key", async () => {
    const keyFiles: string[] = [];
    const h = harness({
      localDecryptor: (keyFile) => {
        keyFiles.push(keyFile);
        return LocalDataKeyProvider.fromFile(keyFile);
      },
    });
    expect(await runCli(['reidentify', '[EMAIL_1]', '--record', recordKey, '--local', root], h.deps)).toBe(EXIT.ok);
    expect(h.out()).toBe('asha@example.com\n');
    expect(keyFiles).toEqual([localKeyFile(root)]);
    expect(localKeyFile(root)).toBe(join(root, '..', 'master.key'));
  });

  it('reads s3://bucket/key records and decrypts with the KMS decryptor', async () => {
    const text = readFileSync(join(root, recordKey), 'utf8');
    const reads: string[] = [];
    const h = harness({
      readS3Object: async (bucket, key) => {
        reads.push(`${bucket}/${key}`);
        return text;
      },
    });
    expect(await runCli(['reidentify', '[PHONE_1]', '--record', `s3://audit-bucket/${recordKey}`], h.deps)).toBe(
      EXIT.ok,
    );
    expect(h.out()).toBe('+91 98765 43210\n');
    expect(reads).toEqual([`audit-bucket/${recordKey}`]);
  });

  it('says plainly when KMS refuses to decrypt (exit 3, no stack trace)', async () => {
    const denied: KeyDecryptor = {
      decryptDataKey: async () => {
        const error = new Error('User: arn:aws:sts::1:assumed-role/x is not authorized to perform: kms:Decrypt');
        error.name = 'AccessDeniedException';
        throw error;
      },
    };
    const h = harness({
      kmsDecryptor: () => denied,
      readS3Object: async () => readFileSync(join(root, recordKey), 'utf8'),
    });
    expect(await runCli(['reidentify', '[EMAIL_1]', '--record', recordKey, '--bucket', 'b'], h.deps)).toBe(
      EXIT.accessDenied,
    );
    expect(h.err()).toMatch(
      /^Access denied: the caller's credentials may not decrypt with the re-identification key local:/,
    );
    expect(h.err()).not.toMatch(/\n\s+at /);
    expect(h.out()).toBe('');
  });

  it('reports a token that is not in the envelope and a record without an envelope', async () => {
    const h = harness();
    expect(await runCli(['reidentify', '[SSN_9]', '--record', recordKey, '--local', root], h.deps)).toBe(EXIT.failed);
    expect(h.err()).toMatch(/does not occur/);
    const plain = harness();
    const other = 'audit/v1/dt=2026-11-09/tenant=acme/090000-req-acme-0002-pre_call.json';
    expect(await runCli(['reidentify', '[EMAIL_1]', '--record', other, '--local', root], plain.deps)).toBe(EXIT.failed);
    expect(plain.err()).toMatch(/no re-identification envelope/);
  });
});

describe('localKeyFile', () => {
  it('uses the key beside the audit folder, as npm run dev lays it out by default', () => {
    expect(localKeyFile('.gateway/audit', () => true)).toBe('.gateway/master.key');
    expect(localKeyFile('/srv/state/audit', (path) => path === '/srv/state/master.key')).toBe('/srv/state/master.key');
  });

  it('falls back to ./.gateway/master.key when the folder was a custom GATEWAY_AUDIT_DIR', () => {
    expect(localKeyFile('/tmp/audit-elsewhere', (path) => path === '.gateway/master.key')).toBe('.gateway/master.key');
  });
});
