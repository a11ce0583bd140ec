/**
 * Audit store faults with the REAL S3 and SQS clients (AWS SDK v3, their retry and timeout code) against loopback
 * servers that stall, reset, answer 500, or store and then reset, under the production adapters: S3AuditSink,
 * SqsAuditDeadLetter behind LastResortDeadLetter. Every combination of pre-call, post-call and dead-letter fault is
 * sent through the request path, streamed and not, all at once; then every pre-call record stored is matched with
 * its post-call record in S3, in the queue or on the log. Lost: 0. Fail closed: a pre-call write that does not
 * complete answers 503 within its deadline and the model is never called.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { GatewayRequest, ResponseWriter } from '../../lambdas/proxy/gateway-http';
import { makeGatewayHandler } from '../../lambdas/proxy/handler';
import {
  AUDIT_WRITE_DEADLINES,
  type AuditWriteDeadlines,
  auditWriteClientConfig,
} from '../../lambdas/shared/adapters/audit-write-deadline';
import { LastResortDeadLetter, LOGGED_RECORD_MARKER } from '../../lambdas/shared/adapters/last-resort-dead-letter';
import { S3AuditSink } from '../../lambdas/shared/adapters/s3-audit-sink';
import { SqsAuditDeadLetter } from '../../lambdas/shared/adapters/sqs-audit-dead-letter';
import type { AuditRecord } from '../../lambdas/shared/audit/record';
import { createTokenizer } from '../../lambdas/shared/pii';
import { tenantConfigSchema } from '../../lambdas/shared/policy/tenant-config';
import type { ModelClient, UpstreamStreamEvent } from '../../lambdas/shared/ports';
import { fixedDataKeyProvider } from '../helpers/fixed-data-key-provider';
import { FAULTS, type Fault, type RecordSeen, startLoopbackS3, startLoopbackSqs } from './loopback-aws';

const EMAIL = 'meera.iyer@example.in';
const QUEUE_URL = 'https://sqs.ap-south-1.amazonaws.com/111122223333/gateway-audit-dlq';
const tenant = tenantConfigSchema.parse({ id: 'acme', provider: 'anthropic', models: { sonnet: 'claude-sonnet-4-6' } });

/** Short deadlines so that a stall costs under a second; the production figures are tested separately below. */
const TEST_DEADLINES: AuditWriteDeadlines = {
  connectionTimeoutMs: 300,
  requestTimeoutMs: 600,
  maxAttempts: 2,
  deadlineMs: 1_500,
};

const BATCH = Number(process.env.FAULTS_BATCH ?? 48);

/** `flaky` = a 500 on the first attempt and success on the retry: the client's own retry must absorb it. */
type PlannedFault = Fault | 'flaky';
const PLANNED: readonly PlannedFault[] = [...FAULTS, 'flaky'];

interface Scenario {
  readonly label: string;
  readonly pre: PlannedFault;
  readonly post: PlannedFault;
  readonly deadLetter: PlannedFault;
  readonly stream: boolean;
  /** Ask for a model the tenant does not have: a `denied` record (written with the post-call fault). */
  readonly deny?: boolean;
}

function scenarios(): Scenario[] {
  const all: Scenario[] = [];
  for (const pre of PLANNED)
    for (const post of PLANNED)
      for (const deadLetter of PLANNED)
        for (const stream of [false, true]) {
          all.push({
            label: `pre:${pre}/post:${post}/dl:${deadLetter}/stream:${stream}`, // within the recorded use_case alphabet
            pre,
            post,
            deadLetter,
            stream,
          });
        }
  for (const post of PLANNED)
    for (const deadLetter of PLANNED) {
      all.push({
        label: `denied/post:${post}/dl:${deadLetter}`,
        pre: 'ok',
        post,
        deadLetter,
        stream: false,
        deny: true,
      });
    }
  return all;
}

function effective(fault: PlannedFault, attempt: number): Fault {
  if (fault === 'flaky') return attempt === 1 ? 'error500' : 'ok';
  return fault;
}

