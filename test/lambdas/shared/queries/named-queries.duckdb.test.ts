/**
 * Every named query against the hand-checked scenario (test/fixtures/audit/scenario.ts), in DuckDB over files
 * in the audit bucket's layout. Expected rows are computed by hand from the fixture numbers (see comments).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDbQueryRunner } from '../../../../lambdas/shared/adapters/duckdb-query-runner';
import {
  findQuery,
  NAMED_QUERIES,
  type QueryParameterInput,
  renderQuery,
  validateQueryParameters,
} from '../../../../lambdas/shared/queries';
import {
  ALICE_ARN,
  AUDIT_BUCKET,
  AUDITOR_ROLE_ARN,
  DATA_SCIENCE_ROLE_ARN,
  GATEWAY_ROLE_ARN,
  HAIKU_GLOBAL,
  RANGE,
  SONNET_GLOBAL,
  SONNET4_APAC,
  writeScenario,
} from '../../../fixtures/audit/scenario';

let root: string;
let runner: DuckDbQueryRunner;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'named-queries-'));
  writeScenario(root);
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
  const params = validateQueryParameters({ ...RANGE, gatewayRoleArn: GATEWAY_ROLE_ARN, ...overrides });
  const query = findQuery(name);
  const rows = await runner.run(renderQuery(query, 'duckdb', params));
  for (const row of rows) expect(Object.keys(row)).toEqual(query.columns);
  return rows;
}

describe('named queries over the scenario (DuckDB)', () => {
  it('requests-by-tenant counts distinct request ids in the range', async () => {
    // acme: 0002-0006 (0001 is the week before); globex: 0001, 0003 (pre-call on 11-18), 0004, 0005; initech: 2.
    expect(await run('requests-by-tenant')).toEqual([
      { tenant_id: 'acme', requests: 5 },
      { tenant_id: 'globex', requests: 4 },
      { tenant_id: 'initech', requests: 2 },
    ]);
  });

  it('requests-by-tenant prunes to one tenant with --tenant', async () => {
    expect(await run('requests-by-tenant', { tenant: 'globex' })).toEqual([{ tenant_id: 'globex', requests: 4 }]);
  });

  it('requests-by-principal-and-model', async () => {
    expect(await run('requests-by-principal-and-model')).toEqual([
      // 0002 (100/50) + 0004 (400/80)
      {
        tenant_id: 'acme',
        principal: 'key-acme-1',
        model: SONNET_GLOBAL,
        requests: 2,
        succeeded: 2,
        failed: 0,
        denied: 0,
        input_tokens: 500,
        output_tokens: 130,
      },
      {
        tenant_id: 'acme',
        principal: 'key-acme-2',
        model: 'claude-opus-4-1',
        requests: 1,
        succeeded: 0,
        failed: 0,
        denied: 1,
        input_tokens: 0,
        output_tokens: 0,
      },
      {
        tenant_id: 'acme',
        principal: 'key-acme-2',
        model: SONNET_GLOBAL,
        requests: 1,
        succeeded: 1,
        failed: 0,
        denied: 0,
        input_tokens: 100,
        output_tokens: 20,
      },
      // 0001 (200/100) + 0004 (30/10) + denied 0005; 0003's post-call is dated 11-19
      {
        tenant_id: 'globex',
        principal: 'client-globex',
        model: 'claude-sonnet-4-6',
        requests: 3,
        succeeded: 2,
        failed: 0,
        denied: 1,
        input_tokens: 230,
        output_tokens: 110,
      },
      {
        tenant_id: 'initech',
        principal: 'key-initech',
        model: SONNET4_APAC,
        requests: 2,
        succeeded: 1,
        failed: 1,
        denied: 0,
        input_tokens: 1000,
        output_tokens: 300,
      },
    ]);
  });

  it('pii-by-type sums detections from pre-call records, zero counts dropped', async () => {
    expect(await run('pii-by-type')).toEqual([
      { tenant_id: 'acme', pii_type: 'EMAIL', detections: 3, requests: 2 },
      { tenant_id: 'acme', pii_type: 'PHONE', detections: 1, requests: 1 },
      { tenant_id: 'globex', pii_type: 'PERSON_NAME', detections: 1, requests: 1 },
      { tenant_id: 'initech', pii_type: 'IN_PAN', detections: 3, requests: 1 },
    ]);
  });

  it('cost-by-tenant-daily with the week-over-week change', async () => {
    expect(await run('cost-by-tenant-daily')).toEqual([
      // 0.15 + 0.05 vs 0.10 on 11-02
      {
        tenant_id: 'acme',
        day: '2026-11-09',
        requests: 2,
        cost_usd: 0.2,
        cost_usd_week_before: 0.1,
        wow_change_pct: 100,
      },
      {
        tenant_id: 'acme',
        day: '2026-11-16',
        requests: 1,
        cost_usd: 0.2,
        cost_usd_week_before: 0.2,
        wow_change_pct: 0,
      },
      {
        tenant_id: 'globex',
        day: '2026-11-09',
        requests: 1,
        cost_usd: 0.3,
        cost_usd_week_before: 0.2,
        wow_change_pct: 50,
      },
      {
        tenant_id: 'globex',
        day: '2026-11-12',
        requests: 1,
        cost_usd: 0.02,
        cost_usd_week_before: null,
        wow_change_pct: null,
      },
      // 0.40 + 0 (upstream error)
      {
        tenant_id: 'initech',
        day: '2026-11-16',
        requests: 2,
        cost_usd: 0.4,
        cost_usd_week_before: null,
        wow_change_pct: null,
      },
    ]);
  });

  it('cache-hit-rate-weekly flags tenants under 50 %', async () => {
    expect(await run('cache-hit-rate-weekly')).toEqual([
      // 800 / (800 + 100 + 200)
      {
        tenant_id: 'acme',
        week_start: '2026-11-09',
        input_tokens: 200,
        cache_read_input_tokens: 800,
        cache_creation_input_tokens: 100,
        cache_hit_rate: 0.7273,
        below_target: false,
      },
      // 100 / (100 + 0 + 400)
      {
        tenant_id: 'acme',
        week_start: '2026-11-16',
        input_tokens: 400,
        cache_read_input_tokens: 100,
        cache_creation_input_tokens: 0,
        cache_hit_rate: 0.2,
        below_target: true,
      },
      // 600 / (600 + 200 + 230)
      {
        tenant_id: 'globex',
        week_start: '2026-11-09',
        input_tokens: 230,
        cache_read_input_tokens: 600,
        cache_creation_input_tokens: 200,
        cache_hit_rate: 0.5825,
        below_target: false,
      },
      {
        tenant_id: 'initech',
        week_start: '2026-11-16',
        input_tokens: 1000,
        cache_read_input_tokens: 0,
        cache_creation_input_tokens: 0,
        cache_hit_rate: 0,
        below_target: true,
      },
    ]);
  });

  it('denied-requests lists each denial', async () => {
    expect(await run('denied-requests')).toEqual([
      {
        ts: '2026-11-10T08:00:00.000Z',
        tenant_id: 'acme',
        request_id: 'req-acme-0006',
        principal: 'key-acme-2',
        model_requested: 'claude-opus-4-1',
        data_classification: 'INTERNAL',
        deny_reason: 'model_not_allowed',
        http_status: 403,
      },
      {
        ts: '2026-11-13T09:00:00.000Z',
        tenant_id: 'globex',
        request_id: 'req-globex-0005',
        principal: 'client-globex',
        model_requested: 'claude-sonnet-4-6',
        data_classification: 'CONFIDENTIAL',
        deny_reason: 'residency_not_allowed',
        http_status: 403,
      },
    ]);
  });

  it('non-zdr-feature-use lists requests with non-ZDR features and their opt-ins', async () => {
    expect(await run('non-zdr-feature-use')).toEqual([
      {
        ts: '2026-11-09T14:00:00.000Z',
        tenant_id: 'globex',
        request_id: 'req-globex-0001',
        principal: 'client-globex',
        model_id: 'claude-sonnet-4-6',
        features: 'tools,mcp_servers',
        zdr_opt_ins: 'mcp_servers:GOV-123',
      },
    ]);
  });

  it('orphaned-pre-call finds missing and late post-call records, not the one across midnight', async () => {
    expect(await run('orphaned-pre-call')).toEqual([
      {
        tenant_id: 'globex',
        request_id: 'req-globex-0004',
        pre_call_ts: '2026-11-12T10:00:00.000Z',
        principal: 'client-globex',
        model_id: 'claude-sonnet-4-6',
        post_call_ts: '2026-11-12T10:20:00.000Z',
      },
      {
        tenant_id: 'acme',
        request_id: 'req-acme-0005',
        pre_call_ts: '2026-11-17T12:00:00.000Z',
        principal: 'key-acme-1',
        model_id: SONNET_GLOBAL,
        post_call_ts: null,
      },
    ]);
  });

  it('orphaned-pre-call does not judge pre-call records younger than 15 minutes', async () => {
    const rows = await run('orphaned-pre-call', { asOf: '2026-11-17T12:14:59.000Z' });
    expect(rows.map((row) => row.request_id)).toEqual(['req-globex-0004']);
  });

  it('residency-report: requested vs actual, one violation (acme ran in apac under bedrock:global)', async () => {
    const rows = await run('residency-report');
    expect(rows).toEqual([
      {
        tenant_id: 'acme',
        provider: 'bedrock',
        residency_policy: 'bedrock:global',
        inference_geo_requested: 'global',
        inference_geo_actual: 'apac',
        requests: 1,
        violation: true,
      },
      {
        tenant_id: 'acme',
        provider: 'bedrock',
        residency_policy: 'bedrock:global',
        inference_geo_requested: 'global',
        inference_geo_actual: 'global',
        requests: 2,
        violation: false,
      },
      {
        tenant_id: 'globex',
        provider: 'anthropic',
        residency_policy: 'anthropic:global,us',
        inference_geo_requested: 'global',
        inference_geo_actual: 'global',
        requests: 1,
        violation: false,
      },
      {
        tenant_id: 'globex',
        provider: 'anthropic',
        residency_policy: 'anthropic:global,us',
        inference_geo_requested: 'us',
        inference_geo_actual: 'us',
        requests: 1,
        violation: false,
      },
      {
        tenant_id: 'initech',
        provider: 'bedrock',
        residency_policy: 'bedrock:global,apac',
        inference_geo_requested: 'apac',
        inference_geo_actual: 'apac',
        requests: 1,
        violation: false,
      },
      {
        tenant_id: 'initech',
        provider: 'bedrock',
        residency_policy: 'bedrock:global,apac',
        inference_geo_requested: 'apac',
        inference_geo_actual: null,
        requests: 1,
        violation: false,
      },
    ]);
  });

  it('shadow-bedrock-usage lists Bedrock callers other than the gateway role', async () => {
    expect(await run('shadow-bedrock-usage')).toEqual([
      {
        principal_arn: DATA_SCIENCE_ROLE_ARN,
        event_name: 'Converse',
        model_id: SONNET_GLOBAL,
        inference_region: 'us-east-1',
        calls: 2,
        first_seen: '2026-11-10T15:00:00Z',
        last_seen: '2026-11-10T16:00:00Z',
      },
      // delivered in the 2026/11/19 folder, event time inside the range
      {
        principal_arn: DATA_SCIENCE_ROLE_ARN,
        event_name: 'InvokeModel',
        model_id: HAIKU_GLOBAL,
        inference_region: 'eu-west-1',
        calls: 1,
        first_seen: '2026-11-18T23:58:00Z',
        last_seen: '2026-11-18T23:58:00Z',
      },
      {
        principal_arn: ALICE_ARN,
        event_name: 'InvokeModel',
        model_id: SONNET4_APAC,
        inference_region: 'ap-southeast-1',
        calls: 1,
        first_seen: '2026-11-14T08:00:00Z',
        last_seen: '2026-11-14T08:00:00Z',
      },
    ]);
  });

  it('audit-trail-readers lists who read the audit bucket, refused reads included', async () => {
    expect(await run('audit-trail-readers')).toEqual([
      {
        principal_arn: AUDITOR_ROLE_ARN,
        via: 'athena.amazonaws.com',
        bucket: AUDIT_BUCKET,
        key_prefix: 'audit',
        reads: 3,
        objects: 2,
        failed_reads: 0,
        first_read: '2026-11-11T10:00:00Z',
        last_read: '2026-11-11T10:00:02Z',
      },
      {
        principal_arn: ALICE_ARN,
        via: 'direct',
        bucket: AUDIT_BUCKET,
        key_prefix: 'cloudtrail',
        reads: 1,
        objects: 1,
        failed_reads: 1,
        first_read: '2026-11-12T09:00:00Z',
        last_read: '2026-11-12T09:00:00Z',
      },
    ]);
  });

  it('gateway-cloudtrail-reconciliation reports both directions', async () => {
    expect(await run('gateway-cloudtrail-reconciliation')).toEqual([
      {
        direction: 'missing_in_cloudtrail',
        tenant_id: 'acme',
        request_id: 'req-acme-0003',
        upstream_request_id: 'bedrock-req-a3',
        event_time: '2026-11-09T10:00:05.000Z',
        model_id: SONNET_GLOBAL,
        event_name: null,
      },
      {
        direction: 'missing_in_gateway',
        tenant_id: null,
        request_id: null,
        upstream_request_id: 'bedrock-req-x9',
        event_time: '2026-11-11T12:00:00Z',
        model_id: SONNET_GLOBAL,
        event_name: 'InvokeModel',
      },
    ]);
  });

  it('reconciliation with --tenant narrows the gateway direction only', async () => {
    const rows = await run('gateway-cloudtrail-reconciliation', { tenant: 'initech' });
    expect(rows.map((row) => row.direction)).toEqual(['missing_in_gateway']);
  });

  it('every query runs for a range with no data and returns no rows', async () => {
    for (const query of NAMED_QUERIES) {
      const params = validateQueryParameters({
        from: '2025-01-01',
        to: '2025-01-31',
        gatewayRoleArn: GATEWAY_ROLE_ARN,
        auditorArns: [AUDITOR_ROLE_ARN],
      });
      expect(await runner.run(renderQuery(query, 'duckdb', params))).toEqual([]);
    }
  });

  it('reads the Bedrock invocation log view with its date partition', async () => {
    const rows = await runner.run(
      'SELECT requestid, date_hour, inferenceregion, input.inputtokencount AS tokens FROM bedrock_invocations ORDER BY requestid',
    );
    expect(rows).toEqual([
      { requestid: 'bedrock-req-a2', date_hour: '2026/11/09/09', inferenceregion: 'us-east-1', tokens: 100 },
      { requestid: 'shadow-1', date_hour: '2026/11/09/09', inferenceregion: 'eu-west-1', tokens: 101 },
    ]);
  });
});

describe('cloudtrail_events view', () => {
  it('has the region and timestamp partitions from the delivery path', async () => {
    const rows = await runner.run(
      'SELECT DISTINCT region, "timestamp" FROM cloudtrail_events WHERE "timestamp" <= \'2026/11/09\' ORDER BY 2',
    );
    expect(rows).toEqual([
      { region: 'ap-south-1', timestamp: '2026/11/02' },
      { region: 'ap-south-1', timestamp: '2026/11/09' },
    ]);
  });
});
