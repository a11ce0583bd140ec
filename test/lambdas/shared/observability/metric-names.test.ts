import {
  DAILY_CHECK_METRICS,
  DIMENSIONS,
  METRIC_NAMESPACE,
  METRIC_SERVICE,
  METRICS,
  metricDimensions,
} from '../../../../lambdas/shared/observability/metric-names';

describe('metric names', () => {
  test('the namespace and the full list of names are the contract with the dashboard and the audit Lambda', () => {
    expect(METRIC_NAMESPACE).toBe('ClaudeComplianceGateway');
    expect(Object.values(METRICS).map((m) => m.name)).toEqual([
      'Requests',
      'Denials',
      'UpstreamErrors',
      'Rejections',
      'UnknownFeatures',
      'LatencyMs',
      'TimeToFirstTokenMs',
      'InputTokens',
      'OutputTokens',
      'CacheReadInputTokens',
      'CacheCreationInputTokens',
      'CostUsd',
      'PiiDetections',
      'ModelOutsideCatalog',
      'CallsOutsideBusinessHours',
      'AuditWriteFailures',
      'DeadLetteredRecords',
      'AuditRecordsLoggedOnly',
      'OrphanedPreCallRecords',
      'ResidencyViolations',
      'ShadowBedrockInvocations',
      'ReconciliationMismatches',
    ]);
    expect(DAILY_CHECK_METRICS.map((m) => m.name)).toEqual([
      'OrphanedPreCallRecords',
      'ResidencyViolations',
      'ShadowBedrockInvocations',
      'ReconciliationMismatches',
    ]);
  });

  test.each(Object.values(METRICS))('$name: every dimension set starts with service and has a total', (metric) => {
    for (const set of metric.dimensionSets) expect(set[0]).toBe(DIMENSIONS.service);
    expect(metric.dimensionSets).toContainEqual([DIMENSIONS.service]);
    expect(['Count', 'Milliseconds', 'None']).toContain(metric.unit);
  });

  test('no request-scoped or principal dimension exists', () => {
    const names = new Set(Object.values(METRICS).flatMap((m) => m.dimensionSets.flat()));
    expect([...names].sort()).toEqual(['ErrorType', 'Model', 'PiiType', 'Reason', 'Tenant', 'service']);
  });

  test('units: latencies in milliseconds, cost unitless, everything else counts', () => {
    expect(METRICS.latencyMs.unit).toBe('Milliseconds');
    expect(METRICS.timeToFirstTokenMs.unit).toBe('Milliseconds');
    expect(METRICS.costUsd.unit).toBe('None');
    expect(METRICS.requests.unit).toBe('Count');
  });

  test('metricDimensions always carries the service dimension', () => {
    expect(metricDimensions()).toEqual({ service: METRIC_SERVICE });
    expect(metricDimensions({ Tenant: 'acme', Model: undefined })).toEqual({ service: METRIC_SERVICE, Tenant: 'acme' });
  });
});
