/**
 * The local views: empty folders, the audit view's columns and types, and the divergence check between the
 * record type, the validator, the Glue columns, the DuckDB columns and the docs table.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDbQueryRunner, listFiles, plainValue } from '../../../../lambdas/shared/adapters/duckdb-query-runner';
import {
  AUDIT_COLUMNS,
  auditColumnsMarkdown,
  duckDbColumns,
  glueColumns,
} from '../../../../lambdas/shared/audit/columns';
import { auditObjectKey } from '../../../../lambdas/shared/audit/object-key';
import { AUDIT_RECORD_FIELDS, type AuditRecord, validateAuditRecord } from '../../../../lambdas/shared/audit/record';
import { auditRecord } from '../../../fixtures/audit/records';

/** A record with every field set (no nulls), so each column's type is exercised. */
function fullRecord(): AuditRecord {
  return auditRecord({
    event: 'post_call',
    request_id: 'req-full-0001',
    ts: '2026-11-20T10:11:12.345Z',
    tenant_id: 'acme',
    principal: 'key-1',
    end_user: 'user-7',
    use_case: 'support',
    data_classification: 'CONFIDENTIAL',
    stream: true,
    provider: 'bedrock',
    model_requested: 'sonnet',
    model_id: 'global.anthropic.claude-sonnet-4-6',
    catalog_model_id: 'claude-sonnet-4-6',
    residency_policy: 'bedrock:global',
    inference_geo_requested: 'global',
    inference_geo_actual: 'global',
    zdr_eligible: false,
    features: ['tools', 'files_api'],
    zdr_opt_ins: ['files_api:GOV-9'],
    pii_counts: { EMAIL: 2, PHONE: 1 },
    reid_envelope: {
      version: 1,
      algorithm: 'AES-256-GCM',
      key_id: 'arn:aws:kms:ap-south-1:111122223333:key/abc',
      encrypted_data_key: 'ZGs=',
      iv: 'aXY=',
      ciphertext: 'Y3Q=',
      auth_tag: 'dGFn',
      encryption_context: { tenant_id: 'acme', request_id: 'req-full-0001' },
    },
    status: 'ok',
    deny_reason: 'none',
    error_type: 'none',
    http_status: 200,
    latency_ms: 1234.5,
    ttft_ms: 210.25,
    input_tokens: 10,
    output_tokens: 20,
    cache_read_input_tokens: 30,
    cache_creation_input_tokens: 40,
    cost_usd: 0.012345,
    pricing_version: 'p-1',
    completion_sha256: 'a'.repeat(64),
    completion_redacted: 'ok [EMAIL_1]',
    upstream_request_id: 'up-1',
    fallback_from_model: 'opus',
    upstream_attempts: 2,
  });
}

