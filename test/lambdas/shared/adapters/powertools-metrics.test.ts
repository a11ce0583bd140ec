import { PowertoolsGatewayMetrics } from '../../../../lambdas/shared/adapters/powertools-metrics';
import type { AuditRecord } from '../../../../lambdas/shared/audit/record';
import { InvalidTimeZoneError } from '../../../../lambdas/shared/observability/business-hours';
import { metricsContextFromTenants } from '../../../../lambdas/shared/observability/gateway-metrics';
import { completeRecord } from '../../../helpers/audit-record-fixture';

interface EmfDocument {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: Array<{
      Namespace: string;
      Dimensions: string[][];
      Metrics: Array<{ Name: string; Unit: string }>;
    }>;
  };
  [key: string]: unknown;
}

const context = metricsContextFromTenants([
  { id: 'acme-support', models: { sonnet: 'claude-sonnet-4-6' } },
  {
    id: 'night-shift',
    models: { sonnet: 'claude-sonnet-4-6' },
    businessHours: { timezone: 'Asia/Kolkata', days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00' },
  },
]);

/** Runs `act` and returns what was written to stdout, and to stderr (Powertools warnings). */
function capture(act: () => void): { documents: EmfDocument[]; stderr: string } {
  const out: string[] = [];
  const err: string[] = [];
  const toText = (chunk: string | Uint8Array) => (typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out.push(toText(chunk));
    return true;
  });
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err.push(toText(chunk));
    return true;
  });
  try {
    act();
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
  const documents = out
    .join('')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as EmfDocument);
  return { documents, stderr: err.join('') };
}

function directive(document: EmfDocument | undefined) {
  const first = document?._aws.CloudWatchMetrics[0];
  if (!first) throw new Error('not an EMF document');
  return first;
}

describe('PowertoolsGatewayMetrics', () => {
  test('nothing is written before flush; flush writes one EMF document for the call plus one per PII type', () => {
    // Prepare
    const metrics = new PowertoolsGatewayMetrics({ context });
    // Act
    const recorded = capture(() => metrics.recordCall(completeRecord));
    const { documents, stderr } = capture(() => metrics.flush());
    // Assess
    expect(recorded.documents).toEqual([]);
    expect(stderr).toBe('');
    expect(documents).toHaveLength(2);
    const [call, pii] = documents;
    expect(directive(call)).toEqual({
      Namespace: 'ClaudeComplianceGateway',
      Dimensions: [['service'], ['service', 'Tenant'], ['service', 'Tenant', 'Model']],
      Metrics: [
        { Name: 'Requests', Unit: 'Count' },
        { Name: 'Denials', Unit: 'Count' },
        { Name: 'Rejections', Unit: 'Count' },
        { Name: 'UpstreamErrors', Unit: 'Count' },
        { Name: 'UnknownFeatures', Unit: 'Count' },
        { Name: 'LatencyMs', Unit: 'Milliseconds' },
        { Name: 'TimeToFirstTokenMs', Unit: 'Milliseconds' },
        { Name: 'InputTokens', Unit: 'Count' },
        { Name: 'OutputTokens', Unit: 'Count' },
        { Name: 'CacheReadInputTokens', Unit: 'Count' },
        { Name: 'CacheCreationInputTokens', Unit: 'Count' },
        { Name: 'CostUsd', Unit: 'None' },
        { Name: 'PiiDetections', Unit: 'Count' },
        { Name: 'ModelOutsideCatalog', Unit: 'Count' },
      ],
    });
    expect(call).toMatchObject({
      service: 'claude-compliance-gateway',
      Tenant: 'acme-support',
      Model: 'claude-sonnet-4-6',
      Requests: 1,
      LatencyMs: 812.5,
      CacheReadInputTokens: 1000,
      CostUsd: 0.000825,
    });
    expect(directive(pii).Dimensions).toEqual([['service', 'Tenant', 'PiiType']]);
    expect(pii).toMatchObject({ Tenant: 'acme-support', PiiType: 'EMAIL', PiiDetections: 1 });
  });

  test('no request id, principal, prompt or completion ends up in the EMF output', () => {
    const metrics = new PowertoolsGatewayMetrics({ context });
    metrics.recordCall(completeRecord);
    const { documents } = capture(() => metrics.flush());
    const text = JSON.stringify(documents);
    for (const value of [
      completeRecord.request_id,
      completeRecord.principal,
      completeRecord.prompt_redacted,
      completeRecord.completion_redacted,
      completeRecord.upstream_request_id,
    ]) {
      expect(text).not.toContain(String(value));
    }
  });

  test('a denial writes Denials by Reason in its own document', () => {
    const record: AuditRecord = {
      ...completeRecord,
      event: 'denied',
      status: 'denied',
      deny_reason: 'residency_not_allowed',
      model_id: null,
      catalog_model_id: null,
      pii_counts: {},
    };
    const metrics = new PowertoolsGatewayMetrics({ context });
    metrics.recordCall(record);
    const { documents } = capture(() => metrics.flush());
    expect(documents).toHaveLength(2);
    expect(documents[0]).toMatchObject({ Model: 'none', Denials: 1, Requests: 1 });
    expect(directive(documents[1]).Dimensions).toEqual([['service', 'Tenant', 'Reason']]);
    expect(documents[1]).toMatchObject({ Reason: 'residency_not_allowed', Denials: 1 });
  });

  test('audit write failures and dead-lettered records: totals and per tenant', () => {
    const metrics = new PowertoolsGatewayMetrics({ context });
    metrics.recordAuditWriteFailure('acme-support');
    metrics.recordDeadLettered('acme-support');
    const { documents } = capture(() => metrics.flush());
    expect(documents.map((d) => directive(d))).toEqual([
      {
        Namespace: 'ClaudeComplianceGateway',
        Dimensions: [['service'], ['service', 'Tenant']],
        Metrics: [{ Name: 'AuditWriteFailures', Unit: 'Count' }],
      },
      {
        Namespace: 'ClaudeComplianceGateway',
        Dimensions: [['service'], ['service', 'Tenant']],
        Metrics: [{ Name: 'DeadLetteredRecords', Unit: 'Count' }],
      },
    ]);
    expect(documents[0]).toMatchObject({ AuditWriteFailures: 1, Tenant: 'acme-support' });
  });

  test('calls outside business hours are counted for tenants that set them', () => {
    const metrics = new PowertoolsGatewayMetrics({ context });
    metrics.recordCall({ ...completeRecord, tenant_id: 'night-shift', ts: '2026-11-23T20:00:00.000Z', pii_counts: {} });
    const { documents } = capture(() => metrics.flush());
    expect(documents).toHaveLength(1);
    expect(documents[0]).toMatchObject({ Tenant: 'night-shift', CallsOutsideBusinessHours: 1 });
    expect(directive(documents[0]).Metrics).toContainEqual({ Name: 'CallsOutsideBusinessHours', Unit: 'Count' });
  });

  test('flush with nothing recorded writes nothing and warns nothing', () => {
    const metrics = new PowertoolsGatewayMetrics({ context });
    expect(capture(() => metrics.flush())).toEqual({ documents: [], stderr: '' });
  });

  test('an unknown business-hours time zone fails at construction, naming the zone', () => {
    const bad = metricsContextFromTenants([
      {
        id: 'x1',
        models: { s: 'm' },
        businessHours: { timezone: 'Asia/Bombay_Typo', days: [1], start: '09:00', end: '17:00' },
      },
    ]);
    expect(() => new PowertoolsGatewayMetrics({ context: bad })).toThrow(InvalidTimeZoneError);
  });
});
