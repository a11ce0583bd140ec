import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import {
  AuditChecksFailedError,
  type CheckResult,
  checkValue,
  DAILY_CHECKS,
  makeChecksHandler,
} from '../../../lambdas/audit/checks-handler';
import { CloudWatchCheckMetrics } from '../../../lambdas/audit/cloudwatch-check-metrics';
import { DuckDbQueryRunner } from '../../../lambdas/shared/adapters/duckdb-query-runner';
import {
  DAILY_CHECK_METRICS,
  METRIC_NAMESPACE,
  metricDimensions,
} from '../../../lambdas/shared/observability/metric-names';
import type { QueryRunner } from '../../../lambdas/shared/ports';
import { findQuery, renderQuery, validateQueryParameters } from '../../../lambdas/shared/queries';
import {
  GATEWAY_ROLE_ARN as EVIDENCE_GATEWAY_ROLE,
  writeEvidenceScenario,
} from '../../fixtures/audit/evidence-scenario';

const ROLE = 'arn:aws:iam::111122223333:role/gateway-proxy-role';
const NOW = new Date('2026-11-22T02:00:00.000Z');

function setup(rowsFor: (sql: string) => Array<Record<string, unknown>>) {
  const sqls: string[] = [];
  const published: CheckResult[][] = [];
  const runner: QueryRunner = {
    run: async (sql) => {
      sqls.push(sql);
      return rowsFor(sql);
    },
  };
  const handler = makeChecksHandler({
    runner,
    metrics: { publish: async (results) => void published.push([...results]) },
    logger: { info: () => undefined, error: () => undefined },
    now: () => NOW,
    gatewayRoleArn: ROLE,
  });
  return { handler, sqls, published };
}

describe('checks handler', () => {
  it('runs the four checks for yesterday in Athena SQL and publishes their counts', async () => {
    const { handler, sqls, published } = setup((sql) => {
      if (sql.includes('RESIDENCY') || sql.includes('violation')) {
        // One row per call: three outside the policy.
        return [{ violation: true }, { violation: true }, { violation: true }, { violation: false }];
      }
      if (sql.includes('principal_arn') && sql.includes("<> 'arn:aws")) return [{ calls: 2 }, { calls: 5 }];
      if (sql.includes('missing_in_cloudtrail')) return [{ direction: 'missing_in_gateway' }];
      return [];
    });
    const results = await handler();
    expect(results).toEqual([
      { query: 'orphaned-pre-call', metricName: 'OrphanedPreCallRecords', value: 0, day: '2026-11-21' },
      { query: 'residency-evidence', metricName: 'ResidencyViolations', value: 3, day: '2026-11-21' },
      { query: 'shadow-bedrock-usage', metricName: 'ShadowBedrockInvocations', value: 7, day: '2026-11-21' },
      {
        query: 'gateway-cloudtrail-reconciliation',
        metricName: 'ReconciliationMismatches',
        value: 1,
        day: '2026-11-21',
      },
    ]);
    expect(published).toEqual([results]);
    expect(sqls).toHaveLength(DAILY_CHECKS.length);
    for (const sql of sqls) {
      expect(sql).not.toContain('CAST(pre.ts AS TIMESTAMP)');
      if (sql.includes('gateway_audit')) expect(sql).toContain("'2026-11-21'");
    }
    expect(sqls[0]).toContain("from_iso8601_timestamp('2026-11-22T02:00:00.000Z')");
    expect(sqls[2]).toContain(`'${ROLE}'`);
  });

  it('publishes the checks that ran, then fails when one could not run', async () => {
    const { handler, published } = setup((sql) => {
      if (sql.includes('cloudtrail_events')) throw new Error('Athena query q-9 failed: access denied');
      return [];
    });
    await expect(handler()).rejects.toThrow(AuditChecksFailedError);
    await expect(handler()).rejects.toThrow(
      /residency-evidence, shadow-bedrock-usage, gateway-cloudtrail-reconciliation/,
    );
    expect(published[0]?.map((result) => result.query)).toEqual(['orphaned-pre-call']);
  });

  it('counts rows, filtered rows or a summed column', () => {
    expect(checkValue({ metricName: 'X' }, [{}, {}])).toBe(2);
    expect(checkValue({ metricName: 'X', whereColumn: 'v' }, [{ v: true }, { v: false }, { v: null }])).toBe(1);
    expect(
      checkValue({ metricName: 'X', whereColumn: 'v', sumColumn: 'n' }, [
        { v: true, n: 4 },
        { v: false, n: 9 },
      ]),
    ).toBe(4);
  });
});