class MemoryResponse implements ResponseWriter {
  status = 0;
  headers: Record<string, string> = {};
  chunks: string[] = [];
  closed = false;
  readonly disconnected = new Promise<void>(() => undefined);
  start(status: number, headers: Readonly<Record<string, string>>): void {
    this.status = status;
    this.headers = { ...headers };
  }
  write(chunk: string): void {
    this.chunks.push(chunk);
  }
  end(): void {}
  get body(): string {
    return this.chunks.join('');
  }
}

function upstream(): ModelClient & { calls: string[] } {
  const calls: string[] = [];
  const usage = { input_tokens: 12, output_tokens: 4 };
  return {
    provider: 'anthropic',
    calls,
    createMessage: async (request) => {
      calls.push(JSON.stringify(request.body));
      return {
        upstreamRequestId: 'req_up',
        message: { type: 'message', role: 'assistant', content: [{ type: 'text', text: 'noted' }], usage },
      };
    },
    streamMessage: async (request) => {
      calls.push(JSON.stringify(request.body));
      const events: UpstreamStreamEvent[] = [
        { type: 'message_start', message: { type: 'message', role: 'assistant', content: [], usage } },
        { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
        { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'noted' } },
        { type: 'content_block_stop', index: 0 },
        { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 4 } },
        { type: 'message_stop' },
      ];
      return {
        upstreamRequestId: 'req_up',
        events: (async function* () {
          yield* events;
        })(),
      };
    },
    countTokens: async () => ({ input_tokens: 1 }),
  };
}

async function harness(
  plan: (scenarioLabel: string) => Scenario | undefined,
  deadlines: AuditWriteDeadlines = TEST_DEADLINES,
) {
  const scenarioOf = (record: RecordSeen) => plan(record.use_case ?? '');
  const s3 = await startLoopbackS3((record, attempt) => {
    const scenario = scenarioOf(record);
    if (!scenario) return 'ok';
    return effective(record.event === 'pre_call' ? scenario.pre : scenario.post, attempt);
  });
  const sqs = await startLoopbackSqs((record, attempt) => {
    const scenario = scenarioOf(record);
    return scenario ? effective(scenario.deadLetter, attempt) : 'ok';
  });
  // One Lambda execution environment serves one request at a time with its own clients (own sockets, own SDK
  // retry quota): so each request here gets its own clients and handler, as concurrent invocations would.
  const bounded = auditWriteClientConfig(deadlines);
  const clientConfig = {
    region: 'ap-south-1',
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' },
    ...bounded,
  };
  const clients: Array<{ destroy(): void }> = [];
  const logged: string[] = [];
  const client = upstream();
  const handlerForOneInvocation = () => {
    const s3Client = new S3Client({ ...clientConfig, endpoint: s3.url, forcePathStyle: true });
    const sqsClient = new SQSClient({ ...clientConfig, endpoint: sqs.url });
    clients.push(s3Client, sqsClient);
    return makeGatewayHandler({
      tenantPolicy: (id) => (id === tenant.id ? tenant : undefined),
      modelClient: () => client,
      auditSink: new S3AuditSink({ client: s3Client, bucket: 'audit-bucket', deadlineMs: deadlines.deadlineMs }),
      deadLetter: new LastResortDeadLetter({
        deadLetter: new SqsAuditDeadLetter({
          client: sqsClient,
          queueUrl: QUEUE_URL,
          deadlineMs: deadlines.deadlineMs,
        }),
        write: (line) => logged.push(line),
      }),
      tokenizerFor: (tenantId) => createTokenizer({ secret: Buffer.alloc(32, 9), tenantId }),
      dataKeyProvider: fixedDataKeyProvider,
      logger: new Logger({ serviceName: 'faults', logLevel: process.env.FAULTS_LOG === '1' ? 'ERROR' : 'SILENT' }),
      retry: { baseDelayMs: 0, maxDelayMs: 0 },
    });
  };
  const send = async (scenario: Pick<Scenario, 'label' | 'stream' | 'deny'>) => {
    const response = new MemoryResponse();
    const request: GatewayRequest = {
      method: 'POST',
      path: '/v1/messages',
      headers: { 'content-type': 'application/json', 'x-use-case': scenario.label },
      body: JSON.stringify({
        model: scenario.deny ? 'not-a-model-of-this-tenant' : 'sonnet',
        max_tokens: 16,
        stream: scenario.stream,
        messages: [{ role: 'user', content: `Refund for ${EMAIL}, please.` }],
      }),
      identity: { tenantId: tenant.id, principal: 'acme/key-1' },
    };
    const handler = handlerForOneInvocation();
    const started = performance.now();
    await handler(request, response);
    return { response, ms: performance.now() - started };
  };
  /** Every record the gateway produced, by where it ended up. */
  const ledger = () => {
    const stored = [...s3.objects.values()].map((body) => JSON.parse(body) as AuditRecord);
    const queued = sqs.messages.map((body) => (JSON.parse(body) as { record: AuditRecord }).record);
    const onLog = logged.map(
      (line) => (JSON.parse(line) as { gateway_audit_record: AuditRecord }).gateway_audit_record,
    );
    const postCallIds = new Set(
      [...stored, ...queued, ...onLog].filter((r) => r.event === 'post_call').map((r) => r.request_id),
    );
    const preCalls = stored.filter((r) => r.event === 'pre_call');
    const deniedIds = new Set(
      [...stored, ...queued, ...onLog].filter((r) => r.event === 'denied').map((r) => r.request_id),
    );
    return {
      stored,
      queued,
      onLog,
      preCalls,
      deniedIds,
      orphans: preCalls.filter((r) => !postCallIds.has(r.request_id)),
    };
  };
  return {
    send,
    ledger,
    logged,
    client,
    close: async () => {
      for (const c of clients) c.destroy();
      await Promise.all([s3.close(), sqs.close()]);
    },
  };
}

