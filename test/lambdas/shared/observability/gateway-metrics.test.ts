import type { AuditRecord } from '../../../../lambdas/shared/audit/record';
import {
  callMetricDocuments,
  InMemoryGatewayMetrics,
  type MetricDocument,
  type MetricsContext,
  metricsContextFromTenants,
} from '../../../../lambdas/shared/observability/gateway-metrics';
import { completeRecord } from '../../../helpers/audit-record-fixture';

const context: MetricsContext = metricsContextFromTenants([
  { id: 'acme-support', models: { sonnet: 'claude-sonnet-4-6', haiku: 'claude-haiku-4-5' } },
  {
    id: 'night-shift',
    models: { sonnet: 'claude-sonnet-4-6' },
    businessHours: { timezone: 'Asia/Kolkata', days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00' },
  },
]);

const record = (overrides: Partial<AuditRecord>): AuditRecord => ({ ...completeRecord, ...overrides });

function values(document: MetricDocument | undefined): Record<string, number> {
  return Object.fromEntries((document?.metrics ?? []).map((m) => [m.name, m.value]));
}

const denied = record({
  event: 'denied',
  status: 'denied',
  deny_reason: 'model_not_allowed',
  error_type: 'permission_error',
  http_status: 403,
  model_id: null,
  latency_ms: 3,
  ttft_ms: null,
  input_tokens: null,
  output_tokens: null,
  cache_read_input_tokens: null,
  cache_creation_input_tokens: null,
  cost_usd: null,
  pii_counts: {},
});

describe('callMetricDocuments', () => {
  test('a successful call: one document, totals / tenant / tenant+model, every value from the record', () => {
    // Prepare / Act
    const documents = callMetricDocuments(completeRecord, context);
    // Assess: the fixture has one EMAIL detection, so one PiiType document follows.
    expect(documents).toHaveLength(2);
    const [call, pii] = documents;
    expect(call?.dimensions).toEqual({ Tenant: 'acme-support', Model: 'claude-sonnet-4-6' });
    expect(call?.dimensionSets).toEqual([[], ['Tenant'], ['Tenant', 'Model']]);
    expect(values(call)).toEqual({
      Requests: 1,
      Denials: 0,
      Rejections: 0,
      UpstreamErrors: 0,
      UnknownFeatures: 0,
      LatencyMs: 812.5,
      TimeToFirstTokenMs: 210.25,
      InputTokens: 40,
      OutputTokens: 25,
      CacheReadInputTokens: 1000,
      CacheCreationInputTokens: 0,
      CostUsd: 0.000825,
      PiiDetections: 1,
      ModelOutsideCatalog: 0,
    });
    expect(pii).toEqual({
      dimensions: { Tenant: 'acme-support', PiiType: 'EMAIL' },
      dimensionSets: [['Tenant', 'PiiType']],
      metrics: [{ name: 'PiiDetections', unit: 'Count', value: 1 }],
    });
  });

  test('units follow the names module', () => {
    const [call] = callMetricDocuments(completeRecord, context);
    const units = Object.fromEntries((call?.metrics ?? []).map((m) => [m.name, m.unit]));
    expect(units).toMatchObject({ LatencyMs: 'Milliseconds', CostUsd: 'None', InputTokens: 'Count' });
  });

  test('pre-call records produce nothing (the post-call record counts the call)', () => {
    expect(callMetricDocuments(record({ event: 'pre_call', status: 'pending' }), context)).toEqual([]);
  });

  test.each<[string, Partial<AuditRecord>, Record<string, number>, MetricDocument['dimensions'] | null]>([
    [
      'denied: Denials 1, Model none, a Reason document',
      denied,
      { Requests: 1, Denials: 1, UpstreamErrors: 0, LatencyMs: 3, PiiDetections: 0, ModelOutsideCatalog: 0 },
      { Tenant: 'acme-support', Reason: 'model_not_allowed' },
    ],
    [
      'denied with a free-text reason: Reason other (bounded)',
      { ...denied, deny_reason: 'customer 4111 1111 1111 1111 said so' },
      { Requests: 1, Denials: 1, UpstreamErrors: 0, LatencyMs: 3, PiiDetections: 0, ModelOutsideCatalog: 0 },
      { Tenant: 'acme-support', Reason: 'other' },
    ],
    [
      'upstream 529: UpstreamErrors 1 with ErrorType overloaded_error',
      { status: 'upstream_error', error_type: 'overloaded_error', http_status: 529, pii_counts: {} },
      { UpstreamErrors: 1, Denials: 0 },
      { Tenant: 'acme-support', ErrorType: 'overloaded_error' },
    ],
    [
      'upstream network failure (no status): counted, ErrorType from the record',
      { status: 'upstream_error', error_type: 'api_error', http_status: null, pii_counts: {} },
      { UpstreamErrors: 1 },
      { Tenant: 'acme-support', ErrorType: 'api_error' },
    ],
    [
      'timeout: ErrorType timeout',
      { status: 'timeout', error_type: 'api_error', http_status: 504, pii_counts: {} },
      { UpstreamErrors: 1 },
      { Tenant: 'acme-support', ErrorType: 'timeout' },
    ],
    [
      'upstream 429 is not an upstream outage',
      { status: 'upstream_error', error_type: 'rate_limit_error', http_status: 429, pii_counts: {} },
      { UpstreamErrors: 0 },
      null,
    ],
    [
      'unknown upstream error type is bounded to other',
      { status: 'upstream_error', error_type: 'weird_new_error', http_status: 502, pii_counts: {} },
      { UpstreamErrors: 1 },
      { Tenant: 'acme-support', ErrorType: 'other' },
    ],
    [
      'client disconnect is neither a denial nor an upstream error',
      { status: 'client_disconnected', http_status: null, pii_counts: {} },
      { Requests: 1, Denials: 0, UpstreamErrors: 0 },
      null,
    ],
  ])('%s', (_name, overrides, expected, breakdown) => {
    const [call, second, ...rest] = callMetricDocuments(record(overrides), context);
    expect(values(call)).toMatchObject(expected);
    expect(rest).toEqual([]);
    if (breakdown === null) expect(second).toBeUndefined();
    else expect(second?.dimensions).toEqual(breakdown);
  });

  test('a model outside the catalog counts once and uses a bounded Model value', () => {
    const [call] = callMetricDocuments(
      record({ model_id: 'claude-opus-9-unlisted', catalog_model_id: null, pii_counts: {} }),
      context,
    );
    expect(values(call).ModelOutsideCatalog).toBe(1);
    expect(call?.dimensions.Model).toBe('outside-catalog');
  });

  test.each([
    ['a Bedrock record names its catalog id', { catalog_model_id: 'claude-sonnet-4-6' }],
    ['a Bedrock record written before catalog_model_id existed', { catalog_model_id: undefined }],
  ])('%s: counted under the catalog model, not outside it', (_name, catalogField) => {
    // Prepare: on Bedrock model_id is the inference-profile id the proxy invoked.
    const bedrockCall = record({
      provider: 'bedrock',
      model_id: 'global.anthropic.claude-sonnet-4-6',
      inference_geo_actual: 'global',
      pii_counts: {},
      ...catalogField,
    });

    // Act
    const [call] = callMetricDocuments(bedrockCall, context);

    // Assess
    expect(values(call).ModelOutsideCatalog).toBe(0);
    expect(call?.dimensions.Model).toBe('claude-sonnet-4-6');
  });

  test('PII: one document per type, sorted, zero counts dropped, invalid type names bounded', () => {
    const documents = callMetricDocuments(
      record({ pii_counts: { IN_PAN: 2, EMAIL: 3, IN_AADHAAR: 0, 'not a type': 1 } }),
      context,
    );
    expect(values(documents[0]).PiiDetections).toBe(6);
    expect(documents.slice(1).map((d) => [d.dimensions.PiiType, values(d).PiiDetections])).toEqual([
      ['EMAIL', 3],
      ['IN_PAN', 2],
      ['other', 1],
    ]);
  });

  test.each([
    ['Monday 10:00 IST is inside business hours', '2026-11-23T04:30:00.000Z', 0],
    ['Monday 23:00 IST is outside', '2026-11-23T17:30:00.000Z', 1],
    ['Sunday noon IST is outside', '2026-11-22T06:30:00.000Z', 1],
  ])('business hours from the record ts: %s', (_name, ts, expected) => {
    const [call] = callMetricDocuments(record({ tenant_id: 'night-shift', ts, pii_counts: {} }), context);
    expect(values(call).CallsOutsideBusinessHours).toBe(expected);
  });

  test('tenants without business hours emit no CallsOutsideBusinessHours at all', () => {
    const [call] = callMetricDocuments(record({ ts: '2026-11-22T06:30:00.000Z' }), context);
    expect(values(call)).not.toHaveProperty('CallsOutsideBusinessHours');
  });
});

describe('InMemoryGatewayMetrics', () => {
  test('buffers until flush, then writes every document once', () => {
    const metrics = new InMemoryGatewayMetrics(context);
    metrics.recordCall(completeRecord);
    metrics.recordAuditWriteFailure('acme-support');
    metrics.recordDeadLettered('acme-support');
    expect(metrics.documents).toHaveLength(0);
    metrics.flush();
    metrics.flush();
    expect(metrics.documents.map((d) => d.metrics.map((m) => m.name).join(','))).toEqual([
      expect.stringContaining('Requests'),
      'PiiDetections',
      'AuditWriteFailures',
      'DeadLetteredRecords',
    ]);
    expect(metrics.documents[2]?.dimensionSets).toEqual([[], ['Tenant']]);
  });
});