describe('checks handler over real records (DuckDB)', () => {
  it('publishes the residency count from the evidence (Bedrock logs, CloudTrail, usage.inference_geo)', async () => {
    const root = mkdtempSync(join(tmpdir(), 'checks-evidence-'));
    writeEvidenceScenario(root);
    const runner = await DuckDbQueryRunner.open({ root });
    try {
      const published: CheckResult[][] = [];
      const handler = makeChecksHandler({
        runner,
        engine: 'duckdb',
        metrics: { publish: async (results) => void published.push([...results]) },
        logger: { info: () => undefined, error: () => undefined },
        now: () => new Date('2026-11-11T02:00:00.000Z'),
        gatewayRoleArn: EVIDENCE_GATEWAY_ROLE,
      });
      const results = await handler();
      // The evidence puts four calls outside their policy: req-m-02 (log us-east-1), req-m-04 (CloudTrail
      // us-west-2), req-l-02 (log ap-south-2 under in-region), req-u-02 (usage.inference_geo global under
      // anthropic:us). The gateway's own scopes (residency-report) show only the Anthropic one.
      expect(results.find((result) => result.query === 'residency-evidence')?.value).toBe(4);
      const report = await runner.run(
        renderQuery(
          findQuery('residency-report'),
          'duckdb',
          validateQueryParameters({ from: '2026-11-10', to: '2026-11-10' }),
        ),
      );
      expect(report.filter((row) => row.violation === true).map((row) => row.tenant_id)).toEqual(['us-only']);
      // Calls 2, 5 and 7 have no CloudTrail event.
      expect(results.find((result) => result.query === 'gateway-cloudtrail-reconciliation')?.value).toBe(3);
      expect(published).toEqual([results]);
    } finally {
      runner.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('CloudWatchCheckMetrics', () => {
  it('puts one datapoint per check in the ClaudeComplianceGateway namespace with the service dimension', async () => {
    const cloudwatch = mockClient(CloudWatchClient);
    cloudwatch.on(PutMetricDataCommand).resolves({});
    await new CloudWatchCheckMetrics(new CloudWatchClient({ region: 'ap-south-1' }), () => NOW).publish([
      { query: 'residency-evidence', metricName: 'ResidencyViolations', value: 3, day: '2026-11-21' },
      { query: 'shadow-bedrock-usage', metricName: 'ShadowBedrockInvocations', value: 0, day: '2026-11-21' },
    ]);
    const service = [{ Name: 'service', Value: 'claude-compliance-gateway' }];
    expect(cloudwatch.commandCalls(PutMetricDataCommand)[0]?.args[0].input).toEqual({
      Namespace: 'ClaudeComplianceGateway',
      MetricData: [
        { MetricName: 'ResidencyViolations', Dimensions: service, Value: 3, Unit: 'Count', Timestamp: NOW },
        { MetricName: 'ShadowBedrockInvocations', Dimensions: service, Value: 0, Unit: 'Count', Timestamp: NOW },
      ],
    });
  });

  it('publishes the series the dashboard alarms read: metric-names.ts names, metricDimensions() total', async () => {
    const cloudwatch = mockClient(CloudWatchClient);
    cloudwatch.on(PutMetricDataCommand).resolves({});
    const { handler } = setup(() => []);
    const results = await handler();
    await new CloudWatchCheckMetrics(new CloudWatchClient({ region: 'ap-south-1' }), () => NOW).publish(results);
    const input = cloudwatch.commandCalls(PutMetricDataCommand)[0]?.args[0].input;
    expect(input?.Namespace).toBe(METRIC_NAMESPACE);
    expect(input?.MetricData?.map((datum) => datum.MetricName)).toEqual(DAILY_CHECK_METRICS.map((spec) => spec.name));
    for (const datum of input?.MetricData ?? []) {
      const dimensions = Object.fromEntries((datum.Dimensions ?? []).map((d) => [d.Name, d.Value]));
      expect(dimensions).toEqual(metricDimensions());
    }
  });
});
