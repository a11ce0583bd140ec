/**
 * Request metrics through the real handler: the real Anthropic adapter against the fake upstream on loopback, an
 * in-memory audit sink and {@link InMemoryGatewayMetrics}. Names and dimensions come from `metric-names.ts`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { startDevServer } from '../../../lambdas/local/dev-server';
import type { GatewayRequest, ResponseWriter } from '../../../lambdas/proxy/gateway-http';
import { type GatewayHandlerDeps, makeGatewayHandler } from '../../../lambdas/proxy/handler';
import { createAnthropicModelClient } from '../../../lambdas/shared/adapters/anthropic-model-client';
import type { AuditRecord } from '../../../lambdas/shared/audit/record';
import {
  InMemoryGatewayMetrics,
  type MetricDocument,
  metricsContextFromTenants,
} from '../../../lambdas/shared/observability/gateway-metrics';
import { DIMENSIONS, METRICS, type MetricName } from '../../../lambdas/shared/observability/metric-names';
import { createTokenizer } from '../../../lambdas/shared/pii';
import { DENY_REASONS } from '../../../lambdas/shared/policy/evaluate';
import { tenantConfigSchema } from '../../../lambdas/shared/policy/tenant-config';
import { DEFAULT_USAGE, type FakeAnthropic, startFakeAnthropic } from '../../helpers/fake-anthropic';
import { fixedDataKeyProvider } from '../../helpers/fixed-data-key-provider';

const EMAIL = 'priya.nair@example.com';
const AADHAAR = '2345 6789 0124';
const PROMPT = `Customer ${EMAIL} (Aadhaar ${AADHAAR}) asks about the refund for order 4411.`;
const SECRET = Buffer.alloc(32, 5);
const MODEL_ID = 'claude-sonnet-4-6';

const tenant = tenantConfigSchema.parse({ id: 'acme', provider: 'anthropic', models: { sonnet: MODEL_ID } });

let fake: FakeAnthropic;

beforeAll(async () => {
  fake = await startFakeAnthropic();
});

afterEach(() => fake.reset());

afterAll(async () => {
  await fake.close();
});

/** A response writer that remembers how many metric documents had been written when the response ended. */
class RecordingResponse implements ResponseWriter {
  status = 0;
  chunks: string[] = [];
  documentsWhenEnded: number | null = null;
  documentsAtEachWrite: number[] = [];
  readonly closed = false;
  readonly disconnected = new Promise<void>(() => undefined);
  constructor(private readonly metrics: InMemoryGatewayMetrics) {}
  start(status: number): void {
    this.status = status;
  }
  write(chunk: string): void {
    this.documentsAtEachWrite.push(this.metrics.documents.length);
    this.chunks.push(chunk);
  }
  end(): void {
    this.documentsWhenEnded ??= this.metrics.documents.length;
  }
}

type Sink = GatewayHandlerDeps['auditSink'];

function setup(options: { sink?: (records: AuditRecord[]) => Sink } = {}) {
  const records: AuditRecord[] = [];
  const deadLetters: AuditRecord[] = [];
  const metrics = new InMemoryGatewayMetrics(metricsContextFromTenants([tenant]));
  const handler = makeGatewayHandler({
    tenantPolicy: (id) => (id === tenant.id ? tenant : undefined),
    modelClient: () => createAnthropicModelClient({ apiKey: 'upstream-key', baseURL: fake.url }),
    auditSink: options.sink?.(records) ?? { put: async (record) => void records.push(record) },
    deadLetter: { send: async (record) => void deadLetters.push(record) },
    tokenizerFor: (tenantId) => createTokenizer({ secret: SECRET, tenantId }),
    dataKeyProvider: fixedDataKeyProvider,
    logger: new Logger({ serviceName: 'test', logLevel: 'CRITICAL' }),
    retry: { baseDelayMs: 0, maxDelayMs: 0 },
    metrics,
  });
  const call = async (json: Record<string, unknown>): Promise<RecordingResponse> => {
    const response = new RecordingResponse(metrics);
    const request: GatewayRequest = {
      method: 'POST',
      path: '/v1/messages',
      headers: {},
      body: JSON.stringify(json),
      identity: { tenantId: tenant.id, principal: 'acme/key-1' },
    };
    await handler(request, response);
    return response;
  };
  return { call, metrics, records, deadLetters };
}

const request = (overrides: Record<string, unknown> = {}) => ({
  model: 'sonnet',
  max_tokens: 64,
  messages: [{ role: 'user', content: PROMPT }],
  ...overrides,
});

/** The documents that carry a data point of this metric. */
function withMetric(documents: readonly MetricDocument[], name: MetricName): MetricDocument[] {
  return documents.filter((document) => document.metrics.some((metric) => metric.name === name));
}

function pointValue(document: MetricDocument | undefined, name: MetricName): number | undefined {
  return document?.metrics.find((metric) => metric.name === name)?.value;
}

/** The per-call document (the one published per tenant and model). */
function callDocument(documents: readonly MetricDocument[]): MetricDocument | undefined {
  return documents.find((document) => document.dimensions[DIMENSIONS.model] !== undefined);
}

