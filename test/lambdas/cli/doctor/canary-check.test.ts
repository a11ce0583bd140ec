/**
 * The canary against a real HTTP server on loopback standing in for the deployed API (same paths, headers and
 * Anthropic-shaped answers), with S3, Secrets Manager and CloudTrail mocked at the client.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import {
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CANARY_PROMPT,
  type CanaryOptions,
  canaryCheck,
  tenantKeySecretId,
} from '../../../../lambdas/cli/doctor/canary-check';
import { runCheck } from '../../../../lambdas/cli/doctor/check';
import { auditObjectKey } from '../../../../lambdas/shared/audit/object-key';
import type { AuditRecord } from '../../../../lambdas/shared/audit/record';
import { completeRecord } from '../../../helpers/audit-record-fixture';
import { AUDIT_BUCKET, CANARY_SECRET, contextFixture, DAY_MS, outputsFixture } from './fixtures';

const TENANT_KEY = 'gw_sample_tenant_key_0123456789abcdef';
const REQUEST_ID = 'req_01JDOCTORCANARY0000000001';
const UPSTREAM_ID = '7c9e6679-7425-40de-944b-e07fc1f90ae7';

const s3 = mockClient(S3Client);
const secrets = mockClient(SecretsManagerClient);
const cloudTrail = mockClient(CloudTrailClient);

interface Seen {
  readonly method: string;
  readonly path: string;
  readonly apiKey: string | undefined;
  readonly body: unknown;
}
let server: Server;
let apiUrl: string;
let seen: Seen[];
let messagesStatus: number;
let streamEvents: Array<[string, unknown]> | undefined;

/** What the gateway relays for a one-word answer: Anthropic's event sequence. */
const SSE_EVENTS: Array<[string, unknown]> = [
  ['message_start', { type: 'message_start', message: { id: 'msg_1', role: 'assistant', content: [] } }],
  ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }],
  ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'ok' } }],
  ['content_block_stop', { type: 'content_block_stop', index: 0 }],
  ['message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 1 } }],
  ['message_stop', { type: 'message_stop' }],
];

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const text = await readBody(req);
    seen.push({
      method: req.method ?? '',
      path: req.url ?? '',
      apiKey: req.headers['x-api-key'] as string | undefined,
      body: text ? JSON.parse(text) : undefined,
    });
    const json = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(payload));
    };
    if (req.headers['x-api-key'] !== TENANT_KEY) {
      json(401, { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } });
    } else if (req.method === 'GET' && req.url === '/prod/v1/models') {
      json(200, {
        data: [
          { type: 'model', id: 'sonnet' },
          { type: 'model', id: 'haiku' },
        ],
        has_more: false,
      });
    } else if (req.method === 'POST' && req.url === '/prod/v1/messages' && messagesStatus === 200) {
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'request-id': REQUEST_ID });
      const events = streamEvents ?? SSE_EVENTS;
      for (const [event, data] of events) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      res.end();
    } else {
      json(
        messagesStatus,
        { type: 'error', error: { type: 'permission_error', message: 'model not allowed' } },
        { 'request-id': REQUEST_ID },
      );
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/prod`;
});
afterAll(() => server.close());

/** A clock that `sleep` advances, so waits run instantly. */
function fakeTime(start: string) {
  let now = new Date(start).getTime();
  return {
    now: () => new Date(now),
    sleep: async (ms: number) => {
      now += ms;
    },
  };
}

const started = '2026-12-04T12:00:05.000Z';
const record = (event: 'pre_call' | 'post_call', overrides: Partial<AuditRecord> = {}): AuditRecord => ({
  ...completeRecord,
  event,
  request_id: REQUEST_ID,
  tenant_id: 'sample-tenant',
  ts: started,
  provider: 'bedrock',
  upstream_request_id: UPSTREAM_ID,
  ...overrides,
});
const preKey = auditObjectKey(record('pre_call'));
const postKey = auditObjectKey(record('post_call'));

const bodyOf = (value: unknown) =>
  ({ transformToString: async () => JSON.stringify(value) }) as unknown as GetObjectCommandOutput['Body'];

const bedrockEvent = (requestID: string) => ({
  EventId: `evt-${requestID.slice(0, 4)}`,
  EventName: 'InvokeModel',
  Username: 'ClaudeGateway-proxy-ap-south-1',
  CloudTrailEvent: JSON.stringify({ eventSource: 'bedrock.amazonaws.com', requestID }),
});

beforeEach(() => {
  seen = [];
  messagesStatus = 200;
  streamEvents = undefined;
  s3.reset();
  secrets.reset();
  cloudTrail.reset();
  secrets
    .on(GetSecretValueCommand)
    .resolves({ SecretString: JSON.stringify({ currentId: 'k1', current: TENANT_KEY }) });
  s3.on(ListObjectsV2Command).resolves({
    Contents: [{ Key: preKey.replace(REQUEST_ID, 'req_other') }, { Key: preKey }, { Key: postKey }],
  });
  s3.on(GetObjectCommand, { Key: postKey }).resolves({ Body: bodyOf(record('post_call')) });
  s3.on(HeadObjectCommand).resolves({
    ObjectLockMode: 'COMPLIANCE',
    ObjectLockRetainUntilDate: new Date(new Date(started).getTime() + 365 * DAY_MS),
    LastModified: new Date(started),
  });
  cloudTrail
    .on(LookupEventsCommand)
    .resolvesOnce({ Events: [bedrockEvent('someone-else')], NextToken: 'more' })
    .resolves({ Events: [bedrockEvent(UPSTREAM_ID)] });
});

const options = (overrides: Partial<CanaryOptions> = {}): CanaryOptions => ({
  recordWaitMs: 30_000,
  cloudTrailWaitMs: 600_000,
  pollIntervalMs: 10_000,
  ...overrides,
});

function run(canaryOptions = options(), time = fakeTime(started)) {
  const check = canaryCheck({
    s3: new S3Client({}),
    secrets: new SecretsManagerClient({}),
    cloudTrail: new CloudTrailClient({}),
    ...time,
    options: canaryOptions,
  });
  return runCheck(check, contextFixture({ gateway: { ApiUrl: apiUrl } }), Date.now);
}

describe('canaryCheck', () => {
  it('calls the API with the tenant key from its secret and finds both records and the CloudTrail event', async () => {
    const result = await run();

    expect(result).toMatchObject({ id: 'canary', status: 'pass' });
    expect(secrets.commandCalls(GetSecretValueCommand)[0]?.args[0].input).toEqual({ SecretId: CANARY_SECRET });
    expect(seen.map((request) => `${request.method} ${request.path} ${request.apiKey === TENANT_KEY}`)).toEqual([
      'GET /prod/v1/models true',
      'POST /prod/v1/messages true',
    ]);
    expect(seen[1]?.body).toEqual({
      model: 'sonnet',
      max_tokens: 8,
      stream: true,
      messages: [{ role: 'user', content: CANARY_PROMPT }],
    });
    // Listing starts a minute before the call, inside the tenant's prefix for that day.
    expect(s3.commandCalls(ListObjectsV2Command)[0]?.args[0].input).toEqual({
      Bucket: AUDIT_BUCKET,
      Prefix: 'audit/v1/dt=2026-12-04/tenant=sample-tenant/',
      StartAfter: 'audit/v1/dt=2026-12-04/tenant=sample-tenant/115905',
      ContinuationToken: undefined,
    });
    expect(s3.commandCalls(HeadObjectCommand).map((call) => call.args[0].input.Key)).toEqual([preKey, postKey]);
    const lookups = cloudTrail.commandCalls(LookupEventsCommand).map((call) => call.args[0].input);
    expect(lookups).toHaveLength(2);
    expect(lookups[0]?.LookupAttributes).toEqual([
      { AttributeKey: 'EventSource', AttributeValue: 'bedrock.amazonaws.com' },
    ]);
    expect(lookups[0]?.StartTime).toEqual(new Date('2026-12-04T11:59:05.000Z'));
    expect(lookups[1]?.NextToken).toBe('more');
    expect(result.details).toEqual(
      expect.arrayContaining([
        `request-id ${REQUEST_ID}`,
        'CloudTrail InvokeModel evt-7c9e by ClaudeGateway-proxy-ap-south-1',
      ]),
    );
    expect(JSON.stringify(result)).not.toContain(TENANT_KEY);
  });

  it('uses a key and model given by flag without reading the secret', async () => {
    const result = await run(options({ apiKey: TENANT_KEY, tenantId: 'sample-tenant', model: 'haiku' }));

    expect(result.status).toBe('pass');
    expect(secrets.calls()).toHaveLength(0);
    expect(seen.map((request) => request.path)).toEqual(['/prod/v1/messages']);
    expect(seen[0]?.body).toMatchObject({ model: 'haiku' });
  });

  it('needs no CloudTrail event for the Anthropic provider', async () => {
    s3.on(GetObjectCommand, { Key: postKey }).resolves({
      Body: bodyOf(record('post_call', { provider: 'anthropic' })),
    });

    const result = await run();

    expect(result.status).toBe('pass');
    expect(result.details).toContain('provider anthropic: no CloudTrail event applies');
    expect(cloudTrail.calls()).toHaveLength(0);
  });

  it('fails with the Anthropic-shaped error the API answered', async () => {
    messagesStatus = 403;

    const result = await run();

    expect(result.status).toBe('fail');
    expect(result.summary).toBe('POST /v1/messages answered 403: permission_error: model not allowed');
    expect(result.details).toEqual([`request-id ${REQUEST_ID}`]);
  });

  it('fails when the stream stops before message_stop (no streaming end to end)', async () => {
    streamEvents = SSE_EVENTS.slice(0, 3);

    const result = await run();

    expect(result.summary).toBe('the 200 answer is not a complete event stream (no message_stop event)');
    expect(s3.calls()).toHaveLength(0);
  });

  it('fails on a refused key, before any message is sent', async () => {
    secrets
      .on(GetSecretValueCommand)
      .resolves({ SecretString: JSON.stringify({ current: 'a-different-key-0123456789abcdef' }) });

    const result = await run();

    expect(result.summary).toBe('GET /v1/models answered 401: authentication_error: invalid x-api-key');
    expect(result.fix).toContain('authorizer refused');
  });

  it('waits for the post-call record, then fails pointing at the dead-letter queue', async () => {
    s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: preKey }] });

    const result = await run();

    expect(result.status).toBe('fail');
    expect(result.summary).toBe(`record(s) missing for ${REQUEST_ID}: post_call`);
    expect(result.fix).toContain('dead-letter queue');
    // 30 s of waiting at 10 s a poll: the first listing and three more.
    expect(s3.commandCalls(ListObjectsV2Command)).toHaveLength(4);
  });

  it('fails when a record is not locked for the configured retention', async () => {
    s3.on(HeadObjectCommand, { Key: postKey }).resolves({ LastModified: new Date(started) });

    const result = await run();

    expect(result.summary).toBe(`${postKey} has no Object Lock retention (or you lack s3:GetObjectRetention)`);
  });

  it('fails when the post-call record reports an upstream error', async () => {
    s3.on(GetObjectCommand, { Key: postKey }).resolves({
      Body: bodyOf(record('post_call', { status: 'upstream_error', http_status: 502 })),
    });
    expect((await run()).summary).toBe('the post-call record says status upstream_error for tenant sample-tenant');
  });

  it('gives up on the CloudTrail event after the wait, saying how to wait longer', async () => {
    cloudTrail.on(LookupEventsCommand).resolves({ Events: [bedrockEvent('someone-else')] });

    const result = await run(options({ cloudTrailWaitMs: 60_000 }));

    expect(result.summary).toBe(`no CloudTrail event with requestID ${UPSTREAM_ID} after 60 s`);
    expect(result.fix).toContain('--cloudtrail-wait-seconds');
    expect(cloudTrail.commandCalls(LookupEventsCommand)).toHaveLength(7);
  });

  it('lists both days when the call straddles midnight', async () => {
    s3.on(ListObjectsV2Command).resolves({ Contents: [] });

    await run(options({ recordWaitMs: 0 }), fakeTime('2026-12-04T23:59:50.000Z'));

    expect(s3.commandCalls(ListObjectsV2Command).map((call) => call.args[0].input.Prefix)).toEqual([
      'audit/v1/dt=2026-12-04/tenant=sample-tenant/',
      'audit/v1/dt=2026-12-05/tenant=sample-tenant/',
    ]);
  });
});

describe('tenantKeySecretId', () => {
  it('derives another tenant’s key secret from the canary tenant’s name', () => {
    expect(tenantKeySecretId(outputsFixture(), 'sample-tenant')).toBe(CANARY_SECRET);
    expect(tenantKeySecretId(outputsFixture(), 'acme')).toBe('ClaudeGateway-Gateway/tenants/acme/api-key');
  });
});
