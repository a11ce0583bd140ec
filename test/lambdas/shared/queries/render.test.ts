import { DAILY_CHECK_METRICS, METRICS } from '../../../../lambdas/shared/observability/metric-names';
import {
  athenaDialect,
  duckDbDialect,
  findQuery,
  InvalidQueryParameterError,
  MissingQueryParameterError,
  NAMED_QUERIES,
  renderAthenaConsoleQuery,
  renderQuery,
  sqlLiteral,
  UnknownQueryError,
  validateQueryParameters,
} from '../../../../lambdas/shared/queries';
import { defaultRange } from '../../../../lambdas/shared/queries/params';

const ROLE = 'arn:aws:iam::111122223333:role/gateway-proxy-role';
const AUDITOR = 'arn:aws:iam::111122223333:role/auditor';
const params = validateQueryParameters({
  from: '2026-11-09',
  to: '2026-11-18',
  tenant: 'acme',
  gatewayRoleArn: ROLE,
  auditorArns: [AUDITOR],
});

describe('query definitions', () => {
  it('has the required queries, unique names, descriptions within Athena limits and declared columns', () => {
    const names = NAMED_QUERIES.map((query) => query.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'requests-by-tenant',
        'requests-by-principal-and-model',
        'pii-by-type',
        'cost-by-tenant-daily',
        'cache-hit-rate-weekly',
        'denied-requests',
        'non-zdr-feature-use',
        'orphaned-pre-call',
        'residency-report',
        'shadow-bedrock-usage',
        'audit-trail-readers',
        'gateway-cloudtrail-reconciliation',
        'residency-evidence',
        'reidentification-events',
        'audit-trail-reads-outside-auditors',
      ]),
    );
    expect(new Set(names).size).toBe(names.length);
    for (const query of NAMED_QUERIES) {
      expect(query.name).toMatch(/^[a-z][a-z0-9-]+$/);
      expect(query.description.length).toBeGreaterThan(20);
      expect(query.description.length).toBeLessThanOrEqual(1024);
      expect(query.columns.length).toBeGreaterThan(0);
    }
    expect(findQuery('requests-by-tenant').columns).toEqual(['tenant_id', 'requests']);
  });

  it('takes the check metric names from metric-names.ts, one per daily-check metric', () => {
    expect(findQuery('orphaned-pre-call').check?.metricName).toBe(METRICS.orphanedPreCallRecords.name);
    expect(findQuery('residency-evidence').check?.metricName).toBe(METRICS.residencyViolations.name);
    expect(findQuery('shadow-bedrock-usage').check?.metricName).toBe(METRICS.shadowBedrockInvocations.name);
    expect(findQuery('gateway-cloudtrail-reconciliation').check?.metricName).toBe(
      METRICS.reconciliationMismatches.name,
    );
    const checkMetrics = NAMED_QUERIES.flatMap((query) => (query.check ? [query.check.metricName] : []));
    expect([...checkMetrics].sort()).toEqual(DAILY_CHECK_METRICS.map((spec) => spec.name).sort());
  });

  it.each(
    NAMED_QUERIES.map((query) => [query.name]),
  )('%s binds every placeholder in both engines and prunes dt', (name) => {
    const query = findQuery(name);
    for (const engine of ['athena', 'duckdb'] as const) {
      const sql = renderQuery(query, engine, params);
      expect(sql).not.toMatch(/(?<![:\w]):[a-z]/);
      if (sql.includes('gateway_audit')) {
        const scans = sql.match(/FROM gateway_audit a\n/g) ?? [];
        const pruned = sql.match(/a\.dt BETWEEN '\d{4}-\d{2}-\d{2}' AND '\d{4}-\d{2}-\d{2}'/g) ?? [];
        expect(pruned.length).toBe(scans.length);
      }
      if (sql.includes('cloudtrail_events')) expect(sql).toMatch(/c\."timestamp" BETWEEN '\d{4}\/\d{2}\/\d{2}'/);
    }
  });

  it('filters the tenant partition when a tenant is given, and not otherwise', () => {
    const query = findQuery('requests-by-tenant');
    expect(renderQuery(query, 'athena', params)).toContain("AND a.tenant = 'acme'");
    const allTenants = validateQueryParameters({ from: '2026-11-09', to: '2026-11-18' });
    expect(renderQuery(query, 'athena', allTenants)).not.toContain('a.tenant =');
  });

  it('renders engine-specific SQL only through the dialect', () => {
    const pii = findQuery('pii-by-type');
    expect(renderQuery(pii, 'athena', params)).toContain('CROSS JOIN UNNEST(a.pii_counts) AS p (pii_type, detections)');
    expect(renderQuery(pii, 'duckdb', params)).toContain('unnest(map_keys(a.pii_counts))');
    const orphans = findQuery('orphaned-pre-call');
    expect(renderQuery(orphans, 'athena', params)).toContain('from_iso8601_timestamp(pre.ts)');
    expect(renderQuery(orphans, 'duckdb', params)).toContain('CAST(pre.ts AS TIMESTAMP)');
    const shadow = findQuery('shadow-bedrock-usage');
    expect(renderQuery(shadow, 'athena', params)).toContain("json_extract_scalar(c.requestparameters, '$.modelId')");
    expect(renderQuery(shadow, 'duckdb', params)).toContain("json_extract_string(c.requestparameters, '$.modelId')");
    expect(athenaDialect.addDays('d', -7)).toBe("date_add('day', -7, d)");
    expect(duckDbDialect.addDays('d', -7)).toBe('CAST(d + INTERVAL (-7) DAY AS DATE)');
    expect(() => athenaDialect.jsonText('x', "$.a'); DROP")).toThrow(/JSON path/);
  });

  it('needs the gateway role ARN for the CloudTrail comparisons', () => {
    const noRole = validateQueryParameters({ from: '2026-11-09', to: '2026-11-18' });
    expect(() => renderQuery(findQuery('shadow-bedrock-usage'), 'duckdb', noRole)).toThrow(MissingQueryParameterError);
    expect(() => renderQuery(findQuery('gateway-cloudtrail-reconciliation'), 'athena', noRole)).toThrow(
      /--gateway-role-arn/,
    );
  });

  it('renders console named queries for the last 7 days with no placeholders left', () => {
    for (const query of NAMED_QUERIES) {
      const sql = renderAthenaConsoleQuery(query, ROLE);
      expect(sql.startsWith(`-- ${query.name}: last 7 days`)).toBe(true);
      expect(sql).not.toMatch(/(?<![:\w]):[a-z]/);
      expect(sql).not.toContain('CAST(pre.ts AS TIMESTAMP)');
    }
    expect(renderAthenaConsoleQuery(findQuery('requests-by-tenant'), ROLE)).toContain(
      "a.dt BETWEEN CAST(date_add('day', -6, current_date) AS VARCHAR) AND CAST(current_date AS VARCHAR)",
    );
  });

  it('rejects unknown query names with the list of known ones', () => {
    expect(() => findQuery('nope')).toThrow(UnknownQueryError);
    expect(() => findQuery('nope')).toThrow(/requests-by-tenant/);
  });
});

