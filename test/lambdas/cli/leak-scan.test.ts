/**
 * leak-scan: the pure scanner, then the CLI command end to end over a local audit folder in real DuckDB and over
 * an Athena runner (the QueryRunner port, in memory: Athena has no local server), and the false-positive count on
 * the project's audit fixtures.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type CliDeps, EXIT, runCli } from '../../../lambdas/cli/audit-cli';
import { scanRecords, suspectedLeaks, tokenSpans } from '../../../lambdas/cli/leak-scan';
import { DuckDbQueryRunner } from '../../../lambdas/shared/adapters/duckdb-query-runner';
import { auditObjectKey } from '../../../lambdas/shared/audit/object-key';
import type { AuditRecord } from '../../../lambdas/shared/audit/record';
import { createTokenizer, redact } from '../../../lambdas/shared/pii';
import type { QueryRunner } from '../../../lambdas/shared/ports';
import { evidenceRecords } from '../../fixtures/audit/evidence-scenario';
import { auditRecord, callRecords } from '../../fixtures/audit/records';
import { scenarioRecords } from '../../fixtures/audit/scenario';

const tokenizer = createTokenizer({ secret: Buffer.alloc(32, 7), tenantId: 'acme' });
const EMAIL = 'asha.verma@example.in';
const PHONE = '+91 98765 43210';
const PAN = 'ABCPE1234F';

function writeRecords(root: string, records: readonly AuditRecord[]): void {
  for (const record of records) {
    const path = join(root, auditObjectKey(record));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, JSON.stringify(record));
  }
}

function harness(athenaRows: Array<Record<string, unknown>> = []) {
  let out = '';
  let err = '';
  const athenaSql: string[] = [];
  const athena: QueryRunner = {
    run: async (sql) => {
      athenaSql.push(sql);
      return athenaRows;
    },
  };
  const deps: CliDeps = {
    stdout: (text) => {
      out += text;
    },
    stderr: (text) => {
      err += text;
    },
    now: () => new Date('2026-11-20T10:00:00.000Z'),
    env: {},
    athenaRunner: () => athena,
    localRunner: (dir) => DuckDbQueryRunner.open({ root: dir }),
    readS3Object: async () => {
      throw new Error('not used');
    },
    kmsDecryptor: () => {
      throw new Error('not used');
    },
    localDecryptor: () => {
      throw new Error('not used');
    },
  };
  return { deps, out: () => out, err: () => err, athenaSql };
}

describe('suspectedLeaks', () => {
  it('finds raw values with type, offset and length, and never returns the value', () => {
    const text = `Write to ${EMAIL} or call ${PHONE}.`;
    const leaks = suspectedLeaks(text);
    expect(leaks).toEqual([
      { type: 'EMAIL', offset: text.indexOf(EMAIL), length: EMAIL.length },
      { type: 'PHONE', offset: text.indexOf(PHONE), length: PHONE.length },
    ]);
    expect(JSON.stringify(leaks)).not.toContain('asha');
  });

  it('does not report the gateway tokens, and finds nothing in what the gateway redacted', () => {
    const text = `Customer ${EMAIL}, phone ${PHONE}, PAN ${PAN}.`;
    const redacted = redact(text, { tokenizer }).text;
    expect(tokenSpans(redacted)).toHaveLength(3);
    expect(suspectedLeaks(redacted)).toEqual([]);
  });

  it('keeps a raw value next to a token', () => {
    const token = tokenizer.tokenFor('EMAIL', EMAIL);
    const text = `${token} and ${PAN}`;
    expect(suspectedLeaks(text)).toEqual([{ type: 'IN_PAN', offset: token.length + 5, length: PAN.length }]);
  });

  it('counts records, texts and characters', () => {
    const result = scanRecords([
      {
        request_id: 'r1',
        tenant_id: 't',
        event: 'pre_call',
        ts: 'x',
        prompt_redacted: 'clean',
        completion_redacted: null,
      },
      {
        request_id: 'r2',
        tenant_id: 't',
        event: 'post_call',
        ts: 'y',
        prompt_redacted: null,
        completion_redacted: EMAIL,
      },
    ]);
    expect(result).toMatchObject({ records: 2, texts: 2, characters: 5 + EMAIL.length, recordsWithFindings: 1 });
    expect(result.findings).toEqual([
      {
        request_id: 'r2',
        tenant_id: 't',
        event: 'post_call',
        ts: 'y',
        field: 'completion_redacted',
        pii_type: 'EMAIL',
        offset: 0,
        length: EMAIL.length,
      },
    ]);
  });
});

describe('gateway-audit leak-scan', () => {
  let root: string;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'leak-scan-'));
    const prompt = redact(`Refund for ${EMAIL}, PAN ${PAN}`, { tokenizer }).text;
    writeRecords(root, [
      ...callRecords({
        tenant: 'acme',
        requestId: 'req-clean-1',
        at: '2026-11-18T09:00:00.000Z',
        pre: { prompt_redacted: prompt },
        post: { prompt_redacted: prompt, completion_redacted: 'Refund issued.' },
      }),
      // A completion stored with a raw phone number (e.g. a detector miss in an older release).
      ...callRecords({
        tenant: 'acme',
        requestId: 'req-leak-1',
        at: '2026-11-19T09:00:00.000Z',
        pre: { prompt_redacted: prompt },
        post: { prompt_redacted: prompt, completion_redacted: `We will call you at ${PHONE} tomorrow.` },
      }),
      // Outside the range: not scanned.
      auditRecord({
        event: 'pre_call',
        request_id: 'req-old-1',
        ts: '2026-10-01T09:00:00.000Z',
        tenant_id: 'acme',
        prompt_redacted: `old ${EMAIL}`,
      }),
    ]);
  });

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('exits 4 and lists type, record, field and offset, never the value (DuckDB over --local)', async () => {
    const h = harness();
    const code = await runCli(
      ['leak-scan', '--local', root, '--from', '2026-11-14', '--to', '2026-11-20', '--format', 'json'],
      h.deps,
    );
    expect(code).toBe(EXIT.leaksFound);
    const offset = 'We will call you at '.length;
    expect(JSON.parse(h.out())).toEqual([
      {
        request_id: 'req-leak-1',
        tenant_id: 'acme',
        event: 'post_call',
        ts: '2026-11-19T09:00:05.000Z',
        field: 'completion_redacted',
        pii_type: 'PHONE',
        offset,
        length: PHONE.length,
      },
    ]);
    expect(h.err()).toContain('leak-scan 2026-11-14..2026-11-20: 4 records, 6 texts');
    expect(h.err()).toContain('1 suspected leaks in 1 records (PHONE 1)');
    for (const text of [h.out(), h.err()]) {
      expect(text).not.toContain('98765');
      expect(text).not.toContain('asha');
    }
  });

  it('exits 0 when the period is clean', async () => {
    const h = harness();
    const code = await runCli(['leak-scan', '--local', root, '--from', '2026-11-18', '--to', '2026-11-18'], h.deps);
    expect(code).toBe(EXIT.ok);
    expect(h.out()).toBe('');
    expect(h.err()).toContain('0 suspected leaks in 0 records');
  });

  it('limits the scan with --types and refuses an unknown type', async () => {
    const only = harness();
    const args = ['leak-scan', '--local', root, '--from', '2026-11-14', '--to', '2026-11-20'];
    expect(await runCli([...args, '--types', 'EMAIL,IN_PAN'], only.deps)).toBe(EXIT.ok);
    const bad = harness();
    expect(await runCli([...args, '--types', 'EMAIL,SHOE_SIZE'], bad.deps)).toBe(EXIT.usage);
    expect(bad.err()).toContain('unknown PII type "SHOE_SIZE"');
  });

  it('in AWS: selects the redacted texts of the period in Athena, then scans in the CLI', async () => {
    const h = harness([
      {
        request_id: 'req-a',
        tenant_id: 'globex',
        event: 'pre_call',
        ts: '2026-11-19T01:00:00.000Z',
        prompt_redacted: `mail ${EMAIL}`,
        completion_redacted: null,
      },
    ]);
    const code = await runCli(
      ['leak-scan', '--from', '2026-11-19', '--to', '2026-11-19', '--tenant', 'globex'],
      h.deps,
    );
    expect(code).toBe(EXIT.leaksFound);
    expect(h.athenaSql).toHaveLength(1);
    expect(h.athenaSql[0]).toContain("a.dt BETWEEN '2026-11-19' AND '2026-11-19' AND a.tenant = 'globex'");
    expect(h.athenaSql[0]).toContain('a.prompt_redacted AS prompt_redacted');
    expect(h.out()).toContain('req-a');
    expect(h.out()).toContain('EMAIL');
    expect(h.out()).not.toContain('asha');
  });

  it('refuses a --local folder that does not exist', async () => {
    const h = harness();
    expect(await runCli(['leak-scan', '--local', join(root, 'nope')], h.deps)).toBe(EXIT.usage);
  });
});

describe('false positives on the project audit fixtures', () => {
  it('finds nothing in test/fixtures/audit (scenario and evidence records)', () => {
    const rows = [...scenarioRecords(), ...evidenceRecords()].map((record) => ({ ...record }));
    const result = scanRecords(rows);
    expect(result.texts).toBeGreaterThan(40);
    expect(result.findings).toEqual([]);
  });
});

describe('gateway-audit leak-scan on a folder without records', () => {
  it('refuses it instead of passing a scan of nothing', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'leak-scan-empty-'));
    try {
      const h = harness();
      expect(await runCli(['leak-scan', '--local', empty], h.deps)).toBe(EXIT.failed);
      expect(h.err()).toContain('holds no audit records');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