describe('makeGatewayHandler metrics', () => {
  test('an OK call: Requests, tokens, cost and latency for the tenant and model', async () => {
    // Prepare
    const { call, metrics, records } = setup();
    // Act
    const response = await call(request());
    // Assess
    expect(response.status).toBe(200);
    const post = records.find((record) => record.event === 'post_call');
    expect(post).toMatchObject({ status: 'ok', model_id: MODEL_ID });
    const document = callDocument(metrics.documents);
    expect(document?.dimensions).toEqual({ [DIMENSIONS.tenant]: tenant.id, [DIMENSIONS.model]: MODEL_ID });
    expect(document?.dimensionSets).toEqual([[], [DIMENSIONS.tenant], [DIMENSIONS.tenant, DIMENSIONS.model]]);
    expect(pointValue(document, METRICS.requests.name)).toBe(1);
    expect(pointValue(document, METRICS.denials.name)).toBe(0);
    expect(pointValue(document, METRICS.upstreamErrors.name)).toBe(0);
    expect(pointValue(document, METRICS.inputTokens.name)).toBe(DEFAULT_USAGE.input_tokens);
    expect(pointValue(document, METRICS.outputTokens.name)).toBe(DEFAULT_USAGE.output_tokens);
    expect(pointValue(document, METRICS.cacheReadInputTokens.name)).toBe(DEFAULT_USAGE.cache_read_input_tokens);
    expect(pointValue(document, METRICS.cacheCreationInputTokens.name)).toBe(DEFAULT_USAGE.cache_creation_input_tokens);
    expect(post?.cost_usd).toBeGreaterThan(0);
    expect(pointValue(document, METRICS.costUsd.name)).toBe(post?.cost_usd);
    expect(pointValue(document, METRICS.latencyMs.name)).toBe(post?.latency_ms);
    expect(pointValue(document, METRICS.latencyMs.name)).toBeGreaterThan(0);
    expect(document?.metrics.find((metric) => metric.name === METRICS.costUsd.name)?.unit).toBe(METRICS.costUsd.unit);
    expect(document?.metrics.find((metric) => metric.name === METRICS.latencyMs.name)?.unit).toBe(
      METRICS.latencyMs.unit,
    );
    // One call, one Requests data point; nothing counted as a failure.
    expect(withMetric(metrics.documents, METRICS.requests.name)).toHaveLength(1);
    expect(withMetric(metrics.documents, METRICS.auditWriteFailures.name)).toHaveLength(0);
    expect(withMetric(metrics.documents, METRICS.deadLetteredRecords.name)).toHaveLength(0);
  });

  test('an OK streamed call is counted once, with the usage of the stream', async () => {
    // Prepare
    const { call, metrics } = setup();
    // Act
    const response = await call(request({ stream: true }));
    // Assess
    expect(response.status).toBe(200);
    const document = callDocument(metrics.documents);
    expect(pointValue(document, METRICS.requests.name)).toBe(1);
    expect(pointValue(document, METRICS.outputTokens.name)).toBe(DEFAULT_USAGE.output_tokens);
    expect(withMetric(metrics.documents, METRICS.requests.name)).toHaveLength(1);
  });

  test('a denied call (unpinned -latest model): a Denials document with the deny reason, no upstream call', async () => {
    // Prepare
    const { call, metrics } = setup();
    // Act
    const response = await call(request({ model: 'claude-sonnet-latest' }));
    // Assess: a refused model is a 404, as Anthropic answers a model it does not serve
    expect(response.status).toBe(404);
    expect(fake.calls).toHaveLength(0);
    const document = callDocument(metrics.documents);
    expect(pointValue(document, METRICS.requests.name)).toBe(1);
    expect(pointValue(document, METRICS.denials.name)).toBe(1);
    const byReason = metrics.documents.filter((doc) => doc.dimensions[DIMENSIONS.reason] !== undefined);
    expect(byReason).toEqual([
      {
        dimensions: { [DIMENSIONS.tenant]: tenant.id, [DIMENSIONS.reason]: DENY_REASONS.unpinnedModel },
        dimensionSets: [[DIMENSIONS.tenant, DIMENSIONS.reason]],
        metrics: [{ name: METRICS.denials.name, unit: METRICS.denials.unit, value: 1 }],
      },
    ]);
  });

  test('a sink that rejects the pre-call record: AuditWriteFailures, no upstream call, no Requests', async () => {
    // Prepare
    const { call, metrics, deadLetters } = setup({ sink: () => ({ put: () => Promise.reject(new Error('down')) }) });
    // Act
    const response = await call(request());
    // Assess
    expect(response.status).toBe(503);
    expect(fake.calls).toHaveLength(0);
    // The refusal's post-call record (the pre-call write may have landed unseen) goes to the dead letter.
    expect(deadLetters).toMatchObject([{ event: 'post_call', status: 'gateway_error', upstream_attempts: 0 }]);
    expect(metrics.documents).toEqual([
      {
        dimensions: { [DIMENSIONS.tenant]: tenant.id },
        dimensionSets: [[], [DIMENSIONS.tenant]],
        metrics: [{ name: METRICS.auditWriteFailures.name, unit: METRICS.auditWriteFailures.unit, value: 1 }],
      },
    ]);
  });

  test('a sink that accepts the pre-call but rejects the post-call: AuditWriteFailures + DeadLetteredRecords', async () => {
    // Prepare
    const { call, metrics, deadLetters } = setup({
      sink: (records) => ({
        put: async (record) => {
          if (record.event !== 'pre_call') throw new Error('down');
          records.push(record);
        },
      }),
    });
    // Act
    const response = await call(request());
    // Assess
    expect(response.status).toBe(200);
    expect(fake.calls).toHaveLength(1);
    expect(deadLetters).toEqual([expect.objectContaining({ event: 'post_call', status: 'ok' })]);
    // The call itself is still counted.
    expect(pointValue(callDocument(metrics.documents), METRICS.requests.name)).toBe(1);
    for (const metric of [METRICS.auditWriteFailures, METRICS.deadLetteredRecords]) {
      const documents = withMetric(metrics.documents, metric.name);
      expect(documents).toHaveLength(1);
      expect(documents[0]?.dimensions).toEqual({ [DIMENSIONS.tenant]: tenant.id });
      expect(pointValue(documents[0], metric.name)).toBe(1);
    }
  });

  test('nothing is written before the response is complete; the flush comes after, once per request', async () => {
    // Prepare
    const { call, metrics } = setup({ sink: () => ({ put: async () => undefined }) });
    const cases = [
      { json: request(), status: 200 },
      { json: request({ stream: true }), status: 200 },
      { json: request({ model: 'claude-sonnet-latest' }), status: 404 },
    ];
    for (const { json, status } of cases) {
      const before = metrics.documents.length;
      // Act
      const response = await call(json);
      // Assess: the client had its whole answer before any document was written, then the request's documents.
      expect(response.status).toBe(status);
      expect(response.documentsWhenEnded).toBe(before);
      expect(response.documentsAtEachWrite.every((count) => count === before)).toBe(true);
      expect(withMetric(metrics.documents.slice(before), METRICS.requests.name)).toHaveLength(1);
    }
    // Pre-call rejected: the 503 is sent before the failure counter is written.
    const failing = setup({ sink: () => ({ put: () => Promise.reject(new Error('down')) }) });
    const refused = await failing.call(request());
    expect(refused.status).toBe(503);
    expect(refused.documentsWhenEnded).toBe(0);
    expect(failing.metrics.documents).toHaveLength(1);
  });

  test('the PII of the prompt never appears in a metric document', async () => {
    // Prepare
    const { call, metrics, records } = setup({
      sink: (kept) => ({
        put: async (record) => {
          kept.push(record);
          if (record.event === 'post_call') throw new Error('down');
        },
      }),
    });
    // Act: OK (post-call dead-lettered), streamed, and denied calls, all carrying the PII.
    await call(request());
    await call(request({ stream: true }));
    await call(request({ model: 'claude-sonnet-latest' }));
    // Assess: the PII was detected (so the documents had every chance to carry it) ...
    expect(records.find((record) => record.event === 'pre_call')?.pii_counts).toMatchObject({
      EMAIL: 1,
      IN_AADHAAR: 1,
    });
    const piiTypes = withMetric(metrics.documents, METRICS.piiDetections.name)
      .map((document) => document.dimensions[DIMENSIONS.piiType])
      .filter((type) => type !== undefined);
    expect(piiTypes).toEqual(expect.arrayContaining(['EMAIL', 'IN_AADHAAR']));
    // ... and only its type and count reached the metrics: no value, no token, no prompt text.
    const written = JSON.stringify(metrics.documents);
    expect(written).not.toContain(EMAIL);
    expect(written).not.toContain('priya');
    expect(written).not.toContain(AADHAAR);
    expect(written).not.toContain(AADHAAR.replaceAll(' ', ''));
    expect(written).not.toMatch(/\[[A-Z_]+_[0-9a-z]{6,}\]/);
  });
});

describe('startDevServer metrics option', () => {
  test('passes the metrics to the handler', async () => {
    // Prepare
    const stateDir = mkdtempSync(join(tmpdir(), 'gateway-metrics-'));
    const metrics = new InMemoryGatewayMetrics(metricsContextFromTenants([]));
    const gateway = await startDevServer({
      port: 0,
      stateDir,
      anthropicBaseUrl: fake.url,
      anthropicApiKey: 'upstream-key',
      tokenSecret: SECRET,
      logLevel: 'ERROR',
      auditSink: { put: async () => undefined },
      deadLetter: { send: async () => undefined },
      metrics,
    });
    try {
      // Act
      const response = await fetch(`${gateway.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': 'local-dev-key' },
        body: JSON.stringify(request()),
      });
      await response.text();
      // The post-call record and the flush follow the response: wait for them.
      for (let i = 0; i < 200 && metrics.documents.length === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      // Assess
      expect(response.status).toBe(200);
      const document = callDocument(metrics.documents);
      expect(document?.dimensions[DIMENSIONS.tenant]).toBe('local-dev');
      expect(pointValue(document, METRICS.requests.name)).toBe(1);
    } finally {
      await gateway.close();
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