describe('audit store faults, real S3 and SQS clients on loopback servers', () => {
  const only = process.env.FAULTS_ONLY;
  const all = scenarios().filter((s) => only === undefined || s.label.includes(only));
  const byLabel = new Map(all.map((s) => [s.label, s]));

  it(`${all.length} requests, every pre/post/dead-letter fault combination: no lost record, no 5xx but 503`, async () => {
    // Prepare
    const h = await harness((label) => byLabel.get(label));
    try {
      // Act: one warm-up call, then batches sent at once, as concurrent invocations would be; batches keep the CPU
      // of a shared 2-core machine from eating the deadlines of healthy writes.
      await h.send({ label: 'warm-up', stream: false });
      const results: Array<{ scenario: Scenario; response: MemoryResponse; ms: number }> = [];
      for (let i = 0; i < all.length; i += BATCH) {
        const batch = all.slice(i, i + BATCH);
        results.push(
          ...(await Promise.all(batch.map(async (scenario) => ({ scenario, ...(await h.send(scenario)) })))),
        );
      }

      // Assess
      const { orphans, preCalls, queued, onLog, stored, deniedIds } = h.ledger();
      const denials = results.filter((r) => r.scenario.deny === true);
      const lostDenials = denials.filter((r) => !deniedIds.has(r.response.headers['request-id'] ?? ''));
      const summary = {
        inputs: results.length,
        preCallRecords: preCalls.length,
        postCallInS3: stored.filter((r) => r.event === 'post_call').length,
        recordsDeadLettered: queued.length,
        recordsOnLog: onLog.length,
        lost: orphans.length + lostDenials.length,
        deniedRecords: denials.length,
        status5xxOtherThan503: results.filter((r) => r.response.status >= 500 && r.response.status !== 503).length,
      };
      process.stdout.write(`audit-store-faults ${JSON.stringify(summary)}\n`);
      expect(orphans.map((r) => r.use_case)).toEqual([]);
      expect(lostDenials.map((r) => r.scenario.label)).toEqual([]);
      expect(summary.status5xxOtherThan503).toBe(0);
      const storedPreCallIds = new Set(preCalls.map((r) => r.request_id));
      for (const { scenario, response, ms } of results) {
        if (scenario.deny) {
          expect({ label: scenario.label, status: response.status }).toEqual({ label: scenario.label, status: 404 });
          continue;
        }
        const preFails = scenario.pre !== 'ok' && scenario.pre !== 'flaky';
        // A faulty pre-call write always refuses the call; a healthy one answers 200, or 503 when the shared
        // machine was too busy to read S3's answer within the deadline (counted below): fail closed either way.
        const expected = preFails ? [503] : [200, 503];
        expect({ label: scenario.label, ok: expected.includes(response.status) }).toEqual({
          label: scenario.label,
          ok: true,
        });
        if (response.status === 200) {
          // Answered only after its pre-call record was stored (the request-id header is the record's id).
          expect(storedPreCallIds.has(response.headers['request-id'] ?? '')).toBe(true);
        }
        if (response.status === 503) {
          expect(JSON.parse(response.body)).toMatchObject({ type: 'error', error: { type: 'api_error' } });
        }
        // Fail closed at once: within the deadlines of the writes on the path, plus scheduling slack.
        expect(ms).toBeLessThan(3 * TEST_DEADLINES.deadlineMs + 3_000);
      }
      // The model was called exactly for the calls that answered 200 (+1: the warm-up), never after a refusal.
      const answered = results.filter((r) => r.response.status === 200).length;
      expect(h.client.calls).toHaveLength(answered + 1);
      const healthy = results.filter(
        (r) => !r.scenario.deny && (r.scenario.pre === 'ok' || r.scenario.pre === 'flaky'),
      );
      process.stdout.write(
        `audit-store-faults healthy pre-call writes refused under load: ${healthy.length - answered} of ${healthy.length}\n`,
      );
      expect(answered).toBeGreaterThan(healthy.length / 2);
      // No raw PII on the last-resort log lines.
      for (const line of h.logged) {
        expect(line).not.toContain(EMAIL);
        expect(line).toContain(LOGGED_RECORD_MARKER);
        expect(JSON.parse(line)).toMatchObject({ AuditRecordsLoggedOnly: 1, Tenant: 'acme' });
      }
      expect(h.logged.length).toBeGreaterThan(0);
    } finally {
      await h.close();
    }
  });

  it('the production deadlines bound a stalled pre-call write: 503 in about 8 s, not 900 s', async () => {
    // Prepare
    const stalled: Scenario = { label: 'prod-stall', pre: 'stall', post: 'ok', deadLetter: 'ok', stream: false };
    const h = await harness((label) => (label === stalled.label ? stalled : undefined), AUDIT_WRITE_DEADLINES);
    try {
      // Act
      const { response, ms } = await h.send(stalled);

      // Assess
      expect(response.status).toBe(503);
      expect(JSON.parse(response.body)).toMatchObject({ type: 'error', error: { type: 'api_error' } });
      expect(ms).toBeGreaterThanOrEqual(AUDIT_WRITE_DEADLINES.deadlineMs - 1_000);
      expect(ms).toBeLessThan(AUDIT_WRITE_DEADLINES.deadlineMs + 2_000);
      expect(h.client.calls).toHaveLength(0);
    } finally {
      await h.close();
    }
  }, 30_000);

  it('sizes the deadlines below the Lambda timeouts: proxy (pre + post + dead letter) and authorizer (one write)', () => {
    const perWrite = Math.max(
      AUDIT_WRITE_DEADLINES.deadlineMs,
      AUDIT_WRITE_DEADLINES.maxAttempts *
        (AUDIT_WRITE_DEADLINES.connectionTimeoutMs + AUDIT_WRITE_DEADLINES.requestTimeoutMs),
    );
    expect(AUDIT_WRITE_DEADLINES.deadlineMs).toBeLessThan(10_000); // authorizer Lambda timeout: 10 s
    expect(3 * perWrite).toBeLessThan(900_000); // proxy Lambda timeout: 15 min
  });
});
