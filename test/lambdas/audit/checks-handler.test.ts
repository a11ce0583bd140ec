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
import {
  DAILY_CHECK_METRICS,
  METRIC_NAMESPACE,
  metricDimensions,
} from '../../../lambdas/shared/observability/metric-names';
import type { QueryRunner } from '../../../lambdas/shared/ports';

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
        return [
          { requests: 3, violation: true },
          { requests: 10, violation: false },
        ];
      }
      if (sql.includes('principal_arn') && sql.includes("<> 'arn:aws")) return [{ calls: 2 }, { calls: 5 }];
      if (sql.includes('missing_in_cloudtrail')) return [{ direction: 'missing_in_gateway' }];
      return [];
    });
    const results = await handler();
    expect(results).toEqual([
      { query: 'orphaned-pre-call', metricName: 'OrphanedPreCallRecords', value: 0, day: '2026-11-21' },
      { query: 'residency-report', metricName: 'ResidencyViolations', value: 3, day: '2026-11-21' },
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
    await expect(handler()).rejects.toThrow(/shadow-bedrock-usage, gateway-cloudtrail-reconciliation/);
    expect(published[0]?.map((result) => result.query)).toEqual(['orphaned-pre-call', 'residency-report']);
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

describe('CloudWatchCheckMetrics', () => {
  it('puts one datapoint per check in the ClaudeComplianceGateway namespace with the service dimension', async () => {
    const cloudwatch = mockClient(CloudWatchClient);
    cloudwatch.on(PutMetricDataCommand).resolves({});
    await new CloudWatchCheckMetrics(new CloudWatchClient({ region: 'ap-south-1' }), () => NOW).publish([
      { query: 'residency-report', metricName: 'ResidencyViolations', value: 3, day: '2026-11-21' },
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