describe('parameters', () => {
  it.each([
    [{ from: '2026-13-01', to: '2026-11-18' }, /from: expected a date|from: not a calendar date/],
    [{ from: '2026-02-30', to: '2026-03-01' }, /not a calendar date/],
    [{ from: "2026-11-01' OR 1=1 --", to: '2026-11-18' }, /from: expected a date/],
    [{ from: '2026-11-19', to: '2026-11-18' }, /must not be after/],
    [{ from: '2024-01-01', to: '2026-11-18' }, /maximum is 366/],
    [{ from: '2026-11-01', to: '2026-11-18', tenant: "acme' OR '1'='1" }, /tenant: expected/],
    [{ from: '2026-11-01', to: '2026-11-18', tenant: 'ACME' }, /tenant/],
    [{ from: '2026-11-01', to: '2026-11-18', gatewayRoleArn: "arn:aws:iam::1:role/x'" }, /gateway-role-arn/],
    [{ from: '2026-11-01', to: '2026-11-18', asOf: 'yesterday' }, /as-of/],
  ])('rejects %j', (input, message) => {
    expect(() => validateQueryParameters(input)).toThrow(InvalidQueryParameterError);
    expect(() => validateQueryParameters(input)).toThrow(message);
  });

  it('quotes literals defensively and defaults to the last 7 days', () => {
    expect(sqlLiteral("o'brien")).toBe("'o''brien'");
    expect(defaultRange(new Date('2026-11-22T16:00:00Z'))).toEqual({ from: '2026-11-16', to: '2026-11-22' });
  });
});