describe('DuckDbQueryRunner', () => {
  let root: string;
  let runner: DuckDbQueryRunner;
  const record = fullRecord();

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'duckdb-runner-'));
    const path = join(root, auditObjectKey(record));
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, JSON.stringify(record));
    runner = await DuckDbQueryRunner.open({ root });
  });

  afterAll(() => {
    runner.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('round-trips a record with every field through the view, unchanged', async () => {
    const rows = await runner.run(
      'SELECT CAST(to_json(g) AS VARCHAR) AS j FROM (SELECT * EXCLUDE (dt, tenant) FROM gateway_audit) g',
    );
    expect(rows).toHaveLength(1);
    const back = JSON.parse(String(rows[0]?.j)) as unknown;
    expect(back).toEqual(record);
    expect(validateAuditRecord(back)).toEqual(record);
  });

  it("reads a record larger than DuckDB's default 16 MB object limit (a 20 MB PII-dense prompt makes one)", async () => {
    const big = { ...fullRecord(), request_id: 'req-big-0001', prompt_redacted: '[EMAIL_1] '.repeat(2_000_000) };
    const bigRoot = mkdtempSync(join(tmpdir(), 'duckdb-big-'));
    const path = join(bigRoot, auditObjectKey(big));
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, JSON.stringify(big));
    const bigRunner = await DuckDbQueryRunner.open({ root: bigRoot });
    try {
      const rows = await bigRunner.run('SELECT request_id, length(prompt_redacted) AS n FROM gateway_audit');
      expect(rows).toEqual([{ request_id: 'req-big-0001', n: 20_000_000 }]);
    } finally {
      bigRunner.close();
      rmSync(bigRoot, { recursive: true, force: true });
    }
  });

  it('exposes the schema columns with the DuckDB types from duckDbColumns(), then the partitions', async () => {
    const rows = await runner.run('SELECT column_name, column_type FROM (DESCRIBE gateway_audit)');
    // DuckDB prints struct field names unquoted unless they are keywords (`"version"`): compare without quotes.
    const unquoted = (type: unknown): string => String(type).replace(/"/g, '');
    const expected = [...Object.entries(duckDbColumns()), ['dt', 'VARCHAR'], ['tenant', 'VARCHAR']];
    expect(rows.map((row) => [row.column_name, unquoted(row.column_type)])).toEqual(
      expected.map(([name, type]) => [name, unquoted(type)]),
    );
  });

  it('derives dt and tenant from the object key like Athena partition projection', async () => {
    expect(await runner.run('SELECT dt, tenant, tenant_id FROM gateway_audit')).toEqual([
      { dt: '2026-11-20', tenant: 'acme', tenant_id: 'acme' },
    ]);
  });

  it('gives empty results, not errors, over empty or missing folders', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'duckdb-empty-'));
    mkdirSync(join(empty, 'audit', 'v1'), { recursive: true });
    const emptyRunner = await DuckDbQueryRunner.open({ root: empty });
    try {
      for (const table of ['gateway_audit', 'cloudtrail_events', 'bedrock_invocations']) {
        expect(await emptyRunner.run(`SELECT * FROM ${table}`)).toEqual([]);
      }
      const described = await emptyRunner.run('SELECT column_name FROM (DESCRIBE gateway_audit)');
      expect(described.map((row) => row.column_name)).toEqual([...AUDIT_RECORD_FIELDS, 'dt', 'tenant']);
    } finally {
      emptyRunner.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('sees files written after open once refreshed', async () => {
    const later = auditRecord({ ...record, request_id: 'req-full-0002', event: 'pre_call', status: 'pending' });
    const path = join(root, auditObjectKey(later));
    writeFileSync(path, JSON.stringify(later));
    expect(await runner.run('SELECT count(*) AS n FROM gateway_audit')).toEqual([{ n: 1 }]);
    await runner.refresh();
    expect(await runner.run('SELECT count(*) AS n FROM gateway_audit')).toEqual([{ n: 2 }]);
  });

  it('reports progress and converts values like the Athena runner', async () => {
    const states: string[] = [];
    await runner.run('SELECT 1 AS one', { onProgress: (state) => states.push(state) });
    expect(states).toEqual(['RUNNING', 'SUCCEEDED']);
    expect(plainValue(12n)).toBe(12);
    expect(plainValue(new Date('2026-01-01T00:00:00Z'))).toBe('2026-01-01T00:00:00.000Z');
    expect(plainValue({ a: 1n })).toBe('{"a":1}');
    expect(listFiles(join(root, 'nope'), /x/)).toEqual([]);
  });
});

describe('one schema, many consumers', () => {
  it('the record type, the validator, the Glue columns, the DuckDB columns and the docs list the same fields', () => {
    const fields = [...AUDIT_RECORD_FIELDS];
    expect(AUDIT_COLUMNS.map((column) => column.name)).toEqual(fields);
    expect(glueColumns().map((column) => column.name)).toEqual(fields);
    expect(Object.keys(duckDbColumns())).toEqual(fields);
    const docs = auditColumnsMarkdown();
    for (const field of fields) expect(docs).toContain(`| \`${field}\` |`);
    expect(Object.keys(fullRecord()).sort()).toEqual([...fields].sort());
  });

  it('maps every column to matching Glue and DuckDB types', () => {
    const glue = Object.fromEntries(glueColumns().map((column) => [column.name, column.type]));
    const duck = duckDbColumns();
    expect(glue.pii_counts).toBe('map<string,bigint>');
    expect(duck.pii_counts).toBe('MAP(VARCHAR, BIGINT)');
    expect(glue.features).toBe('array<string>');
    expect(duck.features).toBe('VARCHAR[]');
    expect(glue.reid_envelope).toMatch(/^struct<version:bigint,algorithm:string,/);
    const toDuck: Record<string, string> = {
      string: 'VARCHAR',
      bigint: 'BIGINT',
      double: 'DOUBLE',
      boolean: 'BOOLEAN',
    };
    for (const [name, type] of Object.entries(glue)) {
      const scalar = toDuck[type];
      if (scalar) expect([name, duck[name]]).toEqual([name, scalar]);
    }
  });
});
