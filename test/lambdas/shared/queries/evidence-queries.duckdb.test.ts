/**
 * The evidence queries against test/fixtures/audit/evidence-scenario.ts in real DuckDB over files in the audit
 * bucket's layout (gzip CloudTrail and invocation logs). Expected rows are worked out by hand from the fixture.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDbQueryRunner } from '../../../../lambdas/shared/adapters/duckdb-query-runner';
import {
  findQuery,
  MissingQueryParameterError,
  type QueryParameterInput,
  renderAthenaConsoleQuery,
  renderQuery,
  validateQueryParameters,
} from '../../../../lambdas/shared/queries';
import { regionAllowedSql } from '../../../../lambdas/shared/queries/evidence-queries';
import {
  AUDIT_BUCKET,
  AUDITOR_ROLE_ARN,
  BOB_ARN,
  CHECKS_ROLE_ARN,
  DEVELOPER_ROLE_ARN,
  EVIDENCE_DAY,
  REID_KEY_ARN,
  writeEvidenceScenario,
} from '../../../fixtures/audit/evidence-scenario';

let root: string;
let runner: DuckDbQueryRunner;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'evidence-queries-'));
  writeEvidenceScenario(root);
  runner = await DuckDbQueryRunner.open({ root });
});

afterAll(() => {
  runner.close();
  rmSync(root, { recursive: true, force: true });
});

async function run(
  name: string,
  overrides: Partial<QueryParameterInput> = {},
): Promise<Array<Record<string, unknown>>> {
  const params = validateQueryParameters({ from: EVIDENCE_DAY, to: EVIDENCE_DAY, ...overrides });
  const query = findQuery(name);
  const rows = await runner.run(renderQuery(query, 'duckdb', params));
  for (const row of rows) expect(Object.keys(row)).toEqual(query.columns);
  return rows;
}

const pick = (rows: Array<Record<string, unknown>>, ...keys: string[]) =>
  rows.map((row) => Object.fromEntries(keys.map((key) => [key, row[key]])));

describe('residency-evidence (DuckDB)', () => {
  it('reports per call the Region each source names, the evidence used and the verdict', async () => {
    const rows = await run('residency-evidence');
    expect(
      pick(
        rows,
        'request_id',
        'log_inference_region',
        'cloudtrail_inference_region',
        'inference_region',
        'evidence',
        'verdict',
        'violation',
      ),
    ).toEqual([
      {
        request_id: 'req-m-01',
        log_inference_region: 'ap-southeast-1',
        cloudtrail_inference_region: 'ap-southeast-1',
        inference_region: 'ap-southeast-1',
        evidence: 'invocation_log,cloudtrail',
        verdict: 'within_policy',
        violation: false,
      },
      {
        request_id: 'req-m-02',
        log_inference_region: 'us-east-1',
        cloudtrail_inference_region: null,
        inference_region: 'us-east-1',
        evidence: 'invocation_log',
        verdict: 'outside_policy',
        violation: true,
      },
      {
        request_id: 'req-m-03',
        log_inference_region: null,
        cloudtrail_inference_region: 'ap-northeast-1',
        inference_region: 'ap-northeast-1',
        evidence: 'cloudtrail',
        verdict: 'within_policy',
        violation: false,
      },
      // The log says Sydney, CloudTrail us-west-2: one source outside the policy is enough.
      {
        request_id: 'req-m-04',
        log_inference_region: 'ap-southeast-2',
        cloudtrail_inference_region: 'us-west-2',
        inference_region: 'ap-southeast-2',
        evidence: 'invocation_log,cloudtrail',
        verdict: 'outside_policy',
        violation: true,
      },
      {
        request_id: 'req-m-05',
        log_inference_region: null,
        cloudtrail_inference_region: null,
        inference_region: null,
        evidence: 'none',
        verdict: 'no_evidence',
        violation: false,
      },
      // In-region model, CloudTrail has the call without inferenceRegion: it ran where it was received.
      {
        request_id: 'req-l-01',
        log_inference_region: null,
        cloudtrail_inference_region: null,
        inference_region: 'ap-south-1',
        evidence: 'source_region',
        verdict: 'within_policy',
        violation: false,
      },
      {
        request_id: 'req-l-02',
        log_inference_region: 'ap-south-2',
        cloudtrail_inference_region: null,
        inference_region: 'ap-south-2',
        evidence: 'invocation_log',
        verdict: 'outside_policy',
        violation: true,
      },
      {
        request_id: 'req-w-01',
        log_inference_region: 'eu-west-1',
        cloudtrail_inference_region: 'eu-west-1',
        inference_region: 'eu-west-1',
        evidence: 'invocation_log,cloudtrail',
        verdict: 'within_policy',
        violation: false,
      },
      {
        request_id: 'req-u-01',
        log_inference_region: null,
        cloudtrail_inference_region: null,
        inference_region: 'us',
        evidence: 'anthropic_usage',
        verdict: 'within_policy',
        violation: false,
      },
      {
        request_id: 'req-u-02',
        log_inference_region: null,
        cloudtrail_inference_region: null,
        inference_region: 'global',
        evidence: 'anthropic_usage',
        verdict: 'outside_policy',
        violation: true,
      },
    ]);
    expect(rows[0]).toMatchObject({
      ts: '2026-11-10T09:00:05.000Z',
      tenant_id: 'mumbai',
      provider: 'bedrock',
      residency_policy: 'bedrock:apac',
      recorded_scope: 'apac',
      source_region: 'ap-south-1',
      upstream_request_id: '6f1c2a4e-0b7d-4c39-9e21-000000000001',
    });
  });

  it('is the daily residency check: it counts outside_policy calls', async () => {
    const query = findQuery('residency-evidence');
    expect(query.check).toEqual({ metricName: 'ResidencyViolations', whereColumn: 'violation' });
    expect(findQuery('residency-report').check).toBeUndefined();
  });

  it('narrows to one tenant with --tenant', async () => {
    const rows = await run('residency-evidence', { tenant: 'us-only' });
    expect(rows.map((row) => row.request_id)).toEqual(['req-u-01', 'req-u-02']);
  });

  it('reads the scope table as data and keeps only checked names in the SQL', () => {
    const sql = regionAllowedSql('r', 's', 'p');
    expect(sql).toContain("strpos(p, ',global,') > 0");
    expect(sql).toContain("(strpos(p, ',apac,') > 0 AND (r LIKE 'ap-%'))");
    expect(sql).toContain("(strpos(p, ',in-region,') > 0 AND r = s)");
  });
});

describe('reidentification-events (DuckDB)', () => {
  it('lists kms:Decrypt with a tenant_id context: who, which tenant, when, allowed or refused', async () => {
    expect(await run('reidentification-events')).toEqual([
      {
        event_time: '2026-11-10T14:00:00Z',
        principal_arn: AUDITOR_ROLE_ARN,
        via: 'direct',
        tenant_id: 'mumbai',
        key_arn: REID_KEY_ARN,
        source_ip: '10.20.0.15',
        outcome: 'decrypted',
        cloudtrail_request_id: 'kms-1',
      },
      {
        event_time: '2026-11-10T14:05:00Z',
        principal_arn: DEVELOPER_ROLE_ARN,
        via: 'direct',
        tenant_id: 'us-only',
        key_arn: REID_KEY_ARN,
        source_ip: '10.20.0.15',
        outcome: 'AccessDenied',
        cloudtrail_request_id: 'kms-2',
      },
    ]);
  });

  it('filters on the encryption context with --tenant', async () => {
    const rows = await run('reidentification-events', { tenant: 'us-only' });
    expect(rows.map((row) => row.cloudtrail_request_id)).toEqual(['kms-2']);
  });
});

describe('audit-trail-reads-outside-auditors (DuckDB)', () => {
  it('lists readers not in the auditor list, refused reads included', async () => {
    const rows = await run('audit-trail-reads-outside-auditors', { auditorArns: [AUDITOR_ROLE_ARN, CHECKS_ROLE_ARN] });
    expect(rows).toEqual([
      {
        principal_arn: BOB_ARN,
        via: 'direct',
        bucket: AUDIT_BUCKET,
        key_prefix: 'audit',
        reads: 1,
        objects: 1,
        failed_reads: 0,
        first_read: '2026-11-10T15:30:00Z',
        last_read: '2026-11-10T15:30:00Z',
      },
      {
        principal_arn: BOB_ARN,
        via: 'direct',
        bucket: AUDIT_BUCKET,
        key_prefix: 'bedrock-invocations',
        reads: 1,
        objects: 1,
        failed_reads: 1,
        first_read: '2026-11-10T15:31:00Z',
        last_read: '2026-11-10T15:31:00Z',
      },
    ]);
  });

  it('reports the daily-check role when it is left out of the list', async () => {
    const rows = await run('audit-trail-reads-outside-auditors', { auditorArns: [AUDITOR_ROLE_ARN] });
    expect(rows.map((row) => row.principal_arn)).toEqual([CHECKS_ROLE_ARN, BOB_ARN, BOB_ARN].sort());
  });

  it('needs the auditor list, validated', () => {
    const params = validateQueryParameters({ from: EVIDENCE_DAY, to: EVIDENCE_DAY });
    expect(() => renderQuery(findQuery('audit-trail-reads-outside-auditors'), 'duckdb', params)).toThrow(
      MissingQueryParameterError,
    );
    expect(() =>
      validateQueryParameters({ from: EVIDENCE_DAY, to: EVIDENCE_DAY, auditorArns: ["x' OR 1=1 --"] }),
    ).toThrow(/auditor-arns/);
    expect(() => validateQueryParameters({ from: EVIDENCE_DAY, to: EVIDENCE_DAY, auditorArns: [] })).toThrow(
      /auditor-arns/,
    );
  });

  it('renders for the console with a visible placeholder list', () => {
    const sql = renderAthenaConsoleQuery(findQuery('audit-trail-reads-outside-auditors'), 'arn:aws:iam::1:role/x');
    expect(sql).toContain("NOT IN ('arn:aws:iam::000000000000:role/SET-THE-AUDITOR-ROLE-ARNS')");
  });
});
